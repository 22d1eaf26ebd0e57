"""Writing persons in bulk: creates with their phones, e-mails, search terms, company links,
addresses and timeline entries; updates that keep the previous values for undo."""

import json
from typing import Any

from django.utils import timezone

from rapport.core.events import publish
from rapport.customers.events import PersonUpdated
from rapport.customers.models import (
    Employment,
    Person,
    PersonEmail,
    PersonPhone,
)
from rapport.dataio.models import (
    ImportAction,
    ImportTarget,
)
from rapport.dataio.services.imports.plans import Planned
from rapport.dataio.services.imports.writer.common import (
    ADDRESS_PARTS,
    ADDRESS_TABLE_COLUMNS,
    PERSON_COLUMNS,
    PERSON_SAVE_FIELDS,
    RECORD_COLUMNS,
    SEARCHED_PERSON_FIELDS,
    address_of,
    custom_of,
    customer_head,
    jsonable,
    region_from,
    row_fields,
    row_value,
    unique_values,
)
from rapport.dataio.tablewriter import PERSON_TABLE_COLUMNS, TIMELINE_COLUMNS, TableWriter


def _term_of(row: tuple) -> str:
    return row[1]


class PersonWriting:
    """Methods of `BatchWriter` (see batch.py) for this target."""

    def _person_values(self, fields: dict) -> dict:
        values = {k: fields[k] for k in PERSON_COLUMNS if fields.get(k) not in (None, "")}
        if not values.get("full_name"):
            name = f"{values.get('given_name', '')} {values.get('family_name', '')}".strip()
            if name:
                values["full_name"] = name
        return values

    @staticmethod
    def _names_of(person: Person) -> dict:
        return {
            "full_name": person.full_name,
            "given_name": person.given_name,
            "family_name": person.family_name,
        }

    def _create_persons(self, cursor, planned: list[Planned], counts: dict) -> int:
        if not planned:
            return 0
        now = timezone.now()
        stamp = self._db_datetime(now)
        job_id = self.job.pk
        tag_ids = self._tag_ids(t for p in planned for t in (row_value(p.row, "tags", []) or ()))
        company_owner: dict[str, tuple] = {}
        for p in planned:
            name = (row_value(p.row, "company_name", "") or "").strip()[:200]
            if name:
                company_owner.setdefault(name, p.owner)
        if company_owner:
            self._company_ids(cursor, set(company_owner), company_owner, now, counts)
        ids = self._reserve_ids(cursor, Person, len(planned))
        persons, phones, emails, terms, tags, jobs, addresses = [], [], [], [], [], [], []
        entries, records, keys = [], [], []
        for pk, p in zip(ids, planned, strict=True):
            row = p.row
            fields = row_fields(row)
            values = {**self._defaults_for_new(), **self._person_values(fields)}
            row_phones = unique_values(row_value(row, "phones", []))
            row_emails = unique_values(row_value(row, "emails", []))
            address = address_of(fields)
            region_from(values, address)
            persons.append(
                (
                    *customer_head(pk, stamp, values, p.owner, fields),
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
            terms.extend((pk, t) for t in self._person_terms(values, row_phones, row_emails))
            for tag in unique_values(t.strip()[:50] for t in (row_value(row, "tags", []) or ())):
                tags.append((pk, tag_ids[tag]))
            company = (row_value(row, "company_name", "") or "").strip()[:200]
            if company:
                title = (fields.get("job_title") or "")[:100]
                jobs.append((pk, self.company_ids[company], title, True))
            if address:
                addresses.append((pk, None, "work", *(address[k] for k in ADDRESS_PARTS)))
            external = (row_value(row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.PERSONS, external, pk, None))
            entries.append(self._timeline_row(pk, None, "record.created", stamp, {}))
            records.append((job_id, "person", pk, ImportAction.CREATED, None))
        writer = TableWriter(cursor)
        writer.write("customers_person", PERSON_TABLE_COLUMNS, persons)
        writer.write(
            "customers_personphone", ("person_id", "label", "number", "is_primary"), phones
        )
        writer.write("customers_personemail", ("person_id", "label", "email", "is_primary"), emails)
        # In term order, the inserts walk the term index from one end to the other instead of
        # jumping about it.
        terms.sort(key=_term_of)
        writer.write("customers_personsearchterm", ("person_id", "term"), terms)
        if tags:
            writer.write("customers_person_tags", ("person_id", "tag_id"), tags)
        if jobs:
            writer.write(
                "customers_employment", ("person_id", "company_id", "job_title", "is_primary"), jobs
            )
        if addresses:
            writer.write("customers_address", ADDRESS_TABLE_COLUMNS, addresses)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "person_id", "company_id"), keys)
        writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
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
        tag_ids = self._tag_ids(t for p in planned for t in (row_value(p.row, "tags", []) or ()))
        company_owner: dict[str, tuple] = {}
        for p in planned:
            name = (row_value(p.row, "company_name", "") or "").strip()[:200]
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
        records, entries, reassigned = [], [], []
        terms_removed: list[tuple[int, str]] = []
        terms_added: list[tuple[int, str]] = []
        stamp = self._db_datetime(now)
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            person = persons.get(p.target_id)
            if person is None:  # deleted since it was matched
                continue
            row = p.row
            fields = row_fields(row)
            names_before = self._names_of(person)
            phones_before = [n for n, *_ in phones.get(person.pk, [])]
            emails_before = [e for e, *_ in emails.get(person.pk, [])]
            added_phones: list[str] = []
            added_emails: list[str] = []
            before: dict[str, Any] = {"version": person.version}
            changed: list[str] = []
            for name, value in self._person_values(fields).items():
                if getattr(person, name) != value:
                    before.setdefault("columns", {})[name] = jsonable(getattr(person, name))
                    setattr(person, name, value)
                    changed.append(name)
            custom = custom_of(fields)
            if custom and any(person.custom.get(k) != v for k, v in custom.items()):
                before["custom"] = dict(person.custom)
                person.custom = {**person.custom, **custom}
                changed.append("custom")
            if row_value(row, "owner_username") and p.owner != (person.owner_id, person.team_id):
                before["owner"] = [person.owner_id, person.team_id]
                person.owner_id, person.team_id = p.owner
                changed += ["owner", "team"]
            have = {n for n, *_ in phones.get(person.pk, [])}
            add = [n for n in unique_values(row_value(row, "phones", [])) if n not in have]
            if add:
                before["phones"] = phones.get(person.pk, [])
                new_phones.extend(
                    (person.pk, "mobile", n, not have and i == 0) for i, n in enumerate(add)
                )
                if not person.primary_phone:
                    person.primary_phone = add[0]
                added_phones = add
                changed.append("phones")
            have = {e for e, *_ in emails.get(person.pk, [])}
            add = [e for e in unique_values(row_value(row, "emails", [])) if e not in have]
            if add:
                before["emails"] = emails.get(person.pk, [])
                new_emails.extend(
                    (person.pk, "work", e, not have and i == 0) for i, e in enumerate(add)
                )
                if not person.primary_email:
                    person.primary_email = add[0]
                added_emails = add
                changed.append("emails")
            have_tags = tags.get(person.pk, set())
            add_tags = {
                tag_ids[t]
                for t in unique_values(t.strip()[:50] for t in (row_value(row, "tags", []) or ()))
            } - have_tags
            if add_tags:
                before["tags"] = sorted(have_tags)
                new_tags.extend((person.pk, t) for t in sorted(add_tags))
                changed.append("tags")
            company = (row_value(row, "company_name", "") or "").strip()[:200]
            if company and self.company_ids[company] not in companies.get(person.pk, set()):
                before["companies"] = sorted(companies.get(person.pk, set()))
                title = (fields.get("job_title") or "")[:100]
                primary = not companies.get(person.pk)
                new_jobs.append((person.pk, self.company_ids[company], title, primary))
                changed.append("employments")
            external = (row_value(row, "external_id", "") or "").strip()[:100]
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
            fields_changed.update(c for c in changed if c in PERSON_SAVE_FIELDS)
            records.append(
                (self.job.pk, "person", person.pk, ImportAction.UPDATED, json.dumps(before))
            )
            if SEARCHED_PERSON_FIELDS & set(changed) or {"phones", "emails"} & set(changed):
                # Only the terms that differ are written: adding a phone leaves the name's and
                # the e-mails' terms where they are in the (large) term index.
                old = self._person_terms(names_before, phones_before, emails_before)
                new = self._person_terms(
                    self._names_of(person),
                    phones_before + added_phones,
                    emails_before + added_emails,
                )
                terms_removed.extend((person.pk, t) for t in old - new)
                terms_added.extend((person.pk, t) for t in new - old)
            if "owner" in changed:
                reassigned.append((person.pk, tuple(changed)))
            else:
                entries.append(
                    self._timeline_row(
                        person.pk, None, "record.updated", stamp, {"fields": changed}
                    )
                )
        if changed_persons:
            TableWriter(cursor).update(
                Person,
                changed_persons,
                sorted(
                    {*fields_changed, "version", "updated_at", "primary_phone", "primary_email"}
                ),
            )
        writer = TableWriter(cursor)
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
        writer.delete("customers_personsearchterm", "person_id", "term", terms_removed)
        if terms_added:
            terms_added.sort(key=_term_of)
            writer.write("customers_personsearchterm", ("person_id", "term"), terms_added)
        if entries:
            writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        if records:
            writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        for person_id, changed in reassigned:
            # The owner changed: the event lets sales move the person's orders along with it
            # (and activities writes the timeline entry).
            publish(
                PersonUpdated(person_id=person_id, actor_id=self.actor.pk, changed_fields=changed)
            )
        return applied

    # --- Companies --------------------------------------------------------------------------
