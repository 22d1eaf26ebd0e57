"""REST endpoints for deals, pipelines, stages, lost reasons, quotas and the sales reports.

Deals are read through `selectors.deals` (another team's deal answers 404 on every endpoint) and
written through `services.deals` (which validate everything and raise `ApplicationError`s).
Pipelines, stages and lost reasons are settings everyone reads and administrators change.
Amounts are decimal strings in answers ("12800.00"); requests may send strings or numbers.
"""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import (
    BodyId,
    BodyIds,
    BodyInt,
    BodyPosition,
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    RecordRef,
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
from rapport.sales.api.money import MoneyTotalOut, money_total_out
from rapport.sales.models import (
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    Priority,
    QuotaPeriod,
    Stage,
    StageKind,
)
from rapport.sales.selectors import deals as selectors
from rapport.sales.selectors import forecast as reports
from rapport.sales.selectors.money import reporting_currency
from rapport.sales.services import deals as services
from rapport.sales.services import quotas as quota_services

router = Router(tags=["deals"])

LIST_DESCRIPTION = (
    "Filters: `q` (in the title), `pipeline_id`, `stage_id`, `status` (open, won, lost), "
    "`owner_id`, `team_id`, `person_id`, `company_id`, `priority`, and the expected close date "
    "from `close_from` to `close_to`. Pages hold `limit` deals (default 25); pass `next_cursor` "
    "back as `cursor`."
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- Schemas -------------------------------------------------------------------------------------


class PipelineRef(Schema):
    id: int
    name: str


class StageRef(Schema):
    id: int
    name: str
    kind: StageKind


class StageOut(Schema):
    id: int
    name: str
    position: int
    kind: StageKind
    probability: int
    stale_after_days: int | None


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj) -> list:
        return sorted(obj.stages.all(), key=lambda s: (s.position, s.pk))


class LostReasonOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool


class DealListItem(Schema):
    id: int
    title: str
    pipeline: PipelineRef
    stage: StageRef
    status: DealStatus
    amount: str = Field(description="Decimal string, e.g. 12800.00")
    currency: str
    probability: int
    expected_close_date: datetime.date | None
    priority: Priority
    person: RecordRef | None
    company: RecordRef | None
    owner: UserRef
    team: TeamRef | None
    stage_entered_at: datetime.datetime
    closed_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_amount(obj) -> str:
        return _money(obj.amount)


class DealLineOut(Schema):
    id: int
    product_id: int
    product_name: str
    quantity: int
    unit_price: str
    discount: str = Field(description="The amount off the line (from the percentage if any).")
    discount_percent: str | None = Field(
        description="The percentage the discount was given as; null when given as an amount."
    )
    line_total: str

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_unit_price(obj) -> str:
        return _money(obj.unit_price)

    @staticmethod
    def resolve_discount(obj) -> str:
        return _money(obj.discount)

    @staticmethod
    def resolve_discount_percent(obj) -> str | None:
        return _money(obj.discount_percent)

    @staticmethod
    def resolve_line_total(obj) -> str:
        return _money(obj.unit_price * obj.quantity - obj.discount)


class StageChangeOut(Schema):
    from_stage: StageRef | None
    to_stage: StageRef
    changed_by: UserRef | None
    changed_at: datetime.datetime
    seconds_in_previous_stage: int | None


class DealOut(DealListItem):
    purchase_intent: Priority
    budget_status: Priority
    urgency: Priority
    lead_id: int | None
    lost_reason: LostReasonOut | None
    close_note: str
    notes: str
    lines: list[DealLineOut]
    stage_changes: list[StageChangeOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_stage_changes(obj) -> list:
        return list(obj.stage_changes.all())


class DealLineIn(InputSchema):
    product_id: BodyId
    quantity: BodyInt = 1
    unit_price: Decimal | None = None
    discount: Decimal | None = Field(None, description="An amount off the line.")
    discount_percent: Decimal | None = Field(
        None,
        description="Or a percentage (0–100, two decimals) of quantity × unit price, turned into "
        "`discount` once, rounded half up to the cent. Not both.",
    )


class DealFields(InputSchema):
    amount: Decimal | None = Field(None, description="At least 0, at most two decimals.")
    currency: column_text(Deal, "currency") | None = Field(
        None, description="Three letters; default CNY."
    )
    expected_close_date: datetime.date | None = None
    probability: BodyInt | None = Field(
        None, ge=0, le=100, description="0–100; default the stage's."
    )
    purchase_intent: Priority | None = None
    budget_status: Priority | None = None
    urgency: Priority | None = None
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    lead_id: BodyId | None = None
    owner_id: BodyId | None = None
    notes: str | None = None
    lines: items(DealLineIn) | None = Field(
        None, description="Products; without an `amount`, the amount is their total."
    )


class DealIn(DealFields):
    title: column_text(Deal, "title")
    pipeline_id: BodyId | None = Field(None, description="Default: the default pipeline.")
    stage_id: BodyId | None = Field(None, description="An open stage; default the first.")


class DealPatch(DealFields):
    title: column_text(Deal, "title") | None = None
    version: BodyVersion


class DealMoveIn(InputSchema):
    stage_id: BodyId
    version: BodyVersion | None = None
    lost_reason_id: BodyId | None = Field(None, description="Required when moving to a lost stage.")
    note: str | None = None


class DealWinIn(InputSchema):
    note: str | None = None
    version: BodyVersion | None = None


class DealLoseIn(InputSchema):
    lost_reason_id: BodyId
    note: str | None = None
    version: BodyVersion | None = None


class DealReopenIn(InputSchema):
    stage_id: BodyId | None = Field(
        None, description="An open stage; default the one the deal was closed from."
    )
    version: BodyVersion | None = None


class DealListQuery(Listing):
    q: str = ""
    pipeline_id: RecordId | None = None
    stage_id: RecordId | None = None
    status: DealStatus | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    person_id: RecordId | None = None
    company_id: RecordId | None = None
    priority: Priority | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None


class StageIn(InputSchema):
    name: column_text(Stage, "name")
    probability: BodyInt = Field(0, ge=0, le=100)
    kind: StageKind = StageKind.OPEN
    stale_after_days: BodyInt | None = None
    position: BodyPosition | None = None


class StagePatch(InputSchema):
    name: column_text(Stage, "name") | None = None
    probability: BodyInt | None = Field(None, ge=0, le=100)
    kind: StageKind | None = None
    stale_after_days: BodyInt | None = None


class StageSpecIn(InputSchema):
    name: column_text(Stage, "name")
    probability: BodyInt = Field(0, ge=0, le=100)
    kind: StageKind = StageKind.OPEN
    stale_after_days: BodyInt | None = None


class PipelineIn(InputSchema):
    name: column_text(Stage, "name")
    position: BodyPosition | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    stages: items(StageSpecIn) | None = Field(
        None,
        description="Ordered; exactly one `won` and one `lost` stage. Default: the standard six.",
    )


class PipelinePatch(InputSchema):
    name: column_text(Pipeline, "name") | None = None
    position: BodyPosition | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class StageOrderIn(InputSchema):
    stage_ids: BodyIds = Field(description="Every stage of the pipeline, once, in order.")


class LostReasonIn(InputSchema):
    name: column_text(LostReason, "name")
    position: BodyPosition | None = None
    is_active: bool | None = None


class LostReasonPatch(InputSchema):
    name: column_text(LostReason, "name") | None = None
    position: BodyPosition | None = None
    is_active: bool | None = None


def _deal_filters(query: DealListQuery) -> selectors.DealFilters:
    return selectors.DealFilters(
        q=query.q.strip(),
        pipeline_id=query.pipeline_id,
        stage_id=query.stage_id,
        status=query.status or "",
        owner_id=query.owner_id,
        team_id=query.team_id,
        person_id=query.person_id,
        company_id=query.company_id,
        priority=query.priority or "",
        close_from=query.close_from,
        close_to=query.close_to,
    )


# --- Deals ---------------------------------------------------------------------------------------


@router.get(
    "/deals",
    response={200: Page[DealListItem], **error_responses(400, 422)},
    description=LIST_DESCRIPTION,
)
def deals_list(request: HttpRequest, query: Query[DealListQuery]):
    sort = checked_sort(query.sort, selectors.DEAL_SORTS, "-updated_at")
    qs = selectors.deals_list(request.auth, _deal_filters(query))
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/deals",
    response={201: DealOut, **error_responses(400, 404, 422)},
    description="Only `title` is required. A person, company or lead the caller cannot see "
    "answers 404.",
)
def deal_create(request: HttpRequest, payload: DealIn):
    deal = services.deal_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.deal_detail(request.auth, deal.pk))


@router.get("/deals/{int:deal_id}", response={200: DealOut, **error_responses(404)})
def deal_detail(request: HttpRequest, deal_id: RecordId):
    return selectors.deal_detail(request.auth, deal_id)


@router.patch(
    "/deals/{int:deal_id}",
    response={200: DealOut, **error_responses(400, 404, 409, 422)},
    description="Changes only the fields sent; the stage changes with the move action.",
)
def deal_update(request: HttpRequest, deal_id: RecordId, payload: DealPatch):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    data = service_input(payload)
    version = data.pop("version", None)
    services.deal_update(actor=request.auth, deal=deal, data=data, version=version)
    return selectors.deal_detail(request.auth, deal_id)


@router.delete("/deals/{int:deal_id}", response={204: None, **error_responses(404)})
def deal_delete(request: HttpRequest, deal_id: RecordId):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    services.deal_delete(actor=request.auth, deal=deal)
    return Status(204, None)


@router.post(
    "/deals/{int:deal_id}/move",
    response={200: DealOut, **error_responses(400, 404, 409, 422)},
    description="Move an open deal to another stage of its pipeline. A won stage wins it, a "
    "lost stage loses it (`lost_reason_id` required). A closed deal answers 409 `deal_closed`.",
)
def deal_move(request: HttpRequest, deal_id: RecordId, payload: DealMoveIn):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    stage = selectors.get_stage(payload.stage_id)
    services.deal_move_stage(
        actor=request.auth,
        deal=deal,
        stage=stage,
        version=payload.version,
        lost_reason_id=payload.lost_reason_id,
        note=payload.note or "",
    )
    return selectors.deal_detail(request.auth, deal_id)


@router.post(
    "/deals/{int:deal_id}/win",
    response={200: DealOut, **error_responses(400, 404, 409, 422)},
)
def deal_win(request: HttpRequest, deal_id: RecordId, payload: DealWinIn):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    services.deal_win(
        actor=request.auth, deal=deal, note=payload.note or "", version=payload.version
    )
    return selectors.deal_detail(request.auth, deal_id)


@router.post(
    "/deals/{int:deal_id}/lose",
    response={200: DealOut, **error_responses(400, 404, 409, 422)},
)
def deal_lose(request: HttpRequest, deal_id: RecordId, payload: DealLoseIn):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    services.deal_lose(
        actor=request.auth,
        deal=deal,
        reason_id=payload.lost_reason_id,
        note=payload.note or "",
        version=payload.version,
    )
    return selectors.deal_detail(request.auth, deal_id)


@router.post(
    "/deals/{int:deal_id}/reopen",
    response={200: DealOut, **error_responses(400, 404, 409, 422)},
)
def deal_reopen(request: HttpRequest, deal_id: RecordId, payload: DealReopenIn):
    deal = selectors.get_deal_for_user(request.auth, deal_id)
    stage = selectors.get_stage(payload.stage_id) if payload.stage_id else None
    services.deal_reopen(actor=request.auth, deal=deal, stage=stage, version=payload.version)
    return selectors.deal_detail(request.auth, deal_id)


# --- Pipelines and stages ------------------------------------------------------------------------

settings_router = Router(tags=["pipelines"])


@settings_router.get("/pipelines", response={200: Page[PipelineOut], **error_responses(400, 422)})
def pipelines_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, ("position", "name", "-name"), "position")
    return paginate(selectors.pipelines_all(), sort=sort, cursor=query.cursor, limit=query.limit)


@settings_router.post("/pipelines", response={201: PipelineOut, **error_responses(400, 403, 422)})
def pipeline_create(request: HttpRequest, payload: PipelineIn):
    pipeline = services.pipeline_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.get_pipeline(pipeline.pk))


@settings_router.get(
    "/pipelines/{int:pipeline_id}", response={200: PipelineOut, **error_responses(404)}
)
def pipeline_detail(request: HttpRequest, pipeline_id: RecordId):
    return selectors.get_pipeline(pipeline_id)


@settings_router.patch(
    "/pipelines/{int:pipeline_id}",
    response={200: PipelineOut, **error_responses(400, 403, 404, 422)},
)
def pipeline_update(request: HttpRequest, pipeline_id: RecordId, payload: PipelinePatch):
    pipeline = selectors.get_pipeline(pipeline_id)
    services.pipeline_update(actor=request.auth, pipeline=pipeline, data=service_input(payload))
    return selectors.get_pipeline(pipeline_id)


@settings_router.delete(
    "/pipelines/{int:pipeline_id}",
    response={204: None, **error_responses(403, 404, 409)},
    description="A pipeline that deals use answers 409 `in_use`: deactivate it instead.",
)
def pipeline_delete(request: HttpRequest, pipeline_id: RecordId):
    pipeline = selectors.get_pipeline(pipeline_id)
    services.pipeline_delete(actor=request.auth, pipeline=pipeline)
    return Status(204, None)


@settings_router.post(
    "/pipelines/{int:pipeline_id}/stages",
    response={201: StageOut, **error_responses(400, 403, 404, 422)},
)
def stage_create(request: HttpRequest, pipeline_id: RecordId, payload: StageIn):
    pipeline = selectors.get_pipeline(pipeline_id)
    stage = services.stage_create(
        actor=request.auth, pipeline=pipeline, data=service_input(payload)
    )
    return Status(201, stage)


@settings_router.put(
    "/pipelines/{int:pipeline_id}/stage-order",
    response={200: PipelineOut, **error_responses(400, 403, 404, 422)},
)
def stage_reorder(request: HttpRequest, pipeline_id: RecordId, payload: StageOrderIn):
    pipeline = selectors.get_pipeline(pipeline_id)
    services.stage_reorder(actor=request.auth, pipeline=pipeline, stage_ids=payload.stage_ids)
    return selectors.get_pipeline(pipeline_id)


@settings_router.patch(
    "/stages/{int:stage_id}", response={200: StageOut, **error_responses(400, 403, 404, 422)}
)
def stage_update(request: HttpRequest, stage_id: RecordId, payload: StagePatch):
    stage = selectors.get_stage(stage_id)
    return services.stage_update(actor=request.auth, stage=stage, data=service_input(payload))


@settings_router.delete(
    "/stages/{int:stage_id}",
    response={204: None, **error_responses(403, 404, 409)},
    description="A stage deals are in or have passed through answers 409 `in_use`.",
)
def stage_delete(request: HttpRequest, stage_id: RecordId):
    stage = selectors.get_stage(stage_id)
    services.stage_delete(actor=request.auth, stage=stage)
    return Status(204, None)


# --- Lost reasons --------------------------------------------------------------------------------


@settings_router.get(
    "/lost-reasons", response={200: Page[LostReasonOut], **error_responses(400, 422)}
)
def lost_reasons_list(request: HttpRequest, query: Query[Listing]):
    sort = checked_sort(query.sort, ("position", "name", "-name"), "position")
    return paginate(selectors.lost_reasons_all(), sort=sort, cursor=query.cursor, limit=query.limit)


@settings_router.post(
    "/lost-reasons", response={201: LostReasonOut, **error_responses(400, 403, 422)}
)
def lost_reason_create(request: HttpRequest, payload: LostReasonIn):
    return Status(201, services.lost_reason_create(actor=request.auth, data=service_input(payload)))


@settings_router.patch(
    "/lost-reasons/{int:reason_id}",
    response={200: LostReasonOut, **error_responses(400, 403, 404, 422)},
)
def lost_reason_update(request: HttpRequest, reason_id: RecordId, payload: LostReasonPatch):
    reason = selectors.get_lost_reason(reason_id)
    return services.lost_reason_update(
        actor=request.auth, reason=reason, data=service_input(payload)
    )


@settings_router.delete(
    "/lost-reasons/{int:reason_id}", response={204: None, **error_responses(403, 404, 409)}
)
def lost_reason_delete(request: HttpRequest, reason_id: RecordId):
    reason = selectors.get_lost_reason(reason_id)
    services.lost_reason_delete(actor=request.auth, reason=reason)
    return Status(204, None)


# --- Quotas --------------------------------------------------------------------------------------

quotas_router = Router(tags=["quotas"])


class QuotaOut(Schema):
    id: int
    user: UserRef | None
    team: TeamRef | None
    period: QuotaPeriod
    period_start: datetime.date
    amount: str
    won_count: int

    @staticmethod
    def resolve_amount(obj) -> str:
        return _money(obj.amount)


class QuotaIn(InputSchema):
    user_id: BodyId | None = Field(None, description="A user or a team, not both.")
    team_id: BodyId | None = None
    period: QuotaPeriod
    period_start: datetime.date = Field(description="Any day of the month or quarter.")
    amount: Decimal = Field(description="Target of won amount, in the reporting currency.")
    won_count: BodyInt = Field(0, ge=0, description="Target number of won deals.")


class QuotaListQuery(Listing):
    period: QuotaPeriod | None = None
    user_id: RecordId | None = None
    team_id: RecordId | None = None


@quotas_router.get("/quotas", response={200: Page[QuotaOut], **error_responses(400, 422)})
def quotas_list(request: HttpRequest, query: Query[QuotaListQuery]):
    sort = checked_sort(query.sort, ("period_start", "-period_start"), "-period_start")
    qs = reports.quotas_visible_to(request.auth)
    if query.period:
        qs = qs.filter(period=query.period)
    if query.user_id:
        qs = qs.filter(user_id=query.user_id)
    if query.team_id:
        qs = qs.filter(team_id=query.team_id)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@quotas_router.put(
    "/quotas",
    response={200: QuotaOut, **error_responses(400, 403, 422)},
    description="Set (create or replace) the quota of a user or team for a month or quarter. "
    "Administrators set any; sales managers their team's and its members'.",
)
def quota_set(request: HttpRequest, payload: QuotaIn):
    return quota_services.quota_set(actor=request.auth, data=service_input(payload))


@quotas_router.delete("/quotas/{int:quota_id}", response={204: None, **error_responses(403, 404)})
def quota_delete(request: HttpRequest, quota_id: RecordId):
    quota = reports.get_quota_for_user(request.auth, quota_id)
    quota_services.quota_delete(actor=request.auth, quota=quota)
    return Status(204, None)


# --- Reports -------------------------------------------------------------------------------------

reports_router = Router(tags=["sales reports"])


class QuarterOut(Schema):
    label: str
    start: datetime.date
    end: datetime.date = Field(description="The first day after the quarter.")
    weighted: MoneyTotalOut = Field(description="Σ amount × probability / 100, per currency.")
    committed: MoneyTotalOut
    best_case: MoneyTotalOut
    won: MoneyTotalOut
    won_count: int
    quota_amount: str = Field(description="In the reporting currency.")
    quota_count: int
    attainment_pct: int | None = Field(
        description="`won.converted` against `quota_amount` (currencies without a rate left out)."
    )


class ForecastRowOut(Schema):
    id: int | None
    name: str
    quarters: list[QuarterOut]


class ForecastOut(Schema):
    currency: str = Field(description="The reporting currency: of every `converted` and quota.")
    commit_probability: int
    total: list[QuarterOut]
    by_owner: list[ForecastRowOut]
    by_team: list[ForecastRowOut]


class ForecastQuery(Schema):
    pipeline_id: RecordId | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None


def _quarters_out(forecast, numbers) -> list[dict]:
    return [
        {
            "label": label,
            "start": start,
            "end": end,
            "weighted": money_total_out(n.weighted),
            "committed": money_total_out(n.committed),
            "best_case": money_total_out(n.best_case),
            "won": money_total_out(n.won),
            "won_count": n.won_count,
            "quota_amount": _money(n.target.amount),
            "quota_count": n.target.count,
            "attainment_pct": n.amount_pct,
        }
        for (label, start, end), n in zip(forecast.quarters, numbers, strict=True)
    ]


@reports_router.get(
    "/reports/forecast",
    response={200: ForecastOut, **error_responses(422)},
    description="This and next quarter: weighted (Σ amount × probability), committed "
    "(probability ≥ 75 %), best case (all open deals expected to close in the quarter), won, "
    "and the quota; in total, by owner and by team. Deals of every currency count: each figure "
    "is a money total (the sum in each currency, and `converted` into the reporting currency "
    "at today's exchange rates; a currency without a rate is listed in `missing` and left out "
    "of `converted`). Quotas are in the reporting currency. The total's quota is that of what "
    "the caller sees: an administrator's the company's (teams' quotas, or people's when no "
    "team has one), a team member's the team's (or its members' added up), otherwise their "
    "own; with `owner_id` or `team_id`, that owner's or team's.",
)
def forecast_report(request: HttpRequest, query: Query[ForecastQuery]):
    result = reports.forecast(
        request.auth,
        pipeline_id=query.pipeline_id,
        owner_id=query.owner_id,
        team_id=query.team_id,
    )
    return {
        "currency": result.currency,
        "commit_probability": reports.COMMIT_PROBABILITY,
        "total": _quarters_out(result, result.total),
        "by_owner": [
            {"id": r.key, "name": r.label, "quarters": _quarters_out(result, r.quarters)}
            for r in result.by_owner
        ],
        "by_team": [
            {"id": r.key, "name": r.label, "quarters": _quarters_out(result, r.quarters)}
            for r in result.by_team
        ],
    }


class LeaderRowOut(Schema):
    rank: int
    user: UserRef
    won: MoneyTotalOut
    won_count: int
    quota_amount: str = Field(description="In the reporting currency.")
    quota_count: int
    attainment_pct: int | None = Field(description="`won.converted` against `quota_amount`.")


class LeaderboardOut(Schema):
    currency: str = Field(description="The reporting currency: of every `converted` and quota.")
    period: QuotaPeriod
    start: datetime.date
    rows: list[LeaderRowOut]


class LeaderboardQuery(Schema):
    period: QuotaPeriod = QuotaPeriod.MONTH


class AttainmentOut(Schema):
    label: str
    subject: str = Field(description="`user` (the caller) or `team` (the caller's team).")
    period: QuotaPeriod
    start: datetime.date
    won: MoneyTotalOut
    won_count: int
    quota_amount: str = Field(description="In the reporting currency.")
    quota_count: int
    attainment_pct: int | None = Field(description="`won.converted` against `quota_amount`.")


MONEY_RULE = (
    "Deals of every currency count: `won` is a money total (the sum in each currency, and "
    "`converted` into the reporting currency at the rates of the period's last day, or today's "
    "while it runs; a currency without a rate is listed in `missing` and left out of "
    "`converted`). Quotas are in the reporting currency."
)


@reports_router.get(
    "/reports/leaderboard",
    response={200: LeaderboardOut, **error_responses(422)},
    description="The salespeople the caller may see (everyone for administrators, otherwise "
    "oneself and one's team) with a win or a quota in this month or quarter, ranked by the "
    "amount won, converted. " + MONEY_RULE,
)
def leaderboard_report(request: HttpRequest, query: Query[LeaderboardQuery]):
    rows = reports.leaderboard(request.auth, period=query.period)
    return {
        "currency": reporting_currency(),
        "period": query.period,
        "start": reports.period_start(query.period, timezone.localdate()),
        "rows": [
            {
                "rank": row.rank,
                "user": row.user,
                "won": money_total_out(row.won),
                "won_count": row.won_count,
                "quota_amount": _money(row.target.amount),
                "quota_count": row.target.count,
                "attainment_pct": row.amount_pct,
            }
            for row in rows
        ],
    }


@reports_router.get(
    "/reports/attainment",
    response={200: list[AttainmentOut]},
    description="The caller's and their team's deals won against quota, this month and this "
    "quarter. " + MONEY_RULE,
)
def attainment_report(request: HttpRequest):
    return [
        {
            "label": item.label,
            "subject": item.subject,
            "period": item.period,
            "start": item.start,
            "won": money_total_out(item.won),
            "won_count": item.won_count,
            "quota_amount": _money(item.target.amount),
            "quota_count": item.target.count,
            "attainment_pct": item.amount_pct,
        }
        for item in reports.dashboard_attainment(request.auth)
    ]


# rapport.sales.api mounts `router`; the settings, quota and report routes ride along with it.
router.add_router("", settings_router)
router.add_router("", quotas_router)
router.add_router("", reports_router)
