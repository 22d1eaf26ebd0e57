"""Reads of deals, pipelines, stages and lost reasons, always scoped by who is asking.

`deals_visible_to` is the one place that decides which deals a user sees (the owner/team rule of
`rapport.accounts.access`); the list, the kanban, the deal page, the API and the reports all
start from it, so another team's deal answers 404 everywhere. A visible deal's person or company
that has gone to another team reads as None (`visible_customer_links`).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.core.pagination import Page, keyset_page
from rapport.customers.selectors import visible_customer_links
from rapport.sales.models import (
    Deal,
    DealStageChange,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)
from rapport.sales.selectors.money import MoneyTotal, RateBook

# Keyset cursors carry the sort value as JSON, so sorts are on text and time columns (no amount).
DEAL_SORTS = (
    "updated_at",
    "-updated_at",
    "created_at",
    "-created_at",
    "title",
    "-title",
)
KANBAN_PAGE_SIZE = 20


def deals_visible_to(user: User) -> QuerySet[Deal]:
    return Deal.objects.filter(visible_records_q(user))


def get_deal_for_user(user: User, deal_id: int) -> Deal:
    deal = (
        deals_visible_to(user)
        .select_related("pipeline", "stage", "owner", "team")
        .prefetch_related(*visible_customer_links(user))
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("Deal not found."))
    return deal


@dataclass
class DealFilters:
    """Filters the deal list, the kanban and the API may apply; empty values mean "any"."""

    q: str = ""
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    person_id: int | None = None
    company_id: int | None = None
    priority: str = ""
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None


def _apply_filters(qs: QuerySet[Deal], filters: DealFilters) -> QuerySet[Deal]:
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    for field in ("pipeline_id", "stage_id", "owner_id", "team_id", "person_id", "company_id"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.close_from:
        qs = qs.filter(expected_close_date__gte=filters.close_from)
    if filters.close_to:
        qs = qs.filter(expected_close_date__lte=filters.close_to)
    return qs


def deals_list(user: User, filters: DealFilters) -> QuerySet[Deal]:
    """Visible deals matching `filters`, with what a list row shows fetched in the same query."""
    qs = _apply_filters(deals_visible_to(user), filters)
    return qs.select_related("pipeline", "stage", "owner", "team").prefetch_related(
        *visible_customer_links(user)
    )


def deal_detail(user: User, deal_id: int) -> Deal:
    """A deal with its lines and stage history, in a fixed few queries."""
    deal = get_deal_for_user(user, deal_id)
    return (
        Deal.objects.select_related("pipeline", "stage", "owner", "team", "lead", "lost_reason")
        .prefetch_related(
            *visible_customer_links(user),
            "lines__product",
            Prefetch(
                "stage_changes",
                queryset=DealStageChange.objects.select_related(
                    "from_stage", "to_stage", "changed_by"
                ).order_by("-changed_at", "-id"),
            ),
        )
        .get(pk=deal.pk)
    )


# --- Pipelines, stages, lost reasons --------------------------------------------------------------
# Settings, not customer records: everyone sees them.


def pipelines_all(*, active_only: bool = False) -> QuerySet[Pipeline]:
    qs = Pipeline.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("position")))


def get_pipeline(pipeline_id: int) -> Pipeline:
    pipeline = pipelines_all().filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFound(_("Pipeline not found."))
    return pipeline


def get_stage(stage_id: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(_("Stage not found."))
    return stage


def lost_reasons_all(*, active_only: bool = False) -> QuerySet[LostReason]:
    qs = LostReason.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def get_lost_reason(reason_id: int) -> LostReason:
    reason = LostReason.objects.filter(pk=reason_id).first()
    if reason is None:
        raise NotFound(_("Lost reason not found."))
    return reason


# --- Kanban ---------------------------------------------------------------------------------------


@dataclass
class ColumnTotal:
    count: int = 0
    # One sum per currency and, in the reporting currency, those converted at today's rates:
    # amounts in different currencies are never added together as they are.
    amount: MoneyTotal | None = None

    @property
    def amounts(self) -> dict[str, Decimal]:
        return self.amount.amounts if self.amount else {}


def kanban_open_deals(user: User, pipeline: Pipeline, filters: DealFilters) -> QuerySet[Deal]:
    qs = deals_visible_to(user).filter(pipeline=pipeline, status=DealStatus.OPEN)
    return _apply_filters(qs, DealFilters(owner_id=filters.owner_id, team_id=filters.team_id))


def kanban_totals(
    user: User, pipeline: Pipeline, filters: DealFilters, *, columns: list[Stage]
) -> dict[int, ColumnTotal]:
    """Count and sums of the open deals per stage of `columns`, in one GROUP BY query (and one
    for today's exchange rates when a deal is in another currency than the reporting one).

    Every column of `columns` has its total, an empty one too. Naming the stages lets both
    databases read each column's range of the (stage, status, …) index; by pipeline and status
    alone SQLite, which cannot tell that few deals are open, scans every deal of the pipeline.
    """
    rows = (
        kanban_open_deals(user, pipeline, filters)
        .filter(stage_id__in=[stage.pk for stage in columns])
        .order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    counts: Counter = Counter()
    amounts: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        counts[row["stage_id"]] += row["n"]
        amounts.setdefault(row["stage_id"], {})[row["currency"]] = row["total"]
    # Open deals are expected: converted at today's rates.
    book = RateBook()
    return {
        stage.pk: ColumnTotal(count=counts[stage.pk], amount=book.total(amounts.get(stage.pk, {})))
        for stage in columns
    }


def kanban_column(
    user: User,
    stage: Stage,
    filters: DealFilters,
    *,
    cursor: str | None = None,
    size: int = KANBAN_PAGE_SIZE,
) -> Page:
    """One page of a stage's open deals, the most recently arrived first.

    Keyset on (stage_entered_at, id) along the (stage, status, stage_entered_at, id) index, so
    the first page of a 10,000-deal column costs the same as of a 10-deal one.
    """
    qs = (
        kanban_open_deals(user, stage.pipeline, filters)
        .filter(stage=stage)
        .select_related("owner")
        .prefetch_related(*visible_customer_links(user))
    )
    return keyset_page(qs, sort="-stage_entered_at", cursor=cursor, size=size)


def kanban_stages(pipeline: Pipeline) -> tuple[list[Stage], list[Stage]]:
    """The pipeline's open stages (the columns) and its won and lost stages (the drop zones)."""
    stages = list(pipeline.stages.all())
    stages.sort(key=lambda s: (s.position, s.pk))
    return (
        [s for s in stages if s.kind == StageKind.OPEN],
        [s for s in stages if s.kind != StageKind.OPEN],
    )


def stale_deal_ids(now: datetime.datetime) -> list[int]:
    """Open deals that have sat in their stage longer than its `stale_after_days` and have no
    follow-up task for this stay yet. One query per stage that has the setting (few)."""
    ids: list[int] = []
    for stage in Stage.objects.filter(stale_after_days__isnull=False, kind=StageKind.OPEN):
        cutoff = now - datetime.timedelta(days=stage.stale_after_days)
        ids.extend(
            Deal.objects.filter(
                stage=stage,
                status=DealStatus.OPEN,
                stage_entered_at__lt=cutoff,
                stale_task_created_at__isnull=True,
            )
            .order_by("stage_entered_at", "id")
            .values_list("pk", flat=True)
        )
    return ids
