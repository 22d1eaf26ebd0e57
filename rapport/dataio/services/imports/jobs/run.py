"""The run of an import: batch after batch, each committed with the job's checkpoint."""

import logging
import time

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation

from rapport.core.errors import ApplicationError
from rapport.dataio.models import (
    ImportJob,
    ImportRecord,
    ImportStatus,
)
from rapport.dataio.services.imports.jobs.access import (
    rejected_path,
    require_target_allowed,
    upload_path,
    warned_path,
)
from rapport.dataio.services.imports.jobs.batches import BATCH_SIZE, Progress, read_batches
from rapport.dataio.services.imports.jobs.claim import LostClaim, claim, worker_id
from rapport.dataio.services.imports.jobs.dry_run import dry_run_job
from rapport.dataio.services.imports.jobs.mapping import row_cleaner
from rapport.dataio.services.imports.jobs.rejected import RejectedFile
from rapport.dataio.services.imports.readers import open_table
from rapport.dataio.services.imports.writer import BatchWriter

logger = logging.getLogger(__name__)


def import_run(
    job_id: int,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportJob | None:
    """Run (or resume) an import or a dry run in this process; None if it is not ours to run.

    Safe to call twice, and after a crash: it claims the job, then reads on from the checkpoint.
    """
    me = worker_id()
    job = claim(job_id, "dry_run" if dry_run else "import", me)
    if job is None:
        return None
    actor = job.actor
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        try:
            if dry_run:
                return dry_run_job(job, me, batch_size, progress)
            return _run(job, me, batch_size, progress)
        except LostClaim:
            logger.warning("Import %s was taken over by another worker.", job.pk)
            return None
        except Exception as exc:
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            ImportJob.objects.filter(pk=job.pk, worker=me).update(
                status=ImportStatus.FAILED if not dry_run else ImportStatus.MAPPED,
                error=message[:2000] or exc.__class__.__name__,
                worker="",
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if not isinstance(exc, ApplicationError):
                logger.exception("Import %s failed.", job.pk)
            job.refresh_from_db()
            return job


def _write_cursor():
    cursor = connection.cursor()
    if connection.vendor == "postgresql":
        cursor = cursor.cursor  # psycopg's own cursor, for COPY
        # A server crash may lose the last batches, but never a batch without its checkpoint.
        cursor.execute("SET LOCAL synchronous_commit = off")
    return cursor


def _commit_batch(job, me, writer, rejected_file, warned_file, plan, source_offset) -> None:
    start, warned_start = rejected_file.size, warned_file.size
    for attempt in range(5):
        try:
            with transaction.atomic():
                result = writer.write(_write_cursor(), plan, {})
                # Payments are refused by `payment_record` while they are written, so the
                # batch's rejected rows are only known here; a retried attempt rewrites them.
                rejected = plan.rejected
                if result.rejected:
                    rejected = sorted([*rejected, *result.rejected], key=lambda r: r.row_number)
                offset = rejected_file.append(rejected, at=start)
                warned_offset = warned_file.append(plan.warned, at=warned_start)
                updated = ImportJob.objects.filter(pk=job.pk, worker=me).update(
                    rows_done=F("rows_done") + plan.rows,
                    created_count=F("created_count") + result.created,
                    updated_count=F("updated_count") + result.updated,
                    skipped_count=F("skipped_count") + plan.skipped,
                    rejected_count=F("rejected_count") + len(rejected),
                    rejected_offset=offset,
                    warned_count=F("warned_count") + len(plan.warned),
                    warned_offset=warned_offset,
                    source_offset=source_offset,
                    heartbeat_at=timezone.now(),
                    updated_at=timezone.now(),
                )
                if not updated:
                    raise LostClaim
            return
        except OperationalError:
            # SQLite answers "database is locked" when another writer held the lock too long.
            if attempt == 4 or connection.vendor != "sqlite":
                raise
            time.sleep(0.5 * (attempt + 1))


def _refresh_statistics(batch_number: int) -> None:
    """On PostgreSQL, analyse the undo records after batches 1, 4, 16, 64… of this run.

    Each batch looks up which of its matched records the import already wrote, and PostgreSQL
    plans that from the table's statistics. An import grows the table by a million rows in
    minutes, faster than autovacuum refreshes them (and not at all where autovacuum is off);
    planned for the table it was, the lookup read every record of the job: 200 ms a batch at a
    million rows instead of 3 ms. Refreshed each time the table may have grown fourfold, as
    autovacuum would, the cost stays a few ANALYZEs per import."""
    if connection.vendor != "postgresql":
        return
    if batch_number & (batch_number - 1) == 0 and batch_number.bit_length() % 2 == 1:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ImportRecord._meta.db_table}")


def _run(job: ImportJob, me: str, batch_size: int, progress: Progress | None) -> ImportJob:
    # The importer may have lost the right since the start (a manager made a representative).
    require_target_allowed(job.actor, job.target)
    reader = open_table(
        upload_path(job), original_name=job.original_name, encoding=job.encoding or None
    )
    cleaner = row_cleaner(job.target, job.mapping, job.defaults, job.actor, job.columns)
    writer = BatchWriter(job, job.actor, dry_run=False)
    rejected_file = RejectedFile(rejected_path(job), job.columns, job.rejected_offset)
    # The rows imported with a field left out: a file like the rejected rows', checkpointed
    # with them.
    warned_file = RejectedFile(warned_path(job), job.columns, job.warned_offset)
    batches = read_batches(job, reader, cleaner, batch_size)
    for number, (batch, source_offset) in enumerate(batches, start=1):
        plan = writer.plan(batch)
        _commit_batch(job, me, writer, rejected_file, warned_file, plan, source_offset)
        _refresh_statistics(number)
        if progress is not None:
            job.refresh_from_db()
            progress(job)
    now = timezone.now()
    finished = ImportJob.objects.filter(pk=job.pk, worker=me).update(
        status=ImportStatus.DONE,
        rows_total=F("rows_done"),
        worker="",
        finished_at=now,
        heartbeat_at=now,
        updated_at=now,
    )
    if not finished:
        raise LostClaim
    job.refresh_from_db()
    return job
