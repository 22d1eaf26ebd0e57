"""Planning, logging and answering an export."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.core.errors import ApplicationError
from rapport.dataio.models import ExportFormat, ExportLog
from rapport.dataio.selectors.exports import EXPORT_CHUNK_SIZE, export_chunks
from rapport.dataio.services.exports.kinds import (
    Column,
    ExportKind,
    filters_as_data,
    get_export_kind,
)
from rapport.dataio.services.exports.writers import csv_chunks, xlsx_file

CSV_ENCODINGS = {ExportFormat.CSV: "utf-8", ExportFormat.CSV_GBK: "gbk"}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportPlan:
    kind: ExportKind
    filters: Any
    columns: list[Column]
    file_format: str


def _column_keys(params: QueryDict) -> list[str]:
    # Both `columns=a,b` (API) and `columns=a&columns=b` (the form's checkboxes).
    return [key for value in params.getlist("columns") for key in value.split(",")]


def export_plan(*, actor: User, record_type: str, params: QueryDict) -> ExportPlan:
    """What to export: raises NotFound for an unknown record type, and a 400 ApplicationError
    (`unknown_format`, `unknown_column`) for a format or column that does not exist."""
    kind = get_export_kind(record_type)
    file_format = params.get("format") or ExportFormat.CSV
    if file_format not in ExportFormat.values:
        raise ApplicationError(
            "unknown_format",
            _("Unknown format: %(format)s.") % {"format": file_format},
            {"format": [_("Choose from: %(choices)s.") % {"choices": ", ".join(ExportFormat)}]},
        )
    columns = kind.resolve_columns(_column_keys(params))
    return ExportPlan(
        kind=kind,
        filters=kind.filters_from(actor, params),
        columns=columns,
        file_format=file_format,
    )


@transaction.atomic
def export_start(*, actor: User, plan: ExportPlan, via_api: bool = False) -> ExportLog:
    """Log an export as it starts (and in the audit log); `export_finish` completes the row."""
    log = ExportLog.objects.create(
        user=actor,
        record_type=plan.kind.record_type,
        file_format=plan.file_format,
        filters=filters_as_data(plan.filters),
        columns=[c.key for c in plan.columns],
        via_api=via_api,
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target_type="export",
        target_id=log.pk,
        summary=log.record_type,
        data={"format": log.file_format, "filters": log.filters, "via_api": via_api},
    )
    return log


def export_finish(*, log: ExportLog, row_count: int, finished: bool) -> None:
    """Record how many rows went out; `finished` False marks an interrupted download."""
    log.row_count = row_count
    log.finished_at = timezone.now() if finished else None
    ExportLog.objects.filter(pk=log.pk).update(row_count=log.row_count, finished_at=log.finished_at)


def export_rows(
    *, actor: User, plan: ExportPlan, chunk_size: int = EXPORT_CHUNK_SIZE
) -> Iterator[list[list[Any]]]:
    """The chosen columns' values of every row the plan selects, one chunk at a time (an
    order with line columns gives a row per line)."""
    kind, columns = plan.kind, plan.columns
    queryset = kind.queryset(actor, plan.filters)
    prefetch = kind.prefetch_for(columns)
    for chunk in export_chunks(queryset, prefetch=prefetch, chunk_size=chunk_size):
        yield [row for record in chunk for row in kind.rows_of(record, columns)]


def _logged(rows: Iterator[list], log: ExportLog, language: str) -> Iterator[list]:
    """Pass the chunks through, counting rows; log the end however the download ends.

    The response body is written after the view has returned, when the request's language is
    no longer active, so the export's language is set again here.
    """
    count = 0
    finished = False
    try:
        with translation.override(language):
            for chunk in rows:
                count += len(chunk)
                yield chunk
        finished = True
    finally:
        export_finish(log=log, row_count=count, finished=finished)


def _filename(plan: ExportPlan, extension: str) -> str:
    return f"{plan.kind.record_type}-{timezone.localtime():%Y%m%d-%H%M%S}.{extension}"


def export_response(*, actor: User, plan: ExportPlan, via_api: bool = False) -> HttpResponse:
    """The download: CSV streamed chunk by chunk; .xlsx written to a temporary file first (the
    format is a zip archive, finished only at its end) and then streamed from disk."""
    log = export_start(actor=actor, plan=plan, via_api=via_api)
    header = [str(column.label) for column in plan.columns]
    rows = _logged(export_rows(actor=actor, plan=plan), log, translation.get_language())
    if plan.file_format == ExportFormat.XLSX:
        file = xlsx_file(header, rows, title=str(plan.kind.label))
        return FileResponse(
            file,
            as_attachment=True,
            filename=_filename(plan, "xlsx"),
            content_type=XLSX_CONTENT_TYPE,
        )
    encoding = CSV_ENCODINGS[plan.file_format]
    response = StreamingHttpResponse(
        csv_chunks(header, rows, encoding=encoding),
        content_type=f"text/csv; charset={encoding}",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(plan, "csv")
    )
    return response
