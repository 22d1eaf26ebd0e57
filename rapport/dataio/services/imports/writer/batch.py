"""The batch writer: plans a batch (matching, owners, create / update / skip / reject) and writes
it with the methods of each target."""

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors, clean_currency
from rapport.core.records import changes_caused_by, records_changed
from rapport.customers import search
from rapport.customers.models import (
    Company,
    Person,
    PersonEmail,
    PersonPhone,
    Tag,
)
from rapport.dataio.models import (
    ImportAction,
    ImportedKey,
    ImportJob,
    ImportMatchOn,
    ImportMode,
    ImportRecord,
    ImportTarget,
)
from rapport.dataio.services.imports.interactions import (
    CustomerFinder,
    interaction_key,
    logged_interactions,
    write_interactions,
)
from rapport.dataio.services.imports.orders import (
    OrderFinder,
    PaymentRehearsal,
    plan_orders,
    write_orders,
    write_payments,
)
from rapport.dataio.services.imports.plans import BatchPlan, BatchResult, Planned, Rejected
from rapport.dataio.services.imports.writer.common import (
    DEFAULT_COLUMN_VALUES,
    NAME_CACHE_LIMIT,
    RECORD_COLUMNS,
    RECORD_KINDS,
    Owners,
    row_fields,
    row_value,
    unique_values,
)
from rapport.dataio.services.imports.writer.companies import CompanyWriting
from rapport.dataio.services.imports.writer.leads import LeadWriting
from rapport.dataio.services.imports.writer.persons import PersonWriting
from rapport.dataio.services.imports.writer.products import ProductWriting
from rapport.dataio.tablewriter import COMPANY_TABLE_COLUMNS, TIMELINE_COLUMNS, TableWriter
from rapport.sales.models import LeadStatus, Product
from rapport.sales.selectors.leads import leads_visible_to

# Keys looked up per query when matching rows to existing records (see `_match`).
MATCH_CHUNK = 1000


def _in_chunks(keys: set[str]):
    ordered = sorted(keys)
    for start in range(0, len(ordered), MATCH_CHUNK):
        yield ordered[start : start + MATCH_CHUNK]


class BatchWriter(PersonWriting, CompanyWriting, LeadWriting, ProductWriting):
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
        # Leads whose row names no owner are given out by the assignment rules.
        self.assign_by_rules = bool((job.defaults or {}).get("assign_by_rules"))
        # Whether the imported changes start automation rules (docs/decisions.md, "Imports
        # and automation rules"); the change feed and webhooks receive them either way.
        self.start_rules = (job.defaults or {}).get("start_rules", True) is not False
        self.owners = Owners(actor)
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
        if getattr(row, "company_only", False):
            return []  # a company row of a person import: found by its name when written
        match_on = self.job.match_on
        if match_on == ImportMatchOn.EMAIL:
            return unique_values(row_value(row, "emails", []))
        if match_on == ImportMatchOn.PHONE:
            return unique_values(row_value(row, "phones", []))
        if match_on == ImportMatchOn.EXTERNAL_ID:
            key = (row_value(row, "external_id", "") or "").strip()
            return [key] if key else []
        if match_on == ImportMatchOn.SKU:
            sku = (row_fields(row).get("sku") or "").strip()
            return [sku] if sku else []
        if match_on == ImportMatchOn.NAME:
            fields = row_fields(row)
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
        if self.target == ImportTarget.LEADS:
            return self._match_leads(keys)
        found: dict[str, int] = {}
        # In chunks: given a batch's 5,000 keys at once, PostgreSQL plans a scan of the whole
        # contact table (130 ms a batch at a million persons) instead of 5,000 index lookups
        # (under 20 ms); a thousand keys at a time it takes the index.
        for chunk in _in_chunks(keys):
            for key, object_id in self._match_query(chunk):
                if key not in found or object_id < found[key]:
                    found[key] = object_id
        return found

    def _match_query(self, keys: list[str]):
        """(key, id) pairs of the visible records with one of `keys`."""
        match_on = self.job.match_on
        if self.target == ImportTarget.PRODUCTS:
            # The catalogue is shared: every product is visible.
            return Product.objects.filter(sku__in=keys).values_list("sku", "pk")
        if self.persons:
            if match_on == ImportMatchOn.EMAIL:
                qs = PersonEmail.objects.filter(email__in=keys).filter(self._visible("person__"))
                return qs.values_list("email", "person_id")
            if match_on == ImportMatchOn.PHONE:
                qs = PersonPhone.objects.filter(number__in=keys).filter(self._visible("person__"))
                return qs.values_list("number", "person_id")
            if match_on == ImportMatchOn.NAME:
                qs = Person.objects.filter(full_name__in=keys).filter(self._visible(""))
                return qs.values_list("full_name", "pk")
            qs = ImportedKey.objects.filter(target=ImportTarget.PERSONS, key__in=keys)
            return qs.filter(self._visible("person__")).values_list("key", "person_id")
        if match_on == ImportMatchOn.EXTERNAL_ID:
            qs = ImportedKey.objects.filter(target=ImportTarget.COMPANIES, key__in=keys)
            return qs.filter(self._visible("company__")).values_list("key", "company_id")
        if match_on == ImportMatchOn.EMAIL:
            qs = Company.objects.filter(email__in=keys).filter(self._visible(""))
            return qs.values_list("email", "pk")
        if match_on == ImportMatchOn.PHONE:
            qs = Company.objects.filter(phone__in=keys).filter(self._visible(""))
            return qs.values_list("phone", "pk")
        qs = Company.objects.filter(name__in=keys).filter(self._visible(""))
        return qs.values_list("name", "pk")

    def _match_leads(self, keys: set[str]) -> dict[str, int]:
        visible = leads_visible_to(self.actor)
        match_on = self.job.match_on

        def rows_for(chunk: list[str]):
            if match_on == ImportMatchOn.EMAIL:
                return visible.filter(email__in=chunk).values_list("email", "pk", "status")
            if match_on == ImportMatchOn.PHONE:
                return visible.filter(phone__in=chunk).values_list("phone", "pk", "status")
            return ImportedKey.objects.filter(
                target=ImportTarget.LEADS, key__in=chunk, lead__in=visible
            ).values_list("key", "lead_id", "lead__status")

        rows = (row for chunk in _in_chunks(keys) for row in rows_for(chunk))
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
        fields = row_fields(row)
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

    def _person_terms(self, values: dict, phones: list[str], emails: list[str]) -> set[str]:
        terms = set(
            self._terms_for_name(values["full_name"], values["given_name"], values["family_name"])
        )
        # As customers.search.person_terms: the middle name and the nickname each on their own.
        for extra in (values.get("middle_name"), values.get("nickname")):
            if extra:
                terms |= self._terms_for_name(extra, "", "")
        for number in phones:
            terms |= search.phone_terms(number)
        for email in emails:
            terms |= search.email_terms(email)
        return terms

    def plan(self, batch: list[tuple[int, list[str], Any]]) -> BatchPlan:
        """Decide each row's fate. `batch` holds (row number, raw values, cleaner result)."""
        plan = BatchPlan(rows=len(batch))
        if self.target == ImportTarget.ORDERS:
            plan_orders(self, plan, batch)
            return plan
        accepted = []
        self.owners.resolve(
            [self.default_owner]
            + [row_value(r, "owner_username") for _n, _v, r in batch if not hasattr(r, "reasons")]
        )
        for number, values, row in batch:
            if hasattr(row, "reasons"):
                plan.rejected.append(Rejected(number, values, list(row.reasons)))
                continue
            owner = self.owners.get(row_value(row, "owner_username") or self.default_owner)
            if isinstance(owner, str):
                plan.rejected.append(Rejected(number, values, [owner, *row.warnings]))
                continue
            problems = self._row_problems(row)
            if problems:
                plan.rejected.append(Rejected(number, values, [*problems, *row.warnings]))
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
            if getattr(row, "company_only", False):
                plan.creates.append(Planned(number, row, owner))
                continue
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
        _collect_warnings(plan, accepted)
        return plan

    def _plan_interactions(self, plan: BatchPlan, accepted: list) -> BatchPlan:
        """Every accepted row creates an interaction, unless its customer is not found or it
        repeats one already logged."""
        customers = CustomerFinder(self.actor, [row for _n, _v, row, _o, _k in accepted])
        found = []
        for number, values, row, owner, _keys in accepted:
            customer = customers.find(row)
            if isinstance(customer, str):
                plan.rejected.append(Rejected(number, values, [customer]))
            else:
                found.append(Planned(number, row, owner, customer=customer))
        # A row that repeats an interaction the customer already has (same user, channel, time
        # and subject: the same file imported twice, or a row given twice) is skipped.
        logged = logged_interactions(found)
        for planned in found:
            key = interaction_key(planned)
            if key in logged or hash(key) in self.seen_keys:
                plan.skipped += 1
                continue
            logged.add(key)
            if self.dry_run:
                # Earlier batches of a dry run are not in the database: remember their rows.
                self.seen_keys.add(hash(key))
            plan.creates.append(planned)
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
        writer = TableWriter(cursor)
        writer.write("customers_company", COMPANY_TABLE_COLUMNS, rows)
        writer.write("customers_companysearchterm", ("company_id", "term"), terms)
        writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        records_changed("company", ids, "created", actor=self.actor)
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
        """Write the plan's creates and updates inside the caller's transaction, each record
        announced (`rapport.core.records`, a batch at a time) as caused by this import."""
        with changes_caused_by(f"import:{self.job.pk}", start_rules=self.start_rules):
            return self._write(cursor, plan, counts)

    def _write(self, cursor, plan: BatchPlan, counts: dict) -> BatchResult:
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
            key = (row_value(p.row, "external_id", "") or "").strip()[:100]
            if key and key not in existing:
                existing.add(key)
                new.append(ImportedKey(target=target, key=key, **{field_name: p.target_id}))
        ImportedKey.objects.bulk_create(new)


def _collect_warnings(plan: BatchPlan, accepted: list) -> None:
    """The rows the batch creates or updates that had a field left out, with their warnings,
    for the warnings file (a row skipped as a duplicate was not imported: it has none)."""
    warned = {
        number: (values, row.warnings) for number, values, row, *_rest in accepted if row.warnings
    }
    if not warned:
        return
    written = {p.row_number for p in plan.creates} | {p.row_number for p in plan.updates}
    plan.warned = [
        Rejected(number, values, list(warnings))
        for number, (values, warnings) in sorted(warned.items())
        if number in written
    ]
