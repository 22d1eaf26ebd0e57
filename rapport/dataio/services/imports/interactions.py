"""Imports of interactions: each row is a call, meeting, visit, … logged against a customer who
already exists.

The customer is the person the importer can see (`persons_visible_to`) who has the row's phone
number or e-mail; when the row names a company, among those who work there. A row whose customer
is not found, is not visible to the importer, or is not one person, is rejected: not seeing a
customer and its not existing give the same reason, so an import reveals nothing of another
team. The interaction's company is the row's company, or else the person's primary company, as
`interaction_create` does.

A batch is planned with a fixed number of queries (phones, e-mails, employments) and written
like `interaction_create` writes one interaction: the interaction and its `interaction.<channel>`
timeline entry, in bulk (`rapport.dataio.tablewriter.TableWriter`), with an ImportRecord each
so that undo deletes both. Interactions are never matched or updated: the import only creates
them. A row that repeats an interaction its customer already has — logged by the same user, same
channel, time and subject — is skipped as a duplicate, so a file imported twice (or a row given
twice) logs nothing twice.
"""

import json
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities.models import Interaction, TimelineEntry
from rapport.core.records import records_changed
from rapport.customers.models import Employment, PersonEmail, PersonPhone
from rapport.customers.selectors import persons_visible_to
from rapport.dataio.models import ImportAction
from rapport.dataio.tablewriter import INTERACTION_TABLE_COLUMNS, TIMELINE_COLUMNS, TableWriter

RECORD_COLUMNS = ("job_id", "kind", "object_id", "action", "before")
# Keep the model names imported for the tables this module writes by name.
_TABLES = (Interaction, TimelineEntry)


class CustomerFinder:
    """The customers of a batch's rows, in three queries whatever the batch's size."""

    def __init__(self, actor, rows):
        phones = {p for row in rows for p in row.phones}
        emails = {e for row in rows for e in row.emails}
        visible = persons_visible_to(actor).values("pk")
        self.by_phone: dict[str, set[int]] = defaultdict(set)
        self.by_email: dict[str, set[int]] = defaultdict(set)
        if phones:
            for number, person_id in PersonPhone.objects.filter(
                number__in=phones, person__in=visible
            ).values_list("number", "person_id"):
                self.by_phone[number].add(person_id)
        if emails:
            for email, person_id in PersonEmail.objects.filter(
                email__in=emails, person__in=visible
            ).values_list("email", "person_id"):
                self.by_email[email].add(person_id)
        found = set().union(*self.by_phone.values(), *self.by_email.values())
        # person id → [(company id, casefolded company name)], and the primary company.
        self.employers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.primary: dict[int, int] = {}
        if found:
            for person_id, company_id, name, is_primary in Employment.objects.filter(
                person_id__in=found
            ).values_list("person_id", "company_id", "company__name", "is_primary"):
                self.employers[person_id].append((company_id, name.casefold()))
                if is_primary:
                    self.primary[person_id] = company_id

    def find(self, row) -> tuple[int, int | None] | str:
        """(person id, company id) of the row's customer, or why there is none."""
        persons: set[int] = set()
        for number in row.phones:
            persons |= self.by_phone.get(number, set())
        for email in row.emails:
            persons |= self.by_email.get(email, set())
        if not persons:
            return _("No customer you can see has this phone number or e-mail.")
        company = (row.company_name or "").strip()
        if company:
            folded = company.casefold()
            works_there = {
                person_id: company_id
                for person_id in persons
                for company_id, name in self.employers.get(person_id, ())
                if name == folded
            }
            if not works_there:
                return _(
                    "No customer you can see with this phone number or e-mail works at "
                    "“%(company)s”."
                ) % {"company": company}
            if len(works_there) > 1:
                return _ambiguous()
            return next(iter(works_there.items()))
        if len(persons) > 1:
            return _ambiguous()
        person_id = persons.pop()
        return person_id, self.primary.get(person_id)


def _ambiguous() -> str:
    return _(
        "Several customers you can see have this phone number or e-mail: add their company, "
        "or merge the duplicates first."
    )


def interaction_key(planned) -> tuple:
    """What makes two interactions the same: customer, who logged it, channel, moment and
    subject."""
    fields = planned.row.fields
    return (
        planned.customer[0],
        planned.owner[0],
        fields["channel"],
        fields["occurred_at"].timestamp(),
        fields["subject"],
    )


def logged_interactions(planned) -> set[tuple]:
    """The `interaction_key`s the planned rows' customers already have at those moments, in one
    query."""
    if not planned:
        return set()
    persons = {p.customer[0] for p in planned}
    moments = {p.row.fields["occurred_at"] for p in planned}
    return {
        (person_id, logged_by, channel, when.timestamp(), subject)
        for person_id, logged_by, channel, when, subject in Interaction.objects.filter(
            person_id__in=persons, occurred_at__in=moments
        ).values_list("person_id", "logged_by_id", "channel", "occurred_at", "subject")
    }


def write_interactions(writer, cursor, planned) -> int:
    """Insert the planned interactions, their timeline entries and ImportRecords, as
    `interaction_create` writes them, inside the caller's transaction. `writer` is the job's
    BatchWriter (ids, dates, the job); each Planned carries `customer` and `owner` (the user
    who logged it)."""
    if not planned:
        return 0
    stamp = writer._db_datetime(timezone.now())
    ids = writer._reserve_ids(cursor, Interaction, len(planned))
    interactions, entries, records = [], [], []
    for pk, p in zip(ids, planned, strict=True):
        fields = p.row.fields
        person_id, company_id = p.customer
        logged_by = p.owner[0]
        when = writer._db_datetime(fields["occurred_at"])
        channel, direction = fields["channel"], fields["direction"]
        subject, content = fields["subject"], fields.get("content", "")
        outcome = fields.get("outcome", "")
        interactions.append(
            (pk, stamp, stamp, person_id, company_id, channel, direction, when, subject,
             content, outcome, logged_by)
        )  # fmt: skip
        data = {"channel": channel, "direction": direction, "outcome": outcome}
        entries.append(
            (company_id, person_id, f"interaction.{channel}", when, subject[:200], content,
             logged_by, "interaction", pk, json.dumps(data))
        )  # fmt: skip
        records.append((writer.job.pk, "interaction", pk, ImportAction.CREATED, None))
    out = TableWriter(cursor)
    out.write("activities_interaction", INTERACTION_TABLE_COLUMNS, interactions)
    out.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
    out.write("dataio_importrecord", RECORD_COLUMNS, records)
    records_changed("interaction", ids, "created", actor=writer.actor)
    return len(interactions)
