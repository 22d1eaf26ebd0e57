"""Data health writes: the daily check of stored contacts and the daily snapshot of figures."""

import datetime
from collections.abc import Callable, Iterator

from django.db import transaction
from django.utils import timezone

from rapport.core.cleaning import FieldError
from rapport.customers.models import Company, PersonEmail, PersonPhone
from rapport.customers.validation import normalize_email, normalize_phone
from rapport.dataio.models import ContactKind, DataHealthSnapshot, InvalidContact
from rapport.dataio.selectors.health import health_metrics, health_scope

CHECK_CHUNK = 5000


def _chunks(queryset, fields: tuple[str, ...]) -> Iterator[list[tuple]]:
    """Rows of `queryset` as tuples (pk first), CHECK_CHUNK at a time in primary-key order:
    each chunk is one indexed range query, never an OFFSET."""
    last = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:CHECK_CHUNK]
        )
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _is_valid(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except FieldError:
        return False
    return True


def _invalid_contacts() -> list[InvalidContact]:
    phone_ok: dict[str, bool] = {}
    email_ok: dict[str, bool] = {}

    def phone_valid(value: str) -> bool:
        if value not in phone_ok:
            phone_ok[value] = _is_valid(normalize_phone, value)
        return phone_ok[value]

    def email_valid(value: str) -> bool:
        if value not in email_ok:
            email_ok[value] = _is_valid(normalize_email, value)
        return email_ok[value]

    found: list[InvalidContact] = []
    for rows in _chunks(PersonPhone.objects.all(), ("person_id", "number")):
        found += [
            InvalidContact(person_id=person_id, kind=ContactKind.PHONE, value=number)
            for _pk, person_id, number in rows
            if not phone_valid(number)
        ]
    for rows in _chunks(PersonEmail.objects.all(), ("person_id", "email")):
        found += [
            InvalidContact(person_id=person_id, kind=ContactKind.EMAIL, value=email)
            for _pk, person_id, email in rows
            if not email_valid(email)
        ]
    companies = Company.objects.exclude(phone="", email="")
    for rows in _chunks(companies, ("phone", "email")):
        for company_id, phone, email in rows:
            if phone and not phone_valid(phone):
                found.append(
                    InvalidContact(company_id=company_id, kind=ContactKind.PHONE, value=phone)
                )
            if email and not email_valid(email):
                found.append(
                    InvalidContact(company_id=company_id, kind=ContactKind.EMAIL, value=email)
                )
    return found


def invalid_contacts_recheck() -> int:
    """Validate every stored phone number and e-mail address of persons and companies with
    `rapport.customers.validation` and replace the list of invalid ones. Returns how many.

    Reads in primary-key chunks and validates each distinct value once; the replacement is one
    transaction, so the figures never count a half-written list.
    """
    found = _invalid_contacts()
    with transaction.atomic():
        InvalidContact.objects.all().delete()
        InvalidContact.objects.bulk_create(found, batch_size=1000)
    return len(found)


@transaction.atomic
def health_snapshot_take(*, date: datetime.date | None = None) -> list[DataHealthSnapshot]:
    """Record the figures of every team and overall for `date` (default today). Idempotent:
    taking it again the same day replaces that day's rows."""
    date = date or timezone.localdate()
    overall, per_team = health_metrics(health_scope(None))
    snapshots = [(None, overall)] + [
        (team_id, metrics) for team_id, metrics in per_team.items() if team_id is not None
    ]
    saved = []
    for team_id, metrics in snapshots:
        snapshot, _created = DataHealthSnapshot.objects.update_or_create(
            date=date, team_id=team_id, defaults={"metrics": metrics}
        )
        saved.append(snapshot)
    return saved
