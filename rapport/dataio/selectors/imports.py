"""Reads of imports: who sees which import, progress figures, saved mappings.

An import is seen by the person who made it, and by administrators; anyone else gets 404, so
the file name and counts of another user's import are never revealed.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.dataio.models import ImportJob, ImportMapping, ImportStatus


def imports_visible_to(user: User) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("actor")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_administrator:
        return qs
    return qs.filter(actor_id=user.pk)


def get_import_for_user(user: User, job_id: int) -> ImportJob:
    job = imports_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("There is no such import."))
    return job


def saved_mappings_for(user: User, target: str) -> QuerySet[ImportMapping]:
    return ImportMapping.objects.filter(owner=user, target=target).order_by("name", "pk")


def get_saved_mapping_for_user(user: User, mapping_id: int) -> ImportMapping:
    saved = ImportMapping.objects.filter(owner=user, pk=mapping_id).first()
    if saved is None:
        raise NotFound(_("There is no such saved mapping."))
    return saved


@dataclass(frozen=True)
class ImportProgress:
    status: str
    rows_done: int
    rows_total: int
    percent: int
    rows_per_second: float | None
    seconds_left: int | None
    created: int
    updated: int
    skipped: int
    rejected: int
    finished: bool
    # Rows imported with a field left out (counted among created and updated).
    warned: int = 0


RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DRY_RUNNING)


def import_progress(job: ImportJob) -> ImportProgress:
    """Rows done, the rate of the current run (a resumed run counts from where it resumed)
    and the time left at that rate."""
    total = max(job.rows_total, job.rows_done)
    rate = None
    if job.run_started_at and job.status in RUNNING:
        elapsed = (timezone.now() - job.run_started_at).total_seconds()
        done = job.rows_done - job.run_rows_start
        if elapsed > 0.5 and done > 0:
            rate = done / elapsed
    left = None
    if rate and total:
        left = int(max(total - job.rows_done, 0) / rate)
    finished = job.status not in (*RUNNING, ImportStatus.UNDOING)
    if job.status == ImportStatus.DRY_RUNNING:
        counts = job.dry_run or {}
        created, updated = counts.get("created", 0), counts.get("updated", 0)
        skipped, rejected = counts.get("skipped", 0), counts.get("rejected", 0)
        warned = counts.get("warned", 0)
    else:
        created, updated = job.created_count, job.updated_count
        skipped, rejected = job.skipped_count, job.rejected_count
        warned = job.warned_count
    if job.status in (ImportStatus.DONE, ImportStatus.DRY_RUN_DONE):
        percent = 100
    else:
        percent = min(99, int(job.rows_done * 100 / total)) if total else 0
    return ImportProgress(
        status=job.status,
        rows_done=job.rows_done,
        rows_total=total,
        percent=percent,
        rows_per_second=round(rate, 1) if rate else None,
        seconds_left=left,
        created=created,
        updated=updated,
        skipped=skipped,
        rejected=rejected,
        finished=finished,
        warned=warned,
    )
