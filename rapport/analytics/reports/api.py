"""The reports part of /api/v1 (collected by `rapport.analytics.api`): run a report definition,
and list, read, save, run and delete saved reports. Every run counts what the caller may see."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.analytics.reports import engine
from rapport.analytics.reports.models import SavedReport
from rapport.analytics.reports.selectors import (
    get_saved_report_for_user,
    saved_reports_visible_to,
)
from rapport.analytics.reports.services import saved_report_create, saved_report_delete
from rapport.core.api_schemas import (
    InputSchema,
    Listing,
    Page,
    TeamRef,
    UserRef,
    checked_sort,
    column_text,
    error_responses,
    items,
    paginate,
    service_input,
)
from rapport.core.schema_types import RecordId

router = Router(tags=["reports"])
SORTS = ("name", "-name", "-updated_at", "updated_at")

DEFINITION_NOTE = (
    "A definition: `subject` (orders, order_lines, payments, deals, leads, interactions, "
    "tickets, persons, companies); up to three `dimensions` (a date field by `day`, `week`, "
    "`month`, `quarter` or `year` as `placed_at:month`, or `province`, `city`, `product`, "
    "`category`, `owner`, `team`, `source`, `status`, `stage`, `lifecycle`, `customer`, "
    "`custom.<key>` for a choice custom field…); `measures` (`count`, `customers`, "
    "`sum:<amount>`, `avg:<amount>`, `median:<amount>`); `filters` (dimension → values); "
    "`date_field`, `start`, `end` (YYYY-MM-DD); `sort` (a measure, largest first); `limit`; "
    "`chart`. Money measures are grouped by currency too and are exact decimal strings. "
    "A wrong definition is 422 with each wrong field in `details`."
)


class DefinitionIn(InputSchema):
    subject: str = Field(max_length=40)
    dimensions: items(str, engine.MAX_DIMENSIONS + 1) = []  # type: ignore[valid-type]
    measures: items(str, engine.MAX_MEASURES + 1) = ["count"]  # type: ignore[valid-type]
    filters: dict[str, items(str, engine.MAX_FILTER_VALUES)] = {}  # type: ignore[valid-type]
    date_field: str = ""
    start: str | None = None
    end: str | None = None
    sort: str = ""
    limit: int | None = None
    chart: str = "bar"


class ColumnOut(Schema):
    key: str
    label: str
    kind: str = Field(description="`dimension`, `currency` or `measure`.")
    unit: str = ""
    money: bool = False


class CellOut(Schema):
    key: Any = Field(description="The value grouped by (ISO date for time, a record id, a code).")
    label: str


class RowOut(Schema):
    dimensions: list[CellOut]
    currency: str = Field(description='The money measures\' currency ("" when none).')
    values: list[Any]


class ResultOut(Schema):
    definition: dict
    columns: list[ColumnOut]
    rows: list[RowOut]
    cut: bool = Field(description="True when there were more groups than shown.")


class SavedReportOut(Schema):
    id: int
    name: str
    definition: dict
    owner: UserRef
    sharing: str
    team: TeamRef | None
    role: str
    schedule: str
    recipients: list[UserRef]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_recipients(obj) -> list:
        return list(obj.recipients.all())


class SavedReportIn(InputSchema):
    name: column_text(SavedReport, "name")  # type: ignore[valid-type]
    definition: DefinitionIn
    sharing: str = "private"
    team_id: RecordId | None = None
    role: str = ""
    schedule: str = ""
    recipient_ids: items(RecordId, 50) = []  # type: ignore[valid-type]


def _result_out(result: engine.ReportResult) -> dict:
    return {
        "definition": result.definition.as_json(),
        "columns": [
            {
                "key": c.key,
                "label": str(c.label),
                "kind": c.kind,
                "unit": str(c.unit),
                "money": c.money,
            }
            for c in result.columns
        ],
        "rows": [
            {
                "dimensions": [{"key": cell.key, "label": cell.label} for cell in cells],
                "currency": currency,
                "values": [
                    str(v) if c.money and v is not None else v
                    for c, v in zip(result.measure_columns, values, strict=True)
                ],
            }
            for cells, currency, values in result.rows
        ],
        "cut": result.cut,
    }


def _run(user, data: dict) -> dict:
    return _result_out(engine.report_run(user, engine.parse_definition(data)))


@router.post(
    "/reports/run",
    response={200: ResultOut, **error_responses(422)},
    description="Run a report definition as the caller. " + DEFINITION_NOTE,
)
def report_run(request: HttpRequest, payload: DefinitionIn):
    return _run(request.auth, service_input(payload))


@router.get(
    "/reports",
    response={200: Page[SavedReportOut], **error_responses(400, 422)},
    description="The saved reports the caller may see: their own, their team's, their role's "
    "(administrators: all). Sorts: name (default), -name, -updated_at, updated_at.",
)
def saved_reports_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, SORTS, "name")
    reports = saved_reports_visible_to(request.auth).order_by().prefetch_related("recipients")
    return paginate(reports, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/reports",
    response={201: SavedReportOut, **error_responses(422)},
    description="Save a report. `sharing`: private, team (`team_id`; your own team unless you "
    "are an administrator) or role (`role`; administrators only). `schedule`: daily, weekly, "
    "monthly or empty, to `recipient_ids` (who must be able to see the report). " + DEFINITION_NOTE,
)
def saved_report_create_endpoint(request: HttpRequest, payload: SavedReportIn):
    report = saved_report_create(actor=request.auth, data=service_input(payload))
    return Status(201, report)


@router.get(
    "/reports/{int:report_id}",
    response={200: SavedReportOut, **error_responses(404)},
    description="A saved report (404 for one the caller may not see).",
)
def saved_report_detail(request: HttpRequest, report_id: RecordId):
    return get_saved_report_for_user(request.auth, report_id)


@router.get(
    "/reports/{int:report_id}/run",
    response={200: ResultOut, **error_responses(404, 422)},
    description="Run a saved report as the caller: it counts what the caller may see, not "
    "what its owner sees.",
)
def saved_report_run(request: HttpRequest, report_id: RecordId):
    report = get_saved_report_for_user(request.auth, report_id)
    return _run(request.auth, report.definition)


@router.delete(
    "/reports/{int:report_id}",
    response={204: None, **error_responses(403, 404)},
    description="Delete a saved report: its owner or an administrator (403 for others).",
)
def saved_report_delete_endpoint(request: HttpRequest, report_id: RecordId):
    report = get_saved_report_for_user(request.auth, report_id)
    saved_report_delete(actor=request.auth, report=report)
    return Status(204, None)


routers: list[Router] = [router]
