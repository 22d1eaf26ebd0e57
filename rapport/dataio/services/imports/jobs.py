"""An import (persons, companies, leads, interactions, products, orders or payments) from
upload to done: the services the UI, the API and the command call, and the run that reads the
file in batches.

The flow is upload (`import_upload`) → mapping (`import_set_mapping`) → dry run
(`import_dry_run_start`, a job over the whole file that writes nothing) → start (`import_start`)
→ the job (`import_run`) → done, and within RAPPORT_IMPORT_UNDO_DAYS undo (see `undo`).

Nothing lost, nothing doubled: each batch is written in ONE transaction together with the job's
checkpoint (`rows_done`, the counts, the size of the rejected-rows file, the reader's byte
offset) and the ImportRecords, so a worker killed at any moment leaves either the whole batch
with its checkpoint or neither. A resumed run truncates the rejected-rows file back to the size
recorded with the checkpoint and reads on from the row after it. A run claims its job with a
compare-and-swap on (status, worker, heartbeat), so two workers never run the same import; a
worker that died (its process is gone, or its heartbeat is older than STALE_AFTER) is replaced
by `resume_stalled_imports`.
"""

import csv
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, Role, User
from rapport.accounts.services import audit_record
from rapport.core.cleaning import FieldErrors
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from rapport.core.events import publish
from rapport.customers.models import SourceChannel
from rapport.dataio.events import ImportDryRunRequested, ImportRunRequested
from rapport.dataio.models import (
    ImportJob,
    ImportMapping,
    ImportMatchOn,
    ImportMode,
    ImportRecord,
    ImportStatus,
    ImportTarget,
)
from rapport.dataio.services.imports import mapping as mapping_rules
from rapport.dataio.services.imports.orders import order_ref_of, order_ref_position
from rapport.dataio.services.imports.readers import open_table
from rapport.dataio.services.imports.rows import RowCleaner
from rapport.dataio.services.imports.writer import BatchWriter
from rapport.sales.services.catalog import can_manage_catalog
from rapport.sales.services.orders.cleaning import MAX_LINES

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
# A running job whose heartbeat is older than this is taken over (its worker is presumed dead).
STALE_AFTER = timedelta(seconds=60)
DRY_RUN_REJECTED_SHOWN = 20
SAMPLE_ROWS = 5
IMPORT_ROLES = (Role.ADMINISTRATOR, Role.SALES_MANAGER, Role.SALES_REP, Role.MARKETING)
# Statuses in which the mapping may still change and a run may start.
EDITABLE = (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE)
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DRY_RUNNING, ImportStatus.UNDOING)
REJECTED_NAME = "rejected.csv"


def can_import(user: User) -> bool:
    """Administrators, sales managers, sales representatives and marketing import; the records
    go to the importer or to whom they may give records (see `person_create`)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in IMPORT_ROLES)
    )


def _require_importer(actor: User) -> None:
    if not can_import(actor):
        raise PermissionDenied(_("You may not import data."))


def _target_refused(actor: User, target: str) -> str | None:
    """Why `actor` may not import records of `target`, or None. The catalogue is shared:
    products are imported by those who maintain it (`can_manage_catalog`)."""
    if target == ImportTarget.PRODUCTS and not can_manage_catalog(actor):
        return _("Only administrators and sales managers can import products.")
    return None


def _require_target_allowed(actor: User, target: str) -> None:
    refused = _target_refused(actor, target)
    if refused:
        raise PermissionDenied(refused)


def import_dir() -> Path:
    return Path(settings.RAPPORT_IMPORT_DIR)


def job_dir(job: ImportJob) -> Path:
    return import_dir() / str(job.pk)


def upload_path(job: ImportJob) -> Path:
    return import_dir() / job.stored_path


def rejected_path(job: ImportJob) -> Path:
    return job_dir(job) / REJECTED_NAME


# --- Upload ------------------------------------------------------------------------------------


def _estimate_rows(path: Path, reader) -> int:
    """About how many rows the file holds, for the progress bar before the dry run counts them.

    CSV: its lines minus the header, counted at a few GB/s (exact unless values hold line
    breaks). vCard: its BEGIN:VCARD lines. Excel: the sheet's stated dimension minus the header
    (0 when the workbook does not state it)."""
    if reader.format == "xlsx":
        return _xlsx_rows(path)
    marker = b"BEGIN:VCARD" if reader.format == "vcard" else b"\n"
    count, last, carry = 0, b"\n", b""
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            if reader.format == "vcard":
                # The marker may straddle two chunks; case differs between writers.
                text = carry + chunk.upper()
                count += text.count(marker)
                carry = text[-(len(marker) - 1) :] if not text.endswith(marker) else b""
            else:
                count += chunk.count(marker)
            last = chunk[-1:]
    if reader.format == "vcard":
        return count
    if last != b"\n":
        count += 1
    return max(count - 1, 0)


def _xlsx_rows(path: Path) -> int:
    from openpyxl import load_workbook

    with path.open("rb") as f:
        try:
            workbook = load_workbook(f, read_only=True)
        except Exception:  # the reader already opened it; an estimate never fails an upload
            return 0
        try:
            sheet = workbook.worksheets[0]
            return max((sheet.max_row or 1) - 1, 0)
        finally:
            workbook.close()


def import_upload(*, actor: User, file, original_name: str, target: str = ImportTarget.PERSONS):
    """Store an uploaded file (a Django UploadedFile or any object with `chunks()` or `read()`)
    and read its header and first rows. Refuses files over RAPPORT_IMPORT_MAX_BYTES and files
    that are not a table (ImportFileError)."""
    _require_importer(actor)
    errors = FieldErrors()
    if target not in ImportTarget.values:
        errors.add("target", target_choice_message())
    elif refused := _target_refused(actor, target):
        errors.add("target", refused)
    name = os.path.basename(str(original_name or "")).strip()[:255] or "import.csv"
    size = getattr(file, "size", None)
    limit = settings.RAPPORT_IMPORT_MAX_BYTES
    if size is not None and size > limit:
        errors.add("file", too_large_message())
    errors.raise_if_any()
    job = ImportJob.objects.create(
        actor=actor, target=target, original_name=name, stored_path="", size=0
    )
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()[:10]
    path = folder / f"upload{suffix}"
    written = 0
    try:
        with path.open("wb") as out:
            chunks = (
                file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b"")
            )
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise ValidationFailed(too_large_message(), {"file": [too_large_message()]})
                out.write(chunk)
        reader = open_table(path, original_name=name)
        job.stored_path = f"{job.pk}/{path.name}"
        job.size = written
        job.file_format = reader.format
        job.encoding = reader.encoding or ""
        job.delimiter = reader.delimiter or ""
        job.columns = list(reader.columns)
        job.sample = [list(row) for row in reader.sample(SAMPLE_ROWS)]
        job.rows_total = _estimate_rows(path, reader)
        job.mapping = mapping_rules.propose_mapping(job.columns, target)
        job.save()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        job.delete()
        raise
    return job


def target_choice_message() -> str:
    return _(
        "Choose what the file holds: persons, companies, leads, interactions, products, orders "
        "or payments."
    )


def too_large_message() -> str:
    limit = settings.RAPPORT_IMPORT_MAX_BYTES
    return _("The file is larger than %(size)s, the most that can be imported at once.") % {
        "size": _human_size(limit)
    }


def _human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024
    return str(size)


# --- Mapping -----------------------------------------------------------------------------------


@dataclass
class MappingInput:
    mapping: dict[str, str]
    defaults: dict
    mode: str
    match_on: str


def _clean_mapping(actor: User, job_target: str, columns: list[str], data: MappingInput) -> dict:
    errors = FieldErrors()
    fields = {f.key: f for f in mapping_rules.import_fields(job_target)}
    mapping: dict[str, str] = {}
    if not isinstance(data.mapping, dict):
        errors.add("mapping", _("Give the mapping as column → field."))
    else:
        used: dict[str, str] = {}
        for column, key in data.mapping.items():
            if not key:
                continue
            if column not in columns:
                errors.add(
                    f"mapping.{column}", _("The file has no column “%(name)s”.") % {"name": column}
                )
                continue
            if key not in fields:
                errors.add(f"mapping.{column}", _("Unknown field “%(name)s”.") % {"name": key})
                continue
            if key in used and not fields[key].repeatable:
                errors.add(
                    f"mapping.{column}",
                    _("“%(field)s” is already filled from column “%(column)s”.")
                    % {"field": fields[key].label, "column": used[key]},
                )
                continue
            used.setdefault(key, column)
            mapping[column] = key
        keys = set(mapping.values())
        if job_target in (ImportTarget.PERSONS, ImportTarget.LEADS) and not keys & {
            "full_name",
            "given_name",
            "family_name",
        }:
            errors.add("mapping", _("Map a column to the name (full name, given or family name)."))
        if job_target == ImportTarget.INTERACTIONS and not keys & {"phone", "email"}:
            errors.add("mapping", _("Map a column to the customer's phone number or e-mail."))
        if job_target == ImportTarget.ORDERS:
            if not keys & {"phone", "email", "company"}:
                errors.add(
                    "mapping",
                    _("Map a column to the customer's phone number, e-mail or company."),
                )
            if not keys & {"sku", "description"}:
                errors.add(
                    "mapping", _("Map a column to the product's SKU or the line's description.")
                )
        for key, field in fields.items():
            if (
                field.required
                and key not in keys
                and not key.startswith(mapping_rules.CUSTOM_PREFIX)
            ):
                errors.add("mapping", _("Map a column to “%(field)s”.") % {"field": field.label})
    if data.mode not in ImportMode.values:
        errors.add("mode", _("Choose create, update or upsert."))
    elif data.mode not in _mode_choices(job_target):
        errors.add(
            "mode",
            _("Payments are only ever recorded, never matched or updated: choose “create”.")
            if job_target == ImportTarget.PAYMENTS
            else _("Orders are only ever created, never matched or updated: choose “create”.")
            if job_target == ImportTarget.ORDERS
            else _(
                "Interactions are only ever created, never matched or updated: choose “create”."
            ),
        )
    allowed_match = _match_choices(job_target)
    match_on = data.match_on
    if len(allowed_match) == 1:
        # Products have one key, their SKU, whatever a client sends by default.
        match_on = allowed_match[0]
    if match_on not in allowed_match:
        errors.add("match_on", _("Choose what to match existing records on."))
    else:
        needed = {
            "email": "email",
            "phone": "phone",
            "external_id": "external_id",
            "sku": "sku",
        }.get(match_on, "name" if job_target == ImportTarget.COMPANIES else "full_name")
        if (
            data.mode in _mode_choices(job_target)
            and data.mode != ImportMode.CREATE
            and needed not in set(mapping.values())
        ):
            errors.add(
                "match_on",
                _("To update existing records, map a column to “%(field)s”.")
                % {"field": fields[needed].label if needed in fields else needed},
            )
    defaults = _clean_defaults(actor, data.defaults, errors, target=job_target)
    errors.raise_if_any()
    return {"mapping": mapping, "defaults": defaults, "mode": data.mode, "match_on": match_on}


def _mode_choices(target: str) -> tuple[str, ...]:
    if target in (ImportTarget.INTERACTIONS, ImportTarget.ORDERS, ImportTarget.PAYMENTS):
        return (ImportMode.CREATE,)
    return tuple(ImportMode.values)


def mode_choices(target: str) -> list[tuple[str, str]]:
    """The modes an import of `target` may run in: interactions, orders and payments are only
    created."""
    labels = dict(ImportMode.choices)
    return [(value, labels[value]) for value in _mode_choices(target)]


def _match_choices(target: str) -> tuple[str, ...]:
    if target == ImportTarget.PRODUCTS:
        return (ImportMatchOn.SKU,)
    if target == ImportTarget.INTERACTIONS:
        # Nothing is matched; the row's customer is found by its phone or e-mail.
        return (ImportMatchOn.CONTACT,)
    if target == ImportTarget.PAYMENTS:
        # Nothing is matched; the row's order is found by its number.
        return (ImportMatchOn.ORDER_NUMBER,)
    if target == ImportTarget.ORDERS:
        # Nothing is matched; the rows of one order share its reference.
        return (ImportMatchOn.ORDER_REFERENCE,)
    if target == ImportTarget.COMPANIES:
        return (
            ImportMatchOn.NAME,
            ImportMatchOn.EXTERNAL_ID,
            ImportMatchOn.EMAIL,
            ImportMatchOn.PHONE,
        )
    return (ImportMatchOn.EMAIL, ImportMatchOn.PHONE, ImportMatchOn.EXTERNAL_ID)


def match_choices(target: str) -> list[tuple[str, str]]:
    labels = dict(ImportMatchOn.choices)
    return [(value, labels[value]) for value in _match_choices(target)]


def _clean_defaults(actor: User, raw, errors: FieldErrors, *, target: str) -> dict:
    """Defaults for rows that leave a value empty: owner (user name), tags, source channel;
    for leads, `assign_by_rules` (true: the assignment rules choose the owner instead)."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors.add("defaults", _("Give the defaults as an object."))
        return {}
    defaults: dict = {}
    unknown = set(raw) - {"owner", "tags", "source", "assign_by_rules"}
    for key in sorted(unknown):
        errors.add(f"defaults.{key}", _("Unknown field."))
    owner = str(raw.get("owner") or "").strip()
    by_rules = raw.get("assign_by_rules") or False
    if by_rules is not True and by_rules is not False:
        errors.add("defaults.assign_by_rules", _("Give true or false."))
    elif by_rules and target != ImportTarget.LEADS:
        errors.add("defaults.assign_by_rules", _("Only leads are given out by the rules."))
    elif by_rules and owner:
        errors.add("defaults.owner", _("Choose an owner or assignment by the rules, not both."))
    elif by_rules:
        defaults["assign_by_rules"] = True
    if owner:
        user = User.objects.filter(username=owner, is_active=True).first()
        if user is None:
            errors.add("defaults.owner", _("There is no active user “%(name)s”.") % {"name": owner})
        elif (
            not actor.is_administrator
            and user.pk != actor.pk
            and (actor.team_id is None or user.team_id != actor.team_id)
        ):
            errors.add("defaults.owner", _("You can only give records to members of your team."))
        else:
            defaults["owner"] = user.username
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in (p.strip() for p in tags.replace("，", ",").split(",")) if t]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors.add("defaults.tags", _("Give a list of tag names."))
    elif tags:
        if any(len(t.strip()) > 50 for t in tags):
            errors.add("defaults.tags", _("Use at most 50 characters per tag."))
        defaults["tags"] = [t.strip() for t in tags if t.strip()]
    source = str(raw.get("source") or "").strip()
    if source:
        if source not in SourceChannel.values:
            errors.add("defaults.source", _("Choose one of the source channels."))
        else:
            defaults["source"] = source
    return defaults


def _require_editable(job: ImportJob) -> None:
    if job.status not in EDITABLE:
        raise Conflict(_("This import has already started; its mapping can no longer change."))


@transaction.atomic
def import_set_mapping(
    *,
    actor: User,
    job: ImportJob,
    mapping: dict[str, str],
    defaults: dict | None = None,
    mode: str = ImportMode.CREATE,
    match_on: str = ImportMatchOn.EMAIL,
    save_as: str = "",
) -> ImportJob:
    """Set which column fills which field, the defaults, the mode and the match key. A new
    mapping invalidates an earlier dry run. `save_as` also saves it for reuse under that name."""
    _require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_target_allowed(actor, job.target)
    _require_editable(job)
    cleaned = _clean_mapping(
        actor, job.target, job.columns, MappingInput(mapping, defaults or {}, mode, match_on)
    )
    # The cleaner refuses what it cannot apply (a custom field's rules, …) before any row.
    _cleaner(job.target, cleaned["mapping"], cleaned["defaults"], actor, job.columns)
    for key, value in cleaned.items():
        setattr(job, key, value)
    job.status = ImportStatus.MAPPED
    job.dry_run = {}
    job.save()
    if save_as and save_as.strip():
        import_mapping_save(actor=actor, name=save_as, target=job.target, **cleaned)
    return job


def _cleaner(target, mapping, defaults, actor, columns):
    # Outlook writes dates in the Windows locale's order; its English headers mean a US locale
    # (3/5/1990 is 5 March there). Every other file reads slashed dates day first, like the forms.
    outlook = mapping_rules.detect_known_export(list(columns or [])) == "outlook"
    return RowCleaner(
        target,
        mapping,
        _cleaner_defaults(defaults),
        actor=actor,
        columns=columns,
        date_order="mdy" if outlook else "dmy",
    )


def _cleaner_defaults(defaults: dict) -> dict:
    """The defaults that fill a row's fields (assignment by the rules is the writer's)."""
    return {k: v for k, v in (defaults or {}).items() if k != "assign_by_rules"}


@transaction.atomic
def import_mapping_save(
    *,
    actor: User,
    name: str,
    target: str,
    mapping: dict,
    defaults: dict,
    mode: str,
    match_on: str,
) -> ImportMapping:
    """Save (or replace) the actor's mapping called `name` for files of `target`. The mapping
    is checked as `import_set_mapping` checks it, against the columns it names."""
    _require_importer(actor)
    if target not in ImportTarget.values:
        raise ValidationFailed(
            _("Please correct the errors below."), {"target": [target_choice_message()]}
        )
    _require_target_allowed(actor, target)
    if not isinstance(mapping, dict):
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"mapping": [_("Give the mapping as column → field.")]},
        )
    cleaned = _clean_mapping(
        actor, target, list(mapping), MappingInput(mapping, defaults or {}, mode, match_on)
    )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Please correct the errors below."), {"save_as": [_("Enter a name.")]}
        )
    if len(name) > 100:
        raise ValidationFailed(
            _("Please correct the errors below."), {"save_as": [_("Use at most 100 characters.")]}
        )
    saved, _created = ImportMapping.objects.update_or_create(
        owner=actor,
        target=target,
        name=name,
        defaults=cleaned,
    )
    return saved


@transaction.atomic
def import_mapping_delete(*, actor: User, saved: ImportMapping) -> None:
    saved.delete()


def import_apply_saved_mapping(*, actor: User, job: ImportJob, saved: ImportMapping) -> ImportJob:
    """Use a saved mapping for this file: its columns that the file has, its defaults and mode."""
    if saved.target != job.target:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"mapping_id": [_("This saved mapping is for another kind of record.")]},
        )
    mapping = {c: k for c, k in saved.mapping.items() if c in job.columns}
    return import_set_mapping(
        actor=actor,
        job=job,
        mapping=mapping,
        defaults=saved.defaults,
        mode=saved.mode,
        match_on=saved.match_on,
    )


# --- Starting ----------------------------------------------------------------------------------


@transaction.atomic
def import_dry_run_start(*, actor: User, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """Queue a dry run: the whole file through the cleaner and the duplicate matching, nothing
    written; the counts and the first rejected rows land in `job.dry_run`. `enqueue=False` is
    for a caller that runs it itself (`manage.py import_file`)."""
    _require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_target_allowed(actor, job.target)
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
    _require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_target_allowed(actor, job.target)
    if job.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE):
        raise Conflict(_("Map the file's columns first."))
    job.status = ImportStatus.QUEUED
    job.rows_done = 0
    job.created_count = job.updated_count = job.skipped_count = job.rejected_count = 0
    job.rejected_offset = 0
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


# --- Claiming ----------------------------------------------------------------------------------


def _process_start_ticks(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()
    return "Z" if fields[0] == "Z" else fields[19]


def worker_id() -> str:
    """This thread of this process on this host, unmistakable even after a pid is reused."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start_ticks(pid)}:{threading.get_ident()}"


def worker_gone(worker: str) -> bool:
    """Whether the worker that claimed a job is known to be dead: it ran on this host and its
    process (or, in this process, its thread) is gone. Elsewhere only the heartbeat tells."""
    try:
        host, pid, ticks, thread = worker.rsplit(":", 3)
        pid = int(pid)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return worker == worker_id() or int(thread) not in {t.ident for t in threading.enumerate()}
    current = _process_start_ticks(pid)
    return current in ("", "Z") or current != ticks


def is_stalled(job: ImportJob, now=None) -> bool:
    now = now or timezone.now()
    if not job.worker:
        return job.updated_at < now - STALE_AFTER
    return (
        worker_gone(job.worker) or job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
    )


_RUN_STATUSES = {
    "import": ((ImportStatus.QUEUED, ImportStatus.RUNNING), ImportStatus.RUNNING),
    "dry_run": ((ImportStatus.DRY_RUNNING,), ImportStatus.DRY_RUNNING),
    "undo": ((ImportStatus.UNDOING,), ImportStatus.UNDOING),
}


def claim(job_id: int, kind: str, me: str) -> ImportJob | None:
    """Take the job for this worker, or None when it is done, not of this kind, or another
    live worker has it. A compare-and-swap, so two workers cannot both win."""
    statuses, new_status = _RUN_STATUSES[kind]
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in statuses:
        return None
    fresh = job.heartbeat_at and job.heartbeat_at >= timezone.now() - STALE_AFTER
    if job.worker and fresh and not worker_gone(job.worker):
        return None
    now = timezone.now()
    won = ImportJob.objects.filter(
        pk=job.pk, status=job.status, worker=job.worker, heartbeat_at=job.heartbeat_at
    ).update(
        status=new_status,
        worker=me,
        heartbeat_at=now,
        run_started_at=now,
        run_rows_start=job.rows_done,
        started_at=job.started_at or now,
        updated_at=now,
    )
    if not won:
        return None
    job.refresh_from_db()
    return job


class LostClaim(Exception):
    """Another worker took the job over (this one was presumed dead); stop without writing."""


# --- The rejected-rows file --------------------------------------------------------------------


class RejectedFile:
    """Rejected rows with their row numbers and reasons, appended batch by batch as UTF-8 CSV
    (converted to the upload's format on download). Opening it truncates it to the size the
    last checkpoint recorded, so rows of a batch that never committed are not kept twice."""

    def __init__(self, path: Path, columns: list[str], offset: int):
        self.path = path
        self.columns = columns
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as f:
            f.truncate(offset)
        self.size = offset

    def append(self, rejected, *, at: int | None = None) -> int:
        """Add `rejected` after what the file holds, or after its first `at` bytes."""
        if at is not None and at != self.size:
            with self.path.open("ab") as f:
                f.truncate(at)
            self.size = at
        if not rejected:
            return self.size
        with self.path.open("a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            if self.size == 0:
                writer.writerow([*self.columns, "#row", "#reasons"])
            width = len(self.columns)
            for item in rejected:
                values = list(item.values)[:width]
                values += [""] * (width - len(values))
                writer.writerow([*values, item.row_number, " | ".join(item.reasons)])
            f.flush()
            os.fsync(f.fileno())
            self.size = f.tell()
        return self.size


# --- Running -----------------------------------------------------------------------------------


Progress = Callable[[ImportJob], None]


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
                return _dry_run(job, me, batch_size, progress)
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


def _rows(reader, job: ImportJob):
    start = job.rows_done
    if start and job.source_offset is not None and hasattr(reader, "rows_from_offset"):
        return reader.rows_from_offset(job.source_offset, start)
    return reader.rows(start=start)


def _batches(job, reader, cleaner, batch_size):
    if job.target == ImportTarget.ORDERS:
        yield from _order_batches(job, reader, cleaner, batch_size)
        return
    batch = []
    for number, values in _rows(reader, job):
        batch.append((number, values, cleaner.clean(values)))
        if len(batch) >= batch_size:
            yield batch, getattr(reader, "offset", None)
            batch = []
    if batch:
        yield batch, getattr(reader, "offset", None)


def _order_batches(job, reader, cleaner, batch_size):
    """Batches of orders: a batch ends between two orders (rows with different references),
    so that no order is split over two transactions; only an order longer than any order may
    be (MAX_LINES) is cut, and refused. The reader has then read one row ahead, so no byte offset
    is kept: a resumed run skips the done rows by counting them."""
    position = order_ref_position(job)
    batch = []
    for number, values in _rows(reader, job):
        if len(batch) >= batch_size and (
            order_ref_of(values, position) != order_ref_of(batch[-1][1], position)
            or len(batch) >= batch_size + MAX_LINES
        ):
            yield batch, None
            batch = []
        batch.append((number, values, cleaner.clean(values)))
    if batch:
        yield batch, None


def _write_cursor():
    cursor = connection.cursor()
    if connection.vendor == "postgresql":
        cursor = cursor.cursor  # psycopg's own cursor, for COPY
        # A server crash may lose the last batches, but never a batch without its checkpoint.
        cursor.execute("SET LOCAL synchronous_commit = off")
    return cursor


def _commit_batch(job, me, writer, rejected_file, plan, source_offset) -> None:
    start = rejected_file.size
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
                updated = ImportJob.objects.filter(pk=job.pk, worker=me).update(
                    rows_done=F("rows_done") + plan.rows,
                    created_count=F("created_count") + result.created,
                    updated_count=F("updated_count") + result.updated,
                    skipped_count=F("skipped_count") + plan.skipped,
                    rejected_count=F("rejected_count") + len(rejected),
                    rejected_offset=offset,
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
    _require_target_allowed(job.actor, job.target)
    reader = open_table(upload_path(job), original_name=job.original_name)
    cleaner = _cleaner(job.target, job.mapping, job.defaults, job.actor, job.columns)
    writer = BatchWriter(job, job.actor, dry_run=False)
    rejected_file = RejectedFile(rejected_path(job), job.columns, job.rejected_offset)
    batches = _batches(job, reader, cleaner, batch_size)
    for number, (batch, source_offset) in enumerate(batches, start=1):
        plan = writer.plan(batch)
        _commit_batch(job, me, writer, rejected_file, plan, source_offset)
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


def _dry_run(job: ImportJob, me: str, batch_size: int, progress: Progress | None) -> ImportJob:
    reader = open_table(upload_path(job), original_name=job.original_name)
    cleaner = _cleaner(job.target, job.mapping, job.defaults, job.actor, job.columns)
    writer = BatchWriter(job, job.actor, dry_run=True)
    counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0, "rows": 0}
    shown: list[dict] = []
    job.rows_done = 0
    for batch, _offset in _batches(job, reader, cleaner, batch_size):
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
            dry_run={**counts, "rejected_rows": shown},
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
        dry_run={**counts, "rejected_rows": shown},
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


# --- Rejected rows for download ----------------------------------------------------------------


@dataclass
class RejectedDownload:
    filename: str
    content_type: str
    chunks: object  # an iterator of bytes


def _rejected_rows(job: ImportJob):
    """(values, row number, reasons) of every rejected row, read from the working file."""
    path = rejected_path(job)
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            yield row[:-2], row[-2], row[-1]


def rejected_rows_download(job: ImportJob) -> RejectedDownload:
    """The rejected rows in the upload's format (CSV in its encoding and delimiter, or an
    Excel workbook; vCards come back as UTF-8 CSV) with two more columns, the row number and
    the reasons, so the file can be fixed and imported again."""
    stem = Path(job.original_name).stem or "import"
    header = [*job.columns, _("Row"), _("Reasons")]
    if job.file_format == "xlsx":
        return RejectedDownload(
            f"{stem}-rejected.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx_chunks(job, header),
        )
    if job.file_format == "csv":
        encoding = job.encoding or "utf-8"
        delimiter = job.delimiter or ","
    else:
        encoding, delimiter = "utf-8-sig", ","
    return RejectedDownload(
        f"{stem}-rejected.csv",
        f"text/csv; charset={encoding.removesuffix('-sig')}",
        _csv_chunks(job, header, encoding, delimiter),
    )


class _Line:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _csv_chunks(job, header, encoding, delimiter):
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    pending = buffer.take()
    if encoding == "utf-8-sig":
        yield "\ufeff".encode()
        encoding = "utf-8"
    for values, number, reasons in _rejected_rows(job):
        writer.writerow([*values, number, reasons])
        pending += buffer.take()
        if len(pending) > 64 * 1024:
            yield pending.encode(encoding, errors="replace")
            pending = ""
    yield pending.encode(encoding, errors="replace")


def _xlsx_chunks(job, header):
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for values, number, reasons in _rejected_rows(job):
        sheet.append([*values, int(number), reasons])
    with tempfile.TemporaryFile() as f:
        workbook.save(f)
        f.seek(0)
        while chunk := f.read(1 << 20):
            yield chunk
