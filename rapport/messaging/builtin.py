"""What the messaging app registers at start-up: the person, owner and company merge sources
and the timeline wording of a sent e-mail."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.activities.timeline_kinds import register_title
from rapport.messaging.merge_fields import MergeSource, register_merge_source


def _person(person) -> dict:
    return {
        "name": person.full_name,
        "given_name": person.given_name or person.full_name,
        "family_name": person.family_name,
        "nickname": person.nickname or person.given_name or person.full_name,
        "email": person.primary_email,
        "phone": person.primary_phone,
        "region": person.region,
    }


def _owner(user) -> dict:
    return {
        "name": user.get_full_name() or user.username,
        "email": user.email,
    }


def _company(company) -> dict:
    return {
        "name": company.name,
        "english_name": company.english_name or company.name,
        "website": company.website,
        "phone": company.phone,
    }


def _primary_company(person):
    employment = (
        person.employments.filter(is_primary=True).select_related("company").first()
        or person.employments.select_related("company").order_by("id").first()
    )
    return employment.company if employment else None


def _sent_title(entry) -> str:
    subject = entry.data.get("subject", "")
    if entry.data.get("status") == "in_outbox":
        return _("E-mail kept in the outbox: %(subject)s") % {"subject": subject}
    return _("E-mail sent: %(subject)s") % {"subject": subject}


def register() -> None:
    register_merge_source(
        MergeSource(
            name="person",
            label=gettext_lazy("Person"),
            fields={
                "name": gettext_lazy("full name"),
                "given_name": gettext_lazy("given name"),
                "family_name": gettext_lazy("family name"),
                "nickname": gettext_lazy("nickname"),
                "email": gettext_lazy("e-mail"),
                "phone": gettext_lazy("phone"),
                "region": gettext_lazy("region"),
            },
            build=_person,
            from_person=lambda person: person,
        )
    )
    register_merge_source(
        MergeSource(
            name="owner",
            label=gettext_lazy("Owner"),
            fields={"name": gettext_lazy("name"), "email": gettext_lazy("e-mail")},
            build=_owner,
            from_person=lambda person: person.owner,
        )
    )
    register_merge_source(
        MergeSource(
            name="company",
            label=gettext_lazy("Company"),
            fields={
                "name": gettext_lazy("name"),
                "english_name": gettext_lazy("English name"),
                "website": gettext_lazy("website"),
                "phone": gettext_lazy("phone"),
            },
            build=_company,
            from_person=_primary_company,
        )
    )
    register_title("email.sent", _sent_title)
