"""REST endpoints of saved views: a user's named filters, sort and columns of a list."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.accounts import saved_view_services as services
from rapport.accounts.list_specs import QUERY_LIMIT
from rapport.accounts.models import SavedView
from rapport.accounts.saved_view_selectors import (
    get_saved_view_for_user,
    is_default_view,
    may_manage_saved_view,
    saved_views_with_default_flag,
)
from rapport.accounts.saved_view_services import NAME_LIMIT
from rapport.core.api_schemas import (
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    items,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId

saved_views_router = Router(tags=["saved views"])

Visibility = Literal["private", "team", "everyone"]
LIST_KEY_HELP = "The list: `persons`, `companies`, `leads`, `deals`, `orders` or `tasks`."


class SavedViewQuery(Listing):
    list_key: str | None = Field(None, max_length=30, description=LIST_KEY_HELP)


class SavedViewOut(Schema):
    id: int
    list_key: str
    name: str
    query: str = Field(description="The list's query string: its filters and sort.")
    columns: list[str] = Field(description="The keys of the columns shown, in the list's order.")
    visibility: str
    team_id: int | None
    owner: UserRef
    position: int
    can_manage: bool = Field(description="Whether you may rename, change or delete it.")
    is_default: bool = Field(description="Whether the list opens with it for you.")

    @staticmethod
    def resolve_can_manage(obj, context) -> bool:
        return may_manage_saved_view(context["request"].auth, obj)

    @staticmethod
    def resolve_is_default(obj, context) -> bool:
        known = getattr(obj, "is_default_for_me", None)  # annotated on lists, one query for all
        if known is not None:
            return known
        return is_default_view(context["request"].auth, obj)


class SavedViewIn(InputSchema):
    list_key: str = Field(max_length=30, description=LIST_KEY_HELP)
    name: text(NAME_LIMIT)
    query: text(QUERY_LIMIT) = Field(
        "", description="The list's query string, e.g. `status=open&sort=-score`."
    )
    columns: items(text(30), 50) | None = Field(
        None, description="Column keys to show; the list's defaults when left out."
    )
    visibility: Visibility = Field(
        "private",
        description="`private`, `team` (your team) or `everyone` (administrators only).",
    )
    is_default: bool = False


class SavedViewPatch(InputSchema):
    name: text(NAME_LIMIT) | None = None
    query: text(QUERY_LIMIT) | None = None
    columns: items(text(30), 50) | None = None
    visibility: Visibility | None = None
    position: int | None = Field(None, ge=0, le=1000)
    is_default: bool | None = None


@saved_views_router.get(
    "/saved-views",
    response={200: Page[SavedViewOut], **error_responses(400, 422)},
    description="The saved views you can see: yours, your team's shared ones and those shared "
    "with everyone.",
)
def saved_view_list(request: HttpRequest, query: Query[SavedViewQuery]):
    views = saved_views_with_default_flag(request.auth, query.list_key).select_related("owner")
    sort = checked_sort(query.sort, ("position", "-position"), "position")
    return paginate(views, sort=sort, cursor=query.cursor, limit=query.limit)


@saved_views_router.post(
    "/saved-views",
    response={201: SavedViewOut, **error_responses(400, 422)},
    description="Save a list's filters, sort and columns as a named view. The query is refused "
    "if it holds a parameter the list does not read or a value it would ignore; the columns if "
    "one is not the list's.",
)
def saved_view_create(request: HttpRequest, payload: SavedViewIn):
    data = service_input(payload)
    if data.get("columns") is None:
        data.pop("columns", None)
    return Status(201, services.saved_view_create(actor=request.auth, data=data))


@saved_views_router.get(
    "/saved-views/{int:view_id}", response={200: SavedViewOut, **error_responses(404)}
)
def saved_view_detail(request: HttpRequest, view_id: RecordId):
    return get_saved_view_for_user(request.auth, view_id)


@saved_views_router.patch(
    "/saved-views/{int:view_id}",
    response={200: SavedViewOut, **error_responses(400, 403, 404, 422)},
    description="Change a view: its owner, the sales manager of the team it is shared with, or "
    "an administrator for a shared view. Only the owner changes whom it is shared with. Anyone "
    "who sees a view may make it their default (`is_default`).",
)
def saved_view_update(request: HttpRequest, view_id: RecordId, payload: SavedViewPatch):
    view = get_saved_view_for_user(request.auth, view_id)
    data = {k: v for k, v in service_input(payload).items() if v is not None}
    return services.saved_view_update(actor=request.auth, view=view, data=data)


@saved_views_router.delete(
    "/saved-views/{int:view_id}", response={204: None, **error_responses(403, 404)}
)
def saved_view_delete(request: HttpRequest, view_id: RecordId):
    view: SavedView = get_saved_view_for_user(request.auth, view_id)
    services.saved_view_delete(actor=request.auth, view=view)
    return Status(204, None)
