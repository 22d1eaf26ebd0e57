"""Uploading a file: its columns, a sample of its rows, an estimate of its size."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors
from rapport.core.errors import ValidationFailed
from rapport.dataio.models import (
    ImportJob,
    ImportTarget,
)
from rapport.dataio.services.imports import mapping as mapping_rules
from rapport.dataio.services.imports.jobs.access import job_dir, require_importer, target_refused
from rapport.dataio.services.imports.readers import open_table

SAMPLE_ROWS = 5


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
    require_importer(actor)
    errors = FieldErrors()
    if target not in ImportTarget.values:
        errors.add("target", target_choice_message())
    elif refused := target_refused(actor, target):
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
        # Left empty when the detector is unsure: the user chooses before the import starts.
        guess = getattr(reader, "guess", None)
        job.encoding = "" if guess is not None and not guess.confident else reader.encoding or ""
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
