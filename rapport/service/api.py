"""REST endpoints for tickets: the list with filters, a ticket with its conversation, and every
step of working on one (create, edit, reply, note, status, assign, merge).

A ticket is visible by the service's rule (`rapport.service.access`): another team's ticket
answers 404 on every endpoint. A visible ticket does not reveal its customer: `person` and
`company` are null unless the caller may see them by the customers' own rule.
"""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    BodyId,
    BodyTagIds,
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    RecordRef,
    TagRef,
    TeamRef,
    UserRef,
    checked_sort,
    error_responses,
    items,
    page_size,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.service import selectors, services
from rapport.service.models import (
    RootCause,
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from rapport.service.selectors_sla import ticket_sla_timers
from rapport.service.services.complaints import GoodwillKind
from rapport.service.services.tickets import MAX_BULK, SETTABLE_STATUSES

router = Router(tags=["tickets"])


# --- Schemas -----------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    name: str


def _hidden_customer(obj, name: str):
    # `customers_visible_on` marks what the caller may see; unmarked means nothing was checked.
    return getattr(obj, name) if getattr(obj, f"{name}_visible", False) else None


class TicketListItem(Schema):
    id: int
    number: str = Field(description="How people name the ticket, e.g. T-000123.")
    subject: str
    type: TicketType
    category: CategoryRef | None
    priority: TicketPriority
    channel: TicketChannel
    status: TicketStatus
    assignee: UserRef | None
    team: TeamRef | None = Field(description="The queue the ticket is in.")
    person: RecordRef | None = Field(
        description="Null when the ticket has none or you may not see the person."
    )
    company: RecordRef | None = Field(
        description="Null when the ticket has none or you may not see the company."
    )
    created_at: datetime.datetime
    updated_at: datetime.datetime
    first_responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_person(obj):
        return _hidden_customer(obj, "person")

    @staticmethod
    def resolve_company(obj):
        return _hidden_customer(obj, "company")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class TicketMessageOut(Schema):
    id: int
    kind: str = Field(description="public_reply, internal_note or customer_message.")
    body: str = Field(description="Plain text as written; show it escaped.")
    body_html: str = Field(description="HTML of an e-mail, cleaned; empty otherwise.")
    author_user: UserRef | None = Field(description="The agent (or who logged the message).")
    author_person_id: int | None
    email_id: int | None = Field(description="The e-mail a public reply was sent as.")
    created_at: datetime.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class SlaTargetOut(Schema):
    kind: str = Field(description="first_response, next_response or resolution.")
    state: str = Field(description="running, overdue, paused, met or breached.")
    minutes: int = Field(description="The target, in business minutes.")
    started_at: datetime.datetime
    warn_at: datetime.datetime
    due_at: datetime.datetime = Field(description="Moves on when a pause (waiting) ends.")
    paused_at: datetime.datetime | None
    met_at: datetime.datetime | None
    breached_at: datetime.datetime | None


class TicketOut(TicketListItem):
    order_id: int | None
    product_id: int | None
    language: str
    requester_email: str = Field(description="Who wrote in, when no person has the address.")
    requester_name: str
    tags: list[TagRef]
    custom: dict[str, Any]
    last_customer_message_at: datetime.datetime | None
    merged_into_id: int | None
    reopened_from_id: int | None
    root_cause: RootCause | None
    resolution: str
    version: int
    messages: list[TicketMessageOut]
    sla_targets: list[SlaTargetOut] = Field(
        description="Its SLA targets (read only): the running ones, then the latest met or "
        "breached."
    )

    @staticmethod
    def resolve_messages(obj) -> list:
        return obj.messages_list

    @staticmethod
    def resolve_sla_targets(obj) -> list:
        return [
            {
                **{f: getattr(t["target"], f) for f in SlaTargetOut.model_fields if f != "state"},
                "state": t["state"],
            }
            for t in ticket_sla_timers(obj)
        ]

    @staticmethod
    def resolve_tags(obj) -> list:
        return list(obj.tags.all())

    @staticmethod
    def resolve_root_cause(obj):
        return obj.root_cause or None

    @staticmethod
    def resolve_requester_email(obj) -> str:
        hidden = obj.person_id is not None and not getattr(obj, "person_visible", False)
        return "" if hidden else obj.requester_email


class TicketIn(InputSchema):
    subject: text(300)
    body: text(50_000) | None = Field(
        None, description="The customer's words (what they wrote, or a note of the call)."
    )
    channel: TicketChannel = Field(
        TicketChannel.API, description="Where it came from; `phone` for a call you log."
    )
    type: TicketType | None = None
    category_id: BodyId | None = None
    priority: TicketPriority | None = None
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    order_id: BodyId | None = Field(
        None, description="The order it concerns; its person and company by default."
    )
    product_id: BodyId | None = None
    tag_ids: BodyTagIds | None = None
    custom: dict[str, Any] | None = None
    team_id: BodyId | None = Field(
        None, description="Default: the assignment rules decide, else your own team."
    )
    assignee_id: BodyId | None = None
    language: str | None = Field(None, description="zh-hans or en; default: the customer's.")
    requester_email: text(254) | None = None
    requester_name: text(200) | None = None


class TicketPatch(InputSchema):
    subject: text(300) | None = None
    type: TicketType | None = None
    category_id: BodyId | None = None
    priority: TicketPriority | None = None
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    order_id: BodyId | None = None
    product_id: BodyId | None = None
    tag_ids: BodyTagIds | None = None
    custom: dict[str, Any] | None = None
    language: str | None = None
    requester_email: text(254) | None = None
    requester_name: text(200) | None = None
    version: BodyVersion


class MessageIn(InputSchema):
    body: text(50_000)


class StatusIn(InputSchema):
    status: str = Field(description="One of: " + ", ".join(SETTABLE_STATUSES) + ".")
    root_cause: RootCause | None = Field(
        None, description="Required (here or already set) to close a complaint."
    )
    resolution: text(10_000) | None = Field(
        None, description="What was done; required (here or already set) to close a complaint."
    )
    goodwill_kind: GoodwillKind | None = Field(
        None,
        description="Closing a complaint: the goodwill gesture offered (recorded as an internal "
        "note and on the customer's timeline; no coupon is issued).",
    )
    goodwill: text(2000) | None = Field(
        None, description="Closing a complaint: what was offered, in words."
    )
    version: BodyVersion


class AssignIn(InputSchema):
    assignee_id: BodyId | None = Field(description="Null: nobody (the ticket waits in the queue).")
    team_id: BodyId | None = Field(
        None,
        description="The queue. Left out: the ticket's team, or the new assignee's if they "
        "are in another; null: no team.",
    )


class BulkAssignIn(AssignIn):
    ticket_ids: items(BodyId, MAX_BULK)


class BulkAssignOut(Schema):
    changed: int


class MergeIn(InputSchema):
    target_id: BodyId = Field(description="The ticket that stays; this one is merged into it.")


class TicketListQuery(Listing):
    status: list[TicketStatus] = Field(default_factory=list)
    open_only: bool = False
    type: TicketType | None = None
    priority: TicketPriority | None = None
    channel: TicketChannel | None = None
    team_id: RecordId | None = None
    assignee_id: RecordId | None = None
    unassigned: bool = False
    category_id: RecordId | None = None
    person_id: RecordId | None = None
    company_id: RecordId | None = None
    order_id: RecordId | None = None
    tag_id: RecordId | None = None


# --- Endpoints ---------------------------------------------------------------------------------


def _detail(request: HttpRequest, ticket_id: int):
    detail = selectors.ticket_detail(request.auth, ticket_id)
    ticket = detail.ticket
    ticket.person_visible = detail.person_visible
    ticket.company_visible = detail.company_visible
    ticket.messages_list = detail.messages
    return ticket


@router.get(
    "/tickets",
    response={200: Page[TicketListItem], **error_responses(400, 422)},
    description="The tickets you see, most recently active first. Filters: `status` "
    "(repeatable), `open_only`, `type`, `priority`, `channel`, `team_id`, `assignee_id`, "
    "`unassigned`, `category_id`, `person_id`, `company_id`, `order_id`, `tag_id`. Sorts: "
    + ", ".join(selectors.LIST_SORTS)
    + ".",
)
def tickets_list(request: HttpRequest, query: Query[TicketListQuery]):
    sort = checked_sort(query.sort, selectors.LIST_SORTS, "-updated_at")
    filters = selectors.TicketFilters(
        status=list(query.status),
        open_only=query.open_only,
        type=query.type or "",
        priority=query.priority or "",
        channel=query.channel or "",
        team_id=query.team_id,
        assignee_id=query.assignee_id,
        unassigned=query.unassigned,
        category_id=query.category_id,
        person_id=query.person_id,
        company_id=query.company_id,
        order_id=query.order_id,
        tag_id=query.tag_id,
    )
    page = selectors.tickets_list(
        request.auth, filters, sort=sort, cursor=query.cursor, size=page_size(query.limit)
    )
    selectors.customers_visible_on(request.auth, page.items)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post(
    "/tickets",
    response={201: TicketOut, **error_responses(400, 404, 422)},
    description="Open a ticket. A person, company or order you cannot see is 404. Without "
    "`team_id` and `assignee_id` the assignment rules place it (else it goes to your team).",
)
def ticket_create(request: HttpRequest, payload: TicketIn):
    data = service_input(payload)
    channel = data.pop("channel", TicketChannel.API)
    ticket = services.ticket_create(actor=request.auth, data=data, channel=channel)
    return Status(201, _detail(request, ticket.pk))


@router.get(
    "/tickets/{int:ticket_id}",
    response={200: TicketOut, **error_responses(404)},
    description="A ticket with its conversation (oldest first, internal notes included).",
)
def ticket_detail(request: HttpRequest, ticket_id: RecordId):
    return _detail(request, ticket_id)


@router.patch(
    "/tickets/{int:ticket_id}",
    response={200: TicketOut, **error_responses(400, 403, 404, 409, 422)},
    description="Change the fields you send. `version` is the one you loaded (409 `conflict` "
    "when someone changed it since). Status, team and assignee have their own endpoints.",
)
def ticket_update(request: HttpRequest, ticket_id: RecordId, payload: TicketPatch):
    ticket = selectors.get_ticket_for_user(request.auth, ticket_id)
    data = service_input(payload)
    version = data.pop("version", None)
    services.ticket_update(actor=request.auth, ticket=ticket, data=data, version=version)
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{int:ticket_id}/replies",
    response={201: TicketMessageOut, **error_responses(400, 403, 404, 422)},
    description="Answer the customer: sent by e-mail (threaded, with your name), once. A new or "
    "reopened ticket becomes open; the first reply is the first response time.",
)
def ticket_reply(request: HttpRequest, ticket_id: RecordId, payload: MessageIn):
    ticket = selectors.get_ticket_for_user(request.auth, ticket_id)
    message = services.ticket_reply(actor=request.auth, ticket=ticket, body=payload.body)
    return Status(201, message)


@router.post(
    "/tickets/{int:ticket_id}/notes",
    response={201: TicketMessageOut, **error_responses(400, 404, 422)},
    description="An internal note, never sent to the customer. Mention a colleague with "
    "`@[name](user:ID)`; they are notified if they may see the ticket.",
)
def ticket_note(request: HttpRequest, ticket_id: RecordId, payload: MessageIn):
    ticket = selectors.get_ticket_for_user(request.auth, ticket_id)
    message = services.ticket_note(actor=request.auth, ticket=ticket, body=payload.body)
    return Status(201, message)


@router.post(
    "/tickets/{int:ticket_id}/status",
    response={200: TicketOut, **error_responses(400, 403, 404, 409, 422)},
    description="Move the ticket to a status. Closing a complaint needs `root_cause` and "
    "`resolution` and gives the customer's owner a follow-up call within 24 hours; it may record "
    "a goodwill gesture (`goodwill_kind`, `goodwill`) and asks the customer by e-mail to "
    "confirm they are satisfied. A merged "
    "ticket is 409 `ticket_merged`.",
)
def ticket_change_status(request: HttpRequest, ticket_id: RecordId, payload: StatusIn):
    ticket = selectors.get_ticket_for_user(request.auth, ticket_id)
    services.ticket_change_status(
        actor=request.auth,
        ticket=ticket,
        status=payload.status,
        root_cause=payload.root_cause or "",
        resolution=payload.resolution or "",
        goodwill_kind=payload.goodwill_kind or "",
        goodwill=payload.goodwill or "",
        version=payload.version,
    )
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{int:ticket_id}/assign",
    response={200: TicketOut, **error_responses(400, 403, 404, 409, 422)},
    description="Give the ticket to an agent and/or put it in a team's queue. You may give "
    "tickets to yourself and your team's members (administrators: anyone).",
)
def ticket_assign(request: HttpRequest, ticket_id: RecordId, payload: AssignIn):
    ticket = selectors.get_ticket_for_user(request.auth, ticket_id)
    data = service_input(payload)
    services.ticket_assign(
        actor=request.auth,
        ticket=ticket,
        assignee_id=data.get("assignee_id"),
        team_id=data.get("team_id", ...),
    )
    return _detail(request, ticket_id)


@router.post(
    "/tickets/assign",
    response={200: BulkAssignOut, **error_responses(400, 403, 404, 409, 422)},
    description=f"Assign up to {MAX_BULK} tickets at once, all or none (one you may not work "
    "on is 404 or 403 for the whole batch).",
)
def tickets_assign_bulk(request: HttpRequest, payload: BulkAssignIn):
    data = service_input(payload)
    changed = services.tickets_assign_bulk(
        actor=request.auth,
        ticket_ids=data["ticket_ids"],
        assignee_id=data.get("assignee_id"),
        team_id=data.get("team_id", ...),
    )
    return {"changed": changed}


@router.post(
    "/tickets/{int:ticket_id}/merge",
    response={200: TicketOut, **error_responses(400, 403, 404, 409, 422)},
    description="Merge this ticket into `target_id`: its messages move there and it is closed, "
    "pointing at the target. Answers the target.",
)
def ticket_merge(request: HttpRequest, ticket_id: RecordId, payload: MergeIn):
    source = selectors.get_ticket_for_user(request.auth, ticket_id)
    target = selectors.get_ticket_for_user(request.auth, payload.target_id)
    target = services.ticket_merge(actor=request.auth, source=source, target=target)
    return _detail(request, target.pk)


routers = [router]
