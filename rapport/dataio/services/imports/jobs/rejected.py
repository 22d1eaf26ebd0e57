"""The rejected rows and the rows imported with warnings: the files the run appends them to,
and their downloads in the upload's format and encoding."""

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from rapport.core.formats import join_sentences
from rapport.dataio.models import (
    ImportJob,
)
from rapport.dataio.services.imports.jobs.access import rejected_path, warned_path

# How many rows imported with warnings the import's page shows (all are in the download).
WARNED_SHOWN = 20


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
                writer.writerow([*values, item.row_number, join_sentences(item.reasons)])
            f.flush()
            os.fsync(f.fileno())
            self.size = f.tell()
        return self.size


@dataclass
class RejectedDownload:
    filename: str
    content_type: str
    chunks: object  # an iterator of bytes


def _rejected_rows(job: ImportJob, path: Path | None = None):
    """(values, row number, reasons) of every rejected row (or of the rows of `path`, the
    warnings file), read from the working file."""
    path = path or rejected_path(job)
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            yield row[:-2], row[-2], row[-1]


def rejected_rows_download(job: ImportJob) -> RejectedDownload:
    """The rejected rows in the upload's format (CSV in its encoding and delimiter, or an
    Excel workbook; vCards, and Windows-1252 and Latin-1 files, whose reasons may be in Chinese,
    come back as UTF-8 CSV with a BOM) with two more columns, the row number and the reasons,
    so the file can be fixed and imported again."""
    return _download(job, rejected_path(job), _("Reasons"), "rejected")


def warned_rows_download(job: ImportJob) -> RejectedDownload:
    """The rows imported with a field left out (a bad birthday, e-mail, phone or choice), as
    `rejected_rows_download` gives the rejected ones, with the row number and the warnings:
    what was left out is in the row's values."""
    return _download(job, warned_path(job), _("Warnings"), "warnings")


def warned_rows_shown(job: ImportJob, limit: int = WARNED_SHOWN) -> list[dict]:
    """The first `limit` rows imported with warnings: {"row", "cells": [(column, value)],
    "reasons": [the warnings, joined]}, for the import's page."""
    shown = []
    for values, number, reasons in _rejected_rows(job, warned_path(job)):
        if len(shown) >= limit:
            break
        cells = [(c, v) for c, v in zip(job.columns, values, strict=False) if v]
        shown.append({"row": int(number), "cells": cells, "reasons": [reasons]})
    return shown


def _download(job: ImportJob, path: Path, caption: str, suffix: str) -> RejectedDownload:
    stem = Path(job.original_name).stem or "import"
    header = [*job.columns, _("Row"), caption]
    rows = _rejected_rows(job, path)
    if job.file_format == "xlsx":
        return RejectedDownload(
            f"{stem}-{suffix}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx_chunks(job, header, rows),
        )
    if job.file_format == "csv":
        encoding = job.encoding or "utf-8"
        if encoding in ("cp1252", "latin-1"):
            encoding = "utf-8-sig"  # the reasons may be in Chinese, which these cannot write
        delimiter = job.delimiter or ","
    else:
        encoding, delimiter = "utf-8-sig", ","
    return RejectedDownload(
        f"{stem}-{suffix}.csv",
        f"text/csv; charset={encoding.removesuffix('-sig')}",
        _csv_chunks(job, header, encoding, delimiter, rows),
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


def _csv_chunks(job, header, encoding, delimiter, rows):
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    pending = buffer.take()
    # The byte order mark once, not before every chunk.
    if encoding == "utf-8-sig":
        yield "\ufeff".encode()
        encoding = "utf-8"
    elif encoding == "utf-16":
        yield "\ufeff".encode("utf-16-le")
        encoding = "utf-16-le"
    for values, number, reasons in rows:
        writer.writerow([*values, number, reasons])
        pending += buffer.take()
        if len(pending) > 64 * 1024:
            yield pending.encode(encoding, errors="replace")
            pending = ""
    yield pending.encode(encoding, errors="replace")


def _xlsx_chunks(job, header, rows):
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for values, number, reasons in rows:
        sheet.append([*values, int(number), reasons])
    with tempfile.TemporaryFile() as f:
        workbook.save(f)
        f.seek(0)
        while chunk := f.read(1 << 20):
            yield chunk
