"""Undoing an import within RAPPORT_IMPORT_UNDO_DAYS, and purging undo data after that.

Undo runs as a job in chunks, each in one transaction with the ImportRecords it consumed, so a
killed undo resumes where it stopped. Updated records get back the values they had before the
import; created records are deleted, persons before the companies the import created for them.

An undo never loses a customer: a record the import made or changed is kept as it is (neither
deleted nor reverted), counted with its reason and listed in `ImportJob.undo_report`, when since
the import it

- was merged with another record, as the kept record (it holds that record's history now) or
  as the absorbed one (its values may live on in the kept record; undoing the merge later
  brings it back as an ordinary record, listed in this report);
- (a person or company) was changed by someone (its version moved past the import's, merges
  undone since aside);
- got records of its own: interactions, tasks, deals, orders, timeline entries (a created
  record only; deleting it would delete them);
- (a lead) was converted into a customer and a deal.

Nothing of another record's history is moved or deleted. A created interaction goes with its
timeline entry. Every record the undo deletes or puts back is announced (`rapport.core.records`,
a chunk at a time, as caused by `"import:<id>:undo"`), the dependants a deletion takes along
included, so the change feed, webhooks and automation rules hear of it as they heard of the
import. An import of payments is never undone: payments are an append-only ledger (see
`orders`). Orders are never deleted: the orders an import created are cancelled, those still
placed with nothing paid; one paid, shipped or cancelled since is kept and counted.
"""

import json
import logging
import shutil
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.task_services import tasks_delete_about
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied
from rapport.core.events import publish
from rapport.core.records import changes_caused_by, record_deletion
from rapport.customers.models import (
    Address,
    Company,
    Employment,
    Person,
    PersonEmail,
    PersonPhone,
)
from rapport.customers.services import company_rebuild_search_terms, person_rebuild_search_terms
from rapport.dataio.events import ImportUndoRequested
from rapport.dataio.models import (
    ImportAction,
    ImportJob,
    ImportRecord,
    ImportStatus,
    ImportTarget,
    Merge,
)
from rapport.dataio.services.dedup.merge import generic_relations, record_relations
from rapport.dataio.services.imports import jobs
from rapport.dataio.services.imports.orders import cancel_imported_orders
from rapport.dataio.services.imports.writer.common import announce_updates
from rapport.sales.models import Lead, LeadStatus, Product
from rapport.sales.services.leads import lead_score_recompute

logger = logging.getLogger(__name__)

UNDO_CHUNK = 1000
# Kept records listed by name in the undo report; the counts cover all of them.
KEPT_LISTED = 1000
MODELS = {
    "person": Person,
    "company": Company,
    "lead": Lead,
    "interaction": Interaction,
    "product": Product,
}


class KeptReason(models.TextChoices):
    MERGED = "merged", gettext_lazy("Merged with another record since the import (kept record)")
    ABSORBED = "absorbed", gettext_lazy("Merged into another record since the import")
    EDITED = "edited", gettext_lazy("Changed since the import")
    LINKED = (
        "linked",
        gettext_lazy(
            "Has interactions, tasks, deals, orders or other records of its own since the import"
        ),
    )
    CONVERTED = "converted", gettext_lazy("Lead converted into a customer since the import")
    ORDER_PROGRESSED = "order", gettext_lazy("Order paid, shipped or cancelled since the import")


# Rows an import writes with a person or company (or a merge, or the data-health check, writes
# about it): they go with the record and are not "records of its own".
_OWN_ROWS = {
    "customers.person_tags",
    "customers.company_tags",
    "customers.employment",
    "customers.personphone",
    "customers.personemail",
    "customers.address",
    "dataio.invalidcontact",
    "dataio.importedkey",
}
# Timeline entries that are the record's own bookkeeping: its creation by the import, and the
# merges it took part in (the merges themselves decide whether it is kept).
_OWN_TIMELINE_KINDS = ("record.created",)


class _Report:
    """What the undo kept, accumulated chunk by chunk and saved with each chunk."""

    def __init__(self, data: dict | None):
        data = data or {}
        self.counts: dict[str, int] = dict(data.get("counts") or {})
        self.kept: list[dict] = list(data.get("kept") or [])

    def add(self, reason: str, kind: str, pk: int, name: str, into: int | None = None) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if len(self.kept) < KEPT_LISTED:
            entry = {"kind": kind, "id": pk, "name": name[:200], "reason": reason}
            if into is not None:
                entry["into"] = into
            self.kept.append(entry)

    def count(self, reason: str, n: int) -> None:
        if n:
            self.counts[reason] = self.counts.get(reason, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict:
        return {"counts": self.counts, "kept": self.kept} if self.counts else {}


def undo_report(job: ImportJob) -> dict | None:
    """The undo report as the import's page shows it: the count per reason, the kept records
    (with the record each absorbed one lives on in), and how many are not listed."""
    data = job.undo_report or {}
    counts = data.get("counts") or {}
    if not counts:
        return None
    labels = dict(KeptReason.choices)
    kept = data.get("kept") or []
    return {
        "total": sum(counts.values()),
        "reasons": [
            {"label": labels.get(reason, reason), "count": n} for reason, n in counts.items()
        ],
        "kept": [{**entry, "label": labels.get(entry["reason"], "")} for entry in kept],
        "unlisted": sum(n for r, n in counts.items() if r != KeptReason.ORDER_PROGRESSED)
        - len(kept),
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
    job.undo_report = {}
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
            report = _Report(job.undo_report)
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
                _undo_all(job, me, action, kind, report)
            now = timezone.now()
            ImportJob.objects.filter(pk=job.pk, worker=me).update(
                status=ImportStatus.UNDONE,
                undone_at=now,
                worker="",
                heartbeat_at=now,
                updated_at=now,
                undo_report=report.as_json(),
                error=(
                    _(
                        "%(count)d records of the import were kept as they are, because they "
                        "have been merged, changed or used since: see the list below."
                    )
                    % {"count": report.total}
                    if report.total
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


def _undo_all(job: ImportJob, me: str, action: str, kind: str, report: _Report) -> None:
    while True:
        chunk = list(
            ImportRecord.objects.filter(job=job, action=action, kind=kind).order_by("-pk")[
                :UNDO_CHUNK
            ]
        )
        if not chunk:
            return
        start_rules = (job.defaults or {}).get("start_rules", True) is not False
        with (
            transaction.atomic(),
            changes_caused_by(f"import:{job.pk}:undo", start_rules=start_rules),
        ):
            if action == ImportAction.UPDATED:
                _revert(job, kind, chunk, report)
            elif kind == "order":
                report.count(
                    KeptReason.ORDER_PROGRESSED,
                    cancel_imported_orders(job.actor, [r.object_id for r in chunk]),
                )
            else:
                _delete_created(job, kind, chunk, report)
            ImportRecord.objects.filter(pk__in=[r.pk for r in chunk]).delete()
            if not ImportJob.objects.filter(pk=job.pk, worker=me).update(
                heartbeat_at=timezone.now(), undo_report=report.as_json()
            ):
                raise jobs.LostClaim


def _merge_kind(kind: str) -> str | None:
    return kind if kind in ("person", "company") else None


def _absorbed(job: ImportJob, kind: str, ids: list[int]) -> dict[int, Merge]:
    """The records among `ids` merged into another record since the import (and not taken
    apart again), with the merge that absorbed each."""
    if not _merge_kind(kind) or not ids:
        return {}
    merges = Merge.objects.filter(
        record_type=kind, other_id__in=ids, undone_at__isnull=True, created_at__gte=job.created_at
    ).order_by("pk")
    return {m.other_id: m for m in merges}


def _merged_survivors(job: ImportJob, kind: str, ids: list[int]) -> tuple[set, dict]:
    """Among `ids`: those that are the kept record of a merge made since the import and still
    in force, and per record how many such merges were undone (each moved its version by 2)."""
    if not _merge_kind(kind) or not ids:
        return set(), {}
    column = f"survivor_{kind}_id"
    merges = Merge.objects.filter(
        record_type=kind, created_at__gte=job.created_at, **{f"{column}__in": ids}
    )
    active = set(merges.filter(undone_at__isnull=True).values_list(column, flat=True))
    undone = dict(
        merges.filter(undone_at__isnull=False)
        .values(column)
        .annotate(n=Count("pk"))
        .values_list(column, "n")
    )
    return active, undone


def _linked(kind: str, model, ids: list[int]) -> set[int]:
    """The records among `ids` that other records now point at: interactions, tasks, deals,
    orders, timeline entries other than their creation, anything a later app adds."""
    if not _merge_kind(kind) or not ids:
        return set()
    linked: set[int] = set()
    for field in record_relations(model):
        label = field.model._meta.label_lower
        # The persons are undone first: a company's links to persons still there are theirs.
        if label in _OWN_ROWS and not (kind == "company" and label == "customers.employment"):
            continue
        rows = field.model._base_manager.filter(**{f"{field.attname}__in": ids})
        if field.model is TimelineEntry:
            rows = rows.exclude(kind__in=_OWN_TIMELINE_KINDS).exclude(source_type="merge")
        linked |= set(rows.values_list(field.attname, flat=True).distinct())
    content_type = ContentType.objects.get_for_model(model)
    for gfk in generic_relations():
        rows = gfk.model._base_manager.filter(
            **{gfk.ct_field: content_type, f"{gfk.fk_field}__in": ids}
        )
        linked |= set(rows.values_list(gfk.fk_field, flat=True).distinct())
    return linked


def _keep_changed(
    job: ImportJob, kind: str, records: dict[int, Any], versions: dict[int, int], report: _Report
) -> set[int]:
    """Report and return the records (present in `records`, or absorbed since) that have been
    merged or edited since the import; `versions` gives each one's version right after it."""
    ids = list(versions)
    kept: set[int] = set()
    for pk, merge in _absorbed(job, kind, [pk for pk in ids if pk not in records]).items():
        report.add(KeptReason.ABSORBED, kind, pk, merge.other_name, into=merge.survivor_id or None)
        kept.add(pk)
    survivors, undone = _merged_survivors(job, kind, list(records))
    for pk, record in records.items():
        if pk in survivors:
            report.add(KeptReason.MERGED, kind, pk, str(record))
            kept.add(pk)
        elif hasattr(record, "version") and record.version != versions[pk] + 2 * undone.get(pk, 0):
            report.add(KeptReason.EDITED, kind, pk, str(record))
            kept.add(pk)
    return kept


def _delete_created(job: ImportJob, kind: str, records: list[ImportRecord], report: _Report):
    model = MODELS[kind]
    ids = [r.object_id for r in records]
    present = {o.pk: o for o in model.objects.filter(pk__in=ids)}
    if kind in ("person", "company"):
        # Created with version 1 (see `writer.common.customer_head`).
        keep = _keep_changed(job, kind, present, dict.fromkeys(ids, 1), report)
        for pk in sorted(_linked(kind, model, [pk for pk in present if pk not in keep])):
            report.add(KeptReason.LINKED, kind, pk, str(present[pk]))
            keep.add(pk)
        ids = [pk for pk in present if pk not in keep]
    if kind == "lead":
        # A converted lead is the origin of a customer and a deal: its history stays.
        for lead in Lead.objects.filter(pk__in=ids, status=LeadStatus.CONVERTED):
            report.add(KeptReason.CONVERTED, kind, lead.pk, str(lead))
            ids.remove(lead.pk)
    try:
        with transaction.atomic():
            _delete(job, kind, model, ids)
    except ProtectedError:
        for pk in ids:
            try:
                with transaction.atomic():
                    _delete(job, kind, model, [pk])
            except ProtectedError:
                report.add(KeptReason.LINKED, kind, pk, str(present.get(pk) or pk))


def _delete(job: ImportJob, kind: str, model, ids: list[int]) -> None:
    if kind == "interaction":
        # As `interaction_delete`: the timeline entry points at the interaction by id only.
        TimelineEntry.objects.filter(source_type="interaction", source_id__in=ids).delete()
    if kind == "lead":
        # As `lead_delete`: the follow-up tasks of leads the rules gave out go with them.
        tasks_delete_about(subject_model=Lead, subject_ids=ids)
    record_deletion(model.objects.filter(pk__in=ids), actor=job.actor)


def _revert(job: ImportJob, kind: str, records: list[ImportRecord], report: _Report) -> None:
    """Put back what each update overwrote (kept in `before`), unless the record has been
    merged or changed since."""
    model = MODELS[kind]
    befores = {r.object_id: r.before for r in records if r.before}
    befores = {k: (json.loads(v) if isinstance(v, str) else v) for k, v in befores.items()}
    befores = {k: v for k, v in befores.items() if v and set(v) - {"version"}}
    if not befores:
        return
    present = {r.pk: r for r in model.objects.select_for_update().filter(pk__in=list(befores))}
    if kind == "lead":
        for record in [r for r in present.values() if r.status == LeadStatus.CONVERTED]:
            # Closed since the import: a customer and a deal were made from it.
            report.add(KeptReason.CONVERTED, kind, record.pk, str(record))
            del present[record.pk]
            del befores[record.pk]
    keep: set[int] = set()
    if kind in ("person", "company"):
        # The import's update moved the version by one. (A lead's version also moves when the
        # assignment rules give it out, so leads are kept only once converted.)
        versions = {pk: before["version"] + 1 for pk, before in befores.items()}
        keep = _keep_changed(job, kind, present, versions, report)
    changes = [
        (record.pk, _put_back(kind, model, record, befores[record.pk]))
        for record in present.values()
        if record.pk not in keep
    ]
    announce_updates(kind, changes, job.actor)


# What a key of an update's `before` names among the changed fields of the announcement.
_BEFORE_FIELDS = {
    "owner": ("owner", "team"),
    "phones": ("phones",),
    "emails": ("emails",),
    "companies": ("employments",),
    "addresses": ("addresses",),
    "tags": ("tags",),
    "custom": ("custom",),
}


def _put_back(kind: str, model, record, before: dict) -> list[str]:
    """Give `record` back what `before` kept; returns the fields that changed."""
    changed = [*(before.get("columns") or {})]
    for key, names in _BEFORE_FIELDS.items():
        if key in before:
            changed.extend(names)
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
        if "addresses" in before:
            # The import only adds addresses: those it added go.
            Address.objects.filter(person=record).exclude(pk__in=before["addresses"]).delete()
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
    return changed


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
