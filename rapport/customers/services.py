"""Writes to persons, companies, tags and custom field definitions.

Every service validates the whole input first and raises `ValidationFailed` with a message per
field, so nothing is saved unless everything is valid. Updates take the version the editor saw;
a stale version raises `Conflict` instead of overwriting someone else's change.
"""

import calendar
import datetime
import re
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from rapport.accounts.access import clean_owner, clean_owner_team, require_settings_manager
from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.core.cleaning import (
    DATE_FORMATS,
    FieldError,
    FieldErrors,
    clean_choice,
    clean_date,
    clean_flag,
    clean_int,
    clean_text,
    invalid,
    reject_unknown,
    visible_text,
)
from rapport.core.errors import ApplicationError, check_version
from rapport.core.events import publish
from rapport.core.records import record_changed, record_deletion
from rapport.customers import search
from rapport.customers.events import (
    CompanyCreated,
    CompanyDeleted,
    CompanyUpdated,
    PersonCreated,
    PersonDeleted,
    PersonUpdated,
)
from rapport.customers.models import (
    Address,
    Company,
    CompanySearchTerm,
    ContactLabel,
    CustomFieldDefinition,
    CustomFieldType,
    Employment,
    Gender,
    LifecycleStage,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
    RecordType,
    SourceChannel,
    Tag,
)
from rapport.customers.selectors import (
    companies_visible_to,
    get_company_for_user,
    get_person_for_user,
)
from rapport.customers.validation import (
    clean_custom_values,
    normalize_contact,
    normalize_email,
    normalize_phone,
    normalize_website,
)

# Plain columns a caller may set, per record type. Anything else in the input is an error.
PERSON_FIELDS = (
    "full_name",
    "given_name",
    "middle_name",
    "family_name",
    "nickname",
    "gender",
    "birthday",
    "birth_month",
    "birth_day",
    "website",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "preferences",
    "notes",
)
COMPANY_FIELDS = (
    "name",
    "english_name",
    "website",
    "phone",
    "email",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "notes",
)
RELATED_FIELDS = ("owner_id", "team_id", "tag_ids", "addresses", "custom")
PERSON_RELATED_FIELDS = (*RELATED_FIELDS, "phones", "emails", "employments", "raw_phones")
# How a birthday may be given: a full date in "birthday", or "birth_month" and "birth_day"
# with an optional "birth_year" (the form's three inputs). See `_clean_birthday`.
BIRTHDAY_FIELDS = ("birthday", "birth_year", "birth_month", "birth_day")
# Month and day are checked against a leap year: 29 February is a birthday without a year.
LEAP_YEAR = 2000
CHOICES = {"gender": Gender, "source": SourceChannel, "lifecycle_stage": LifecycleStage}
ADDRESS_FIELDS = ("label", "country", "province", "city", "district", "street", "postcode")


def _max_length(model, field: str) -> int | None:
    return getattr(model._meta.get_field(field), "max_length", None)


def _clean_columns(model, allowed, data: dict, errors: FieldErrors) -> dict[str, Any]:
    """The plain columns present in `data`; a column with an error is left out."""
    cleaned: dict[str, Any] = {}
    for field in allowed:
        if field not in data:
            continue
        value = data[field]
        if field in BIRTHDAY_FIELDS:
            continue  # see _clean_birthday
        if field in CHOICES:
            value = clean_text(value, field, errors)
            if field not in errors:
                default = Gender.UNKNOWN if field == "gender" else None
                value = clean_choice(
                    value, field, errors, choices=CHOICES[field].values, default=default
                )
        else:
            value = clean_text(value, field, errors, limit=_max_length(model, field))
            value = normalize_contact(value, field, errors)
            if field == "website" and field not in errors:
                try:
                    value = normalize_website(value)
                except FieldError as exc:
                    errors.add(field, str(exc))
        if field not in errors:
            cleaned[field] = value
    return cleaned


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_month_and_day(month, day, errors: FieldErrors) -> tuple[int | None, int | None]:
    """A birthday's month and day, checked against a leap year (29 February is one)."""
    if _empty(month):
        errors.add("birth_month", _("Enter the month as well as the day."))
        month = None
    else:
        message = _("Enter a month from 1 to 12.")
        month = clean_int(month, "birth_month", errors, message=message, min_value=1, max_value=12)
    if _empty(day):
        errors.add("birth_day", _("Enter the day as well as the month."))
        return month, None
    message = _("Enter a day from 1 to 31.")
    day = clean_int(day, "birth_day", errors, message=message, min_value=1, max_value=31)
    if day is not None and month is not None:
        days = calendar.monthrange(LEAP_YEAR, month)[1]
        if day > days:
            errors.add("birth_day", _("This month has only %(days)d days.") % {"days": days})
            return month, None
    return month, day


def _clean_birthday(data: dict, errors: FieldErrors, instance: Person | None) -> dict[str, Any]:
    """The birthday columns from `data`: `birthday`, `birth_month` and `birth_day`, kept equal.

    A birthday is a full date ("birthday") or a month and day ("birth_month", "birth_day") with
    an optional "birth_year"; 29 February without a year is a birthday. Month and day given
    without "birthday" or "birth_year" keep the year the person's birthday has. A "birthday"
    sent empty with no month and day clears all three. Nothing given: nothing changes."""
    if not any(key in data for key in BIRTHDAY_FIELDS):
        return {}
    month, day, year = (data.get(k) for k in ("birth_month", "birth_day", "birth_year"))
    parts_given = not (_empty(month) and _empty(day))
    if parts_given:
        month, day = _clean_month_and_day(month, day, errors)
        if month is None or day is None:
            return {}
    birthday = None
    if not _empty(data.get("birthday")):
        birthday = clean_date(data["birthday"], "birthday", errors, formats=DATE_FORMATS)
        if birthday is None:
            return {}
        if parts_given and (birthday.month, birthday.day) != (month, day):
            errors.add("birthday", _("The birthday's month and day differ from those given."))
            return {}
        return {"birthday": birthday, "birth_month": birthday.month, "birth_day": birthday.day}
    if not parts_given:
        if not _empty(year):
            errors.add("birth_month", _("Enter the month and day of the birthday."))
            return {}
        return {"birthday": None, "birth_month": None, "birth_day": None}
    if _empty(year) and "birthday" not in data and instance and instance.birthday:
        year = instance.birthday.year  # a new month and day keep the known year
    if not _empty(year):
        year = clean_int(
            year,
            "birth_year",
            errors,
            message=_("Enter a year, e.g. 1980."),
            min_value=1,
            max_value=9999,
        )
        if year is None:
            return {}
        try:
            birthday = datetime.date(year, month, day)
        except ValueError:
            errors.add(
                "birth_year",
                _("%(year)d has no 29 February: leave the year empty or change the day.")
                % {"year": year},
            )
            return {}
    return {"birthday": birthday, "birth_month": month, "birth_day": day}


def _clean_owner(actor: User, data: dict, errors: FieldErrors, current: Any = None):
    """Owner and team for a record; defaults to the actor and the owner's team."""
    owner = current.owner if current is not None else actor
    if data.get("owner_id") is not None:
        owner = clean_owner(actor, data["owner_id"], errors)
        if owner is None:
            return None, None
    team = owner.team if owner else None
    if current is not None and "owner_id" not in data:
        team = current.team
    if data.get("team_id") is not None:
        team = clean_owner_team(actor, data["team_id"], errors)
    return owner, team


def _clean_tags(data: dict, errors: FieldErrors) -> list[int] | None:
    if "tag_ids" not in data:
        return None
    raw = data["tag_ids"] or []
    if not isinstance(raw, list | tuple) or not all(
        isinstance(t, int) and not isinstance(t, bool) for t in raw
    ):
        errors.add("tag_ids", _("Give a list of tag ids."))
        return None
    ids = set(raw)
    found = set(Tag.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - found:
        errors.add("tag_ids", _("Unknown tags: %(ids)s") % {"ids": sorted(ids - found)})
    return sorted(found)


def _label(value, errors: FieldErrors, field: str, default: str) -> str | None:
    return clean_choice(value, field, errors, choices=ContactLabel.values, default=default)


def _clean_list(data: dict, key: str, errors: FieldErrors) -> list[dict] | None:
    if key not in data:
        return None
    raw = data[key] or []
    if not isinstance(raw, list | tuple) or not all(isinstance(item, dict) for item in raw):
        errors.add(key, _("Give a list of objects."))
        return None
    if len(raw) > 20:
        errors.add(key, _("At most 20 entries."))
        return None
    return list(raw)


def _clean_phones(data: dict, errors: FieldErrors) -> list[dict] | None:
    items = _clean_list(data, "phones", errors)
    if items is None:
        return None
    cleaned, seen = [], set()
    for i, item in enumerate(items):
        try:
            number = normalize_phone(str(item.get("number") or ""))
        except FieldError as exc:
            errors.add(f"phones.{i}.number", str(exc))
            continue
        if number in seen:
            continue
        seen.add(number)
        cleaned.append(
            {
                "number": number,
                "label": _label(item.get("label"), errors, f"phones.{i}.label", "mobile"),
                "is_primary": bool(item.get("is_primary")),
            }
        )
    return _with_one_primary(cleaned)


def _clean_emails(data: dict, errors: FieldErrors) -> list[dict] | None:
    items = _clean_list(data, "emails", errors)
    if items is None:
        return None
    cleaned, seen = [], set()
    for i, item in enumerate(items):
        try:
            email = normalize_email(str(item.get("email") or ""))
        except FieldError as exc:
            errors.add(f"emails.{i}.email", str(exc))
            continue
        if email in seen:
            continue
        seen.add(email)
        cleaned.append(
            {
                "email": email,
                "label": _label(item.get("label"), errors, f"emails.{i}.label", "work"),
                "is_primary": bool(item.get("is_primary")),
            }
        )
    return _with_one_primary(cleaned)


def _with_one_primary(items: list[dict]) -> list[dict]:
    if items and not any(item["is_primary"] for item in items):
        items[0]["is_primary"] = True
    seen_primary = False
    for item in items:
        item["is_primary"] = item["is_primary"] and not seen_primary
        seen_primary = seen_primary or item["is_primary"]
    # Primary first, so the first row is what lists show.
    return sorted(items, key=lambda item: not item["is_primary"])


def _clean_addresses(data: dict, errors: FieldErrors) -> list[dict] | None:
    items = _clean_list(data, "addresses", errors)
    if items is None:
        return None
    cleaned = []
    for i, item in enumerate(items):
        address = {}
        reject_unknown(item, ADDRESS_FIELDS, errors, prefix=f"addresses.{i}.")
        for key in ADDRESS_FIELDS:
            address[key] = clean_text(
                item.get(key) or "",
                f"addresses.{i}.{key}",
                errors,
                limit=_max_length(Address, key),
            )
        address["country"] = (address.get("country") or "CN").upper()
        if not re.fullmatch(r"[A-Z]{2}", address["country"]):
            errors.add(f"addresses.{i}.country", _("Use a two-letter country code, e.g. CN."))
        address["label"] = _label(address.get("label"), errors, f"addresses.{i}.label", "work")
        if any(address[k] for k in ("province", "city", "district", "street", "postcode")):
            cleaned.append(address)
    return cleaned


def _clean_employments(actor: User, data: dict, errors: FieldErrors) -> list[dict] | None:
    items = _clean_list(data, "employments", errors)
    if items is None:
        return None
    ids = [item.get("company_id") for item in items]
    visible = set(
        companies_visible_to(actor)
        .filter(pk__in=[i for i in ids if isinstance(i, int)])
        .values_list("pk", flat=True)
    )
    cleaned, seen = [], set()
    for i, item in enumerate(items):
        company_id = item.get("company_id")
        if company_id not in visible:
            errors.add(f"employments.{i}.company_id", _("There is no such company."))
            continue
        title = clean_text(
            item.get("job_title"),
            f"employments.{i}.job_title",
            errors,
            limit=100,
            coerce=True,
            count=False,
        )
        department = clean_text(
            item.get("department"),
            f"employments.{i}.department",
            errors,
            limit=_max_length(Employment, "department"),
            coerce=True,
            count=False,
        )
        if f"employments.{i}.job_title" in errors or f"employments.{i}.department" in errors:
            continue
        if company_id in seen:
            continue
        seen.add(company_id)
        cleaned.append(
            {
                "company_id": company_id,
                "job_title": title,
                "department": department,
                "is_primary": bool(item.get("is_primary")),
            }
        )
    return _with_one_primary(cleaned)


def _clean_raw_phones(data: dict, errors: FieldErrors, instance: Person | None) -> list | None:
    """The numbers kept as imported (valid in no region) that stay on the person: a caller may
    keep or drop each of them, not add one; a real number goes under "phones"."""
    items = _clean_list(data, "raw_phones", errors)
    if items is None:
        return None
    current = {entry.get("raw"): entry for entry in (instance.raw_phones if instance else [])}
    kept, seen = [], set()
    for i, item in enumerate(items):
        raw = item.get("raw")
        if not isinstance(raw, str) or raw not in current:
            errors.add(
                f"raw_phones.{i}.raw",
                _("Only numbers kept as imported can stay here; add a number under phones."),
            )
        elif raw not in seen:
            seen.add(raw)
            kept.append(current[raw])
    return kept


def _replace_addresses(*, person=None, company=None, addresses: list[dict]) -> None:
    owner = {"person": person} if person is not None else {"company": company}
    Address.objects.filter(**owner).delete()
    Address.objects.bulk_create([Address(**owner, **a) for a in addresses])


def _default_region(record, addresses: list[dict] | None) -> None:
    if not record.region and addresses:
        record.region = addresses[0].get("province", "")[:64]


# A change to one of these rebuilds the person's search terms.
SEARCHED_FIELDS = frozenset(
    {"full_name", "given_name", "middle_name", "family_name", "nickname", "phones", "emails"}
)


def person_rebuild_search_terms(person: Person) -> None:
    phones = list(person.phones.values_list("number", flat=True))
    emails = list(person.emails.values_list("email", flat=True))
    terms = search.person_terms(
        full_name=person.full_name,
        given_name=person.given_name,
        middle_name=person.middle_name,
        family_name=person.family_name,
        nickname=person.nickname,
        phones=phones,
        emails=emails,
    )
    PersonSearchTerm.objects.filter(person=person).delete()
    PersonSearchTerm.objects.bulk_create(PersonSearchTerm(person=person, term=t) for t in terms)


def company_rebuild_search_terms(company: Company) -> None:
    terms = search.company_terms(name=company.name, english_name=company.english_name)
    CompanySearchTerm.objects.filter(company=company).delete()
    CompanySearchTerm.objects.bulk_create(CompanySearchTerm(company=company, term=t) for t in terms)


def _clean_person(actor: User, data: dict, *, instance: Person | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, (*PERSON_FIELDS, "birth_year", *PERSON_RELATED_FIELDS), errors)
    columns = _clean_columns(Person, PERSON_FIELDS, data, errors)
    if instance is None or "full_name" in columns:
        name = columns.get("full_name", "")
        if not name:
            given = columns.get("given_name", instance.given_name if instance else "")
            family = columns.get("family_name", instance.family_name if instance else "")
            name = f"{given} {family}".strip()
            if name:
                columns["full_name"] = name
            else:
                errors.add("full_name", _("Enter a name."))
    columns.update(_clean_birthday(data, errors, instance))
    owner, team = _clean_owner(actor, data, errors, current=instance)
    existing = instance.custom if instance else {}
    custom, custom_errors = (
        clean_custom_values(RecordType.PERSON, data.get("custom"), existing=existing)
        if ("custom" in data or instance is None)
        else (existing, {})
    )
    for key, messages in custom_errors.items():
        for message in messages:
            errors.add(key, message)
    cleaned = {
        "columns": columns,
        "owner": owner,
        "team": team,
        "custom": custom,
        "tag_ids": _clean_tags(data, errors),
        "phones": _clean_phones(data, errors),
        "emails": _clean_emails(data, errors),
        "addresses": _clean_addresses(data, errors),
        "employments": _clean_employments(actor, data, errors),
        "raw_phones": _clean_raw_phones(data, errors, instance),
    }
    errors.raise_if_any()
    return cleaned


def _save_person_relations(person: Person, cleaned: dict) -> None:
    if cleaned["tag_ids"] is not None:
        person.tags.set(cleaned["tag_ids"])
    if cleaned["phones"] is not None:
        PersonPhone.objects.filter(person=person).delete()
        PersonPhone.objects.bulk_create(PersonPhone(person=person, **p) for p in cleaned["phones"])
    if cleaned["emails"] is not None:
        PersonEmail.objects.filter(person=person).delete()
        PersonEmail.objects.bulk_create(PersonEmail(person=person, **e) for e in cleaned["emails"])
    if cleaned["addresses"] is not None:
        _replace_addresses(person=person, addresses=cleaned["addresses"])
    if cleaned["employments"] is not None:
        Employment.objects.filter(person=person).delete()
        Employment.objects.bulk_create(
            Employment(person=person, **e) for e in cleaned["employments"]
        )


@transaction.atomic
def person_create(*, actor: User, data: dict) -> Person:
    """Create a person from `data` (the keys of PERSON_FIELDS and PERSON_RELATED_FIELDS)."""
    cleaned = _clean_person(actor, data, instance=None)
    person = Person(
        **cleaned["columns"], owner=cleaned["owner"], team=cleaned["team"], custom=cleaned["custom"]
    )
    if cleaned["phones"]:
        person.primary_phone = cleaned["phones"][0]["number"]
    if cleaned["emails"]:
        person.primary_email = cleaned["emails"][0]["email"]
    _default_region(person, cleaned["addresses"])
    person.save()
    _save_person_relations(person, cleaned)
    person_rebuild_search_terms(person)
    publish(PersonCreated(person_id=person.pk, actor_id=actor.pk))
    record_changed("person", person.pk, "created", actor=actor)
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, data: dict, version: int | None) -> Person:
    """Apply the keys present in `data`; keys left out keep their value.

    `version` is the version the editor loaded; None skips the check (API callers may omit it).
    """
    # Re-read under a row lock so two concurrent saves cannot both pass the version check.
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_version(person, version)
    cleaned = _clean_person(actor, data, instance=person)
    changed = [f for f, v in cleaned["columns"].items() if getattr(person, f) != v]
    for field, value in cleaned["columns"].items():
        setattr(person, field, value)
    if "owner_id" in data or "team_id" in data:
        if person.owner_id != cleaned["owner"].pk:
            changed.append("owner")
        if person.team_id != (cleaned["team"].pk if cleaned["team"] else None):
            changed.append("team")
        person.owner, person.team = cleaned["owner"], cleaned["team"]
    if "custom" in data and person.custom != cleaned["custom"]:
        person.custom = cleaned["custom"]
        changed.append("custom")
    if cleaned["phones"] is not None:
        person.primary_phone = cleaned["phones"][0]["number"] if cleaned["phones"] else ""
        changed.append("phones")
    if cleaned["emails"] is not None:
        person.primary_email = cleaned["emails"][0]["email"] if cleaned["emails"] else ""
        changed.append("emails")
    if cleaned["raw_phones"] is not None and cleaned["raw_phones"] != person.raw_phones:
        person.raw_phones = cleaned["raw_phones"]
        changed.append("raw_phones")
    _default_region(person, cleaned["addresses"])
    for key in ("tag_ids", "addresses", "employments"):
        if cleaned[key] is not None:
            changed.append(key.removesuffix("_ids") + ("s" if key == "tag_ids" else ""))
    person.version += 1
    person.save()
    _save_person_relations(person, cleaned)
    if SEARCHED_FIELDS & set(changed):
        person_rebuild_search_terms(person)
    publish(PersonUpdated(person_id=person.pk, actor_id=actor.pk, changed_fields=tuple(changed)))
    record_changed("person", person.pk, "updated", changed_fields=changed, actor=actor)
    return person


@transaction.atomic
def person_raw_phone_resolve(
    *,
    actor: User,
    person: Person,
    raw: str,
    number: str | None,
    label: str | None = None,
    version: int | None,
) -> Person:
    """Settle one number kept as imported (see `Person.raw_phones`): with `number`, the user's
    correction becomes one of the person's phones (the primary one if it has none); without,
    the number is removed. Either way the kept text goes. `raw` names the entry, as shown."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_version(person, version)
    errors = FieldErrors()
    entry = next((e for e in person.raw_phones if e.get("raw") == raw), None)
    if entry is None:
        raise invalid("raw", _("This number is no longer kept on the person."))
    changed = ["raw_phones"]
    if number is not None:
        label = _label(label or entry.get("label"), errors, "label", "mobile")
        try:
            number = normalize_phone(number)
        except FieldError as exc:
            errors.add("number", str(exc))
        errors.raise_if_any()
        phones = person.phones.all()
        if not phones.filter(number=number).exists():
            is_primary = not phones.filter(is_primary=True).exists()
            PersonPhone.objects.create(
                person=person, number=number, label=label, is_primary=is_primary
            )
            if is_primary or not person.primary_phone:
                person.primary_phone = number
            changed.append("phones")
    person.raw_phones = [e for e in person.raw_phones if e is not entry]
    person.version += 1
    person.save()
    if "phones" in changed:
        person_rebuild_search_terms(person)
    publish(PersonUpdated(person_id=person.pk, actor_id=actor.pk, changed_fields=tuple(changed)))
    record_changed("person", person.pk, "updated", changed_fields=changed, actor=actor)
    return person


class InUse(ApplicationError):
    """A person or company that deals, orders or tickets name cannot be deleted (they keep the
    history)."""

    status = 409

    def __init__(self, message: str):
        super().__init__("in_use", message)


@transaction.atomic
def person_delete(*, actor: User, person: Person) -> None:
    """Delete a person the actor may see (anyone who may see a record may delete it; another
    team's answers `NotFound`, as if it did not exist). Deals, orders or tickets that name the
    person keep it: `InUse` (409). Writes the audit line, since the record's own timeline goes
    with it, and publishes `PersonDeleted`. The deletion is announced with what it takes along: the
    person's interactions and tasks (deleted), the leads converted into it (unlinked)."""
    person = get_person_for_user(actor, person.pk)
    pk, name = person.pk, str(person)
    try:
        record_deletion([person], actor=actor)
    except ProtectedError as exc:  # raised while collecting, before anything is deleted
        raise InUse(
            _("Deals, orders or tickets name this person, so it cannot be deleted.")
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.RECORD_DELETED,
        target_type="person",
        target_id=pk,
        summary=name,
    )
    publish(PersonDeleted(person_id=pk, actor_id=actor.pk, name=name))


def _clean_company(actor: User, data: dict, *, instance: Company | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, COMPANY_FIELDS + RELATED_FIELDS, errors)
    columns = _clean_columns(Company, COMPANY_FIELDS, data, errors)
    if (instance is None or "name" in columns) and not columns.get("name"):
        errors.add("name", _("Enter a name."))
    owner, team = _clean_owner(actor, data, errors, current=instance)
    existing = instance.custom if instance else {}
    custom, custom_errors = (
        clean_custom_values(RecordType.COMPANY, data.get("custom"), existing=existing)
        if ("custom" in data or instance is None)
        else (existing, {})
    )
    for key, messages in custom_errors.items():
        for message in messages:
            errors.add(key, message)
    cleaned = {
        "columns": columns,
        "owner": owner,
        "team": team,
        "custom": custom,
        "tag_ids": _clean_tags(data, errors),
        "addresses": _clean_addresses(data, errors),
    }
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def company_create(*, actor: User, data: dict) -> Company:
    cleaned = _clean_company(actor, data, instance=None)
    company = Company(
        **cleaned["columns"], owner=cleaned["owner"], team=cleaned["team"], custom=cleaned["custom"]
    )
    _default_region(company, cleaned["addresses"])
    company.save()
    if cleaned["tag_ids"] is not None:
        company.tags.set(cleaned["tag_ids"])
    if cleaned["addresses"] is not None:
        _replace_addresses(company=company, addresses=cleaned["addresses"])
    company_rebuild_search_terms(company)
    publish(CompanyCreated(company_id=company.pk, actor_id=actor.pk))
    record_changed("company", company.pk, "created", actor=actor)
    return company


@transaction.atomic
def company_update(*, actor: User, company: Company, data: dict, version: int | None) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    check_version(company, version)
    cleaned = _clean_company(actor, data, instance=company)
    changed = [f for f, v in cleaned["columns"].items() if getattr(company, f) != v]
    for field, value in cleaned["columns"].items():
        setattr(company, field, value)
    if "owner_id" in data or "team_id" in data:
        if company.owner_id != cleaned["owner"].pk:
            changed.append("owner")
        company.owner, company.team = cleaned["owner"], cleaned["team"]
    if "custom" in data and company.custom != cleaned["custom"]:
        company.custom = cleaned["custom"]
        changed.append("custom")
    _default_region(company, cleaned["addresses"])
    company.version += 1
    company.save()
    if cleaned["tag_ids"] is not None:
        company.tags.set(cleaned["tag_ids"])
        changed.append("tags")
    if cleaned["addresses"] is not None:
        _replace_addresses(company=company, addresses=cleaned["addresses"])
        changed.append("addresses")
    if {"name", "english_name"} & set(changed):
        company_rebuild_search_terms(company)
    publish(CompanyUpdated(company_id=company.pk, actor_id=actor.pk, changed_fields=tuple(changed)))
    record_changed("company", company.pk, "updated", changed_fields=changed, actor=actor)
    return company


@transaction.atomic
def company_delete(*, actor: User, company: Company) -> None:
    """Delete a company the actor may see, as `person_delete` does a person; publishes
    `CompanyDeleted`, and announces the deletion with what it takes along, as a person's."""
    company = get_company_for_user(actor, company.pk)
    pk, name = company.pk, str(company)
    try:
        record_deletion([company], actor=actor)
    except ProtectedError as exc:
        raise InUse(
            _("Deals, orders or tickets name this company, so it cannot be deleted.")
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.RECORD_DELETED,
        target_type="company",
        target_id=pk,
        summary=name,
    )
    publish(CompanyDeleted(company_id=pk, actor_id=actor.pk, name=name))


# --- Tags ------------------------------------------------------------------------------------


def _clean_tag(data: dict) -> dict:
    errors = FieldErrors()
    reject_unknown(data, ("name", "color"), errors)
    cleaned = {}
    if "name" in data:
        cleaned["name"] = clean_text(
            data["name"],
            "name",
            errors,
            limit=50,
            count=False,
            required=True,
            required_message=_("Enter a name."),
            coerce=True,
        )
    if "color" in data:
        color = str(data.get("color") or "").strip()
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            errors.add("color", _("Use a colour like #3b82f6."))
        cleaned["color"] = color.lower()
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def tag_create(*, actor: User, data: dict) -> Tag:
    cleaned = _clean_tag({"color": "#64748b", **data})
    if "name" not in cleaned:
        raise invalid("name", _("Enter a name."))
    if Tag.objects.filter(name=cleaned["name"]).exists():
        raise invalid("name", _("A tag with this name exists."))
    return Tag.objects.create(**cleaned)


@transaction.atomic
def tag_update(*, actor: User, tag: Tag, data: dict) -> Tag:
    require_settings_manager(actor)
    cleaned = _clean_tag(data)
    if cleaned.get("name") and Tag.objects.filter(name=cleaned["name"]).exclude(pk=tag.pk).exists():
        raise invalid("name", _("A tag with this name exists."))
    for field, value in cleaned.items():
        setattr(tag, field, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, actor: User, tag: Tag) -> None:
    require_settings_manager(actor)
    tag.delete()


# --- Custom field definitions -------------------------------------------------------------------

CUSTOM_FIELD_KEYS = (
    "record_type",
    "key",
    "label",
    "field_type",
    "choices",
    "required",
    "position",
    "is_active",
)


def _clean_custom_field(data: dict, *, instance: CustomFieldDefinition | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, CUSTOM_FIELD_KEYS, errors)
    cleaned: dict[str, Any] = {}
    if instance is None:
        record_type = data.get("record_type")
        if record_type not in RecordType.values:
            errors.add("record_type", _("Choose person or company."))
        cleaned["record_type"] = record_type
        key = str(data.get("key") or "").strip().lower()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
            errors.add("key", _("Use lower-case letters, digits and _, starting with a letter."))
        elif CustomFieldDefinition.objects.filter(record_type=record_type, key=key).exists():
            errors.add("key", _("A field with this key exists."))
        cleaned["key"] = key
        cleaned["field_type"] = clean_choice(
            data.get("field_type"), "field_type", errors, choices=CustomFieldType.values
        )
    else:
        for frozen in ("record_type", "key", "field_type"):
            if frozen in data and data[frozen] != getattr(instance, frozen):
                errors.add(frozen, _("This cannot be changed once the field exists."))
    field_type = cleaned.get("field_type") or (instance.field_type if instance else None)
    if "label" in data or instance is None:
        cleaned["label"] = clean_text(
            data.get("label"),
            "label",
            errors,
            limit=100,
            count=False,
            required=True,
            required_message=_("Enter a label."),
            coerce=True,
        )
    if "choices" in data or instance is None:
        choices = data.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            errors.add("choices", _("Give a list of choices."))
            choices = []
        choices = [choice for choice in map(visible_text, choices) if choice]
        if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) and not choices:
            errors.add("choices", _("A choice field needs at least one choice."))
        if len(choices) != len(set(choices)):
            errors.add("choices", _("Each choice must appear once."))
        if any(len(c) > 100 for c in choices):
            errors.add("choices", _("Use at most 100 characters per choice."))
        cleaned["choices"] = choices
    for flag in ("required", "is_active"):
        if flag in data:
            cleaned[flag] = clean_flag(data[flag], flag, errors)
    if "position" in data:
        position = data["position"]
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            errors.add("position", _("Enter a whole number of zero or more."))
        cleaned["position"] = position
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def custom_field_create(*, actor: User, data: dict) -> CustomFieldDefinition:
    require_settings_manager(actor)
    return CustomFieldDefinition.objects.create(**_clean_custom_field(data, instance=None))


@transaction.atomic
def custom_field_update(
    *, actor: User, definition: CustomFieldDefinition, data: dict
) -> CustomFieldDefinition:
    require_settings_manager(actor)
    for field, value in _clean_custom_field(data, instance=definition).items():
        setattr(definition, field, value)
    definition.save()
    return definition


@transaction.atomic
def custom_field_delete(*, actor: User, definition: CustomFieldDefinition) -> None:
    """Remove the definition; stored values stay in the records' JSON but are no longer shown."""
    require_settings_manager(actor)
    definition.delete()
