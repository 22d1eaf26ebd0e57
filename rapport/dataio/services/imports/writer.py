"""Turning cleaned rows into records, one batch at a time, fast.

A batch is planned first (`BatchWriter.plan`: owners, duplicate matching, create / update /
skip / reject for each row) with a fixed number of queries whatever its size: one query per key
kind against PersonEmail / PersonPhone / ImportedKey, one for the records this job already
wrote, one for the records to update. Planning writes nothing, so a dry run is the same code.

`BatchWriter.write` then inserts the new records with the machinery of the million-row seeding
(`rapport.dataio.bulk._Writer`: executemany on SQLite, COPY on PostgreSQL), ids reserved up
front, inside the caller's transaction, so the job's checkpoint commits with them. The rows are
what `person_create` would write for the same input: the primary phone and e-mail copied onto
the person, one PersonPhone / PersonEmail row each, search terms from `rapport.customers.search`,
the owner's team as the record's team, tags, the company (found by name among the companies
the importer sees, or created), an address, and one `record.created` timeline entry per record,
written in bulk rather than through the PersonCreated event, with `source_type="import"`.

Leads are written like `lead_create` writes them, in bulk: the score from the scoring rules
(`lead_score_compute`, in memory), the "created" history entry (via "import") and the inquiry
for a message. They are matched by external ID, phone or e-mail among the leads the importer
sees (`leads_visible_to`); a converted lead is not changed. Products are matched on their SKU
in the shared catalogue, which only `can_manage_catalog` users may import into (jobs.py checks).
Interactions are only created, against the customer each row names (see `interactions`).
Orders are only created, one `order_create` per group of consecutive rows with the same order
reference; payments are only recorded, one `payment_record` per row on the visible order the
row names (see `orders`).

Matching only considers records the importer can see (the one visibility rule), so an import
never reveals or changes another team's records; a row whose key an earlier accepted row of the
same file had is skipped as a duplicate, in dry runs and real runs alike.
"""

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.activities.models import TimelineEntry
from rapport.core.cleaning import FieldErrors, clean_currency
from rapport.core.events import publish
from rapport.customers import search
from rapport.customers.events import PersonUpdated
from rapport.customers.models import (
    Address,
    Company,
    CompanySearchTerm,
    Employment,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
    Tag,
)
from rapport.dataio.bulk import _Writer
from rapport.dataio.models import (
    ImportAction,
    ImportedKey,
    ImportJob,
    ImportMatchOn,
    ImportMode,
    ImportRecord,
    ImportTarget,
)
from rapport.dataio.services.imports.interactions import CustomerFinder, write_interactions
from rapport.dataio.services.imports.orders import (
    OrderFinder,
    PaymentRehearsal,
    plan_orders,
    write_orders,
    write_payments,
)
from rapport.sales.models import Lead, LeadScoringRule, LeadStatus, Product, ScoringRuleKind
from rapport.sales.models.leads import LeadCaptureChannel, LeadEvent, LeadEventKind
from rapport.sales.selectors.leads import leads_visible_to
from rapport.sales.services.leads import lead_score_compute
from rapport.sales.services.leads.scoring import INTERACTION_KINDS

PERSON_COLUMNS = (
    "full_name",
    "given_name",
    "family_name",
    "gender",
    "birthday",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "preferences",
    "notes",
)
COMPANY_COLUMNS = (
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
ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postcode")
DEFAULT_COLUMN_VALUES = {
    "given_name": "",
    "family_name": "",
    "gender": "unknown",
    "birthday": None,
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
SEARCHED_PERSON_FIELDS = {"full_name", "given_name", "family_name"}


@dataclass
class Rejected:
    row_number: int
    values: list[str]
    reasons: list[str]


@dataclass
class Planned:
    row_number: int
    row: Any  # the cleaner's CleanRow
    owner: tuple[int, int | None]  # (owner id, team id)
    target_id: int | None = None  # the record to update
    customer: tuple[int, int | None] | None = None  # an interaction's (person id, company id)
    order_id: int | None = None  # a payment's order
    values: list[str] | None = None  # the raw row, for a payment the service may yet refuse
    order_data: dict | None = None  # an order's input for `order_create`
    order_rows: list[tuple[int, list[str]]] | None = None  # an order's rows (number, values)


@dataclass
class BatchPlan:
    creates: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    rows: int = 0


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    # Rows refused while writing (a payment `payment_record` refuses), for the rejected file.
    rejected: list[Rejected] = field(default_factory=list)


def _value(row, name: str, default=None):
    return getattr(row, name, default) or default


def _row_fields(row) -> dict:
    return dict(getattr(row, "fields", None) or {})


def _address_of(fields: dict) -> dict | None:
    address = fields.get("address")
    if isinstance(address, dict):
        parts = {k: address.get(k) or "" for k in ADDRESS_PARTS}
    else:
        parts = {k: fields.get(k) or "" for k in ADDRESS_PARTS}
    if not any(parts[k] for k in ADDRESS_PARTS if k != "country"):
        return None
    parts["country"] = (parts["country"] or "CN").upper()[:2]
    return parts


def _custom_of(fields: dict) -> dict:
    custom = dict(fields.get("custom") or {})
    for key, value in fields.items():
        if key.startswith("custom.") and value not in (None, "", []):
            custom[key.removeprefix("custom.")] = value
    return custom


def _clean_list(values) -> list[str]:
    seen, out = set(), []
    for value in values or ():
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out


class _Owners:
    """Owner usernames → (id, team id), checked once per name against who the actor may give
    records to (the same rule as `person_create`: themselves or their team; administrators
    anyone active)."""

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
        ).only("pk", "username", "email", "team_id"):
            found[user.username] = user
            if user.email:
                found.setdefault(user.email.lower(), user)
        found = {n: found.get(n) or found.get(n.lower()) for n in missing}
        actor = self.actor
        for name in missing:
            user = found.get(name)
            if user is None:
                self.cache[name] = _("There is no active user “%(name)s”.") % {"name": name}
            elif (
                not actor.is_administrator
                and user.pk != actor.pk
                and (actor.team_id is None or user.team_id != actor.team_id)
            ):
                self.cache[name] = _("You can only give records to members of your team.")
            else:
                self.cache[name] = (user.pk, user.team_id)

    def get(self, name: str | None) -> tuple[int, int | None] | str:
        if not name:
            return (self.actor.pk, self.actor.team_id)
        return self.cache[name]


class BatchWriter:
    """Plans and writes batches of one import job; keeps small caches between batches."""

    def __init__(self, job: ImportJob, actor: User, *, dry_run: bool):
        self.job = job
        self.actor = actor
        self.dry_run = dry_run
        self.target = job.target
        self.persons = job.target == ImportTarget.PERSONS
        self.kind = RECORD_KINDS[job.target]
        # Matched leads that were converted: they are not changed (as `lead_update` refuses).
        self.converted_leads: set[int] = set()
        # Lead owners' names for their "assigned" history entries: user id → name.
        self.owner_names: dict[int, str] = {}
        self.currency_column = next(
            (c for c, k in (job.mapping or {}).items() if k == "currency"), _("currency")
        )
        # The default owner and source channel fill new records only: an update keeps its own.
        self.default_owner = (job.defaults or {}).get("owner", "")
        self.default_source = (job.defaults or {}).get("source", "")
        self.owners = _Owners(actor)
        self.tag_ids: dict[str, int] = {}
        self.company_ids: dict[str, int] = {}
        self.name_terms: dict[str, frozenset[str]] = {}
        # Dry runs write nothing, so earlier rows' keys are remembered here instead of being
        # found in the database; 8-byte hashes keep a million keys well under 100 MB.
        self.seen_keys: set[int] = set()
        self.vendor = connection.vendor
        self.payment_rehearsal = (
            PaymentRehearsal(self) if dry_run and job.target == ImportTarget.PAYMENTS else None
        )
        self.order_rehearsal = dry_run and job.target == ImportTarget.ORDERS
        # The reference of the last order of the batch before (see `orders.plan_orders`).
        self.cut_order_ref = ""

    # --- Planning ---------------------------------------------------------------------------

    def keys_of(self, row) -> list[str]:
        match_on = self.job.match_on
        if match_on == ImportMatchOn.EMAIL:
            return _clean_list(_value(row, "emails", []))
        if match_on == ImportMatchOn.PHONE:
            return _clean_list(_value(row, "phones", []))
        if match_on == ImportMatchOn.EXTERNAL_ID:
            key = (_value(row, "external_id", "") or "").strip()
            return [key] if key else []
        if match_on == ImportMatchOn.SKU:
            sku = (_row_fields(row).get("sku") or "").strip()
            return [sku] if sku else []
        if match_on == ImportMatchOn.NAME:
            fields = _row_fields(row)
            name = (fields.get("name") or fields.get("full_name") or "").strip()
            return [name] if name else []
        return []

    def _visible(self, prefix: str) -> Q:
        return visible_records_q(
            self.actor, owner_field=f"{prefix}owner", team_field=f"{prefix}team"
        )

    def _match(self, keys: set[str]) -> dict[str, int]:
        """Key → id of the visible record it belongs to (the oldest when several share it)."""
        if not keys:
            return {}
        match_on = self.job.match_on
        if self.target == ImportTarget.LEADS:
            return self._match_leads(keys)
        if self.target == ImportTarget.PRODUCTS:
            # The catalogue is shared: every product is visible.
            pairs = Product.objects.filter(sku__in=keys).values_list("sku", "pk")
        elif self.persons:
            if match_on == ImportMatchOn.EMAIL:
                qs = PersonEmail.objects.filter(email__in=keys).filter(self._visible("person__"))
                pairs = qs.values_list("email", "person_id")
            elif match_on == ImportMatchOn.PHONE:
                qs = PersonPhone.objects.filter(number__in=keys).filter(self._visible("person__"))
                pairs = qs.values_list("number", "person_id")
            elif match_on == ImportMatchOn.NAME:
                qs = Person.objects.filter(full_name__in=keys).filter(self._visible(""))
                pairs = qs.values_list("full_name", "pk")
            else:
                qs = ImportedKey.objects.filter(target=ImportTarget.PERSONS, key__in=keys)
                pairs = qs.filter(self._visible("person__")).values_list("key", "person_id")
        else:
            if match_on == ImportMatchOn.EXTERNAL_ID:
                qs = ImportedKey.objects.filter(target=ImportTarget.COMPANIES, key__in=keys)
                pairs = qs.filter(self._visible("company__")).values_list("key", "company_id")
            elif match_on == ImportMatchOn.EMAIL:
                qs = Company.objects.filter(email__in=keys).filter(self._visible(""))
                pairs = qs.values_list("email", "pk")
            elif match_on == ImportMatchOn.PHONE:
                qs = Company.objects.filter(phone__in=keys).filter(self._visible(""))
                pairs = qs.values_list("phone", "pk")
            else:
                qs = Company.objects.filter(name__in=keys).filter(self._visible(""))
                pairs = qs.values_list("name", "pk")
        found: dict[str, int] = {}
        for key, object_id in pairs:
            if key not in found or object_id < found[key]:
                found[key] = object_id
        return found

    def _match_leads(self, keys: set[str]) -> dict[str, int]:
        visible = leads_visible_to(self.actor)
        match_on = self.job.match_on
        if match_on == ImportMatchOn.EMAIL:
            rows = visible.filter(email__in=keys).values_list("email", "pk", "status")
        elif match_on == ImportMatchOn.PHONE:
            rows = visible.filter(phone__in=keys).values_list("phone", "pk", "status")
        else:
            rows = ImportedKey.objects.filter(
                target=ImportTarget.LEADS, key__in=keys, lead__in=visible
            ).values_list("key", "lead_id", "lead__status")
        # An open lead wins over a converted one with the same key, then the oldest.
        best: dict[str, tuple[bool, int]] = {}
        for key, object_id, status in rows:
            converted = status == LeadStatus.CONVERTED
            if converted:
                self.converted_leads.add(object_id)
            if key not in best or (converted, object_id) < best[key]:
                best[key] = (converted, object_id)
        return {key: object_id for key, (_converted, object_id) in best.items()}

    def _row_problems(self, row) -> list[str]:
        """What the cleaner cannot know about a row: a product's currency code."""
        if self.target != ImportTarget.PRODUCTS:
            return []
        fields = _row_fields(row)
        errors = FieldErrors()
        currency = clean_currency(fields.get("currency") or "CNY", "currency", errors)
        if errors:
            return [
                _("%(column)s: %(message)s")
                % {"column": self.currency_column, "message": errors["currency"][0]}
            ]
        fields["currency"] = currency
        row.fields = fields
        return []

    def plan(self, batch: list[tuple[int, list[str], Any]]) -> BatchPlan:
        """Decide each row's fate. `batch` holds (row number, raw values, cleaner result)."""
        plan = BatchPlan(rows=len(batch))
        if self.target == ImportTarget.ORDERS:
            plan_orders(self, plan, batch)
            return plan
        accepted = []
        self.owners.resolve(
            [self.default_owner]
            + [_value(r, "owner_username") for _n, _v, r in batch if not hasattr(r, "reasons")]
        )
        for number, values, row in batch:
            if hasattr(row, "reasons"):
                plan.rejected.append(Rejected(number, values, list(row.reasons)))
                continue
            owner = self.owners.get(_value(row, "owner_username") or self.default_owner)
            if isinstance(owner, str):
                plan.rejected.append(Rejected(number, values, [owner]))
                continue
            problems = self._row_problems(row)
            if problems:
                plan.rejected.append(Rejected(number, values, problems))
                continue
            accepted.append((number, values, row, owner, self.keys_of(row)))

        if self.target == ImportTarget.INTERACTIONS:
            return self._plan_interactions(plan, accepted)
        if self.target == ImportTarget.PAYMENTS:
            return self._plan_payments(plan, accepted)
        mode = self.job.mode
        matches = self._match({k for *_rest, keys in accepted for k in keys})
        already = set()
        if not self.dry_run and matches:
            already = set(
                ImportRecord.objects.filter(
                    job=self.job, kind=self.kind, object_id__in=set(matches.values())
                ).values_list("object_id", flat=True)
            )
        batch_keys: set[str] = set()
        batch_targets: set[int] = set()
        for number, values, row, owner, keys in accepted:
            target_id = next((matches[k] for k in keys if k in matches), None)
            if self.dry_run:
                hashes = {hash(k) for k in keys}
                duplicate = bool(hashes & self.seen_keys)
            else:
                duplicate = any(k in batch_keys for k in keys) or target_id in already
            duplicate = duplicate or (target_id is not None and target_id in batch_targets)
            if duplicate:
                plan.skipped += 1
                continue
            if target_id is None:
                if mode == ImportMode.UPDATE:
                    plan.rejected.append(Rejected(number, values, [self._no_match_reason()]))
                    continue
                plan.creates.append(Planned(number, row, owner))
            elif mode == ImportMode.CREATE:
                plan.skipped += 1
                continue
            elif target_id in self.converted_leads:
                reason = _("This lead was converted; it can no longer be changed.")
                plan.rejected.append(Rejected(number, values, [reason]))
                continue
            else:
                plan.updates.append(Planned(number, row, owner, target_id))
                batch_targets.add(target_id)
            batch_keys.update(keys)
            if self.dry_run:
                self.seen_keys.update(hash(k) for k in keys)
        return plan

    def _plan_interactions(self, plan: BatchPlan, accepted: list) -> BatchPlan:
        """Every accepted row creates an interaction, unless its customer is not found."""
        customers = CustomerFinder(self.actor, [row for _n, _v, row, _o, _k in accepted])
        for number, values, row, owner, _keys in accepted:
            customer = customers.find(row)
            if isinstance(customer, str):
                plan.rejected.append(Rejected(number, values, [customer]))
            else:
                plan.creates.append(Planned(number, row, owner, customer=customer))
        # The rejected-rows file and the dry run list rows in the order of the file.
        plan.rejected.sort(key=lambda rejected: rejected.row_number)
        return plan

    def _plan_payments(self, plan: BatchPlan, accepted: list) -> BatchPlan:
        """Every accepted row records a payment on its order, unless the order is not found;
        a dry run also asks `payment_record` (rolled back) what it would refuse."""
        orders = OrderFinder(self.actor, [row for _n, _v, row, _o, _k in accepted])
        for number, values, row, owner, _keys in accepted:
            order_id = orders.find(row)
            if isinstance(order_id, str):
                plan.rejected.append(Rejected(number, values, [order_id]))
            else:
                plan.creates.append(
                    Planned(number, row, owner, order_id=order_id, values=list(values))
                )
        if self.payment_rehearsal is not None:
            plan.creates, refused = self.payment_rehearsal.rehearse(plan.creates)
            plan.rejected.extend(refused)
        plan.rejected.sort(key=lambda rejected: rejected.row_number)
        return plan

    def _no_match_reason(self) -> str:
        return {
            ImportMatchOn.EMAIL: _("No existing record has this email."),
            ImportMatchOn.PHONE: _("No existing record has this phone number."),
            ImportMatchOn.EXTERNAL_ID: _("No existing record has this external ID."),
            ImportMatchOn.NAME: _("No existing record has this name."),
            ImportMatchOn.SKU: _("No existing product has this SKU."),
        }[self.job.match_on]

    # --- Writing ----------------------------------------------------------------------------

    def _reserve_ids(self, cursor, model, count: int) -> list[int]:
        """`count` new primary keys of `model`'s table, safe against concurrent writers: the
        sequence on PostgreSQL; on SQLite the write lock this transaction holds (IMMEDIATE)."""
        if count == 0:
            return []
        table = model._meta.db_table
        if self.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
                "FROM generate_series(1, %s)",
                [count],
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        last = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table])
        seq = cursor.fetchone()
        start = max(last, seq[0] if seq else 0) + 1
        return list(range(start, start + count))

    def _db_datetime(self, value: datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)

    def _db_date(self, value):
        if value is None or self.vendor == "postgresql":
            return value
        return value.isoformat() if hasattr(value, "isoformat") else value

    def _terms_for_name(self, full_name: str, given: str, family: str) -> frozenset[str]:
        key = f"{full_name}\x00{given}\x00{family}"
        terms = self.name_terms.get(key)
        if terms is None:
            found = search.name_terms(full_name)
            if given or family:
                found |= search.name_terms(f"{given} {family}")
            if len(self.name_terms) >= NAME_CACHE_LIMIT:
                self.name_terms.clear()
            terms = self.name_terms[key] = frozenset(found)
        return terms

    def _tag_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Tag names → ids, creating the tags that do not exist yet (as `tag_create` allows
        everyone to)."""
        wanted = {n.strip()[:50] for n in names if n and n.strip()}
        missing = wanted - self.tag_ids.keys()
        if missing:
            for tag in Tag.objects.filter(name__in=missing):
                self.tag_ids[tag.name] = tag.pk
            for name in missing - self.tag_ids.keys():
                self.tag_ids[name] = Tag.objects.get_or_create(name=name)[0].pk
        return self.tag_ids

    def _company_ids(self, cursor, names: set[str], owners: dict[str, tuple], now, counts):
        """Company names → ids of companies the actor sees; the missing ones are created (owned
        like the first person who works there) and recorded for undo."""
        missing = {n for n in names if n not in self.company_ids}
        if missing:
            for pk, name in (
                Company.objects.filter(name__in=missing)
                .filter(self._visible(""))
                .order_by("pk")
                .values_list("pk", "name")
            ):
                self.company_ids.setdefault(name, pk)
        new = sorted(n for n in names if n not in self.company_ids)
        if not new:
            return
        ids = self._reserve_ids(cursor, Company, len(new))
        rows, terms, entries, records = [], [], [], []
        stamp = self._db_datetime(now)
        for pk, name in zip(ids, new, strict=True):
            owner_id, team_id = owners[name]
            common = (stamp, stamp, "", "", "other", "target", owner_id, team_id, "", "{}", 1)
            rows.append((pk, *common, name, "", "", "", ""))
            terms.extend((pk, t) for t in search.company_terms(name=name))
            entries.append(self._timeline_row(None, pk, "record.created", stamp, {}))
            records.append((self.job.pk, "company", pk, ImportAction.CREATED, None))
            self.company_ids[name] = pk
        writer = _Writer(cursor)
        writer.write("customers_company", _COMPANY_TABLE_COLUMNS, rows)
        writer.write("customers_companysearchterm", ("company_id", "term"), terms)
        writer.write("activities_timelineentry", _TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        counts["companies_created"] = counts.get("companies_created", 0) + len(new)

    def _defaults_for_new(self) -> dict:
        if self.default_source:
            return {**DEFAULT_COLUMN_VALUES, "source": self.default_source}
        return DEFAULT_COLUMN_VALUES

    def _timeline_row(self, person_id, company_id, kind, stamp, data: dict):
        return (
            company_id,
            person_id,
            kind,
            stamp,
            "",
            "",
            self.actor.pk,
            "import",
            self.job.pk,
            json.dumps(data),
        )

    def write(self, cursor, plan: BatchPlan, counts: dict) -> BatchResult:
        """Write the plan's creates and updates inside the caller's transaction."""
        if self.persons:
            created = self._create_persons(cursor, plan.creates, counts)
            updated = self._update_persons(cursor, plan.updates)
        elif self.target == ImportTarget.LEADS:
            created = self._create_leads(cursor, plan.creates)
            updated = self._update_leads(cursor, plan.updates)
        elif self.target == ImportTarget.PRODUCTS:
            created = self._create_products(cursor, plan.creates)
            updated = self._update_products(cursor, plan.updates)
        elif self.target == ImportTarget.INTERACTIONS:
            created, updated = write_interactions(self, cursor, plan.creates), 0
        elif self.target == ImportTarget.PAYMENTS:
            created, refused = write_payments(self, plan.creates)
            return BatchResult(created=created, rejected=refused)
        elif self.target == ImportTarget.ORDERS:
            created, refused = write_orders(self, plan.creates)
            return BatchResult(created=created, rejected=refused)
        else:
            created = self._create_companies(cursor, plan.creates)
            updated = self._update_companies(cursor, plan.updates)
        return BatchResult(created=created, updated=updated)

    # --- Persons ----------------------------------------------------------------------------

    def _person_values(self, fields: dict) -> dict:
        values = {k: fields[k] for k in PERSON_COLUMNS if fields.get(k) not in (None, "")}
        if not values.get("full_name"):
            name = f"{values.get('given_name', '')} {values.get('family_name', '')}".strip()
            if name:
                values["full_name"] = name
        return values

    def _create_persons(self, cursor, planned: list[Planned], counts: dict) -> int:
        if not planned:
            return 0
        now = timezone.now()
        stamp = self._db_datetime(now)
        job_id = self.job.pk
        tag_ids = self._tag_ids(t for p in planned for t in (_value(p.row, "tags", []) or ()))
        company_owner: dict[str, tuple] = {}
        for p in planned:
            name = (_value(p.row, "company_name", "") or "").strip()[:200]
            if name:
                company_owner.setdefault(name, p.owner)
        if company_owner:
            self._company_ids(cursor, set(company_owner), company_owner, now, counts)
        ids = self._reserve_ids(cursor, Person, len(planned))
        persons, phones, emails, terms, tags, jobs, addresses = [], [], [], [], [], [], []
        entries, records, keys = [], [], []
        for pk, p in zip(ids, planned, strict=True):
            row = p.row
            fields = _row_fields(row)
            values = {**self._defaults_for_new(), **self._person_values(fields)}
            row_phones = _clean_list(_value(row, "phones", []))
            row_emails = _clean_list(_value(row, "emails", []))
            address = _address_of(fields)
            if not values["region"] and address:
                values["region"] = address.get("province", "")[:64]
            owner_id, team_id = p.owner
            persons.append(
                (
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
                    json.dumps(_custom_of(fields)),
                    1,
                    values["full_name"],
                    values["given_name"],
                    values["family_name"],
                    values["gender"],
                    self._db_date(values["birthday"]),
                    values["preferences"],
                    row_phones[0] if row_phones else "",
                    row_emails[0] if row_emails else "",
                )
            )
            phones.extend((pk, "mobile", n, i == 0) for i, n in enumerate(row_phones))
            emails.extend((pk, "work", e, i == 0) for i, e in enumerate(row_emails))
            person_terms = set(
                self._terms_for_name(
                    values["full_name"], values["given_name"], values["family_name"]
                )
            )
            for number in row_phones:
                person_terms |= search.phone_terms(number)
            for email in row_emails:
                person_terms |= search.email_terms(email)
            terms.extend((pk, t) for t in person_terms)
            for tag in _clean_list(t.strip()[:50] for t in (_value(row, "tags", []) or ())):
                tags.append((pk, tag_ids[tag]))
            company = (_value(row, "company_name", "") or "").strip()[:200]
            if company:
                title = (fields.get("job_title") or "")[:100]
                jobs.append((pk, self.company_ids[company], title, True))
            if address:
                addresses.append((pk, None, "work", *(address[k] for k in ADDRESS_PARTS)))
            external = (_value(row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.PERSONS, external, pk, None))
            entries.append(self._timeline_row(pk, None, "record.created", stamp, {}))
            records.append((job_id, "person", pk, ImportAction.CREATED, None))
        writer = _Writer(cursor)
        writer.write("customers_person", _PERSON_TABLE_COLUMNS, persons)
        writer.write(
            "customers_personphone", ("person_id", "label", "number", "is_primary"), phones
        )
        writer.write("customers_personemail", ("person_id", "label", "email", "is_primary"), emails)
        writer.write("customers_personsearchterm", ("person_id", "term"), terms)
        if tags:
            writer.write("customers_person_tags", ("person_id", "tag_id"), tags)
        if jobs:
            writer.write(
                "customers_employment", ("person_id", "company_id", "job_title", "is_primary"), jobs
            )
        if addresses:
            writer.write("customers_address", _ADDRESS_TABLE_COLUMNS, addresses)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "person_id", "company_id"), keys)
        writer.write("activities_timelineentry", _TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        return len(persons)

    def _update_persons(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to its matched person: columns and custom values
        are overwritten, phones, e-mails, tags and the company are added. What is overwritten
        is kept in the ImportRecord's `before`, for undo."""
        if not planned:
            return 0
        now = timezone.now()
        ids = [p.target_id for p in planned]
        persons = Person.objects.in_bulk(ids)
        phones: dict[int, list] = {}
        for pid, number, label, primary in PersonPhone.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "number", "label", "is_primary"):
            phones.setdefault(pid, []).append([number, label, primary])
        emails: dict[int, list] = {}
        for pid, email, label, primary in PersonEmail.objects.filter(person_id__in=ids).values_list(
            "person_id", "email", "label", "is_primary"
        ):
            emails.setdefault(pid, []).append([email, label, primary])
        tags: dict[int, set] = {}
        for pid, tag_id in Person.tags.through.objects.filter(person_id__in=ids).values_list(
            "person_id", "tag_id"
        ):
            tags.setdefault(pid, set()).add(tag_id)
        companies: dict[int, set] = {}
        for pid, cid in Employment.objects.filter(person_id__in=ids).values_list(
            "person_id", "company_id"
        ):
            companies.setdefault(pid, set()).add(cid)
        tag_ids = self._tag_ids(t for p in planned for t in (_value(p.row, "tags", []) or ()))
        company_owner: dict[str, tuple] = {}
        for p in planned:
            name = (_value(p.row, "company_name", "") or "").strip()[:200]
            if name:
                company_owner.setdefault(name, p.owner)
        if company_owner:
            self._company_ids(cursor, set(company_owner), company_owner, now, {})

        changed_persons, new_phones, new_emails, new_tags, new_jobs, new_keys = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        records, entries, rebuild, reassigned = [], [], [], []
        stamp = self._db_datetime(now)
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            person = persons.get(p.target_id)
            if person is None:  # deleted since it was matched
                continue
            row = p.row
            fields = _row_fields(row)
            before: dict[str, Any] = {"version": person.version}
            changed: list[str] = []
            for name, value in self._person_values(fields).items():
                if getattr(person, name) != value:
                    before.setdefault("columns", {})[name] = _jsonable(getattr(person, name))
                    setattr(person, name, value)
                    changed.append(name)
            custom = _custom_of(fields)
            if custom and any(person.custom.get(k) != v for k, v in custom.items()):
                before["custom"] = dict(person.custom)
                person.custom = {**person.custom, **custom}
                changed.append("custom")
            if _value(row, "owner_username") and p.owner != (person.owner_id, person.team_id):
                before["owner"] = [person.owner_id, person.team_id]
                person.owner_id, person.team_id = p.owner
                changed += ["owner", "team"]
            have = {n for n, *_ in phones.get(person.pk, [])}
            add = [n for n in _clean_list(_value(row, "phones", [])) if n not in have]
            if add:
                before["phones"] = phones.get(person.pk, [])
                new_phones.extend(
                    (person.pk, "mobile", n, not have and i == 0) for i, n in enumerate(add)
                )
                if not person.primary_phone:
                    person.primary_phone = add[0]
                changed.append("phones")
            have = {e for e, *_ in emails.get(person.pk, [])}
            add = [e for e in _clean_list(_value(row, "emails", [])) if e not in have]
            if add:
                before["emails"] = emails.get(person.pk, [])
                new_emails.extend(
                    (person.pk, "work", e, not have and i == 0) for i, e in enumerate(add)
                )
                if not person.primary_email:
                    person.primary_email = add[0]
                changed.append("emails")
            have_tags = tags.get(person.pk, set())
            add_tags = {
                tag_ids[t]
                for t in _clean_list(t.strip()[:50] for t in (_value(row, "tags", []) or ()))
            } - have_tags
            if add_tags:
                before["tags"] = sorted(have_tags)
                new_tags.extend((person.pk, t) for t in sorted(add_tags))
                changed.append("tags")
            company = (_value(row, "company_name", "") or "").strip()[:200]
            if company and self.company_ids[company] not in companies.get(person.pk, set()):
                before["companies"] = sorted(companies.get(person.pk, set()))
                title = (fields.get("job_title") or "")[:100]
                primary = not companies.get(person.pk)
                new_jobs.append((person.pk, self.company_ids[company], title, primary))
                changed.append("employments")
            external = (_value(row, "external_id", "") or "").strip()[:100]
            if external:
                new_keys.append(external)
            applied += 1
            if not changed:
                # Nothing to change, but the row was this record's: later rows of the file
                # with the same key are duplicates, as the dry run counts them.
                records.append((self.job.pk, "person", person.pk, ImportAction.UPDATED, "{}"))
                continue
            person.version += 1
            person.updated_at = now
            changed_persons.append(person)
            fields_changed.update(c for c in changed if c in _PERSON_SAVE_FIELDS)
            records.append(
                (self.job.pk, "person", person.pk, ImportAction.UPDATED, json.dumps(before))
            )
            if SEARCHED_PERSON_FIELDS & set(changed) or {"phones", "emails"} & set(changed):
                rebuild.append(person.pk)
            if "owner" in changed:
                reassigned.append((person.pk, tuple(changed)))
            else:
                entries.append(
                    self._timeline_row(
                        person.pk, None, "record.updated", stamp, {"fields": changed}
                    )
                )
        if changed_persons:
            Person.objects.bulk_update(
                changed_persons,
                sorted(
                    {*fields_changed, "version", "updated_at", "primary_phone", "primary_email"}
                ),
                batch_size=500,
            )
        writer = _Writer(cursor)
        if new_phones:
            writer.write(
                "customers_personphone", ("person_id", "label", "number", "is_primary"), new_phones
            )
        if new_emails:
            writer.write(
                "customers_personemail", ("person_id", "label", "email", "is_primary"), new_emails
            )
        if new_tags:
            writer.write("customers_person_tags", ("person_id", "tag_id"), new_tags)
        if new_jobs:
            writer.write(
                "customers_employment",
                ("person_id", "company_id", "job_title", "is_primary"),
                new_jobs,
            )
        if new_keys:
            self._add_keys(ImportTarget.PERSONS, planned, new_keys)
        if rebuild:
            self._rebuild_person_terms(cursor, rebuild)
        if entries:
            writer.write("activities_timelineentry", _TIMELINE_COLUMNS, entries)
        if records:
            writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        for person_id, changed in reassigned:
            # The owner changed: the event lets sales move the person's orders along with it
            # (and activities writes the timeline entry).
            publish(
                PersonUpdated(person_id=person_id, actor_id=self.actor.pk, changed_fields=changed)
            )
        return applied

    def _add_keys(self, target: str, planned: list[Planned], keys: list[str]) -> None:
        existing = set(
            ImportedKey.objects.filter(target=target, key__in=keys).values_list("key", flat=True)
        )
        field_name = {
            ImportTarget.PERSONS: "person_id",
            ImportTarget.COMPANIES: "company_id",
            ImportTarget.LEADS: "lead_id",
        }[target]
        new = []
        for p in planned:
            key = (_value(p.row, "external_id", "") or "").strip()[:100]
            if key and key not in existing:
                existing.add(key)
                new.append(ImportedKey(target=target, key=key, **{field_name: p.target_id}))
        ImportedKey.objects.bulk_create(new)

    def _rebuild_person_terms(self, cursor, ids: list[int]) -> None:
        PersonSearchTerm.objects.filter(person_id__in=ids).delete()
        phones: dict[int, list] = {}
        for pid, number in PersonPhone.objects.filter(person_id__in=ids).values_list(
            "person_id", "number"
        ):
            phones.setdefault(pid, []).append(number)
        emails: dict[int, list] = {}
        for pid, email in PersonEmail.objects.filter(person_id__in=ids).values_list(
            "person_id", "email"
        ):
            emails.setdefault(pid, []).append(email)
        rows = []
        for pid, full_name, given, family in Person.objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "given_name", "family_name"
        ):
            terms = search.person_terms(
                full_name=full_name,
                given_name=given,
                family_name=family,
                phones=phones.get(pid, ()),
                emails=emails.get(pid, ()),
            )
            rows.extend((pid, t) for t in terms)
        _Writer(cursor).write("customers_personsearchterm", ("person_id", "term"), rows)

    # --- Companies --------------------------------------------------------------------------

    def _company_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in COMPANY_COLUMNS if fields.get(k) not in (None, "")}

    def _create_companies(self, cursor, planned: list[Planned]) -> int:
        if not planned:
            return 0
        stamp = self._db_datetime(timezone.now())
        tag_ids = self._tag_ids(t for p in planned for t in (_value(p.row, "tags", []) or ()))
        ids = self._reserve_ids(cursor, Company, len(planned))
        rows, terms, tags, addresses, entries, records, keys = [], [], [], [], [], [], []
        for pk, p in zip(ids, planned, strict=True):
            fields = _row_fields(p.row)
            values = {**self._defaults_for_new(), **self._company_values(fields)}
            address = _address_of(fields)
            if not values["region"] and address:
                values["region"] = address.get("province", "")[:64]
            owner_id, team_id = p.owner
            rows.append(
                (
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
                    json.dumps(_custom_of(fields)),
                    1,
                    values["name"],
                    values["english_name"],
                    values["website"],
                    values["phone"],
                    values["email"],
                )
            )
            terms.extend(
                (pk, t)
                for t in search.company_terms(
                    name=values["name"], english_name=values["english_name"]
                )
            )
            for tag in _clean_list(t.strip()[:50] for t in (_value(p.row, "tags", []) or ())):
                tags.append((pk, tag_ids[tag]))
            if address:
                addresses.append((None, pk, "work", *(address[k] for k in ADDRESS_PARTS)))
            external = (_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.COMPANIES, external, None, pk))
            entries.append(self._timeline_row(None, pk, "record.created", stamp, {}))
            records.append((self.job.pk, "company", pk, ImportAction.CREATED, None))
            self.company_ids.setdefault(values["name"], pk)
        writer = _Writer(cursor)
        writer.write("customers_company", _COMPANY_TABLE_COLUMNS, rows)
        writer.write("customers_companysearchterm", ("company_id", "term"), terms)
        if tags:
            writer.write("customers_company_tags", ("company_id", "tag_id"), tags)
        if addresses:
            writer.write("customers_address", _ADDRESS_TABLE_COLUMNS, addresses)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "person_id", "company_id"), keys)
        writer.write("activities_timelineentry", _TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        return len(rows)

    def _update_companies(self, cursor, planned: list[Planned]) -> int:
        if not planned:
            return 0
        now = timezone.now()
        stamp = self._db_datetime(now)
        companies = Company.objects.in_bulk([p.target_id for p in planned])
        tags: dict[int, set] = {}
        for cid, tag_id in Company.tags.through.objects.filter(
            company_id__in=list(companies)
        ).values_list("company_id", "tag_id"):
            tags.setdefault(cid, set()).add(tag_id)
        tag_ids = self._tag_ids(t for p in planned for t in (_value(p.row, "tags", []) or ()))
        changed_companies, records, entries, new_tags, rebuild, new_keys = [], [], [], [], [], []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            company = companies.get(p.target_id)
            if company is None:
                continue
            fields = _row_fields(p.row)
            before: dict[str, Any] = {"version": company.version}
            changed = []
            for name, value in self._company_values(fields).items():
                if getattr(company, name) != value:
                    before.setdefault("columns", {})[name] = getattr(company, name)
                    setattr(company, name, value)
                    changed.append(name)
            custom = _custom_of(fields)
            if custom and any(company.custom.get(k) != v for k, v in custom.items()):
                before["custom"] = dict(company.custom)
                company.custom = {**company.custom, **custom}
                changed.append("custom")
            add_tags = {
                tag_ids[t]
                for t in _clean_list(t.strip()[:50] for t in (_value(p.row, "tags", []) or ()))
            } - tags.get(company.pk, set())
            if add_tags:
                before["tags"] = sorted(tags.get(company.pk, set()))
                new_tags.extend((company.pk, t) for t in sorted(add_tags))
                changed.append("tags")
            if (_value(p.row, "external_id", "") or "").strip():
                new_keys.append(_value(p.row, "external_id").strip()[:100])
            applied += 1
            if not changed:
                records.append((self.job.pk, "company", company.pk, ImportAction.UPDATED, "{}"))
                continue
            company.version += 1
            company.updated_at = now
            changed_companies.append(company)
            fields_changed.update(c for c in changed if c in (*COMPANY_COLUMNS, "custom"))
            if {"name", "english_name"} & set(changed):
                rebuild.append(company)
            records.append(
                (self.job.pk, "company", company.pk, ImportAction.UPDATED, json.dumps(before))
            )
            entries.append(
                self._timeline_row(None, company.pk, "record.updated", stamp, {"fields": changed})
            )
        if changed_companies:
            Company.objects.bulk_update(
                changed_companies,
                sorted({*fields_changed, "version", "updated_at"}),
                batch_size=500,
            )
        writer = _Writer(cursor)
        if new_tags:
            writer.write("customers_company_tags", ("company_id", "tag_id"), new_tags)
        if new_keys:
            self._add_keys(ImportTarget.COMPANIES, planned, new_keys)
        if rebuild:
            CompanySearchTerm.objects.filter(company__in=rebuild).delete()
            writer.write(
                "customers_companysearchterm",
                ("company_id", "term"),
                [
                    (c.pk, t)
                    for c in rebuild
                    for t in search.company_terms(name=c.name, english_name=c.english_name)
                ],
            )
        if entries:
            writer.write("activities_timelineentry", _TIMELINE_COLUMNS, entries)
        if records:
            writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        return applied

    # --- Leads ------------------------------------------------------------------------------

    def _lead_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in LEAD_COLUMNS if fields.get(k) not in (None, "")}

    def _scoring_rules(self) -> list[LeadScoringRule]:
        # Read per batch, so a rule an administrator changes during a long import applies to
        # the batches after it, as it would to leads entered by hand.
        return list(LeadScoringRule.objects.filter(is_active=True).order_by("position", "pk"))

    def _owner_names(self, ids: set[int]) -> None:
        missing = ids - self.owner_names.keys()
        if missing:
            for user in User.objects.filter(pk__in=missing):
                self.owner_names[user.pk] = str(user)

    def _create_leads(self, cursor, planned: list[Planned]) -> int:
        """New leads as `lead_create` writes them: scored, with their "created" history entry,
        the inquiry when the row has a message and "assigned" when the owner is not the
        importer. The owner is the row's, the default owner or the importer, and the lead goes
        to the owner's team. Neither the assignment rules nor the owner's follow-up task apply:
        the file says who owns what, and a file of leads should not become a task per row."""
        if not planned:
            return 0
        now = timezone.now()
        stamp = self._db_datetime(now)
        rules = self._scoring_rules()
        self._owner_names({p.owner[0] for p in planned} - {self.actor.pk})
        ids = self._reserve_ids(cursor, Lead, len(planned))
        leads, events, keys, records = [], [], [], []
        for pk, p in zip(ids, planned, strict=True):
            values = {**LEAD_DEFAULTS, **self._lead_values(_row_fields(p.row))}
            owner_id, team_id = p.owner
            lead = Lead(pk=pk, created_at=now, owner_id=owner_id, team_id=team_id, **values)
            # The inquiry written below is the lead's one interaction so far.
            score, reasons = lead_score_compute(
                lead, rules, interactions=1 if values["message"] else 0, now=now
            )
            leads.append(
                (
                    pk,
                    stamp,
                    stamp,
                    *(values[k] for k in LEAD_COLUMNS),
                    "{}",
                    "",
                    score,
                    json.dumps(reasons),
                    owner_id,
                    team_id,
                    1,
                )
            )
            created = {
                "via": LeadCaptureChannel.IMPORT,
                "source": values["source"],
                "campaign": values["campaign"],
                "import_id": self.job.pk,
            }
            events.append(
                (pk, LeadEventKind.CREATED, stamp, self.actor.pk, "", json.dumps(created))
            )
            if values["message"]:
                events.append((pk, LeadEventKind.INQUIRY, stamp, None, values["message"], "{}"))
            if owner_id != self.actor.pk:
                assigned = {"owner": self.owner_names[owner_id], "owner_id": owner_id, "rule": ""}
                events.append(
                    (pk, LeadEventKind.ASSIGNED, stamp, self.actor.pk, "", json.dumps(assigned))
                )
            external = (_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.LEADS, external, pk))
            records.append((self.job.pk, "lead", pk, ImportAction.CREATED, None))
        writer = _Writer(cursor)
        writer.write("sales_lead", _LEAD_TABLE_COLUMNS, leads)
        writer.write("sales_leadevent", _LEAD_EVENT_COLUMNS, events)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "lead_id"), keys)
        writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        return len(leads)

    def _update_leads(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to its matched lead, as `lead_update` would: a new
        status clears the disqualification reason and is written to the history, the version
        goes up and the score is recomputed. `before` keeps what was overwritten, for undo."""
        if not planned:
            return 0
        now = timezone.now()
        ids = [p.target_id for p in planned]
        leads = Lead.objects.in_bulk(ids)
        rules = self._scoring_rules()
        interactions: dict[int, int] = {}
        if any(r.kind == ScoringRuleKind.INTERACTIONS_AT_LEAST for r in rules):
            interactions = dict(
                LeadEvent.objects.filter(lead_id__in=ids, kind__in=INTERACTION_KINDS)
                .values("lead_id")
                .annotate(count=Count("pk"))
                .values_list("lead_id", "count")
            )
        changed_leads, records, events, new_keys = [], [], [], []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            lead = leads.get(p.target_id)
            if lead is None or lead.status == LeadStatus.CONVERTED:  # changed since planned
                continue
            before: dict[str, Any] = {"version": lead.version}
            changed: list[str] = []
            old_status = lead.status
            for name, value in self._lead_values(_row_fields(p.row)).items():
                if getattr(lead, name) != value:
                    before.setdefault("columns", {})[name] = _jsonable(getattr(lead, name))
                    setattr(lead, name, value)
                    changed.append(name)
            if lead.status != old_status and lead.disqualify_reason:
                before["columns"]["disqualify_reason"] = lead.disqualify_reason
                lead.disqualify_reason = ""
                changed.append("disqualify_reason")
            if _value(p.row, "owner_username") and p.owner != (lead.owner_id, lead.team_id):
                before["owner"] = [lead.owner_id, lead.team_id]
                lead.owner_id, lead.team_id = p.owner
                changed += ["owner", "team"]
            external = (_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                new_keys.append(external)
            applied += 1
            if not changed:
                records.append((self.job.pk, "lead", lead.pk, ImportAction.UPDATED, "{}"))
                continue
            if lead.status != old_status:
                events.append(
                    LeadEvent(
                        lead_id=lead.pk,
                        kind=LeadEventKind.STATUS,
                        occurred_at=now,
                        actor_id=self.actor.pk,
                        data={"from": old_status, "to": lead.status},
                    )
                )
            lead.score, lead.score_reasons = lead_score_compute(
                lead, rules, interactions=interactions.get(lead.pk, 0), now=now
            )
            lead.version += 1
            lead.updated_at = now
            changed_leads.append(lead)
            fields_changed.update(changed)
            records.append((self.job.pk, "lead", lead.pk, ImportAction.UPDATED, json.dumps(before)))
        if changed_leads:
            Lead.objects.bulk_update(
                changed_leads,
                sorted({*fields_changed, "version", "updated_at", "score", "score_reasons"}),
                batch_size=500,
            )
        if events:
            LeadEvent.objects.bulk_create(events)
        if new_keys:
            self._add_keys(ImportTarget.LEADS, planned, new_keys)
        if records:
            _Writer(cursor).write("dataio_importrecord", _RECORD_COLUMNS, records)
        return applied

    # --- Products ---------------------------------------------------------------------------

    def _product_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in PRODUCT_COLUMNS if fields.get(k) not in (None, "")}

    def _create_products(self, cursor, planned: list[Planned]) -> int:
        """New products of the catalogue, as `product_create` writes them."""
        if not planned:
            return 0
        stamp = self._db_datetime(timezone.now())
        ids = self._reserve_ids(cursor, Product, len(planned))
        products, records = [], []
        for pk, p in zip(ids, planned, strict=True):
            fields = _row_fields(p.row)
            values = {**PRODUCT_DEFAULTS, **self._product_values(fields)}
            products.append(
                (pk, stamp, stamp, fields["sku"], *(values[k] for k in PRODUCT_COLUMNS))
            )
            records.append((self.job.pk, "product", pk, ImportAction.CREATED, None))
        writer = _Writer(cursor)
        writer.write("sales_product", _PRODUCT_TABLE_COLUMNS, products)
        writer.write("dataio_importrecord", _RECORD_COLUMNS, records)
        return len(products)

    def _update_products(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to the product with its SKU; orders keep the
        prices they were placed at. `before` keeps what was overwritten, for undo."""
        if not planned:
            return 0
        now = timezone.now()
        products = Product.objects.in_bulk([p.target_id for p in planned])
        changed_products, records = [], []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            product = products.get(p.target_id)
            if product is None:
                continue
            before: dict[str, Any] = {}
            for name, value in self._product_values(_row_fields(p.row)).items():
                if getattr(product, name) != value:
                    before.setdefault("columns", {})[name] = _jsonable(getattr(product, name))
                    setattr(product, name, value)
                    fields_changed.add(name)
            applied += 1
            if before:
                product.updated_at = now
                changed_products.append(product)
            records.append(
                (self.job.pk, "product", product.pk, ImportAction.UPDATED, json.dumps(before))
            )
        if changed_products:
            Product.objects.bulk_update(
                changed_products, sorted({*fields_changed, "updated_at"}), batch_size=500
            )
        if records:
            _Writer(cursor).write("dataio_importrecord", _RECORD_COLUMNS, records)
        return applied


def _jsonable(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # never a float: undo reads it back exactly
    return value


_PERSON_SAVE_FIELDS = (*PERSON_COLUMNS, "custom", "owner", "team")
_PERSON_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "owner_id",
    "team_id",
    "notes",
    "custom",
    "version",
    "full_name",
    "given_name",
    "family_name",
    "gender",
    "birthday",
    "preferences",
    "primary_phone",
    "primary_email",
)
_COMPANY_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "owner_id",
    "team_id",
    "notes",
    "custom",
    "version",
    "name",
    "english_name",
    "website",
    "phone",
    "email",
)
_ADDRESS_TABLE_COLUMNS = ("person_id", "company_id", "label", *ADDRESS_PARTS)
_TIMELINE_COLUMNS = (
    "company_id",
    "person_id",
    "kind",
    "occurred_at",
    "title",
    "body",
    "actor_id",
    "source_type",
    "source_id",
    "data",
)
_RECORD_COLUMNS = ("job_id", "kind", "object_id", "action", "before")
_LEAD_TABLE_COLUMNS = (
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
_LEAD_EVENT_COLUMNS = ("lead_id", "kind", "occurred_at", "actor_id", "body", "data")
_PRODUCT_TABLE_COLUMNS = ("id", "created_at", "updated_at", "sku", *PRODUCT_COLUMNS)
# Keep the model names imported for the tables this module writes by name.
_TABLES = (Address, TimelineEntry, PersonSearchTerm, CompanySearchTerm)
