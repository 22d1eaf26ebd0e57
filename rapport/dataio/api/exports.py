"""REST endpoints of dataio: exports.

`GET /exports/{record_type}` answers a file (CSV or .xlsx) of the rows the caller may see,
narrowed by the same query parameters as the record type's list page in the web UI (for
persons: `q`, `owner_id`, `team_id`, `tag_id`, `lifecycle_stage`, `region`, `source`,
`cf_<key>`); `GET /exports` is the export log.
"""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.core.api_schemas import Listing, Page, UserRef, error_responses, paginate
from rapport.dataio.models import ExportFormat, ExportRecordType
from rapport.dataio.selectors.exports import export_logs_visible_to
from rapport.dataio.services import exports as services

router = Router(tags=["exports"])


class ExportQuery(Schema):
    # A plain string, so that an unknown format is the service's 400 `unknown_format`.
    format: str = Field(
        ExportFormat.CSV,
        description="`csv` (UTF-8 with a byte order mark), `csv_gbk` or `xlsx`.",
    )
    columns: str = Field(
        "",
        description=(
            "Comma-separated column keys (see `GET /exports/{record_type}/columns`); "
            "empty for the default columns."
        ),
    )


class ExportColumnOut(Schema):
    key: str
    label: str
    default: bool


class ExportLogOut(Schema):
    id: int
    user: UserRef
    record_type: str
    file_format: str
    filters: dict
    columns: list[str]
    via_api: bool
    row_count: int
    started_at: str
    finished_at: str | None

    @staticmethod
    def resolve_started_at(obj) -> str:
        return obj.started_at.isoformat()

    @staticmethod
    def resolve_finished_at(obj) -> str | None:
        return obj.finished_at.isoformat() if obj.finished_at else None


RECORD_TYPES = ", ".join(f"`{value}`" for value in ExportRecordType.values)


@router.get(
    "/exports",
    response={200: Page[ExportLogOut], **error_responses(422)},
    description="Your exports, newest first; administrators see everyone's.",
)
def exports_list(request: HttpRequest, query: Query[Listing]):
    return paginate(
        export_logs_visible_to(request.auth),
        sort="-started_at",
        cursor=query.cursor,
        limit=query.limit,
    )


@router.get(
    "/exports/{record_type}/columns",
    response={200: list[ExportColumnOut], **error_responses(404)},
    description=f"The columns an export of `record_type` ({RECORD_TYPES}) may have.",
)
def export_columns(request: HttpRequest, record_type: str):
    kind = services.get_export_kind(record_type)
    return [
        {"key": c.key, "label": str(c.label), "default": c.default}
        for c in kind.available_columns()
    ]


@router.get(
    "/exports/{record_type}",
    response={200: None, **error_responses(400, 404, 422)},
    description=(
        f"A file of the `record_type` ({RECORD_TYPES}) records you may see, filtered by the "
        "same query parameters as that list in the web UI, in id order. Unknown columns or "
        "formats are answered 400 `unknown_column` / `unknown_format`. Logged."
    ),
)
def export_download(request: HttpRequest, record_type: str, query: Query[ExportQuery]):
    plan = services.export_plan(actor=request.auth, record_type=record_type, params=request.GET)
    return services.export_response(actor=request.auth, plan=plan, via_api=True)
