"""Writing companies in bulk, as `company_create` / `company_update` would."""

import json
from typing import Any

from django.utils import timezone

from rapport.core.records import records_changed
from rapport.customers import search
from rapport.customers.models import (
    Company,
    CompanySearchTerm,
)
from rapport.dataio.models import (
    ImportAction,
    ImportTarget,
)
from rapport.dataio.services.imports.plans import Planned
from rapport.dataio.services.imports.writer.common import (
    ADDRESS_PARTS,
    ADDRESS_TABLE_COLUMNS,
    COMPANY_COLUMNS,
    RECORD_COLUMNS,
    address_of,
    announce_updates,
    custom_of,
    customer_head,
    region_from,
    row_fields,
    row_value,
    unique_values,
)
from rapport.dataio.tablewriter import COMPANY_TABLE_COLUMNS, TIMELINE_COLUMNS, TableWriter


class CompanyWriting:
    """Methods of `BatchWriter` (see batch.py) for this target."""

    def _company_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in COMPANY_COLUMNS if fields.get(k) not in (None, "")}

    def _create_companies(self, cursor, planned: list[Planned]) -> int:
        if not planned:
            return 0
        stamp = self._db_datetime(timezone.now())
        tag_ids = self._tag_ids(t for p in planned for t in (row_value(p.row, "tags", []) or ()))
        ids = self._reserve_ids(cursor, Company, len(planned))
        rows, terms, tags, addresses, entries, records, keys = [], [], [], [], [], [], []
        for pk, p in zip(ids, planned, strict=True):
            fields = row_fields(p.row)
            values = {**self._defaults_for_new(), **self._company_values(fields)}
            address = address_of(fields)
            region_from(values, address)
            rows.append(
                (
                    *customer_head(pk, stamp, values, p.owner, fields),
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
            for tag in unique_values(t.strip()[:50] for t in (row_value(p.row, "tags", []) or ())):
                tags.append((pk, tag_ids[tag]))
            if address:
                addresses.append((None, pk, "work", *(address[k] for k in ADDRESS_PARTS)))
            external = (row_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.COMPANIES, external, None, pk))
            entries.append(self._timeline_row(None, pk, "record.created", stamp, {}))
            records.append((self.job.pk, "company", pk, ImportAction.CREATED, None))
            self.company_ids.setdefault(values["name"], pk)
        writer = TableWriter(cursor)
        writer.write("customers_company", COMPANY_TABLE_COLUMNS, rows)
        writer.write("customers_companysearchterm", ("company_id", "term"), terms)
        if tags:
            writer.write("customers_company_tags", ("company_id", "tag_id"), tags)
        if addresses:
            writer.write("customers_address", ADDRESS_TABLE_COLUMNS, addresses)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "person_id", "company_id"), keys)
        writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        records_changed("company", ids, "created", actor=self.actor)
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
        tag_ids = self._tag_ids(t for p in planned for t in (row_value(p.row, "tags", []) or ()))
        changed_companies, records, entries, new_tags, rebuild, new_keys = [], [], [], [], [], []
        changes: list[tuple[int, list[str]]] = []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            company = companies.get(p.target_id)
            if company is None:
                continue
            fields = row_fields(p.row)
            before: dict[str, Any] = {"version": company.version}
            changed = []
            for name, value in self._company_values(fields).items():
                if getattr(company, name) != value:
                    before.setdefault("columns", {})[name] = getattr(company, name)
                    setattr(company, name, value)
                    changed.append(name)
            custom = custom_of(fields)
            if custom and any(company.custom.get(k) != v for k, v in custom.items()):
                before["custom"] = dict(company.custom)
                company.custom = {**company.custom, **custom}
                changed.append("custom")
            add_tags = {
                tag_ids[t]
                for t in unique_values(t.strip()[:50] for t in (row_value(p.row, "tags", []) or ()))
            } - tags.get(company.pk, set())
            if add_tags:
                before["tags"] = sorted(tags.get(company.pk, set()))
                new_tags.extend((company.pk, t) for t in sorted(add_tags))
                changed.append("tags")
            if (row_value(p.row, "external_id", "") or "").strip():
                new_keys.append(row_value(p.row, "external_id").strip()[:100])
            applied += 1
            if not changed:
                records.append((self.job.pk, "company", company.pk, ImportAction.UPDATED, "{}"))
                continue
            company.version += 1
            company.updated_at = now
            changed_companies.append(company)
            changes.append((company.pk, changed))
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
            TableWriter(cursor).update(
                Company,
                changed_companies,
                sorted({*fields_changed, "version", "updated_at"}),
            )
        writer = TableWriter(cursor)
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
            writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        if records:
            writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        announce_updates("company", changes, self.actor)
        return applied

    # --- Leads ------------------------------------------------------------------------------
