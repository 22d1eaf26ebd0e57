"""What every part of the batch writer shares: the columns it writes, the plan of a batch,
the owners cache and small helpers."""

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.accounts.access import may_own
from rapport.accounts.models import User
from rapport.activities.models import TimelineEntry
from rapport.core.records import records_changed
from rapport.customers.models import (
    Address,
    CompanySearchTerm,
    PersonSearchTerm,
)
from rapport.customers.services import COMPANY_FIELDS, PERSON_FIELDS
from rapport.dataio.models import (
    ImportTarget,
)
from rapport.sales.models import LeadStatus

# The plain columns an import may set: those the forms and the API may set.
PERSON_COLUMNS = PERSON_FIELDS
COMPANY_COLUMNS = COMPANY_FIELDS
ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postcode")
DEFAULT_COLUMN_VALUES = {
    "given_name": "",
    "middle_name": "",
    "family_name": "",
    "nickname": "",
    "gender": "unknown",
    "birthday": None,
    "birth_month": None,
    "birth_day": None,
    "industry": "",
    "region": "",
    "source": "other",
    "lifecycle_stage": "target",
    "preferences": "",
    "notes": "",
    "english_name": "",
    "website": "",
    "phone": "",
    "email": "",
}
LEAD_COLUMNS = (
    "full_name",
    "company_name",
    "job_title",
    "phone",
    "email",
    "region",
    "city",
    "source",
    "campaign",
    "budget",
    "message",
    "status",
)
LEAD_DEFAULTS = {
    "company_name": "",
    "job_title": "",
    "phone": "",
    "email": "",
    "region": "",
    "city": "",
    "source": "other",
    "campaign": "",
    "budget": None,
    "message": "",
    "status": LeadStatus.NEW,
}
PRODUCT_COLUMNS = ("name", "category", "unit_price", "currency", "description", "is_active")
PRODUCT_DEFAULTS = {"category": "", "currency": "CNY", "description": "", "is_active": True}
# What ImportRecord.kind calls the records of each target.
RECORD_KINDS = {
    ImportTarget.PERSONS: "person",
    ImportTarget.COMPANIES: "company",
    ImportTarget.LEADS: "lead",
    ImportTarget.INTERACTIONS: "interaction",
    ImportTarget.PRODUCTS: "product",
    ImportTarget.ORDERS: "order",
    ImportTarget.PAYMENTS: "payment",
}
# Name terms are the costly part of a row (pinyin); names repeat a lot, so they are cached, but
# only up to this many, so that memory stays flat over a file of millions of rows.
NAME_CACHE_LIMIT = 100_000
# Search terms and fields that, when an update changes them, need the terms rebuilt.
SEARCHED_PERSON_FIELDS = {"full_name", "given_name", "family_name", "middle_name", "nickname"}


def row_value(row, name: str, default=None):
    return getattr(row, name, default) or default


def row_fields(row) -> dict:
    return dict(getattr(row, "fields", None) or {})


def address_of(fields: dict) -> dict | None:
    address = fields.get("address")
    if isinstance(address, dict):
        parts = {k: address.get(k) or "" for k in ADDRESS_PARTS}
    else:
        parts = {k: fields.get(k) or "" for k in ADDRESS_PARTS}
    if not any(parts[k] for k in ADDRESS_PARTS if k != "country"):
        return None
    # The cleaner gives a person's or company's address the row's country; the installation's
    # default is the last resort (never a fixed CN: Seattle is not in China).
    parts["country"] = (parts["country"] or settings.PHONE_DEFAULT_REGION).upper()[:2]
    return parts


def row_addresses(row, fields: dict) -> list[tuple[str, dict]]:
    """A row's addresses as (label, parts), each completed by `address_of`: those the cleaner
    listed (a person's work, home and other address; one without a country takes the row's),
    else the one in `fields`, labelled work."""
    listed = getattr(row, "addresses", None)
    if not listed:
        address = address_of(fields)
        return [("work", address)] if address else []
    out = []
    for label, parts in listed:
        address = address_of({**parts, "country": parts.get("country") or fields.get("country")})
        if address:
            out.append((label, address))
    return out


def customer_head(pk: int, stamp, values: dict, owner: tuple, fields: dict) -> tuple:
    """The columns a new person and a new company share (the first twelve of
    PERSON_TABLE_COLUMNS and COMPANY_TABLE_COLUMNS, in that order)."""
    owner_id, team_id = owner
    return (
        pk,
        stamp,
        stamp,
        values["industry"],
        values["region"],
        values["source"],
        values["lifecycle_stage"],
        owner_id,
        team_id,
        values["notes"],
        json.dumps(custom_of(fields)),
        1,  # version
    )


def region_from(values: dict, address: dict | None) -> None:
    """A new record without a region takes its address's province."""
    if not values["region"] and address:
        values["region"] = address.get("province", "")[:64]


def custom_of(fields: dict) -> dict:
    custom = dict(fields.get("custom") or {})
    for key, value in fields.items():
        if key.startswith("custom.") and value not in (None, "", []):
            custom[key.removeprefix("custom.")] = value
    return custom


def announce_updates(kind: str, changes: Iterable[tuple[int, Iterable[str]]], actor) -> None:
    """Announce the batch's updates of records of `kind` (`(id, changed fields)` each): one
    `records_changed` per set of changed fields, in the order of the first record of each."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for pk, fields in changes:
        groups.setdefault(tuple(fields), []).append(pk)
    for fields, ids in groups.items():
        records_changed(kind, ids, "updated", changed_fields=fields, actor=actor)


def unique_values(values) -> list[str]:
    seen, out = set(), []
    for value in values or ():
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out


class Owners:
    """Owner usernames → (id, team id), checked once per name against who the actor may give
    records to (`may_own`, the rule of `assignable_owners`)."""

    def __init__(self, actor: User):
        self.actor = actor
        self.cache: dict[str, tuple[int, int | None] | str] = {}

    def resolve(self, names: Iterable[str]) -> None:
        missing = {n for n in names if n and n not in self.cache}
        if not missing:
            return
        found = {}
        # A user name, or the user's e-mail address (what other systems export).
        for user in User.objects.filter(
            Q(username__in=missing) | Q(email__in={n.lower() for n in missing if "@" in n}),
            is_active=True,
        ).only("pk", "username", "email", "team_id", "is_active"):
            found[user.username] = user
            if user.email:
                found.setdefault(user.email.lower(), user)
        found = {n: found.get(n) or found.get(n.lower()) for n in missing}
        actor = self.actor
        for name in missing:
            user = found.get(name)
            if user is None:
                self.cache[name] = _("There is no active user “%(name)s”.") % {"name": name}
            elif not may_own(actor, user):
                self.cache[name] = _("You can only give records to members of your team.")
            else:
                self.cache[name] = (user.pk, user.team_id)

    def get(self, name: str | None) -> tuple[int, int | None] | str:
        if not name:
            return (self.actor.pk, self.actor.team_id)
        return self.cache[name]


def jsonable(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # never a float: undo reads it back exactly
    return value


PERSON_SAVE_FIELDS = (*PERSON_COLUMNS, "custom", "owner", "team")
ADDRESS_TABLE_COLUMNS = ("person_id", "company_id", "label", *ADDRESS_PARTS)
RECORD_COLUMNS = ("job_id", "kind", "object_id", "action", "before")
LEAD_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    *LEAD_COLUMNS,
    "data",
    "disqualify_reason",
    "score",
    "score_reasons",
    "owner_id",
    "team_id",
    "version",
)
LEAD_EVENT_COLUMNS = ("lead_id", "kind", "occurred_at", "actor_id", "body", "data")
PRODUCT_TABLE_COLUMNS = ("id", "created_at", "updated_at", "sku", *PRODUCT_COLUMNS)
# Keep the model names imported for the tables this module writes by name.
_TABLES = (Address, TimelineEntry, PersonSearchTerm, CompanySearchTerm)
