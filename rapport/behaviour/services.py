"""Writes of the behaviour app: taking in batches of events, and the site keys websites use.

`events_ingest` takes up to 1,000 events in a fixed number of queries whatever the batch size:
the persons of the whole batch are found with three (e-mails, phones, external and anonymous
ids), the events go in with one bulk insert (on SQLite, which takes at most 999 parameters a
statement, about 110 events a statement), every visit (session) the batch touches is written
with one insert, one locking read and one update, and their timeline entries are added with one
INSERT and refreshed with one UPDATE. Only an anonymous visitor who identifies costs a query of
their own (joining their earlier events).
"""

import datetime
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager, visible_records_q
from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.activities.services import timeline_add_many, timeline_refresh
from rapport.behaviour.events import BehaviourEventsReceived
from rapport.behaviour.models import (
    STANDARD_EVENT_NAMES,
    Event,
    Identity,
    IdentityKind,
    SiteKey,
    Visit,
)
from rapport.core.cleaning import FieldErrors, clean_text, invalid
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.events import publish
from rapport.customers.models import PersonEmail, PersonPhone
from rapport.customers.validation import FieldError, normalize_phone

MAX_BATCH = 1000
# A public (site key) call carries fewer: a page sends a handful at a time.
MAX_PUBLIC_BATCH = 100
MAX_PROPERTIES_BYTES = 8192
MAX_PROPERTY_DEPTH = 5
MAX_ID_LENGTH = 100
CUSTOM_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,63}\Z")
ID_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}\Z")  # printable ASCII, no spaces
EVENT_FIELDS = frozenset(
    {"name", "properties", "occurred_at", "email", "phone", "external_id", "anonymous_id",
     "session_id"}
)  # fmt: skip
FUTURE_SKEW = datetime.timedelta(hours=24)
TIMELINE_KIND = "behaviour.visit"


class RateLimited(ApplicationError):
    status = 429

    def __init__(self) -> None:
        super().__init__("throttled", _("Too many requests. Try again later."))


@dataclass
class EventProblem:
    """Why one event of a batch was refused: an API error body with the event's index."""

    index: int
    status: int
    code: str
    message: str
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }


@dataclass
class IngestResult:
    accepted: int
    event_ids: list[int]
    errors: list[EventProblem]


@dataclass
class _Clean:
    index: int
    name: str
    properties: dict
    occurred_at: datetime.datetime
    properties_json: str = "{}"
    email: str = ""
    phone: str = ""
    external_id: str = ""
    anonymous_id: str = ""
    session_id: str = ""
    person_id: int | None = None


# --- One event ------------------------------------------------------------------------------------


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` objects/arrays."""
    if isinstance(value, dict):
        return limit > 0 and all(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return limit > 0 and all(_depth(v, limit - 1) for v in value)
    return True


def _identifier(raw: Any, key: str, errors: FieldErrors) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or not ID_PATTERN.match(raw):
        errors.add(
            key,
            _("Use 1 to %(limit)d printable characters without spaces.") % {"limit": MAX_ID_LENGTH},
        )
        return ""
    return raw


def _occurred_at(raw: Any, now: datetime.datetime, errors: FieldErrors) -> datetime.datetime:
    if raw in (None, ""):
        return now
    when = None
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            when = datetime.datetime.fromisoformat(raw.strip())
        except ValueError:
            when = None
    if when is None:
        errors.add("occurred_at", _("Give an ISO 8601 time, e.g. 2026-05-01T14:30:00+08:00."))
        return now
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)
    if when > now + FUTURE_SKEW:
        errors.add("occurred_at", _("This is too far in the future."))
    elif when.year < 2000:
        errors.add("occurred_at", _("This is too far in the past."))
    return when


def _clean_event(index: int, raw: Any, now: datetime.datetime) -> _Clean | EventProblem:
    if not isinstance(raw, dict):
        return EventProblem(index, 422, "invalid_event", _("An event is a JSON object."))
    errors = FieldErrors()
    for key in raw:
        if key not in EVENT_FIELDS:
            errors.add(str(key)[:100], _("Unknown field."))

    name = raw.get("name")
    if not isinstance(name, str) or not name:
        errors.add("name", _("Give the event's name."))
    elif name not in STANDARD_EVENT_NAMES and not CUSTOM_NAME.match(name):
        errors.add(
            "name",
            _(
                "Use a standard name (%(names)s) or a custom one of lower-case letters, digits, "
                "“_” and “.”, starting with a letter, at most 64 characters."
            )
            % {"names": ", ".join(STANDARD_EVENT_NAMES)},
        )

    properties = raw.get("properties")
    properties_json = "{}"
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        errors.add("properties", _("Properties are a JSON object."))
        properties = {}
    else:
        properties_json = json.dumps(properties, ensure_ascii=False)
        size = len(properties_json.encode())
        if size > MAX_PROPERTIES_BYTES:
            return EventProblem(
                index,
                413,
                "properties_too_large",
                _("The properties take %(size)d bytes; at most %(limit)d are kept.")
                % {"size": size, "limit": MAX_PROPERTIES_BYTES},
                {"properties": [_("Too large.")]},
            )
        if not _depth(properties, MAX_PROPERTY_DEPTH):
            errors.add(
                "properties", _("Nest at most %(depth)d levels.") % {"depth": MAX_PROPERTY_DEPTH}
            )

    occurred_at = _occurred_at(raw.get("occurred_at"), now, errors)

    email = raw.get("email")
    if email in (None, ""):
        email = ""
    elif not isinstance(email, str) or len(email) > 254 or "@" not in email.strip()[1:-1]:
        errors.add("email", _("Enter a valid e-mail address."))
        email = ""
    else:
        email = email.strip().lower()

    phone = raw.get("phone")
    if phone in (None, ""):
        phone = ""
    elif not isinstance(phone, str):
        errors.add("phone", _("Enter a phone number."))
        phone = ""
    else:
        try:
            phone = normalize_phone(phone)
        except FieldError as exc:
            errors.add("phone", str(exc))
            phone = ""

    external_id = _identifier(raw.get("external_id"), "external_id", errors)
    anonymous_id = _identifier(raw.get("anonymous_id"), "anonymous_id", errors)
    session_id = _identifier(raw.get("session_id"), "session_id", errors)

    if errors:
        return EventProblem(
            index, 422, "validation_error", _("Please correct the errors below."), dict(errors)
        )
    if not (email or phone or external_id or anonymous_id):
        return EventProblem(
            index,
            422,
            "identity_required",
            _("Give an email, phone, external_id or anonymous_id."),
        )
    return _Clean(
        index=index,
        name=name,
        properties=properties,
        occurred_at=occurred_at,
        properties_json=properties_json,
        email=email,
        phone=phone,
        external_id=external_id,
        anonymous_id=anonymous_id,
        session_id=session_id,
    )


# --- Who sent them --------------------------------------------------------------------------------


def _first_person(pairs) -> dict[str, int]:
    """{value: person id} from (value, person id) rows, the oldest person for a shared value."""
    found: dict[str, int] = {}
    for value, person_id in pairs:
        if value not in found or person_id < found[value]:
            found[value] = person_id
    return found


def _known_persons(actor: User, events: list[_Clean]):
    """The persons the batch names, found with one query per kind of identity."""
    emails = {e.email for e in events if e.email}
    phones = {e.phone for e in events if e.phone}
    identity_values = {e.external_id for e in events if e.external_id} | {
        e.anonymous_id for e in events if e.anonymous_id
    }
    visible = visible_records_q(actor, owner_field="person__owner", team_field="person__team")
    by_email = (
        _first_person(
            PersonEmail.objects.filter(visible, email__in=emails).values_list("email", "person_id")
        )
        if emails
        else {}
    )
    by_phone = (
        _first_person(
            PersonPhone.objects.filter(visible, number__in=phones).values_list(
                "number", "person_id"
            )
        )
        if phones
        else {}
    )
    identities: dict[tuple[str, str], Identity] = {}
    if identity_values:
        for identity in Identity.objects.filter(value__in=identity_values):
            identities[(identity.kind, identity.value)] = identity
    return by_email, by_phone, identities


@transaction.atomic
def events_ingest(
    *,
    actor: User,
    events: list,
    site_key: SiteKey | None = None,
    keep_unknown_as_anonymous: bool = False,
) -> IngestResult:
    """Keep the good events of a batch and say why each other one was refused.

    An event naming a person (email, phone, external_id) is theirs when the actor may see them;
    naming nobody known it is refused 404 `unknown_person`, unless it also carries an
    `anonymous_id`, under which it is kept (`keep_unknown_as_anonymous` keeps it so even then:
    the public endpoint does, so that a web page cannot probe who is a customer). An event with
    both an `anonymous_id` and a known person identifies the visitor: their earlier events and
    visits are joined to the person, and later events with the anonymous id alone are theirs.
    """
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise invalid("events", _("Send 1 to %(limit)d events in a batch.") % {"limit": MAX_BATCH})
    now = timezone.now()
    problems: list[EventProblem] = []
    cleaned: list[_Clean] = []
    for index, raw in enumerate(events):
        result = _clean_event(index, raw, now)
        if isinstance(result, EventProblem):
            problems.append(result)
        else:
            cleaned.append(result)

    by_email, by_phone, identities = _known_persons(actor, cleaned)

    def named_person(event: _Clean) -> int | None:
        external = identities.get((IdentityKind.EXTERNAL, event.external_id))
        if external is not None and external.person_id:
            return external.person_id
        return by_email.get(event.email) or by_phone.get(event.phone)

    # Who each anonymous id is after this batch: the last event of the batch that names a person
    # alongside it decides, so events before the identifying one are joined too.
    anonymous_person: dict[str, int | None] = {}
    for (kind, value), identity in identities.items():
        if kind == IdentityKind.ANONYMOUS:
            anonymous_person[value] = identity.person_id
    identified: dict[str, int] = {}
    external_links: dict[str, int] = {}
    kept: list[_Clean] = []
    for event in cleaned:
        person_id = named_person(event)
        names_someone = bool(event.email or event.phone or event.external_id)
        if (
            person_id is None
            and names_someone
            and not (event.anonymous_id or keep_unknown_as_anonymous)
        ):
            problems.append(
                EventProblem(
                    event.index,
                    404,
                    "unknown_person",
                    _("No person has this email, phone or external id."),
                    {
                        key: [_("No person has it.")]
                        for key in ("email", "phone", "external_id")
                        if getattr(event, key)
                    },
                )
            )
            continue
        if person_id is not None:
            event.person_id = person_id
            if event.anonymous_id and anonymous_person.get(event.anonymous_id) != person_id:
                identified[event.anonymous_id] = person_id
                anonymous_person[event.anonymous_id] = person_id
            if event.external_id and (IdentityKind.EXTERNAL, event.external_id) not in identities:
                external_links.setdefault(event.external_id, person_id)
        kept.append(event)
    for event in kept:
        if event.person_id is None and event.anonymous_id:
            event.person_id = anonymous_person.get(event.anonymous_id)

    problems.sort(key=lambda problem: problem.index)
    if not kept:
        return IngestResult(accepted=0, event_ids=[], errors=problems)

    joined_visits = _save_identities(kept, identities, identified, external_links, now)
    visits = _save_visits(kept, site_key, joined_visits)
    ids = _insert_events(kept, visits, site_key, now)
    publish(
        BehaviourEventsReceived(
            tuple((pk, event.name, event.person_id) for pk, event in zip(ids, kept, strict=True))
        )
    )
    return IngestResult(accepted=len(ids), event_ids=ids, errors=problems)


def _insert_events(
    kept: list[_Clean], visits: dict[str, Visit], site_key: SiteKey | None, now
) -> list[int]:
    """Insert the events with one executemany and return their ids, in order.

    Not `bulk_create`: building 1,000 model instances and their SQL in Python cost more than the
    database's work. The ids: on PostgreSQL taken from the sequence first (one query), on SQLite
    the newest ids afterwards, which are ours: the transaction holds SQLite's only write lock
    since it wrote the visits.
    """
    table = Event._meta.db_table
    quote = connection.ops.quote_name
    columns = [
        "name", "properties", "occurred_at", "received_at", "person_id", "anonymous_id",
        "visit_id", "site_key_id",
    ]  # fmt: skip
    postgres = connection.vendor == "postgresql"
    adapt_time = connection.ops.adapt_datetimefield_value
    received = adapt_time(now)
    site_key_id = site_key.pk if site_key is not None else None
    params = [
        [
            event.name,
            event.properties_json,
            adapt_time(event.occurred_at),
            received,
            event.person_id,
            event.anonymous_id,
            visits[_visit_key(event, site_key)].pk,
            site_key_id,
        ]
        for event in kept
    ]
    values = ["%s"] * len(columns)
    values[1] = "%s::jsonb" if postgres else "%s"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(params)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            for row, pk in zip(params, ids, strict=True):
                row.append(pk)
            columns.append("id")
            values.append("%s")
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
            quote(table), ", ".join(quote(c) for c in columns), ", ".join(values)
        )
        cursor.executemany(sql, params)
        if not postgres:
            cursor.execute(
                f"SELECT id FROM {quote(table)} ORDER BY id DESC LIMIT %s",  # noqa: S608
                [len(params)],
            )
            ids = [row[0] for row in reversed(cursor.fetchall())]
    return ids


def _save_identities(
    kept: list[_Clean],
    identities: dict[tuple[str, str], Identity],
    identified: dict[str, int],
    external_links: dict[str, int],
    now: datetime.datetime,
) -> list[Visit]:
    """Record new ids and who the identified visitors are; join their earlier events.

    Returns the earlier visits that now belong to a person, for their timeline entries.
    """
    new_rows = []
    for value, person_id in external_links.items():
        new_rows.append(
            Identity(
                kind=IdentityKind.EXTERNAL,
                value=value,
                person_id=person_id,
                first_seen_at=now,
                identified_at=now,
            )
        )
    seen_anonymous = set()
    for event in kept:
        value = event.anonymous_id
        if (
            value
            and (IdentityKind.ANONYMOUS, value) not in identities
            and (value not in seen_anonymous)
        ):
            seen_anonymous.add(value)
            person_id = identified.get(value)
            new_rows.append(
                Identity(
                    kind=IdentityKind.ANONYMOUS,
                    value=value,
                    person_id=person_id,
                    first_seen_at=now,
                    identified_at=now if person_id else None,
                )
            )
    if new_rows:
        # A concurrent batch may add the same id first; its row stands.
        Identity.objects.bulk_create(new_rows, ignore_conflicts=True)
    changed = [
        identity
        for (kind, value), identity in identities.items()
        if kind == IdentityKind.ANONYMOUS and value in identified
    ]
    for identity in changed:
        identity.person_id = identified[identity.value]
        identity.identified_at = now
    if changed:
        Identity.objects.bulk_update(changed, ["person", "identified_at"])

    # Earlier events and visits of a visitor who identifies now: only the ones still anonymous,
    # so a shared computer's earlier person keeps theirs. One UPDATE per identifying visitor.
    if not identified:
        return []
    for value, person_id in identified.items():
        Event.objects.filter(anonymous_id=value, person__isnull=True).update(person_id=person_id)
    joined = list(
        Visit.objects.select_for_update().filter(
            anonymous_id__in=list(identified), person__isnull=True
        )
    )
    for visit in joined:
        visit.person_id = identified[visit.anonymous_id]
    return joined


def _visit_key(event: _Clean, site_key: SiteKey | None) -> str:
    source = f"k{site_key.pk}" if site_key is not None else "api"
    if event.session_id:
        return f"{source}:s:{event.session_id}"
    who = f"p{event.person_id}" if event.person_id else f"a:{event.anonymous_id}"
    return f"{source}:{who}:{event.occurred_at.date().isoformat()}"


def _save_visits(
    kept: list[_Clean], site_key: SiteKey | None, joined: list[Visit]
) -> dict[str, Visit]:
    """Add or update every visit the batch touches, and their timeline entries: one insert, one
    locking read and one update for the visits, one timeline insert per new visit of a person."""
    grouped: dict[str, list[_Clean]] = defaultdict(list)
    for event in kept:
        grouped[_visit_key(event, site_key)].append(event)
    Visit.objects.bulk_create(
        [
            Visit(
                session_key=key,
                anonymous_id=events[0].anonymous_id,
                site_key=site_key,
                started_at=min(e.occurred_at for e in events),
                last_at=max(e.occurred_at for e in events),
            )
            for key, events in grouped.items()
        ],
        ignore_conflicts=True,
    )
    visits = {
        visit.session_key: visit
        for visit in Visit.objects.select_for_update().filter(session_key__in=list(grouped))
    }
    for key, events in grouped.items():
        visit = visits[key]
        counts = dict(visit.counts)
        for event in events:
            counts[event.name] = counts.get(event.name, 0) + 1
            if event.person_id is not None:
                visit.person_id = event.person_id
            if event.anonymous_id and not visit.anonymous_id:
                visit.anonymous_id = event.anonymous_id
        visit.counts = counts
        visit.event_count += len(events)
        visit.started_at = min(visit.started_at, *(e.occurred_at for e in events))
        visit.last_at = max(visit.last_at, *(e.occurred_at for e in events))
    touched = list(visits.values()) + [v for v in joined if v.session_key not in visits]

    refresh: dict[int, dict] = {}
    new_entries: list[Visit] = []
    for visit in touched:
        if visit.person_id is None:
            continue
        if visit.timeline_entry_id is None:
            new_entries.append(visit)
        else:
            refresh[visit.timeline_entry_id] = {
                "data": _timeline_data(visit),
                "occurred_at": visit.started_at,
            }
    added = timeline_add_many(
        [
            {
                "kind": TIMELINE_KIND,
                "person_id": visit.person_id,
                "occurred_at": visit.started_at,
                "source_type": "behaviour_visit",
                "source_id": visit.pk,
                "data": _timeline_data(visit),
            }
            for visit in new_entries
        ]
    )
    for visit, entry in zip(new_entries, added, strict=True):
        visit.timeline_entry_id = entry.pk
    timeline_refresh(entries=refresh)
    _update_each(
        Visit,
        touched,
        ["person", "anonymous_id", "counts", "event_count", "started_at", "last_at",
         "timeline_entry_id"],
    )  # fmt: skip
    return visits


def _update_each(model, rows: list, fields: list[str]) -> None:
    """UPDATE each row's `fields` by primary key in one executemany: unlike `bulk_update`'s
    CASE per field and row, its cost does not grow with rows × fields in Python."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model)
        quote(model._meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(model._meta.pk.column),
    )
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _timeline_data(visit: Visit) -> dict:
    return {
        "visit": visit.pk,
        "counts": visit.counts,
        "events": visit.event_count,
        "last_at": visit.last_at.isoformat(),
        "detail_url": reverse("behaviour:visit_detail", args=[visit.pk]),
    }


class UnknownPerson(ApplicationError):
    status = 404

    def __init__(self) -> None:
        super().__init__("unknown_person", _("No person has this email, phone or external id."))


def visitor_identify(*, actor: User, data: dict, site_key: SiteKey | None = None) -> Event:
    """Say who the visitor of `data["anonymous_id"]` is, by email, phone or external id.

    Kept as an `identified` event, which joins the visitor's earlier events to the person
    (`events_ingest`). Raises 422 when the input is wrong, 404 `unknown_person` when nobody the
    actor may see matches (nothing is stored then).
    """
    raw = {"name": "identified", **{k: v for k, v in data.items() if k != "name"}}
    errors = FieldErrors()
    if not raw.get("anonymous_id"):
        errors.add("anonymous_id", _("Give the visitor's anonymous id."))
    if not (raw.get("email") or raw.get("phone") or raw.get("external_id")):
        errors.add("email", _("Give an email, phone or external id."))
    errors.raise_if_any()
    cleaned = _clean_event(0, raw, timezone.now())
    if isinstance(cleaned, EventProblem):
        raise ValidationFailed(cleaned.message, cleaned.details)
    by_email, by_phone, identities = _known_persons(actor, [cleaned])
    external = identities.get((IdentityKind.EXTERNAL, cleaned.external_id))
    if not (
        (external is not None and external.person_id)
        or by_email.get(cleaned.email)
        or by_phone.get(cleaned.phone)
    ):
        raise UnknownPerson()
    result = events_ingest(actor=actor, events=[raw], site_key=site_key)
    return Event.objects.get(pk=result.event_ids[0])


# --- The public endpoint's guards -----------------------------------------------------------------


def site_key_rate_limit_hit(ip: str) -> bool:
    """Count one call from `ip` in the current minute; True when over the limit."""
    limit = settings.RAPPORT_EVENTS_RATE_LIMIT
    if limit <= 0:
        return False
    key = f"rapport:events:{ip}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        return False


def events_ingest_public(*, site_key: SiteKey, events: Any, ip: str) -> IngestResult:
    """Events a web page sent with its site key (the origin is checked by the view)."""
    if site_key_rate_limit_hit(ip):
        raise RateLimited()
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_PUBLIC_BATCH:
        raise invalid(
            "events", _("Send 1 to %(limit)d events in a batch.") % {"limit": MAX_PUBLIC_BATCH}
        )
    return events_ingest(
        actor=site_key.created_by,
        events=events,
        site_key=site_key,
        keep_unknown_as_anonymous=True,
    )


# --- Site keys ----------------------------------------------------------------------------------


def clean_origin(raw: str) -> str:
    """`https://shop.example.com[:port]` as a browser sends it in Origin; raises FieldError."""
    value = (raw or "").strip().rstrip("/")
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise FieldError(
            _("“%(value)s” is not an origin such as https://shop.example.com.") % {"value": raw}
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise FieldError(_("“%(value)s” has an invalid port.") % {"value": raw}) from exc
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{netloc}"


def _clean_site_key(data: dict) -> dict:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    origins_raw = data.get("allowed_origins") or []
    if isinstance(origins_raw, str):
        origins_raw = origins_raw.split()
    origins: list[str] = []
    if not isinstance(origins_raw, list) or len(origins_raw) > 20:
        errors.add("allowed_origins", _("List at most 20 origins."))
    else:
        for raw in origins_raw:
            try:
                origin = clean_origin(raw if isinstance(raw, str) else "")
            except FieldError as exc:
                errors.add("allowed_origins", str(exc))
                continue
            if origin not in origins:
                origins.append(origin)
        if not origins and "allowed_origins" not in errors:
            errors.add("allowed_origins", _("List the website's origins, one per line."))
    cleaned["allowed_origins"] = origins
    cleaned["is_active"] = bool(data.get("is_active", True))
    errors.raise_if_any()
    return cleaned


def _audit_site_key(actor: User, action: str, site_key: SiteKey) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="site_key",
        target_id=site_key.pk,
        summary=site_key.name,
        data={"allowed_origins": list(site_key.allowed_origins), "is_active": site_key.is_active},
    )


@transaction.atomic
def site_key_create(*, actor: User, data: dict) -> SiteKey:
    require_settings_manager(actor)
    site_key = SiteKey.objects.create(created_by=actor, **_clean_site_key(data))
    _audit_site_key(actor, AuditAction.SITE_KEY_CREATED, site_key)
    return site_key


@transaction.atomic
def site_key_update(*, actor: User, site_key: SiteKey, data: dict) -> SiteKey:
    require_settings_manager(actor)
    for name, value in _clean_site_key(data).items():
        setattr(site_key, name, value)
    site_key.save()
    _audit_site_key(actor, AuditAction.SITE_KEY_CHANGED, site_key)
    return site_key


@transaction.atomic
def site_key_delete(*, actor: User, site_key: SiteKey) -> None:
    """Delete the key: the snippet using it stops sending; events it brought stay."""
    require_settings_manager(actor)
    _audit_site_key(actor, AuditAction.SITE_KEY_DELETED, site_key)
    site_key.delete()
