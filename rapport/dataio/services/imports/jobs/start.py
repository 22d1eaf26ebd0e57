"""Starting a dry run or the import: the job is queued once the request commits."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.core.errors import Conflict
from rapport.core.events import publish
from rapport.dataio.events import ImportDryRunRequested, ImportRunRequested
from rapport.dataio.models import (
    ImportJob,
    ImportStatus,
)
from rapport.dataio.services.imports.jobs.access import require_importer, require_target_allowed
from rapport.dataio.services.imports.jobs.encoding import require_encoding_chosen


@transaction.atomic
def import_dry_run_start(*, actor: User, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue a dry run: the whole file through the cleaner and the duplicate matching, nothing
    written; the counts and the first rejected rows land in `job.dry_run`. `enqueue=False` is
    for a caller that runs it itself (`manage.py import_file`)."""
    require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    require_target_allowed(actor, job.target)
    if job.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE):
        raise Conflict(_("Map the file's columns first."))
    job.status = ImportStatus.DRY_RUNNING
    job.dry_run = {}
    job.rows_done = 0
    job.worker = ""
    job.heartbeat_at = None
    job.error = ""
    job.save()
    if enqueue:
        publish(ImportDryRunRequested(job_id=job.pk))
    return job


@transaction.atomic
def import_start(*, actor: User, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue the import. It runs as a job; the page and the API follow its progress.
    `enqueue=False` is for a caller that runs it itself (`manage.py import_file`)."""
    require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    require_target_allowed(actor, job.target)
    if job.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE):
        raise Conflict(_("Map the file's columns first."))
    require_encoding_chosen(job)
    job.status = ImportStatus.QUEUED
    job.rows_done = 0
    job.created_count = job.updated_count = job.skipped_count = job.rejected_count = 0
    job.rejected_offset = job.warned_count = job.warned_offset = 0
    job.source_offset = None
    job.worker = ""
    job.heartbeat_at = None
    job.started_at = None
    job.error = ""
    job.save()
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_STARTED,
        target_type="import",
        target_id=job.pk,
        summary=job.original_name,
        data={"target": job.target, "mode": job.mode, "rows": job.rows_total},
    )
    if enqueue:
        publish(ImportRunRequested(job_id=job.pk))
    return job
