"""The dry run: the whole file through the cleaner and the matching, nothing written."""

from django.utils import timezone

from rapport.dataio.models import (
    ImportJob,
    ImportStatus,
)
from rapport.dataio.services.imports.jobs.access import upload_path
from rapport.dataio.services.imports.jobs.batches import Progress, read_batches
from rapport.dataio.services.imports.jobs.claim import LostClaim
from rapport.dataio.services.imports.jobs.encoding import encoding_report
from rapport.dataio.services.imports.jobs.mapping import row_cleaner
from rapport.dataio.services.imports.readers import open_table
from rapport.dataio.services.imports.writer import BatchWriter

DRY_RUN_REJECTED_SHOWN = 20


def dry_run_job(job: ImportJob, me: str, batch_size: int, progress: Progress | None) -> ImportJob:
    reader = open_table(
        upload_path(job), original_name=job.original_name, encoding=job.encoding or None
    )
    # The candidates when the detector is unsure of the encoding, for the user to choose.
    report = encoding_report(job)
    encoding = {"encoding": report} if report else {}
    cleaner = row_cleaner(job.target, job.mapping, job.defaults, job.actor, job.columns)
    writer = BatchWriter(job, job.actor, dry_run=True)
    counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0, "rows": 0}
    shown: list[dict] = []
    job.rows_done = 0
    for batch, _offset in read_batches(job, reader, cleaner, batch_size):
        plan = writer.plan(batch)
        counts["created"] += len(plan.creates)
        counts["updated"] += len(plan.updates)
        counts["skipped"] += plan.skipped
        counts["rejected"] += len(plan.rejected)
        counts["rows"] += plan.rows
        for item in plan.rejected[: max(0, DRY_RUN_REJECTED_SHOWN - len(shown))]:
            shown.append(
                {"row": item.row_number, "values": list(item.values), "reasons": item.reasons}
            )
        updated = ImportJob.objects.filter(pk=job.pk, worker=me).update(
            rows_done=counts["rows"],
            dry_run={**counts, "rejected_rows": shown, **encoding},
            heartbeat_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not updated:
            raise LostClaim
        if progress is not None:
            job.refresh_from_db()
            progress(job)
    now = timezone.now()
    finished = ImportJob.objects.filter(pk=job.pk, worker=me).update(
        status=ImportStatus.DRY_RUN_DONE,
        dry_run={**counts, "rejected_rows": shown, **encoding},
        rows_done=counts["rows"],
        rows_total=counts["rows"],
        worker="",
        heartbeat_at=now,
        updated_at=now,
    )
    if not finished:
        raise LostClaim
    job.refresh_from_db()
    return job
