"""Starting and running a bulk action, and what it leaves: the counts, the skipped records, the
audit line.

The selection is either the ids ticked on the page (checked against what the actor may see when
the action runs: the others are skipped with a reason) or the list's filters, evaluated again
with the actor's visibility when the action runs, never a list of ids the browser sent. It is
walked in id order, `CHUNK_SIZE` records at a time (one keyset query for the ids, one to load
them); each record changes through its app's service in the service's own transaction, and the
counters and `last_id` are saved after each chunk.
"""

import csv
import dataclasses
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.core.cleaning import parse_id
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.events import publish
from rapport.dataio.events import BulkActionRequested
from rapport.dataio.models import BulkAction, BulkScope, BulkStatus
from rapport.dataio.services.bulk.registry import (
    BulkActionSpec,
    BulkList,
    clean_params,
    get_bulk_list,
    params_as_data,
)
from rapport.dataio.services.exports import ExportPlan, export_response, get_export_kind
from rapport.dataio.services.exports.kinds import EXPORT_PARAMETERS

logger = logging.getLogger(__name__)

# Selections up to this many records run in the request; larger ones as a job.
INLINE_LIMIT = 200
CHUNK_SIZE = 100
# Ids ticked on a page: a page holds RAPPORT_PAGE_SIZE rows; more is not a page's selection.
MAX_IDS = 500
# The skipped records kept for the download (the counts by reason cover them all).
SKIPPED_KEPT = 1000
QUERY_MAX = 4000
# Not filters: where the list was, how it was sorted, which columns it showed.
NOT_FILTERS = frozenset({"cursor", "sort", "view", "columns", *EXPORT_PARAMETERS})


@dataclass(frozen=True)
class BulkSelection:
    """What the action bar sent: the list, the action and which of its records."""

    bulk_list: BulkList
    action: BulkActionSpec
    scope: str
    ids: tuple[int, ...]
    query: str


def list_query(query: str) -> str:
    """A list's query string with only its filters (no cursor, sort, view or columns),
    re-encoded, so it is safe to store and to put in a URL."""
    params = QueryDict(query[:QUERY_MAX], mutable=True)
    for key in NOT_FILTERS:
        params.pop(key, None)
    return params.urlencode()


def bulk_selection(
    *, list_name: str, action: str, scope: str, ids: list[Any], query: str
) -> BulkSelection:
    """Check what the bar sent: NotFound for an unknown list or action, ValidationFailed for
    nothing selected or more ids than a page holds."""
    bulk_list = get_bulk_list(list_name)
    spec = bulk_list.action(action)
    if scope not in BulkScope.values:
        scope = BulkScope.IDS
    parsed = tuple(sorted({pk for pk in (parse_id(v) for v in ids) if pk}))
    if scope == BulkScope.IDS:
        if not parsed:
            raise ValidationFailed(
                _("Select at least one row, or all rows matching the filter."),
                {"ids": [_("Nothing is selected.")]},
            )
        if len(parsed) > MAX_IDS:
            raise ValidationFailed(
                _("Select at most %(count)d rows, or all rows matching the filter.")
                % {"count": MAX_IDS},
                {"ids": [_("Too many rows are selected.")]},
            )
    else:
        parsed = ()
    return BulkSelection(bulk_list, spec, scope, parsed, list_query(query or ""))


def bulk_selection_count(*, actor: User, selection: BulkSelection) -> int:
    """How many records the action would reach: the visible ones among the ids ticked, or all
    the list's rows matching its filters (one COUNT)."""
    bulk_list = selection.bulk_list
    if selection.scope == BulkScope.FILTER:
        return bulk_list.matching(actor, selection.query).count()
    return bulk_list.visible(actor).filter(pk__in=selection.ids).count()


def bulk_action_start(*, actor: User, selection: BulkSelection, data: dict) -> BulkAction:
    """Check the action's parameters (ValidationFailed) and start it: a selection of up to
    `INLINE_LIMIT` records runs at once, in the request; a larger one is queued as a job
    (`BulkActionRequested`), whose page shows its progress."""
    if selection.action.download:
        raise ApplicationError("download_action", _("This action answers a file."))
    cleaned = clean_params(actor, selection.action, data)
    with transaction.atomic():
        total = (
            len(selection.ids)
            if selection.scope == BulkScope.IDS
            else bulk_selection_count(actor=actor, selection=selection)
        )
        job = BulkAction.objects.create(
            actor=actor,
            list_name=selection.bulk_list.name,
            action=selection.action.key,
            params=params_as_data(cleaned),
            scope=selection.scope,
            ids=list(selection.ids),
            filter_query=selection.query,
            total=total,
            in_job=total > INLINE_LIMIT,
        )
        if job.in_job:
            publish(BulkActionRequested(job_id=job.pk))
    if not job.in_job:
        bulk_action_run(job.pk)
        job.refresh_from_db()
    return job


def bulk_export_response(*, actor: User, selection: BulkSelection, data: dict) -> HttpResponse:
    """The export of the selection, through the export services (logged and audited there):
    the list's filters, and for ticked rows only those ids among them."""
    cleaned = clean_params(actor, selection.action, data)
    kind = get_export_kind(selection.bulk_list.export_record_type)
    if selection.scope == BulkScope.IDS:
        ids, select = selection.ids, kind.select
        kind = dataclasses.replace(
            kind, select=lambda user, filters: select(user, filters).filter(pk__in=ids)
        )
    query = "" if selection.scope == BulkScope.IDS else selection.query
    plan = ExportPlan(
        kind=kind,
        filters=kind.filters_from(actor, QueryDict(query)),
        columns=kind.default_columns(),
        file_format=cleaned["format"],
    )
    return export_response(actor=actor, plan=plan)


# --- The run -------------------------------------------------------------------------------------


class _Tally:
    """The counters of one chunk, added to the row's in one UPDATE."""

    def __init__(self, job: BulkAction):
        self.job = job
        self.done = self.changed = self.unchanged = self.skipped = 0

    def skip(self, pk: int, name: str, reason: str) -> None:
        self.done += 1
        self.skipped += 1
        job = self.job
        job.skip_reasons[reason] = job.skip_reasons.get(reason, 0) + 1
        if len(job.skipped) < SKIPPED_KEPT:
            job.skipped.append([pk, name, reason])

    def save(self, last_id: int) -> None:
        job = self.job
        BulkAction.objects.filter(pk=job.pk).update(
            done_count=F("done_count") + self.done,
            changed_count=F("changed_count") + self.changed,
            unchanged_count=F("unchanged_count") + self.unchanged,
            skipped_count=F("skipped_count") + self.skipped,
            skip_reasons=job.skip_reasons,
            skipped=job.skipped,
            last_id=last_id,
            updated_at=timezone.now(),
        )


def _reason(exc: ApplicationError) -> str:
    """The service's refusal in its own words: the field messages of a validation error (its
    message only says "correct the errors below"), else the message."""
    if isinstance(exc, ValidationFailed) and exc.details:
        return " ".join(str(m) for messages in exc.details.values() for m in messages)
    return str(exc.message)


def _chunks(job: BulkAction, bulk_list: BulkList) -> Iterator[tuple[list[int], list[int]]]:
    """(visible ids, ids skipped as not visible) after `job.last_id`, a chunk at a time."""
    actor = job.actor
    last_id = job.last_id
    if job.scope == BulkScope.FILTER:
        matching = bulk_list.matching(actor, job.filter_query).order_by("pk")
        while True:
            ids = list(matching.filter(pk__gt=last_id).values_list("pk", flat=True)[:CHUNK_SIZE])
            if not ids:
                return
            yield ids, []
            last_id = ids[-1]
    else:
        remaining = [pk for pk in job.ids if pk > last_id]
        for start in range(0, len(remaining), CHUNK_SIZE):
            chunk = remaining[start : start + CHUNK_SIZE]
            visible = set(
                bulk_list.visible(actor).filter(pk__in=chunk).values_list("pk", flat=True)
            )
            yield sorted(visible), [pk for pk in chunk if pk not in visible]


def _run(job: BulkAction) -> None:
    bulk_list = get_bulk_list(job.list_name)
    action = bulk_list.action(job.action)
    actor = job.actor
    params = clean_params(actor, action, job.params)
    not_visible = _("You may not see this record, or it no longer exists.")
    for ids, missing in _chunks(job, bulk_list):
        tally = _Tally(job)
        records = bulk_list.load(ids)
        for record in records:
            try:
                changed = action.apply(actor, record, params)
            except ApplicationError as exc:
                tally.skip(record.pk, bulk_list.name_of(record), _reason(exc))
            else:
                tally.done += 1
                if changed:
                    tally.changed += 1
                else:
                    tally.unchanged += 1
        # A record deleted between the two reads counts as not there.
        loaded = {record.pk for record in records}
        for pk in [*missing, *(pk for pk in ids if pk not in loaded)]:
            tally.skip(pk, "", not_visible)
        tally.save(max([*ids, *missing]))


def _finish(job_id: int, *, status: str, error: str = "") -> BulkAction:
    with transaction.atomic():
        job = BulkAction.objects.select_for_update().select_related("actor").get(pk=job_id)
        job.status = status
        job.error = error
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        audit_record(
            actor=job.actor,
            action=AuditAction.BULK_ACTION,
            target_type="bulk_action",
            target_id=job.pk,
            summary=f"{job.list_name}: {job.action} ({job.total})",
            data={
                "list": job.list_name,
                "action": job.action,
                "params": job.params,
                "scope": job.scope,
                "filters": job.filter_query,
                "total": job.total,
                "changed": job.changed_count,
                "unchanged": job.unchanged_count,
                "skipped": job.skipped_count,
                "status": status,
                "in_job": job.in_job,
            },
        )
    return job


def bulk_action_run(job_id: int, *, resume: bool = False) -> None:
    """Run a queued bulk action to its end. Safe to run twice: only a queued action is claimed
    (with `resume`, also one a dead worker left running), and a resumed one continues after the
    last chunk it saved."""
    claimable = [BulkStatus.QUEUED, BulkStatus.RUNNING] if resume else [BulkStatus.QUEUED]
    claimed = BulkAction.objects.filter(pk=job_id, status__in=claimable).update(
        status=BulkStatus.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return
    job = BulkAction.objects.select_related("actor").get(pk=job_id)
    # The reasons of skipped records are kept in the words of the one who started the action.
    with translation.override(job.actor.language or None):
        try:
            _run(job)
        except ApplicationError as exc:
            # The parameters no longer hold (the new owner left the team, the tag was deleted).
            _finish(job_id, status=BulkStatus.FAILED, error=_reason(exc))
            return
        except Exception:
            logger.exception("Bulk action %s failed.", job_id)
            _finish(job_id, status=BulkStatus.FAILED, error=_("The action stopped on an error."))
            raise
    _finish(job_id, status=BulkStatus.DONE)


def bulk_skipped_csv(job: BulkAction) -> HttpResponse:
    """The skipped records (id, name, reason) as CSV in UTF-8 with BOM, which Excel opens."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("ID"), _("Name"), _("Reason")])
    writer.writerows(job.skipped)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-{job.pk}-skipped.csv"'
    return response
