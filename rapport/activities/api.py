"""REST endpoints for interactions, the persons' and companies' timelines, tasks and
notifications.

An interaction with a person is visible when that person is, one with a company alone when the
company is (`linked_records_q`); the customer an interaction is logged against must be visible to
the caller, or the answer is 404 as for any hidden record.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.activities import selectors, services, task_selectors, task_services
from rapport.activities.models import Channel, Direction, TaskPriority, TaskStatus
from rapport.core.api_schemas import (
    BodyId,
    BodyIds,
    InputSchema,
    Listing,
    Page,
    PageQuery,
    RecordRef,
    TeamRef,
    UserRef,
    checked_sort,
    error_responses,
    page_size,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_company_for_user, get_person_for_user

interactions_router = Router(tags=["interactions"])
timeline_router = Router(tags=["timeline"])

# What interaction_create and interaction_update accept.
SUBJECT_MAX = 200
CONTENT_MAX = 20000
OUTCOME_MAX = 200
INTERACTION_SORTS = ("occurred_at", "-occurred_at", "created_at", "-created_at")


class InteractionOut(Schema):
    id: int
    person: RecordRef | None
    company: RecordRef | None
    channel: str
    direction: str
    occurred_at: datetime.datetime
    subject: str
    content: str
    outcome: str
    logged_by: UserRef
    created_at: datetime.datetime
    updated_at: datetime.datetime


class InteractionIn(InputSchema):
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    channel: Channel
    direction: Direction | None = None
    occurred_at: datetime.datetime | None = None
    subject: text(SUBJECT_MAX)
    content: text(CONTENT_MAX) | None = None
    outcome: text(OUTCOME_MAX) | None = None


class InteractionPatch(InputSchema):
    channel: Channel | None = None
    direction: Direction | None = None
    occurred_at: datetime.datetime | None = None
    subject: text(SUBJECT_MAX) | None = None
    content: text(CONTENT_MAX) | None = None
    outcome: text(OUTCOME_MAX) | None = None


class InteractionListQuery(Listing):
    q: str = ""
    person_id: RecordId | None = None
    company_id: RecordId | None = None
    channel: Channel | None = None
    direction: Direction | None = None
    logged_by_id: RecordId | None = None


def _interactions_page(request: HttpRequest, query: InteractionListQuery, **scope):
    sort = checked_sort(query.sort, INTERACTION_SORTS, "-occurred_at")
    qs = selectors.interactions_list(
        request.auth,
        person_id=scope.get("person_id", query.person_id),
        company_id=scope.get("company_id", query.company_id),
        channel=query.channel or "",
        direction=query.direction or "",
        logged_by_id=query.logged_by_id,
        q=query.q.strip(),
    )
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@interactions_router.get(
    "/interactions", response={200: Page[InteractionOut], **error_responses(400, 422)}
)
def interactions_list(request: HttpRequest, query: Query[InteractionListQuery]):
    return _interactions_page(request, query)


@interactions_router.post(
    "/interactions",
    response={201: InteractionOut, **error_responses(400, 404, 422)},
    description="Log a call, meeting, e-mail… with a person (it is also filed under their "
    "primary company) or a company. It appears on their timelines.",
)
def interaction_create(request: HttpRequest, payload: InteractionIn):
    data = service_input(payload)
    person_id = data.pop("person_id", None)
    company_id = data.pop("company_id", None)
    person = get_person_for_user(request.auth, person_id) if person_id is not None else None
    company = get_company_for_user(request.auth, company_id) if company_id is not None else None
    interaction = services.interaction_create(
        actor=request.auth, data=data, person=person, company=company
    )
    return Status(201, selectors.get_interaction_for_user(request.auth, interaction.pk))


@interactions_router.get(
    "/interactions/{int:interaction_id}",
    response={200: InteractionOut, **error_responses(404)},
)
def interaction_detail(request: HttpRequest, interaction_id: RecordId):
    return selectors.get_interaction_for_user(request.auth, interaction_id)


@interactions_router.patch(
    "/interactions/{int:interaction_id}",
    response={200: InteractionOut, **error_responses(400, 404, 422)},
)
def interaction_update(request: HttpRequest, interaction_id: RecordId, payload: InteractionPatch):
    interaction = selectors.get_interaction_for_user(request.auth, interaction_id)
    services.interaction_update(
        actor=request.auth, interaction=interaction, data=service_input(payload)
    )
    return selectors.get_interaction_for_user(request.auth, interaction_id)


@interactions_router.delete(
    "/interactions/{int:interaction_id}", response={204: None, **error_responses(404)}
)
def interaction_delete(request: HttpRequest, interaction_id: RecordId):
    interaction = selectors.get_interaction_for_user(request.auth, interaction_id)
    services.interaction_delete(actor=request.auth, interaction=interaction)
    return Status(204, None)


@interactions_router.get(
    "/persons/{int:person_id}/interactions",
    response={200: Page[InteractionOut], **error_responses(400, 404, 422)},
)
def person_interactions(
    request: HttpRequest, person_id: RecordId, query: Query[InteractionListQuery]
):
    person = get_person_for_user(request.auth, person_id)
    return _interactions_page(request, query, person_id=person.pk)


@interactions_router.get(
    "/companies/{int:company_id}/interactions",
    response={200: Page[InteractionOut], **error_responses(400, 404, 422)},
)
def company_interactions(
    request: HttpRequest, company_id: RecordId, query: Query[InteractionListQuery]
):
    company = get_company_for_user(request.auth, company_id)
    return _interactions_page(request, query, company_id=company.pk)


# --- Timelines -----------------------------------------------------------------------------------


class TimelineEntryOut(Schema):
    id: int
    kind: str
    occurred_at: datetime.datetime
    title: str
    body: str
    actor: UserRef | None
    person_id: int | None
    company_id: int | None
    source_type: str
    source_id: int | None
    data: dict[str, Any]

    @staticmethod
    def resolve_title(obj) -> str:
        # Generated entries are worded in the reader's language at read time.
        return obj.display_title


def _timeline_page(page) -> dict:
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@timeline_router.get(
    "/persons/{int:person_id}/timeline",
    response={200: Page[TimelineEntryOut], **error_responses(400, 404, 422)},
    description="Newest first.",
)
def person_timeline(request: HttpRequest, person_id: RecordId, query: Query[PageQuery]):
    person = get_person_for_user(request.auth, person_id)
    page = selectors.timeline_for_person(
        person, cursor=query.cursor or None, size=page_size(query.limit)
    )
    return _timeline_page(page)


@timeline_router.get(
    "/companies/{int:company_id}/timeline",
    response={200: Page[TimelineEntryOut], **error_responses(400, 404, 422)},
    description="Newest first.",
)
def company_timeline(request: HttpRequest, company_id: RecordId, query: Query[PageQuery]):
    company = get_company_for_user(request.auth, company_id)
    page = selectors.timeline_for_company(
        company, viewer=request.auth, cursor=query.cursor or None, size=page_size(query.limit)
    )
    return _timeline_page(page)


# --- Tasks ---------------------------------------------------------------------------------------

tasks_router = Router(tags=["tasks"])
notifications_router = Router(tags=["notifications"])

# Sorting by a field that may be empty lists only the tasks that have it (keyset pagination
# needs a value on every row): `sort=due_at` leaves out tasks without a due time.
TASK_SORTS = (
    "due_at",
    "-due_at",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "completed_at",
    "-completed_at",
)
NULLABLE_TASK_SORTS = ("due_at", "completed_at")


class SubjectRef(Schema):
    """The lead, deal, order… a task is about: `type` is "app_label.model"."""

    type: str
    id: int
    label: str


class TaskOut(Schema):
    id: int
    title: str
    description: str
    due_at: datetime.datetime | None
    remind_at: datetime.datetime | None
    reminder_sent_at: datetime.datetime | None
    priority: TaskPriority
    status: TaskStatus
    completed_at: datetime.datetime | None
    is_overdue: bool
    assignee: UserRef
    created_by: UserRef
    team: TeamRef | None
    person: RecordRef | None
    company: RecordRef | None
    subject: SubjectRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_subject(obj) -> dict | None:
        if obj.subject_type_id is None:
            return None
        kind = obj.subject_type
        return {
            "type": f"{kind.app_label}.{kind.model}",
            "id": obj.subject_id,
            "label": obj.subject_label,
        }


class TaskIn(InputSchema):
    title: text(task_services.TITLE_MAX)
    description: text(task_services.DESCRIPTION_MAX) | None = None
    due_at: datetime.datetime | None = None
    remind_at: datetime.datetime | None = Field(
        None, description="When to remind the assignee; not after `due_at`."
    )
    priority: TaskPriority | None = None
    assignee_id: BodyId | None = Field(
        None, description="Default: you. Yourself or a member of your team (any user for admins)."
    )
    person_id: BodyId | None = None
    company_id: BodyId | None = None


class TaskPatch(InputSchema):
    title: text(task_services.TITLE_MAX) | None = None
    description: text(task_services.DESCRIPTION_MAX) | None = None
    due_at: datetime.datetime | None = None
    remind_at: datetime.datetime | None = None
    priority: TaskPriority | None = None
    assignee_id: BodyId | None = None
    person_id: BodyId | None = None
    company_id: BodyId | None = None


class TaskListQuery(Listing):
    mine: bool = Field(False, description="Only tasks assigned to you.")
    assignee_id: RecordId | None = None
    status: TaskStatus | None = None
    due: Literal["overdue", "today", "today_or_overdue", "upcoming", "none"] | None = Field(
        None,
        description="`today` is the calendar day in the server's time zone (RAPPORT_TIME_ZONE); "
        "`overdue` is open and due before now.",
    )
    person_id: RecordId | None = None
    company_id: RecordId | None = None


def _task_out(request: HttpRequest, task_id: RecordId):
    return task_selectors.get_task_for_user(request.auth, task_id)


@tasks_router.get(
    "/tasks",
    response={200: Page[TaskOut], **error_responses(400, 422)},
    description="Tasks you may see: yours, your team's, and those you gave to others. "
    "Default sort `-created_at`; sorting by `due_at` or `completed_at` lists only the tasks "
    "that have one.",
)
def tasks_list(request: HttpRequest, query: Query[TaskListQuery]):
    sort = checked_sort(query.sort, TASK_SORTS, "-created_at")
    filters = task_selectors.TaskFilters(
        assignee_id=request.auth.pk if query.mine else query.assignee_id,
        status=query.status or "",
        due=query.due or "",
        person_id=query.person_id,
        company_id=query.company_id,
    )
    qs = task_selectors.tasks_list(request.auth, filters)
    field = sort.lstrip("-")
    if field in NULLABLE_TASK_SORTS:
        qs = qs.filter(**{f"{field}__isnull": False})
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@tasks_router.get(
    "/tasks/today",
    response={200: Page[TaskOut], **error_responses(400, 422)},
    description="Your open tasks due today or overdue, earliest first.",
)
def tasks_today(request: HttpRequest, query: Query[PageQuery]):
    qs = task_selectors.my_tasks_today_and_overdue(request.auth)
    return paginate(qs, sort="due_at", cursor=query.cursor, limit=query.limit)


@tasks_router.post(
    "/tasks",
    response={201: TaskOut, **error_responses(400, 404, 422)},
    description="Assigning a task to someone else notifies them.",
)
def task_create(request: HttpRequest, payload: TaskIn):
    task = task_services.task_create(actor=request.auth, data=service_input(payload))
    return Status(201, _task_out(request, task.pk))


@tasks_router.get("/tasks/{int:task_id}", response={200: TaskOut, **error_responses(404)})
def task_detail(request: HttpRequest, task_id: RecordId):
    return _task_out(request, task_id)


@tasks_router.patch(
    "/tasks/{int:task_id}", response={200: TaskOut, **error_responses(400, 404, 422)}
)
def task_update(request: HttpRequest, task_id: RecordId, payload: TaskPatch):
    task = task_selectors.get_task_for_user(request.auth, task_id)
    task_services.task_update(actor=request.auth, task=task, data=service_input(payload))
    return _task_out(request, task_id)


@tasks_router.delete("/tasks/{int:task_id}", response={204: None, **error_responses(404)})
def task_delete(request: HttpRequest, task_id: RecordId):
    task = task_selectors.get_task_for_user(request.auth, task_id)
    task_services.task_delete(actor=request.auth, task=task)
    return Status(204, None)


@tasks_router.post(
    "/tasks/{int:task_id}/complete",
    response={200: TaskOut, **error_responses(400, 404)},
    description="Idempotent. A task linked to a person or company adds a line to their timeline.",
)
def task_complete(request: HttpRequest, task_id: RecordId):
    task = task_selectors.get_task_for_user(request.auth, task_id)
    task_services.task_complete(actor=request.auth, task=task)
    return _task_out(request, task_id)


@tasks_router.post("/tasks/{int:task_id}/reopen", response={200: TaskOut, **error_responses(404)})
def task_reopen(request: HttpRequest, task_id: RecordId):
    task = task_selectors.get_task_for_user(request.auth, task_id)
    task_services.task_reopen(actor=request.auth, task=task)
    return _task_out(request, task_id)


@tasks_router.post(
    "/tasks/{int:task_id}/cancel", response={200: TaskOut, **error_responses(400, 404)}
)
def task_cancel(request: HttpRequest, task_id: RecordId):
    task = task_selectors.get_task_for_user(request.auth, task_id)
    task_services.task_cancel(actor=request.auth, task=task)
    return _task_out(request, task_id)


# --- Notifications -------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    actor: UserRef | None
    target_type: str
    target_id: int | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    @staticmethod
    def resolve_title(obj) -> str:
        # Known kinds are worded in the reader's language at read time.
        return obj.display_title

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.display_body


class NotificationListQuery(PageQuery):
    unread: bool = Field(False, description="Only unread notifications.")


class MarkReadIn(InputSchema):
    ids: BodyIds | None = Field(
        None, description="The notifications to mark read; leave it out to mark all of yours."
    )


class MarkedOut(Schema):
    marked: int


class UnreadCountOut(Schema):
    unread: int


@notifications_router.get(
    "/notifications",
    response={200: Page[NotificationOut], **error_responses(400, 422)},
    description="Your own notifications, newest first.",
)
def notifications_list(request: HttpRequest, query: Query[NotificationListQuery]):
    qs = selectors.notifications_for(request.auth, unread_only=query.unread).select_related("actor")
    return paginate(qs, sort="-created_at", cursor=query.cursor, limit=query.limit)


@notifications_router.get(
    "/notifications/unread-count", response={200: UnreadCountOut, **error_responses()}
)
def notifications_unread_count(request: HttpRequest):
    return {"unread": selectors.unread_notification_count(request.auth)}


@notifications_router.post(
    "/notifications/mark-read", response={200: MarkedOut, **error_responses(400, 422)}
)
def notifications_mark_read(request: HttpRequest, payload: MarkReadIn):
    marked = services.notifications_mark_read(actor=request.auth, ids=payload.ids)
    return {"marked": marked}
