"""Reads of customer value, always through the reader's visibility rule: a customer's value and
expenses are seen by whoever may see the customer (the rows carry the customer's owner and team).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.analytics.value import rfm
from rapport.analytics.value.models import (
    CustomerValue,
    SalesExpense,
    Segment,
    Tier,
    ValueSnapshot,
)
from rapport.core.errors import NotFound

EXPENSES_SHOWN = 10


def expenses_visible_to(user) -> QuerySet[SalesExpense]:
    return SalesExpense.objects.filter(visible_records_q(user))


def get_expense_for_user(user, expense_id: int) -> SalesExpense:
    expense = expenses_visible_to(user).filter(pk=expense_id).first()
    if expense is None:
        raise NotFound(_("Expense not found."))
    return expense


def customer_expenses(user, kind: str, customer_id: int) -> QuerySet[SalesExpense]:
    return (
        expenses_visible_to(user)
        .filter(**{f"{kind}_id": customer_id})
        .select_related("recorded_by", "deal")
    )


def deal_expenses(user, deal_id: int) -> QuerySet[SalesExpense]:
    return (
        expenses_visible_to(user)
        .filter(deal_id=deal_id)
        .select_related("recorded_by")
        .order_by("-spent_on", "-id")
    )


def values_visible_to(user) -> QuerySet[CustomerValue]:
    return CustomerValue.objects.filter(visible_records_q(user))


def customer_value(user, kind: str, customer_id: int) -> CustomerValue | None:
    return values_visible_to(user).filter(**{f"{kind}_id": customer_id}).first()


def previous_month(today: datetime.date) -> datetime.date:
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


@dataclass
class ValueOverview:
    kind: str
    customers: int
    ordering_customers: int
    repeat_customers: int
    currency: str
    revenue: object
    net: object
    expenses: object
    cost_to_serve: object
    segments: list[dict]  # {key, label, count}
    tiers: list[dict]
    # Rows: last month's segment; columns: today's; None when no snapshot of last month exists.
    movement: list[dict] | None
    moved: int
    snapshot_month: datetime.date
    computed_at: datetime.datetime | None


def value_overview(user, kind: str, *, today: datetime.date | None = None) -> ValueOverview:
    """Counts by segment and tier, totals and the movement table, of the customers of `kind`
    `user` may see: a fixed five queries whatever their number."""
    today = today or timezone.localdate()
    rows = values_visible_to(user).filter(kind=kind)
    totals = rows.aggregate(
        customers=Count("id"),
        revenue=Sum("revenue"),
        net=Sum("net"),
        expenses=Sum("expenses"),
        cost_to_serve=Sum("cost_to_serve"),
        ordering=Count("id", filter=~_no_orders()),
        repeat=Count("id", filter=_repeat()),
    )
    latest = rows.order_by("-computed_at").values_list("computed_at", "currency").first()
    by_segment = dict(rows.order_by().values_list("segment").annotate(n=Count("id")))
    by_tier = dict(rows.order_by().values_list("tier").annotate(n=Count("id")))
    month = previous_month(today)
    snapshot = ValueSnapshot.objects.filter(month=month, kind=kind, **{kind: OuterRef(kind)})
    pairs = (
        rows.annotate(before=Subquery(snapshot.values("segment")[:1]))
        .exclude(before=None)
        .order_by()
        .values_list("before", "segment")
        .annotate(n=Count("id"))
    )
    cells: dict[tuple[str, str], int] = {(b, a): n for b, a, n in pairs}
    movement = None
    moved = 0
    if cells:
        keys = [*Segment.values, ""]
        movement = []
        for before in keys:
            counts = [cells.get((before, after), 0) for after in keys]
            if any(counts):
                movement.append(
                    {"segment": before, "label": _segment_label(before), "counts": counts}
                )
        moved = sum(n for (b, a), n in cells.items() if b != a)
    return ValueOverview(
        kind=kind,
        customers=totals["customers"],
        ordering_customers=totals["ordering"],
        repeat_customers=totals["repeat"],
        currency=latest[1] if latest else "",
        revenue=totals["revenue"],
        net=totals["net"],
        expenses=totals["expenses"],
        cost_to_serve=totals["cost_to_serve"],
        segments=[
            {"key": key, "label": label, "count": by_segment.get(key, 0)}
            for key, label in Segment.choices
        ],
        tiers=[
            {"key": key, "label": label, "count": by_tier.get(key, 0)}
            for key, label in Tier.choices
        ],
        movement=movement,
        moved=moved,
        snapshot_month=month,
        computed_at=latest[0] if latest else None,
    )


def movement_columns() -> list[str]:
    return [str(label) for _key, label in Segment.choices] + [_("No orders")]


def _segment_label(key: str) -> str:
    return str(Segment(key).label) if key else _("No orders")


def _no_orders() -> Q:
    return Q(order_count=0)


def _repeat() -> Q:
    return Q(order_count__gte=2)


def profit_concentration(user, kind: str) -> rfm.ProfitConcentration:
    """The 20/80/30 figures and whale curve over the net profit of the customers of `kind`
    `user` may see (one query reading one column)."""
    profits = list(
        values_visible_to(user).filter(kind=kind).order_by().values_list("net", flat=True)
    )
    return rfm.profit_concentration(profits)


def top_and_bottom(user, kind: str, count: int = 10) -> tuple[list, list]:
    rows = values_visible_to(user).filter(kind=kind).select_related(kind)
    return list(rows.order_by("-net", "id")[:count]), list(rows.order_by("net", "id")[:count])


def values_by_customer(user, kind: str, ids: list[int]) -> dict[int, CustomerValue]:
    """The values of some customers (a page of a list), by customer id: one query."""
    rows = values_visible_to(user).filter(kind=kind, **{f"{kind}_id__in": ids})
    return {row.customer_id: row for row in rows}
