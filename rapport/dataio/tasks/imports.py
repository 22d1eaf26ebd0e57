"""Import jobs: run an import or its dry run or undo, resume the ones a dead worker left, purge
expired undo data. Each task takes an id and is safe to run twice: the run claims the job first
and does nothing when it is done or another live worker has it."""

import logging

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task, on_startup

from rapport.core.events import subscribe
from rapport.dataio.events import ImportDryRunRequested, ImportRunRequested, ImportUndoRequested
from rapport.dataio.models import ImportJob, ImportStatus
from rapport.dataio.services.imports import jobs, undo

logger = logging.getLogger(__name__)


@db_task()
def run_import(job_id: int) -> None:
    jobs.import_run(job_id)


@db_task()
def run_dry_run(job_id: int) -> None:
    jobs.import_run(job_id, dry_run=True)


@db_task()
def run_undo(job_id: int) -> None:
    undo.import_undo_run(job_id)


# The services announce the runs; the jobs are queued once their transaction commits.
@subscribe(ImportRunRequested)
def _queue_import(event: ImportRunRequested) -> None:
    transaction.on_commit(lambda: run_import(event.job_id))


@subscribe(ImportDryRunRequested)
def _queue_dry_run(event: ImportDryRunRequested) -> None:
    transaction.on_commit(lambda: run_dry_run(event.job_id))


@subscribe(ImportUndoRequested)
def _queue_undo(event: ImportUndoRequested) -> None:
    transaction.on_commit(lambda: run_undo(event.job_id))


TASKS = {
    ImportStatus.QUEUED: run_import,
    ImportStatus.RUNNING: run_import,
    ImportStatus.DRY_RUNNING: run_dry_run,
    ImportStatus.UNDOING: run_undo,
}


def resume_stalled_imports() -> int:
    """Re-enqueue the imports, dry runs and undos whose worker died (its process is gone, or
    it has not reported for a minute) or whose queued task was lost. Returns how many."""
    now = timezone.now()
    count = 0
    for job in ImportJob.objects.filter(status__in=list(TASKS)).only(
        "pk", "status", "worker", "heartbeat_at", "updated_at"
    ):
        if jobs.is_stalled(job, now):
            logger.info("Resuming import %s (%s).", job.pk, job.status)
            TASKS[job.status](job.pk)
            count += 1
    return count


def purge_expired_imports() -> None:
    """Drop undo data and uploaded files of imports older than the undo window."""
    undo.purge_expired_imports()


@on_startup()
def resume_imports_at_startup() -> None:
    # A consumer that starts (`manage.py run_huey`, `manage.py serve`) takes over at once the
    # imports its previous run was killed in, instead of waiting for the minute's schedule.
    try:
        resume_stalled_imports()
    except Exception:  # a missing table before migrate must not stop the consumer
        logger.exception("Could not look for stalled imports.")
