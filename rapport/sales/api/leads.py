"""REST endpoints for leads, their history and actions.

Leads are read through `selectors.leads` (another team's lead is a 404) and written through
`services.leads`. The lead settings (web forms, scoring and assignment rules) have their own
router in `lead_settings`. The public form submission is not here: it is an HTML/JSON endpoint
of its own (`sales:lead_form_public`) that needs no API key.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.accounts.models import User
from rapport.core.api_schemas import (
    EMAIL_MAX,
    PHONE_INPUT_MAX,
    BodyId,
    BodyInt,
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    TeamRef,
    UserRef,
    checked_sort,
    column_text,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.cleaning import invalid
from rapport.core.schema_types import RecordId
from rapport.customers.models import SourceChannel
from rapport.sales.models import Deal, Lead, LeadStatus
from rapport.sales.models.leads import LeadCaptureChannel
from rapport.sales.selectors import leads as selectors
from rapport.sales.services import leads as services
from rapport.sales.services.leads.common import DATA_MAX_KEYS, MESSAGE_MAX

router = Router()

LEADS = ["leads"]
LIST_DESCRIPTION = (
    "Filters: `q` (name, company, e-mail prefix, phone digits), `status` (or `open` for new, "
    "contacted and qualified), `owner_id`, `team_id`, `source`, `campaign`, and `unassigned=true` "
    "for the queue of open leads nobody owns. Sort by `-score` (default), `score`, "
    "`-created_at`, `created_at`, `-updated_at`, `updated_at`; pages hold `limit` leads."
)


# --- Schemas -------------------------------------------------------------------------------------


class ScoreReason(Schema):
    points: int
    reason: str


class LeadListItem(Schema):
    id: int
    full_name: str
    company_name: str
    phone: str
    email: str
    region: str
    city: str
    source: str
    campaign: str
    status: str
    score: int
    owner: UserRef | None
    team: TeamRef | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class LeadOut(LeadListItem):
    job_title: str
    product_interest_id: int | None
    budget: Decimal | None
    message: str
    data: dict[str, Any]
    disqualify_reason: str
    score_reasons: list[ScoreReason]
    form_id: int | None
    last_contacted_at: datetime.datetime | None
    converted_at: datetime.datetime | None
    converted_person_id: int | None
    converted_company_id: int | None
    converted_deal_id: int | None


class LeadIn(InputSchema):
    full_name: column_text(Lead, "full_name") | None = None
    company_name: column_text(Lead, "company_name") | None = None
    job_title: column_text(Lead, "job_title") | None = None
    phone: text(PHONE_INPUT_MAX) | None = None
    email: text(EMAIL_MAX) | None = None
    region: column_text(Lead, "region") | None = None
    city: column_text(Lead, "city") | None = None
    source: SourceChannel | None = None
    campaign: column_text(Lead, "campaign") | None = None
    product_interest_id: BodyId | None = None
    budget: Decimal | None = None
    message: text(MESSAGE_MAX) | None = None
    data: Annotated[dict[str, Any], Field(max_length=DATA_MAX_KEYS)] | None = None
    status: LeadStatus | None = None
    owner_id: BodyId | None = Field(None, description="Default: you.")
    team_id: BodyId | None = Field(None, description="Administrators only; default: the owner's.")
    auto_assign: bool | None = Field(
        None, description="True: the assignment rules choose the owner (omit `owner_id`)."
    )


class LeadPatch(InputSchema):
    full_name: column_text(Lead, "full_name") | None = None
    company_name: column_text(Lead, "company_name") | None = None
    job_title: column_text(Lead, "job_title") | None = None
    phone: text(PHONE_INPUT_MAX) | None = None
    email: text(EMAIL_MAX) | None = None
    region: column_text(Lead, "region") | None = None
    city: column_text(Lead, "city") | None = None
    source: SourceChannel | None = None
    campaign: column_text(Lead, "campaign") | None = None
    product_interest_id: BodyId | None = None
    budget: Decimal | None = None
    message: text(MESSAGE_MAX) | None = None
    data: Annotated[dict[str, Any], Field(max_length=DATA_MAX_KEYS)] | None = None
    status: LeadStatus | None = None
    version: BodyVersion


class LeadListQuery(Listing):
    q: str = ""
    status: LeadStatus | Literal["open"] | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    source: SourceChannel | None = None
    campaign: str = ""
    unassigned: bool = False


class LeadEventOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    actor: UserRef | None
    occurred_at: datetime.datetime

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.display_title


class LeadEventIn(InputSchema):
    kind: Literal["note", "contact"]
    body: str = ""
    channel: str | None = Field(
        None, description="For a contact: call, email, meeting, visit, chat or social."
    )


class DealIn(InputSchema):
    title: column_text(Deal, "title") | None = None
    pipeline_id: BodyId | None = None
    stage_id: BodyId | None = None
    amount: Decimal | None = None
    currency: column_text(Deal, "currency") | None = None
    expected_close_date: datetime.date | None = None
    probability: BodyInt | None = Field(None, ge=0, le=100)
    notes: str | None = None


class ConvertIn(InputSchema):
    create_deal: bool = True
    deal: DealIn | None = Field(
        None, description="Overrides the deal's defaults (title, amount from the lead's budget)."
    )


class DisqualifyIn(InputSchema):
    reason: column_text(Lead, "disqualify_reason")


class AssignIn(InputSchema):
    owner_id: BodyId | None = Field(None, description="Give the lead to this user.")
    by_rules: bool = Field(False, description="Or let the assignment rules choose.")


# --- Leads ---------------------------------------------------------------------------------------


def _filters(query: LeadListQuery) -> selectors.LeadFilters:
    return selectors.LeadFilters(
        q=query.q.strip(),
        status=query.status or "",
        owner_id=query.owner_id,
        team_id=query.team_id,
        source=query.source or "",
        campaign=query.campaign.strip(),
        unassigned=query.unassigned,
    )


@router.get(
    "/leads",
    response={200: Page[LeadListItem], **error_responses(400, 422)},
    tags=LEADS,
    description=LIST_DESCRIPTION,
)
def leads_list(request: HttpRequest, query: Query[LeadListQuery]):
    sort = checked_sort(query.sort, selectors.LEAD_SORTS, "-score")
    filters = _filters(query)
    qs = selectors.leads_list(request.auth, filters)
    partitions = selectors.lead_list_partitions(request.auth, filters)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit, partitions=partitions)


@router.post(
    "/leads",
    response={201: LeadOut, **error_responses(400, 422)},
    tags=LEADS,
    description="The lead is scored at once; with `auto_assign` the rules choose its owner.",
)
def lead_create(request: HttpRequest, payload: LeadIn):
    lead = services.lead_create(
        actor=request.auth, data=service_input(payload), channel=LeadCaptureChannel.API
    )
    return Status(201, selectors.lead_detail(request.auth, lead.pk))


@router.get("/leads/{int:lead_id}", response={200: LeadOut, **error_responses(404)}, tags=LEADS)
def lead_detail(request: HttpRequest, lead_id: RecordId):
    return selectors.lead_detail(request.auth, lead_id)


@router.patch(
    "/leads/{int:lead_id}",
    response={200: LeadOut, **error_responses(400, 404, 409, 422)},
    tags=LEADS,
    description="Changes only the fields sent; send `version` to hear of others' changes (409). "
    "Owners change with the assign action; a converted lead is read-only (409 `lead_closed`).",
)
def lead_update(request: HttpRequest, lead_id: RecordId, payload: LeadPatch):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    data = service_input(payload)
    version = data.pop("version", None)
    services.lead_update(actor=request.auth, lead=lead, data=data, version=version)
    return selectors.lead_detail(request.auth, lead_id)


@router.delete("/leads/{int:lead_id}", response={204: None, **error_responses(404)}, tags=LEADS)
def lead_delete(request: HttpRequest, lead_id: RecordId):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    services.lead_delete(actor=request.auth, lead=lead)
    return Status(204, None)


@router.get(
    "/leads/{int:lead_id}/events",
    response={200: Page[LeadEventOut], **error_responses(400, 404, 422)},
    tags=LEADS,
    description="The lead's history, newest first (`sort=occurred_at` for oldest first).",
)
def lead_events(request: HttpRequest, lead_id: RecordId, query: Query[Listing]):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    sort = checked_sort(query.sort, ("-occurred_at", "occurred_at"), "-occurred_at")
    return paginate(selectors.lead_events(lead), sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/leads/{int:lead_id}/events",
    response={201: LeadEventOut, **error_responses(400, 404, 409, 422)},
    tags=LEADS,
    description="Add a note, or log a contact (which marks a new lead contacted).",
)
def lead_event_add(request: HttpRequest, lead_id: RecordId, payload: LeadEventIn):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    event = services.lead_event_add(
        actor=request.auth,
        lead=lead,
        kind=payload.kind,
        body=payload.body,
        channel=payload.channel or "",
    )
    return Status(201, event)


@router.post(
    "/leads/{int:lead_id}/convert",
    response={200: LeadOut, **error_responses(400, 404, 409, 422)},
    tags=LEADS,
    description="Turn the lead into a person (an existing one with the same phone or e-mail is "
    "reused), a company (an existing one with the same name is reused) and, unless "
    "`create_deal` is false, a deal. All or nothing; the lead's history is copied to the "
    "person's timeline. A converted or disqualified lead answers 409 `lead_closed`.",
)
def lead_convert(request: HttpRequest, lead_id: RecordId, payload: ConvertIn):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    deal_data = payload.deal.model_dump(mode="json", exclude_unset=True) if payload.deal else {}
    services.lead_convert(
        actor=request.auth, lead=lead, create_deal=payload.create_deal, deal_data=deal_data
    )
    return selectors.lead_detail(request.auth, lead_id)


@router.post(
    "/leads/{int:lead_id}/disqualify",
    response={200: LeadOut, **error_responses(400, 404, 409, 422)},
    tags=LEADS,
)
def lead_disqualify(request: HttpRequest, lead_id: RecordId, payload: DisqualifyIn):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    services.lead_disqualify(actor=request.auth, lead=lead, reason=payload.reason)
    return selectors.lead_detail(request.auth, lead_id)


@router.post(
    "/leads/{int:lead_id}/assign",
    response={200: LeadOut, **error_responses(400, 403, 404, 409, 422)},
    tags=LEADS,
    description="Give the lead to `owner_id` (yourself, or a member of your team), or with "
    "`by_rules` let the assignment rules choose (administrators and sales managers).",
)
def lead_assign(request: HttpRequest, lead_id: RecordId, payload: AssignIn):
    lead = selectors.get_lead_for_user(request.auth, lead_id)
    if payload.by_rules == (payload.owner_id is not None):
        raise invalid("owner_id", _("Give an owner or let the rules choose, one of the two."))
    if payload.by_rules:
        services.lead_assign(lead=lead, actor=request.auth)
    else:
        owner = User.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise invalid("owner_id", _("There is no such active user."))
        services.lead_assign_to(actor=request.auth, lead=lead, owner=owner)
    return selectors.lead_detail(request.auth, lead_id)
