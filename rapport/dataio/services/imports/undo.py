"""Undoing an import within RAPPORT_IMPORT_UNDO_DAYS, and purging undo data after that.

Undo runs as a job in chunks, each in one transaction with the ImportRecords it consumed, so a
killed undo resumes where it stopped. Updated records get back the values they had before the
import (only the fields the import changed; a later edit of another field stays); created
records are deleted, persons before the companies the import created for them. A created
record that something else now depends on (an order, a deal) is kept, and counted; so is a
created lead that was converted since. A created interaction goes with its timeline entry.
An import of payments is never undone: payments are an append-only ledger (see `orders`).
Orders are never deleted: the orders an import created are cancelled, those still placed with
nothing paid; one paid, shipped or cancelled since is kept and counted.
"""

import json
import logging
import shutil
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.task_services import tasks_delete_about
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied
from rapport.core.events import publish
from rapport.customers.models import Company, Employment, Person, PersonEmail, PersonPhone
from rapport.customers.services import company_rebuild_search_terms, person_rebuild_search_terms
from rapport.dataio.events import ImportUndoRequested
from rapport.dataio.models import ImportAction, ImportJob, ImportRecord, ImportStatus, ImportTarget
from rapport.dataio.services.imports import jobs
from rapport.dataio.services.imports.orders import cancel_imported_orders
from rapport.sales.models import Lead, LeadStatus, Product
from rapport.sales.services.leads import lead_score_recompute

logger = logging.getLogger(__name__)

UNDO_CHUNK = 1000
MODELS = {
    "person": Person,
    "company": Company,
    "lead": Lead,
    "interaction": Interaction,
    "product": Product,
}


def undo_deadline(job: ImportJob):
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=settings.RAPPORT_IMPORT_UNDO_DAYS)


def can_undo(job: ImportJob) -> bool:
    deadline = undo_deadline(job)
    return (
        job.target != ImportTarget.PAYMENTS
        and job.status in (ImportStatus.DONE, ImportStatus.FAILED)
        and job.purged_at is None
        and deadline is not None
        and timezone.now() < deadline
        and bool(job.created_count or job.updated_count or job.status == ImportStatus.FAILED)
    )


@transaction.atomic
def import_undo(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the undo of a finished (or failed) import: its created records are removed and
    its updates reverted. Only the importer or an administrator, and only within the window."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.actor_id != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only the person who imported the file can undo it."))
    if job.target == ImportTarget.PAYMENTS:
        raise Conflict(
            _(
                "Payments are an append-only ledger: an import of payments cannot be undone. "
                "The import's log lists the payments it recorded."
            )
        )
    if not can_undo(job):
        raise Conflict(
            _("This import can no longer be undone (undo is possible for %(days)d days).")
            % {"days": settings.RAPPORT_IMPORT_UNDO_DAYS}
        )
    job.status = ImportStatus.UNDOING
    job.worker = ""
    job.heartbeat_at = None
    job.error = ""
    job.save()
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_UNDONE,
        target_type="import",
        target_id=job.pk,
        summary=job.original_name,
        data={"target": job.target, "created": job.created_count, "updated": job.updated_count},
    )
    publish(ImportUndoRequested(job_id=job.pk))
    return job


def import_undo_run(job_id: int) -> ImportJob | None:
    """Do (or resume) a queued undo in this process; None if it is not ours to run."""
    me = jobs.worker_id()
    job = jobs.claim(job_id, "undo", me)
    if job is None:
        return None
    with translation.override(job.actor.language or settings.LANGUAGE_CODE):
        try:
            kept = 0
            for action, kind in (
                (ImportAction.UPDATED, "person"),
                (ImportAction.UPDATED, "company"),
                (ImportAction.UPDATED, "lead"),
                (ImportAction.UPDATED, "product"),
                (ImportAction.CREATED, "order"),
                (ImportAction.CREATED, "interaction"),
                (ImportAction.CREATED, "person"),
                (ImportAction.CREATED, "company"),
                (ImportAction.CREATED, "lead"),
                (ImportAction.CREATED, "product"),
            ):
                kept += _undo_all(job, me, action, kind)
            now = timezone.now()
            ImportJob.objects.filter(pk=job.pk, worker=me).update(
                status=ImportStatus.UNDONE,
                undone_at=now,
                worker="",
                heartbeat_at=now,
                updated_at=now,
                error=(
                    _("%(count)d created records were kept because other records use them.")
                    % {"count": kept}
                    if kept
                    else ""
                ),
            )
        except jobs.LostClaim:
            return None
        except Exception as exc:
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            ImportJob.objects.filter(pk=job.pk, worker=me).update(
                status=ImportStatus.FAILED, worker="", error=message[:2000]
            )
            logger.exception("Undo of import %s failed.", job.pk)
        job.refresh_from_db()
        return job


def _undo_all(job: ImportJob, me: str, action: str, kind: str) -> int:
    kept = 0
    while True:
        chunk = list(
            ImportRecord.objects.filter(job=job, action=action, kind=kind).order_by("-pk")[
                :UNDO_CHUNK
            ]
        )
        if not chunk:
            return kept
        with transaction.atomic():
            if action == ImportAction.UPDATED:
                _revert(kind, chunk)
            elif kind == "order":
                kept += cancel_imported_orders(job.actor, [r.object_id for r in chunk])
            else:
                kept += _delete_created(kind, chunk)
            ImportRecord.objects.filter(pk__in=[r.pk for r in chunk]).delete()
            if not ImportJob.objects.filter(pk=job.pk, worker=me).update(
                heartbeat_at=timezone.now()
            ):
                raise jobs.LostClaim


def _delete_created(kind: str, records: list[ImportRecord]) -> int:
    model = MODELS[kind]
    ids = [r.object_id for r in records]
    converted = 0
    if kind == "lead":
        # A converted lead is the origin of a customer and a deal: its history stays.
        keep = set(
            Lead.objects.filter(pk__in=ids, status=LeadStatus.CONVERTED).values_list(
                "pk", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in keep]
        converted = len(keep)
    try:
        with transaction.atomic():
            _delete(kind, model, ids)
        return converted
    except ProtectedError:
        kept = converted
        for pk in ids:
            try:
                with transaction.atomic():
                    _delete(kind, model, [pk])
            except ProtectedError:
                kept += 1
        return kept


def _delete(kind: str, model, ids: list[int]) -> None:
    if kind == "interaction":
        # As `interaction_delete`: the timeline entry points at the interaction by id only.
        TimelineEntry.objects.filter(source_type="interaction", source_id__in=ids).delete()
    if kind == "lead":
        # As `lead_delete`: the follow-up tasks of leads the rules gave out go with them.
        tasks_delete_about(subject_model=Lead, subject_ids=ids)
    model.objects.filter(pk__in=ids).delete()


def _revert(kind: str, records: list[ImportRecord]) -> None:
    """Put back what each update overwrote (kept in `before`)."""
    model = MODELS[kind]
    befores = {r.object_id: r.before for r in records if r.before}
    befores = {k: (json.loads(v) if isinstance(v, str) else v) for k, v in befores.items()}
    befores = {k: v for k, v in befores.items() if v and set(v) - {"version"}}
    if not befores:
        return
    for record in model.objects.select_for_update().filter(pk__in=list(befores)):
        if kind == "lead" and record.status == LeadStatus.CONVERTED:
            continue  # closed since the import: a customer and a deal were made from it
        before = befores[record.pk]
        for name, value in (before.get("columns") or {}).items():
            field = model._meta.get_field(name)
            setattr(record, name, field.to_python(value))
        if "custom" in before:
            record.custom = before["custom"]
        if "owner" in before:
            record.owner_id, record.team_id = before["owner"]
        if kind == "person":
            if "phones" in before:
                PersonPhone.objects.filter(person=record).delete()
                PersonPhone.objects.bulk_create(
                    PersonPhone(person=record, number=n, label=label, is_primary=primary)
                    for n, label, primary in before["phones"]
                )
                record.primary_phone = next(
                    (n for n, _label, primary in before["phones"] if primary), ""
                )
            if "emails" in before:
                PersonEmail.objects.filter(person=record).delete()
                PersonEmail.objects.bulk_create(
                    PersonEmail(person=record, email=e, label=label, is_primary=primary)
                    for e, label, primary in before["emails"]
                )
                record.primary_email = next(
                    (e for e, _label, primary in before["emails"] if primary), ""
                )
            if "companies" in before:
                Employment.objects.filter(person=record).exclude(
                    company_id__in=before["companies"]
                ).delete()
        if "tags" in before:
            record.tags.set(before["tags"])
        if kind != "product":  # products have no version
            record.version += 1
        record.save()
        if kind == "person":
            person_rebuild_search_terms(record)
        elif kind == "company":
            company_rebuild_search_terms(record)
        elif kind == "lead":
            lead_score_recompute(record)


def purge_expired_imports() -> int:
    """Drop the undo data and files of imports finished more than RAPPORT_IMPORT_UNDO_DAYS
    ago (the job row stays as the log). Returns how many imports were purged."""
    cutoff = timezone.now() - timedelta(days=settings.RAPPORT_IMPORT_UNDO_DAYS)
    expired = (
        ImportJob.objects.filter(purged_at__isnull=True)
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
        .exclude(status__in=jobs.ACTIVE)
    )
    purged = 0
    for job in expired.iterator():
        while True:
            ids = list(ImportRecord.objects.filter(job=job).values_list("pk", flat=True)[:10_000])
            if not ids:
                break
            ImportRecord.objects.filter(pk__in=ids).delete()
        shutil.rmtree(jobs.job_dir(job), ignore_errors=True)
        ImportJob.objects.filter(pk=job.pk).update(purged_at=timezone.now())
        purged += 1
    return purged
