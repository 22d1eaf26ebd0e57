"""REST endpoints of dataio: imports of persons, companies, leads and products.

The same steps as the import pages, each a call: upload a file (`POST /imports`, multipart),
read its columns with sample values and the proposed mapping, set the mapping (or apply a saved
one), optionally run a dry run and read its result, start, follow the progress
(`GET /imports/{id}`), download the rejected rows and the rows imported with warnings, undo.
An import is seen by whoever made it and by administrators; for anyone else every endpoint
answers 404.
"""

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    BodyId,
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    paginate,
)
from rapport.core.errors import ApplicationError, Conflict, ValidationFailed
from rapport.core.schema_types import MAX_TAG_IDS, RecordId, capped_list
from rapport.dataio.models import ImportMatchOn, ImportMode, ImportStatus, ImportTarget
from rapport.dataio.selectors import imports as selectors
from rapport.dataio.services.imports import jobs as services
from rapport.dataio.services.imports import mapping as mapping_rules
from rapport.dataio.services.imports import undo

router = Router(tags=["imports"])

SORTS = ("-created_at", "created_at")
# Room for the multipart envelope around the file (boundaries, headers, the `target` field).
MULTIPART_SLACK = 64 * 1024


class FileTooLarge(ApplicationError):
    status = 413

    def __init__(self) -> None:
        message = services.too_large_message()
        super().__init__("file_too_large", message, {"file": [message]})


# --- Schemas -------------------------------------------------------------------------------------


class CountsOut(Schema):
    created: int
    updated: int
    skipped: int = Field(description="Rows that duplicate an earlier row or an existing record.")
    rejected: int
    warned: int = Field(
        description="Rows imported (among created and updated) with a field left out: a bad "
        "birthday, e-mail, phone number or choice; listed by `GET /imports/{id}/warnings`."
    )


class ProgressOut(Schema):
    percent: int
    rows_done: int
    rows_total: int = Field(
        description="An estimate (the lines of a CSV file) until the dry run or the import "
        "has read the whole file."
    )
    rows_per_second: float | None = Field(description="The rate of the current run.")
    seconds_left: int | None = Field(description="At the current rate.")
    finished: bool


class ImportJobOut(Schema):
    id: int
    target: str
    original_name: str
    size: int
    file_format: str
    encoding: str = Field(
        description="The CSV file's encoding; empty while the detector is unsure and none "
        "was chosen (see `GET /imports/{id}/encoding`)."
    )
    status: str
    status_label: str
    actor: UserRef
    columns: list[str]
    mapping: dict[str, str]
    defaults: dict[str, Any]
    mode: str
    match_on: str
    counts: CountsOut
    progress: ProgressOut
    error: str
    can_undo: bool
    undo_until: datetime.datetime | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    undone_at: datetime.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_counts(obj) -> dict:
        progress = selectors.import_progress(obj)
        return {
            "created": progress.created,
            "updated": progress.updated,
            "skipped": progress.skipped,
            "rejected": progress.rejected,
            "warned": progress.warned,
        }

    @staticmethod
    def resolve_progress(obj) -> dict:
        progress = selectors.import_progress(obj)
        return {
            "percent": progress.percent,
            "rows_done": progress.rows_done,
            "rows_total": progress.rows_total,
            "rows_per_second": progress.rows_per_second,
            "seconds_left": progress.seconds_left,
            "finished": progress.finished,
        }

    @staticmethod
    def resolve_can_undo(obj) -> bool:
        return undo.can_undo(obj)

    @staticmethod
    def resolve_undo_until(obj) -> datetime.datetime | None:
        return undo.undo_deadline(obj) if undo.can_undo(obj) else None


class ChoiceOut(Schema):
    value: str
    label: str


class ColumnOut(Schema):
    name: str
    samples: list[str] = Field(description="The column's values in the first rows of the file.")
    proposed: str | None = Field(description="The field Rapport proposes for the column.")
    mapped: str | None = Field(description="The field the column fills now.")


class FieldOut(Schema):
    key: str = Field(description="Custom fields are `custom:<key>`.")
    label: str
    kind: str
    required: bool
    repeatable: bool = Field(description="May be filled from several columns (phones, e-mails).")
    choices: list[ChoiceOut]


class ColumnsOut(Schema):
    columns: list[ColumnOut]
    fields: list[FieldOut]
    modes: list[ChoiceOut]
    match_on: list[ChoiceOut]


class DefaultsIn(InputSchema):
    owner: str | None = Field(None, description="User name of the owner of rows without one.")
    start_rules: bool | None = Field(
        None,
        description="False: the records the import creates or changes start no automation "
        "rule (the change feed and webhooks receive them either way). Default true.",
    )
    tags: capped_list(str, MAX_TAG_IDS) | None = Field(
        None, description="Tags added to every imported record."
    )
    source: str | None = Field(None, description="Source channel of rows without one.")
    assign_by_rules: bool | None = Field(
        None,
        description="Leads only: true gives the rows without an owner to sellers by the lead "
        "assignment rules (with their follow-up tasks) instead of `owner` or the importer.",
    )


class MappingIn(InputSchema):
    mapping: dict[str, str | None] = Field(
        description="File column → field key (see `GET /imports/{id}/columns`); "
        "an empty value leaves the column out."
    )
    defaults: DefaultsIn | None = None
    mode: str = Field(
        ImportMode.CREATE,
        description="`create`, `update` or `upsert` (interactions: `create` only).",
    )
    match_on: str = Field(
        ImportMatchOn.EMAIL,
        description="What identifies an existing record: `email`, `phone`, `external_id` "
        "(companies also `name`); products are always matched on `sku`.",
    )
    save_as: str | None = Field(None, description="Also save the mapping under this name.")


class SavedMappingIn(InputSchema):
    name: str
    target: str = Field(
        description="`persons`, `companies`, `leads`, `interactions` or `products`."
    )
    mapping: dict[str, str | None]
    defaults: DefaultsIn | None = None
    mode: str = ImportMode.CREATE
    match_on: str = ImportMatchOn.EMAIL


class ApplyMappingIn(InputSchema):
    mapping_id: BodyId


class SavedMappingOut(Schema):
    id: int
    name: str
    target: str
    mapping: dict[str, str]
    defaults: dict[str, Any]
    mode: str
    match_on: str
    updated_at: datetime.datetime


class SavedMappingQuery(Schema):
    target: str = "persons"


class RejectedRowOut(Schema):
    row: int = Field(description="The row's number in the file (the header is row 0).")
    values: list[str]
    reasons: list[str]


class EncodingCandidateOut(Schema):
    encoding: str
    label: str
    score: float = Field(description="How plausible the text read this way is, 0 to 1.")
    lines: list[str] = Field(description="The file's first lines with non-ASCII characters.")


class EncodingOut(Schema):
    encoding: str = Field(description="The encoding the file is read in now.")
    detected: str = Field(description="The detector's best guess.")
    confident: bool
    choice_needed: bool = Field(
        description="The import does not start until an encoding is chosen "
        "(`PUT /imports/{id}/encoding`)."
    )
    candidates: list[EncodingCandidateOut] = Field(
        description="When the detector is unsure: each plausible reading, best first."
    )


class EncodingIn(InputSchema):
    encoding: str = Field(
        description="`utf-8`, `utf-8-sig`, `gb18030`, `cp1252`, `latin-1`, `utf-16`, "
        "`utf-16-le` or `utf-16-be`."
    )


class NotImportedOut(Schema):
    column: str
    reason: str


class DryRunOut(Schema):
    status: str
    finished: bool
    rows: int
    created: int
    updated: int
    skipped: int
    rejected: int
    columns: list[str]
    rejected_rows: list[RejectedRowOut] = Field(
        description=f"The first {services.DRY_RUN_REJECTED_SHOWN} rejected rows and why."
    )
    warned: int = Field(0, description="Rows that would be imported with a field left out.")
    warned_rows: list[RejectedRowOut] = Field(
        [],
        description=f"The first {services.DRY_RUN_REJECTED_SHOWN} of those, with the "
        "warnings (as `reasons`).",
    )
    encoding: EncodingOut | None = Field(
        None, description="Set when the detector is unsure of the file's encoding."
    )
    not_imported: list[NotImportedOut] = Field(
        [],
        description="The columns holding values that no field takes, in the file's order, "
        "each with why (a vCard's properties by name): nothing else in the file is left out.",
    )
    company_rows: int = Field(
        0,
        description="Rows of a person import that name a company and no person: each creates "
        "that company, or finds the one of that name the user sees.",
    )


class ImportListQuery(Listing):
    status: str | None = None


# --- Helpers -------------------------------------------------------------------------------------


def _mapping_data(payload) -> dict:
    data = payload.model_dump(exclude_unset=True)
    defaults = {k: v for k, v in (data.get("defaults") or {}).items() if v is not None}
    return {
        "mapping": {c: k for c, k in data["mapping"].items() if k},
        "defaults": defaults,
        "mode": payload.mode,
        "match_on": payload.match_on,
    }


def _uploaded_file(request: HttpRequest):
    limit = settings.RAPPORT_IMPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Refused before the body is read, so an oversized file is not first spooled to disk.
    if declared > limit + MULTIPART_SLACK:
        raise FileTooLarge
    try:
        upload = request.FILES.get("file")
        target = request.POST.get("target", "persons")
    except MultiPartParserError as exc:
        raise ApplicationError(
            "malformed_upload", _("The upload is not a valid multipart form.")
        ) from exc
    if upload is None:
        raise ValidationFailed(
            _("Please correct the errors below."), {"file": [_("Choose a file to import.")]}
        )
    if upload.size > limit:
        raise FileTooLarge
    return upload, target


# --- Jobs ----------------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={201: ImportJobOut, **error_responses(400, 403, 413, 422)},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "target": {"type": "string", "enum": ImportTarget.values},
                        },
                    }
                }
            },
            "required": True,
        }
    },
    description="Upload a CSV (any common encoding and delimiter), .xlsx or vCard file as the "
    "multipart field `file`, with `target` `persons` (default), `companies`, `leads`, "
    "`interactions` (created only, each against an existing customer found by phone or "
    "e-mail), `products` (administrators and sales managers only: others are answered 422 "
    "with the reason under `target`), `orders` (created only, one per run of rows with the "
    "same order reference, for a visible customer; undo cancels them) or `payments` (recorded "
    "only, each on a visible order found by its number; an import of payments cannot be "
    "undone). Files over "
    "RAPPORT_IMPORT_MAX_BYTES are answered 413 `file_too_large`; a file that is not a table "
    "422 `import_file_invalid`. The answer holds the columns and a proposed mapping.",
)
def import_upload(request: HttpRequest):
    upload, target = _uploaded_file(request)
    job = services.import_upload(
        actor=request.auth, file=upload, original_name=upload.name, target=target
    )
    return Status(201, job)


@router.get(
    "/imports",
    response={200: Page[ImportJobOut], **error_responses(400, 422)},
    description="Your imports, newest first (administrators see everyone's). Filter: `status`.",
)
def imports_list(request: HttpRequest, query: Query[ImportListQuery]):
    sort = checked_sort(query.sort, SORTS, "-created_at")
    qs = selectors.imports_visible_to(request.auth)
    if query.status:
        if query.status not in ImportStatus.values:
            raise ValidationFailed(
                _("Please correct the errors below."),
                {
                    "status": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(ImportStatus.values)}
                    ]
                },
            )
        qs = qs.filter(status=query.status)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.get(
    "/imports/{int:job_id}",
    response={200: ImportJobOut, **error_responses(404)},
    description="The import's status, counts and progress (rows done, estimated total, rate "
    "and time left of the current run).",
)
def import_detail(request: HttpRequest, job_id: RecordId):
    return selectors.get_import_for_user(request.auth, job_id)


@router.get(
    "/imports/{int:job_id}/columns",
    response={200: ColumnsOut, **error_responses(404)},
    description="The file's columns with sample values, the proposed and the current mapping, "
    "and the fields, modes and match keys a mapping may use.",
)
def import_columns(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    proposed = mapping_rules.propose_mapping(job.columns, job.target)
    columns = [
        {
            "name": name,
            "samples": [row[i] if i < len(row) else "" for row in job.sample],
            "proposed": proposed.get(name),
            "mapped": job.mapping.get(name),
        }
        for i, name in enumerate(job.columns)
    ]
    fields = [
        {
            "key": f.key,
            "label": str(f.label),
            "kind": f.kind,
            "required": f.required,
            "repeatable": f.repeatable,
            "choices": [{"value": v, "label": str(label)} for v, label in f.choices],
        }
        for f in mapping_rules.import_fields(job.target)
    ]
    return {
        "columns": columns,
        "fields": fields,
        "modes": [
            {"value": v, "label": str(label)} for v, label in services.mode_choices(job.target)
        ],
        "match_on": [
            {"value": v, "label": str(label)} for v, label in services.match_choices(job.target)
        ],
    }


@router.put(
    "/imports/{int:job_id}/mapping",
    response={200: ImportJobOut, **error_responses(400, 403, 404, 409, 422)},
    description="Which column fills which field (custom fields too), the defaults for empty "
    "values (`owner`, `tags`, `source`), the mode and what identifies an existing record. "
    "Invalidates an earlier dry run. 409 once the import has started.",
)
def import_set_mapping(request: HttpRequest, job_id: RecordId, payload: MappingIn):
    job = selectors.get_import_for_user(request.auth, job_id)
    return services.import_set_mapping(
        actor=request.auth, job=job, save_as=payload.save_as or "", **_mapping_data(payload)
    )


@router.post(
    "/imports/{int:job_id}/mapping/apply",
    response={200: ImportJobOut, **error_responses(400, 403, 404, 409, 422)},
    description="Use one of your saved mappings for this file (the columns the file has).",
)
def import_apply_mapping(request: HttpRequest, job_id: RecordId, payload: ApplyMappingIn):
    job = selectors.get_import_for_user(request.auth, job_id)
    saved = selectors.get_saved_mapping_for_user(request.auth, payload.mapping_id)
    return services.import_apply_saved_mapping(actor=request.auth, job=job, saved=saved)


@router.post(
    "/imports/{int:job_id}/dry-run",
    response={202: ImportJobOut, **error_responses(403, 404, 409)},
    description="Run the whole file through the checks and the duplicate matching without "
    "writing anything; follow it with `GET /imports/{id}/dry-run`.",
)
def import_dry_run_start(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return Status(202, services.import_dry_run_start(actor=request.auth, job=job))


@router.get(
    "/imports/{int:job_id}/dry-run",
    response={200: DryRunOut, **error_responses(404, 409)},
    description="What the import would do: the counts and the first rejected rows with the "
    "reasons. 409 when no dry run was started for the current mapping.",
)
def import_dry_run_result(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    if job.status != ImportStatus.DRY_RUNNING and not job.dry_run:
        raise Conflict(_("No dry run has been made with this mapping."))
    result = job.dry_run or {}
    return {
        "status": job.status,
        "finished": job.status != ImportStatus.DRY_RUNNING,
        **{k: result.get(k, 0) for k in ("rows", "created", "updated", "skipped", "rejected")},
        "columns": job.columns,
        "rejected_rows": result.get("rejected_rows", []),
        "warned": result.get("warned", 0),
        "warned_rows": result.get("warned_rows", []),
        "encoding": services.encoding_state(job) if result.get("encoding") else None,
        "not_imported": result.get("not_imported", []),
        "company_rows": result.get("company_rows", 0),
    }


@router.get(
    "/imports/{int:job_id}/encoding",
    response={200: EncodingOut, **error_responses(404)},
    description="The encoding the file is read in and, when the detector is unsure of it, "
    "the plausible readings with the file's first non-ASCII lines read each way: the import "
    "starts only after one is chosen (`choice_needed`).",
)
def import_encoding(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return services.encoding_state(job)


@router.put(
    "/imports/{int:job_id}/encoding",
    response={200: ImportJobOut, **error_responses(403, 404, 409, 422)},
    description="Read the CSV file in this encoding from now on: its columns and sample are "
    "read again and an earlier dry run is dropped; the mapping stays when the columns read "
    "the same, else a new one is proposed (status `uploaded`). 409 once the import started.",
)
def import_set_encoding(request: HttpRequest, job_id: RecordId, payload: EncodingIn):
    job = selectors.get_import_for_user(request.auth, job_id)
    return services.import_set_encoding(actor=request.auth, job=job, encoding=payload.encoding)


@router.post(
    "/imports/{int:job_id}/start",
    response={202: ImportJobOut, **error_responses(403, 404, 409)},
    description="Start the import; it runs as a background job (follow `GET /imports/{id}`). "
    "409 while the file's encoding is to be chosen (`GET /imports/{id}/encoding`).",
)
def import_start(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return Status(202, services.import_start(actor=request.auth, job=job))


@router.get(
    "/imports/{int:job_id}/rejected",
    response={200: None, **error_responses(404, 409)},
    description="The rejected rows in the file's own format (CSV in its encoding and "
    "delimiter — Windows-1252 and Latin-1 files in UTF-8 with a BOM, as the reasons may be in "
    "Chinese —, or .xlsx) with two more columns, the row number and the reasons.",
)
def import_rejected_download(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return _download(job, services.rejected_rows_download)


@router.get(
    "/imports/{int:job_id}/warnings",
    response={200: None, **error_responses(404, 409)},
    description="The rows imported with a field left out (a bad birthday, e-mail, phone "
    "number or choice value), in the file's own format as the rejected rows are, with two more "
    "columns: the row number and the warnings.",
)
def import_warnings_download(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return _download(job, services.warned_rows_download)


def _download(job, rows_download) -> StreamingHttpResponse:
    if job.purged_at is not None:
        raise Conflict(_("The files of this import have been deleted."))
    if job.status not in (
        ImportStatus.RUNNING,
        ImportStatus.DONE,
        ImportStatus.FAILED,
        ImportStatus.UNDOING,
        ImportStatus.UNDONE,
    ):
        raise Conflict(_("This import has not run yet."))
    download = rows_download(job)
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    return response


@router.post(
    "/imports/{int:job_id}/undo",
    response={202: ImportJobOut, **error_responses(403, 404, 409)},
    description="Remove the records the import created and put back the values it "
    "overwrote, within RAPPORT_IMPORT_UNDO_DAYS days; runs as a background job.",
)
def import_undo(request: HttpRequest, job_id: RecordId):
    job = selectors.get_import_for_user(request.auth, job_id)
    return Status(202, undo.import_undo(actor=request.auth, job=job))


# --- Saved mappings ------------------------------------------------------------------------------


@router.get(
    "/import-mappings",
    response={200: list[SavedMappingOut], **error_responses(422)},
    description="Your saved mappings for files of `target` (`persons`, `companies`, `leads`, "
    "`interactions`, `products`, `orders` or `payments`).",
)
def saved_mappings_list(request: HttpRequest, query: Query[SavedMappingQuery]):
    if query.target not in ImportTarget.values:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"target": [services.target_choice_message()]},
        )
    return list(selectors.saved_mappings_for(request.auth, query.target))


@router.post(
    "/import-mappings",
    response={201: SavedMappingOut, **error_responses(400, 403, 422)},
    description="Save a mapping under a name (replacing yours of the same name and target).",
)
def saved_mapping_save(request: HttpRequest, payload: SavedMappingIn):
    try:
        saved = services.import_mapping_save(
            actor=request.auth, name=payload.name, target=payload.target, **_mapping_data(payload)
        )
    except ValidationFailed as exc:
        # The service names the name after the mapping form's "save as" field.
        if "save_as" in exc.details:
            exc.details["name"] = exc.details.pop("save_as")
        raise
    return Status(201, saved)


@router.delete(
    "/import-mappings/{int:mapping_id}",
    response={204: None, **error_responses(404)},
)
def saved_mapping_delete(request: HttpRequest, mapping_id: RecordId):
    saved = selectors.get_saved_mapping_for_user(request.auth, mapping_id)
    services.import_mapping_delete(actor=request.auth, saved=saved)
    return Status(204, None)
