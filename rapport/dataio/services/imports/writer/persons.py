"""Writing persons in bulk: creates with their phones, e-mails, search terms, company links,
addresses and timeline entries; updates that keep the previous values for undo."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from rapport.core.events import publish
from rapport.core.records import records_changed
from rapport.customers.events import PersonUpdated
from rapport.customers.models import (
    Address,
    Company,
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
    announce_updates,
    custom_of,
    customer_head,
    jsonable,
    region_from,
    row_addresses,
    row_fields,
    row_value,
    unique_values,
)
from rapport.dataio.tablewriter import PERSON_TABLE_COLUMNS, TIMELINE_COLUMNS, TableWriter


def _term_of(row: tuple) -> str:
    return row[1]


@dataclass
class _PersonsHeld:
    """What the matched persons hold before the batch: [value, label, is primary] of their
    phones and e-mails, their tag ids and the ids of the companies they work at."""

    phones: dict[int, list] = field(default_factory=dict)
    emails: dict[int, list] = field(default_factory=dict)
    tags: dict[int, set] = field(default_factory=dict)
    companies: dict[int, set] = field(default_factory=dict)
    # (id, label, *ADDRESS_PARTS) of each address.
    addresses: dict[int, list] = field(default_factory=dict)

    @classmethod
    def load(cls, ids: list[int]) -> "_PersonsHeld":
        held = cls()
        for pid, number, label, primary in PersonPhone.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "number", "label", "is_primary"):
            held.phones.setdefault(pid, []).append([number, label, primary])
        for pid, email, label, primary in PersonEmail.objects.filter(person_id__in=ids).values_list(
            "person_id", "email", "label", "is_primary"
        ):
            held.emails.setdefault(pid, []).append([email, label, primary])
        for pid, tag_id in Person.tags.through.objects.filter(person_id__in=ids).values_list(
            "person_id", "tag_id"
        ):
            held.tags.setdefault(pid, set()).add(tag_id)
        for pid, cid in Employment.objects.filter(person_id__in=ids).values_list(
            "person_id", "company_id"
        ):
            held.companies.setdefault(pid, set()).add(cid)
        for pid, *address in Address.objects.filter(person_id__in=ids).values_list(
            "person_id", "pk", "label", *ADDRESS_PARTS
        ):
            held.addresses.setdefault(pid, []).append(address)
        return held


@dataclass
class _PersonUpdates:
    """The rows an update batch writes, collected person by person."""

    stamp: str
    changed_persons: list[Person] = field(default_factory=list)
    fields_changed: set[str] = field(default_factory=set)
    new_phones: list[tuple] = field(default_factory=list)
    new_emails: list[tuple] = field(default_factory=list)
    new_tags: list[tuple] = field(default_factory=list)
    new_jobs: list[tuple] = field(default_factory=list)
    new_addresses: list[tuple] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)
    terms_removed: list[tuple[int, str]] = field(default_factory=list)
    terms_added: list[tuple[int, str]] = field(default_factory=list)
    entries: list[tuple] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)
    reassigned: list[tuple[int, tuple]] = field(default_factory=list)
    # (person id, changed fields) of each changed person, to announce.
    changes: list[tuple[int, tuple]] = field(default_factory=list)


def _birth_month_day(values: dict) -> tuple[int | None, int | None]:
    """The month and day of the birthday (services keep them equal; this path bypasses them),
    or those given without a year."""
    birthday = values["birthday"]
    if birthday:
        return birthday.month, birthday.day
    return values["birth_month"], values["birth_day"]


# The primary phone and e-mail copied onto the person, for each kind of contact.
_PRIMARY_COLUMN = {"phones": "primary_phone", "emails": "primary_email"}


def _add_contacts(
    person: Person, kind: str, values, held: dict[int, list], before: dict, changed: list[str]
) -> list[tuple[str, bool]]:
    """The row's phones or e-mails (`kind`) that the person lacks, each with whether it becomes
    the primary one (the first, for a person who had none); the first fills the person's
    primary column when empty."""
    have = {v for v, *_ in held.get(person.pk, [])}
    add = [v for v in unique_values(values) if v not in have]
    if not add:
        return []
    before[kind] = held.get(person.pk, [])
    column = _PRIMARY_COLUMN[kind]
    if not getattr(person, column):
        setattr(person, column, add[0])
    changed.append(kind)
    return [(v, not have and i == 0) for i, v in enumerate(add)]


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
            "middle_name": person.middle_name,
            "nickname": person.nickname,
        }

    def _create_persons(self, cursor, planned: list[Planned], counts: dict) -> int:
        if not planned:
            return 0
        # Rows that name only a company become companies, before the persons who may work there.
        companies = [p for p in planned if row_value(p.row, "company_only", False)]
        if companies:
            planned = [p for p in planned if not row_value(p.row, "company_only", False)]
            created = self._create_row_companies(cursor, companies)
            return created + self._create_persons(cursor, planned, counts)
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
                    values["middle_name"],
                    values["nickname"],
                    values["website"],
                    *_birth_month_day(values),
                    json.dumps(row_value(row, "raw_phones", [])),
                )
            )
            phone_labels = row_value(row, "phone_labels", {})
            email_labels = row_value(row, "email_labels", {})
            phones.extend(
                (pk, phone_labels.get(n, "mobile"), n, i == 0) for i, n in enumerate(row_phones)
            )
            emails.extend(
                (pk, email_labels.get(e, "work"), e, i == 0) for i, e in enumerate(row_emails)
            )
            terms.extend((pk, t) for t in self._person_terms(values, row_phones, row_emails))
            for tag in unique_values(t.strip()[:50] for t in (row_value(row, "tags", []) or ())):
                tags.append((pk, tag_ids[tag]))
            company = (row_value(row, "company_name", "") or "").strip()[:200]
            if company:
                title = (fields.get("job_title") or "")[:100]
                department = (fields.get("department") or "")[:100]
                jobs.append((pk, self.company_ids[company], title, department, True))
            for label, parts in row_addresses(row, fields):
                addresses.append((pk, None, label, *(parts[k] for k in ADDRESS_PARTS)))
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
                "customers_employment",
                ("person_id", "company_id", "job_title", "department", "is_primary"),
                jobs,
            )
        if addresses:
            writer.write("customers_address", ADDRESS_TABLE_COLUMNS, addresses)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "person_id", "company_id"), keys)
        writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        records_changed("person", ids, "created", actor=self.actor)
        return len(persons)

    def _update_persons(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to its matched person: columns and custom values
        are overwritten, phones, e-mails, tags and the company are added. What is overwritten
        is kept in the ImportRecord's `before`, for undo.

        In three steps: read what the matched persons hold (`_PersonsHeld`), work out each
        row's change in memory (`_person_update`, collecting into `_PersonUpdates`), then write
        all of them at once (`_write_person_updates`)."""
        if not planned:
            return 0
        now = timezone.now()
        ids = [p.target_id for p in planned]
        persons = Person.objects.in_bulk(ids)
        held = _PersonsHeld.load(ids)
        tag_ids = self._tag_ids(t for p in planned for t in (row_value(p.row, "tags", []) or ()))
        self._ensure_row_companies(cursor, planned, now)
        out = _PersonUpdates(stamp=self._db_datetime(now))
        applied = 0
        for p in planned:
            person = persons.get(p.target_id)
            if person is None:  # deleted since it was matched
                continue
            self._person_update(person, p, held, tag_ids, now, out)
            applied += 1
        self._write_person_updates(cursor, planned, out)
        return applied

    def _create_row_companies(self, cursor, planned: list[Planned]) -> int:
        """Company-only rows of a person import (see rows.CleanRow): each names a company that
        is created with the row's details, unless the actor already sees a company of that name,
        which is then left as it is (and linked to by later rows' persons)."""
        names = {row_value(p.row, "company_name", "") for p in planned} - self.company_ids.keys()
        if names:
            for pk, name in (
                Company.objects.filter(name__in=names)
                .filter(self._visible(""))
                .order_by("pk")
                .values_list("pk", "name")
            ):
                self.company_ids.setdefault(name, pk)
        new: dict[str, Planned] = {}
        for p in planned:
            name = row_value(p.row, "company_name", "")
            if name not in self.company_ids:
                new.setdefault(name, p)
        return self._create_companies(cursor, list(new.values()))

    def _ensure_row_companies(self, cursor, planned: list[Planned], now) -> None:
        """Find or create the companies the rows name, each owned like the first row naming it."""
        company_owner: dict[str, tuple] = {}
        for p in planned:
            name = (row_value(p.row, "company_name", "") or "").strip()[:200]
            if name:
                company_owner.setdefault(name, p.owner)
        if company_owner:
            self._company_ids(cursor, set(company_owner), company_owner, now, {})

    def _person_update(
        self,
        person: Person,
        p: Planned,
        held: "_PersonsHeld",
        tag_ids: dict,
        now,
        out: "_PersonUpdates",
    ) -> None:
        """Change `person` in memory as row `p` says, and collect what is to be written."""
        row = p.row
        fields = row_fields(row)
        names_before = self._names_of(person)
        phones_before = [n for n, *_ in held.phones.get(person.pk, [])]
        emails_before = [e for e, *_ in held.emails.get(person.pk, [])]
        before: dict[str, Any] = {"version": person.version}
        changed: list[str] = []
        self._overwrite_columns(person, fields, before, changed)
        self._add_raw_phones(person, row, before, changed)
        if row_value(row, "owner_username") and p.owner != (person.owner_id, person.team_id):
            before["owner"] = [person.owner_id, person.team_id]
            person.owner_id, person.team_id = p.owner
            changed += ["owner", "team"]
        added_phones = _add_contacts(
            person, "phones", row_value(row, "phones", []), held.phones, before, changed
        )
        phone_labels = row_value(row, "phone_labels", {})
        out.new_phones.extend(
            (person.pk, phone_labels.get(n, "mobile"), n, primary) for n, primary in added_phones
        )
        added_emails = _add_contacts(
            person, "emails", row_value(row, "emails", []), held.emails, before, changed
        )
        email_labels = row_value(row, "email_labels", {})
        out.new_emails.extend(
            (person.pk, email_labels.get(e, "work"), e, primary) for e, primary in added_emails
        )
        self._add_tags(person, row, held, tag_ids, before, changed, out)
        self._add_employment(person, row, fields, held, before, changed, out)
        self._add_addresses(person, row, fields, held, before, changed, out)
        external = (row_value(row, "external_id", "") or "").strip()[:100]
        if external:
            out.new_keys.append(external)
        if not changed:
            # Nothing to change, but the row was this record's: later rows of the file
            # with the same key are duplicates, as the dry run counts them.
            out.records.append((self.job.pk, "person", person.pk, ImportAction.UPDATED, "{}"))
            return
        person.version += 1
        person.updated_at = now
        out.changed_persons.append(person)
        out.changes.append((person.pk, tuple(changed)))
        out.fields_changed.update(
            c for c in changed if c in PERSON_SAVE_FIELDS or c == "raw_phones"
        )
        out.records.append(
            (self.job.pk, "person", person.pk, ImportAction.UPDATED, json.dumps(before))
        )
        if SEARCHED_PERSON_FIELDS & set(changed) or {"phones", "emails"} & set(changed):
            # Only the terms that differ are written: adding a phone leaves the name's and
            # the e-mails' terms where they are in the (large) term index.
            old = self._person_terms(names_before, phones_before, emails_before)
            new = self._person_terms(
                self._names_of(person),
                phones_before + [n for n, _ in added_phones],
                emails_before + [e for e, _ in added_emails],
            )
            out.terms_removed.extend((person.pk, t) for t in old - new)
            out.terms_added.extend((person.pk, t) for t in new - old)
        if "owner" in changed:
            out.reassigned.append((person.pk, tuple(changed)))
        else:
            out.entries.append(
                self._timeline_row(
                    person.pk, None, "record.updated", out.stamp, {"fields": changed}
                )
            )

    def _overwrite_columns(
        self, person: Person, fields: dict, before: dict, changed: list[str]
    ) -> None:
        """The row's columns and custom values replace the person's, the old ones kept."""
        for name, value in self._person_values(fields).items():
            if getattr(person, name) != value:
                before.setdefault("columns", {})[name] = jsonable(getattr(person, name))
                setattr(person, name, value)
                changed.append(name)
        birthday = person.birthday
        if (
            birthday
            and {"birth_month", "birth_day"} & set(changed)
            and (birthday.month, birthday.day) != (person.birth_month, person.birth_day)
        ):
            # A birthday without a year on another day: the stored date is no longer right.
            before.setdefault("columns", {})["birthday"] = jsonable(birthday)
            person.birthday = None
            changed.append("birthday")
        custom = custom_of(fields)
        if custom and any(person.custom.get(k) != v for k, v in custom.items()):
            before["custom"] = dict(person.custom)
            person.custom = {**person.custom, **custom}
            changed.append("custom")

    @staticmethod
    def _add_raw_phones(person: Person, row, before: dict, changed: list[str]) -> None:
        """The row's numbers valid in no region that the person does not keep yet."""
        have = {(p.get("label"), p.get("raw")) for p in person.raw_phones or ()}
        new = [p for p in row_value(row, "raw_phones", []) if (p["label"], p["raw"]) not in have]
        if new:
            before.setdefault("columns", {})["raw_phones"] = list(person.raw_phones or ())
            person.raw_phones = [*(person.raw_phones or ()), *new]
            changed.append("raw_phones")

    def _add_tags(
        self,
        person: Person,
        row,
        held: "_PersonsHeld",
        tag_ids: dict,
        before: dict,
        changed: list[str],
        out: "_PersonUpdates",
    ) -> None:
        have_tags = held.tags.get(person.pk, set())
        add_tags = {
            tag_ids[t]
            for t in unique_values(t.strip()[:50] for t in (row_value(row, "tags", []) or ()))
        } - have_tags
        if add_tags:
            before["tags"] = sorted(have_tags)
            out.new_tags.extend((person.pk, t) for t in sorted(add_tags))
            changed.append("tags")

    def _add_employment(
        self,
        person: Person,
        row,
        fields: dict,
        held: "_PersonsHeld",
        before: dict,
        changed: list[str],
        out: "_PersonUpdates",
    ) -> None:
        """The row's company, when the person does not work there yet (primary if the first)."""
        company = (row_value(row, "company_name", "") or "").strip()[:200]
        works_at = held.companies.get(person.pk, set())
        if company and self.company_ids[company] not in works_at:
            before["companies"] = sorted(works_at)
            title = (fields.get("job_title") or "")[:100]
            department = (fields.get("department") or "")[:100]
            out.new_jobs.append(
                (person.pk, self.company_ids[company], title, department, not works_at)
            )
            changed.append("employments")

    @staticmethod
    def _add_addresses(
        person: Person,
        row,
        fields: dict,
        held: "_PersonsHeld",
        before: dict,
        changed: list[str],
        out: "_PersonUpdates",
    ) -> None:
        """The row's addresses the person does not have yet (same label and parts), added
        beside the ones there: an update never loses an address, the person's or the file's."""
        have = held.addresses.get(person.pk, [])
        known = {tuple(address[1:]) for address in have}
        added = []
        for label, parts in row_addresses(row, fields):
            address = (label, *(parts[k] for k in ADDRESS_PARTS))
            if address not in known:
                known.add(address)
                added.append((person.pk, None, *address))
        if added:
            before["addresses"] = [address[0] for address in have]
            out.new_addresses.extend(added)
            changed.append("addresses")

    def _write_person_updates(self, cursor, planned: list[Planned], out: "_PersonUpdates") -> None:
        """Write what `_person_update` collected: the persons' changed columns, the added
        contacts, tags and employments, the changed search terms, the timeline entries and the
        import records; then announce the changes (and the changes of owner to sales)."""
        writer = TableWriter(cursor)
        if out.changed_persons:
            writer.update(
                Person,
                out.changed_persons,
                sorted(
                    {*out.fields_changed, "version", "updated_at", "primary_phone", "primary_email"}
                ),
            )
        if out.new_phones:
            writer.write(
                "customers_personphone",
                ("person_id", "label", "number", "is_primary"),
                out.new_phones,
            )
        if out.new_emails:
            writer.write(
                "customers_personemail",
                ("person_id", "label", "email", "is_primary"),
                out.new_emails,
            )
        if out.new_tags:
            writer.write("customers_person_tags", ("person_id", "tag_id"), out.new_tags)
        if out.new_jobs:
            writer.write(
                "customers_employment",
                ("person_id", "company_id", "job_title", "department", "is_primary"),
                out.new_jobs,
            )
        if out.new_addresses:
            writer.write("customers_address", ADDRESS_TABLE_COLUMNS, out.new_addresses)
        if out.new_keys:
            self._add_keys(ImportTarget.PERSONS, planned, out.new_keys)
        writer.delete("customers_personsearchterm", "person_id", "term", out.terms_removed)
        if out.terms_added:
            out.terms_added.sort(key=_term_of)
            writer.write("customers_personsearchterm", ("person_id", "term"), out.terms_added)
        if out.entries:
            writer.write("activities_timelineentry", TIMELINE_COLUMNS, out.entries)
        if out.records:
            writer.write("dataio_importrecord", RECORD_COLUMNS, out.records)
        announce_updates("person", out.changes, self.actor)
        for person_id, changed in out.reassigned:
            # The owner changed: the event lets sales move the person's orders along with it
            # (and activities writes the timeline entry).
            publish(
                PersonUpdated(person_id=person_id, actor_id=self.actor.pk, changed_fields=changed)
            )

    # --- Companies --------------------------------------------------------------------------
