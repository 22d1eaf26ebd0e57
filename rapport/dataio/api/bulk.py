"""REST endpoints of dataio: bulk actions.

`POST /bulk/{list_name}/{action_name}` runs an action of a list (persons, companies, leads,
deals, orders, tasks) on the ids given, or on every record the list's `filters` match (the same
query parameters as the list page, evaluated when the action runs with what the caller may see).
Up to 200 records it answers 200 with the result; more are queued as a job (202), whose progress
`GET /bulk/{bulk_action_id}` reports. Export a list with `GET /exports/{record_type}` instead.
"""

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from rapport.core.api_schemas import BodyId, BodyIds, InputSchema, error_responses, text
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.dataio.models import BulkScope
from rapport.dataio.selectors.bulk import get_bulk_action_for_user
from rapport.dataio.services import bulk as services

router = Router(tags=["bulk actions"])

FILTER_VALUE_MAX = 200
FILTERS_MAX = 50


class BulkParamsIn(InputSchema):
    owner_id: BodyId | None = Field(None, description="assign: the new owner (or assignee).")
    tag_id: BodyId | None = Field(None, description="tag_add, tag_remove: the tag.")
    lifecycle_stage: text(20) | None = Field(None, description="lifecycle_stage: the stage.")
    reason: text(500) | None = Field(None, description="disqualify: why.")
    stage_id: BodyId | None = Field(None, description="move_stage: an open stage.")
    lost_reason_id: BodyId | None = Field(None, description="lose: the lost reason.")
    status: text(20) | None = Field(
        None, description="status (orders): `shipped`, `received`, `returned` or `cancelled`."
    )
    title: text(200) | None = Field(None, description="create_task: the task's title.")
    due_date: text(10) | None = Field(None, description="create_task: YYYY-MM-DD, optional.")
    assignee: text(5) | None = Field(
        None, description="create_task: `owner` (each record's owner, the default) or `me`."
    )


class BulkIn(InputSchema):
    ids: BodyIds | None = Field(
        None, description="The records to act on (at most 500); leave out with `all_matching`."
    )
    all_matching: bool = Field(
        False, description="Act on every record the list's `filters` match, instead of `ids`."
    )
    filters: dict[str, text(FILTER_VALUE_MAX)] = Field(
        default_factory=dict,
        description="The list page's query parameters (for leads: `q`, `status`, `owner_id`, "
        "`team_id`, `source`, `campaign`, `unassigned`); used with `all_matching`.",
    )
    params: BulkParamsIn = Field(default_factory=BulkParamsIn)
    confirm: bool = Field(
        False, description="Must be true for actions that cannot be undone (delete, disqualify…)."
    )


class BulkActionOut(Schema):
    id: int
    list_name: str
    action: str
    scope: str
    status: str
    in_job: bool
    total: int
    done: int
    changed: int
    unchanged: int
    skipped: int
    skip_reasons: dict[str, int]
    created_at: str
    finished_at: str | None

    @staticmethod
    def resolve_done(obj) -> int:
        return obj.done_count

    @staticmethod
    def resolve_changed(obj) -> int:
        return obj.changed_count

    @staticmethod
    def resolve_unchanged(obj) -> int:
        return obj.unchanged_count

    @staticmethod
    def resolve_skipped(obj) -> int:
        return obj.skipped_count

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_finished_at(obj) -> str | None:
        return obj.finished_at.isoformat() if obj.finished_at else None


@router.post(
    "/bulk/{list_name}/{action_name}",
    response={200: BulkActionOut, 202: BulkActionOut, **error_responses(400, 404, 422)},
    description="Run a bulk action. Lists and their actions: persons and companies `assign`, "
    "`tag_add`, `tag_remove`, `lifecycle_stage`, `create_task`, `delete`; leads `assign`, "
    "`disqualify`, `create_task`, `delete`; deals `assign`, `move_stage`, `lose`, "
    "`create_task`; orders `status`, `create_task`; tasks `assign`, `complete`, `delete`. "
    "Records the caller may not see or change are skipped, counted by reason.",
)
def bulk_action_start(request: HttpRequest, list_name: str, action_name: str, payload: BulkIn):
    if len(payload.filters) > FILTERS_MAX:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"filters": [_("Give at most %(count)d filters.") % {"count": FILTERS_MAX}]},
        )
    query = QueryDict(mutable=True)
    query.update(payload.filters)
    selection = services.bulk_selection(
        list_name=list_name,
        action=action_name,
        scope=BulkScope.FILTER if payload.all_matching else BulkScope.IDS,
        ids=payload.ids or [],
        query=query.urlencode(),
    )
    if selection.action.download:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"action_name": [_("Export a list with GET /api/v1/exports/{record_type}.")]},
        )
    if selection.action.destructive and not payload.confirm:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"confirm": [_("This action cannot be undone: send confirm true.")]},
        )
    params = {k: v for k, v in payload.params.model_dump().items() if v is not None}
    job = services.bulk_action_start(actor=request.auth, selection=selection, data=params)
    return Status(202 if job.in_job and not job.is_finished else 200, job)


@router.get(
    "/bulk/{int:bulk_action_id}",
    response={200: BulkActionOut, **error_responses(404)},
    description="A bulk action's progress and result; yours, or anyone's for administrators.",
)
def bulk_action_detail(request: HttpRequest, bulk_action_id: RecordId):
    return get_bulk_action_for_user(request.auth, bulk_action_id)
