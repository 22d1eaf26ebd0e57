"""Converting a lead into a customer (a person, perhaps a company) and a deal.

- converting creates (or finds, by phone or e-mail) the person, the company and the deal in one
  transaction and copies the lead's history to the person's timeline; a converted lead is
  read-only, a converted or disqualified lead cannot be converted again.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities import task_services
from rapport.activities.models import TaskStatus
from rapport.activities.services import timeline_add
from rapport.core.errors import ValidationFailed
from rapport.core.records import record_changed
from rapport.customers import services as customer_services
from rapport.customers.models import Company, LifecycleStage, Person
from rapport.customers.selectors import companies_visible_to
from rapport.sales.models import Lead, LeadStatus
from rapport.sales.models.leads import LeadEventKind
from rapport.sales.selectors.leads import lead_matching_company, lead_matching_person, lead_tasks
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads.common import LeadClosed, _event


def _add_contacts_to(actor: User, person: Person, lead: Lead, company: Company | None) -> None:
    """Add what the lead knows and the matched person lacks: a phone, an e-mail, the company."""
    data: dict[str, Any] = {}
    phones = list(person.phones.values("number", "label", "is_primary"))
    if lead.phone and lead.phone not in {p["number"] for p in phones}:
        data["phones"] = [*phones, {"number": lead.phone, "label": "mobile"}]
    emails = list(person.emails.values("email", "label", "is_primary"))
    if lead.email and lead.email not in {e["email"] for e in emails}:
        data["emails"] = [*emails, {"email": lead.email, "label": "work"}]
    if company is not None:
        employments = list(person.employments.values("company_id", "job_title", "is_primary"))
        ids = {e["company_id"] for e in employments}
        visible = set(companies_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
        # Re-sending a link to a company the actor cannot see would be refused; leave it be.
        if company.pk not in ids and ids <= visible:
            new = {"company_id": company.pk, "job_title": lead.job_title, "is_primary": not ids}
            data["employments"] = [*employments, new]
    if data:
        customer_services.person_update(actor=actor, person=person, data=data, version=None)


def _copy_history_to_timeline(lead: Lead, *, person: Person, company: Company | None) -> None:
    for event in lead.events.order_by("occurred_at", "pk"):
        # The submitter's IP address is for spam checks on the lead, not for the customer file.
        data = {k: v for k, v in event.data.items() if k != "ip"}
        timeline_add(
            kind=f"lead.{event.kind}",
            title="",
            body=event.body,
            person_id=person.pk,
            company_id=company.pk if company else None,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            source_type="lead",
            source_id=lead.pk,
            data={**data, "lead_id": lead.pk, "lead_name": lead.full_name},
        )


def _deal_input(lead: Lead, deal_data: dict, *, person, company, owner: User) -> dict:
    data = {
        "title": lead.company_name or lead.full_name,
        "person_id": person.pk,
        "company_id": company.pk if company else None,
        "lead_id": lead.pk,
        "owner_id": owner.pk,
        "notes": lead.message,
    }
    if lead.budget is not None:
        data["amount"] = lead.budget
    data.update({k: v for k, v in deal_data.items() if v is not None})
    return data


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    create_deal: bool = True,
    deal_data: dict | None = None,
) -> Lead:
    """Turn the lead into a person (and company) plus a deal, all or nothing.

    An existing person the actor can see with the lead's phone or e-mail is used instead of
    creating a duplicate (the lead's missing phone, e-mail and company are added to them); an
    existing company with the same name likewise. The deal takes `deal_data` (the keys of
    `deal_create`) over defaults from the lead: title, amount (budget), person, company, owner.
    The lead's history is copied to the person's timeline. Returns the converted lead, with
    `converted_person`, `converted_company` and `converted_deal` set.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == LeadStatus.CONVERTED:
        raise LeadClosed(_("This lead was already converted."))
    if lead.status == LeadStatus.DISQUALIFIED:
        raise LeadClosed(_("A disqualified lead cannot be converted. Reopen it first."))
    owner = lead.owner or actor
    stage = LifecycleStage.OPPORTUNITY if create_deal else LifecycleStage.POTENTIAL
    company = None
    if lead.company_name:
        company = lead_matching_company(actor, lead.company_name)
        if company is None:
            company = customer_services.company_create(
                actor=actor,
                data={
                    "name": lead.company_name,
                    "region": lead.region,
                    "source": lead.source,
                    "lifecycle_stage": stage,
                    "owner_id": owner.pk,
                },
            )
    person = lead_matching_person(actor, lead)
    matched = person is not None
    if matched:
        _add_contacts_to(actor, person, lead, company)
    else:
        person_data: dict[str, Any] = {
            "full_name": lead.full_name,
            "region": lead.region,
            "source": lead.source,
            "lifecycle_stage": stage,
            "owner_id": owner.pk,
        }
        if lead.phone:
            person_data["phones"] = [{"number": lead.phone, "label": "mobile"}]
        if lead.email:
            person_data["emails"] = [{"email": lead.email, "label": "work"}]
        if company is not None:
            person_data["employments"] = [
                {"company_id": company.pk, "job_title": lead.job_title, "is_primary": True}
            ]
        person = customer_services.person_create(actor=actor, data=person_data)

    deal = None
    if create_deal:
        data = _deal_input(lead, deal_data or {}, person=person, company=company, owner=owner)
        try:
            deal = deal_create(actor=actor, data=data)
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, {f"deal.{key}": messages for key, messages in exc.details.items()}
            ) from exc

    now = timezone.now()
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = now
    lead.converted_person = person
    lead.converted_company = company
    lead.converted_deal = deal
    if lead.owner_id is None:
        lead.owner = owner
        lead.team = owner.team or lead.team
    lead.version += 1
    lead.save()
    _event(
        lead,
        LeadEventKind.CONVERTED,
        actor=actor,
        occurred_at=now,
        data={
            "person_id": person.pk,
            "company_id": company.pk if company else None,
            "deal_id": deal.pk if deal else None,
            "matched_existing_person": matched,
        },
    )
    _copy_history_to_timeline(lead, person=person, company=company)
    # The follow-up is now about the customer: link it so it shows on their page.
    for task in lead_tasks(lead).filter(status=TaskStatus.OPEN):
        task_services.task_update(actor=actor, task=task, data={"person_id": person.pk})
    record_changed(
        "lead",
        lead.pk,
        "updated",
        changed_fields=[
            "status",
            "converted_at",
            "converted_person",
            "converted_company",
            "converted_deal",
            "owner",
            "team",
        ],
        actor=actor,
    )
    return lead
