"""Key figures over orders, leads, deals and survey answers, and the cohort table.

Every figure counts only what the reader may see (the orders' rule, `orders_visible_to`, applied
to the per-customer facts; `leads_visible_to`, `deals_visible_to`, `responses_visible_to`),
narrowed by the date range and team of the `DashboardFilters`. A customer is an order's person,
or its company when it names no person (as the receivables group them). Orders that were
cancelled or returned are not counted: they are not revenue, nor a purchase. An order's revenue
is its total less what was credited.

Definitions (each figure on the KPI page says its own in a `<details id="def-…">`):

- retention: of the customers who ordered in the window of the same length just before the
  range, the share who ordered again in the range (by period: of those who ordered in the
  period before, the share who ordered in this one);
- repeat purchase rate: of the customers who ordered in the range, the share who ordered at
  least twice in it;
- new customer: one whose first order ever (among those counted) falls in the range; a repeat
  customer of a period ordered in it and before it;
- average order value and revenue per customer: per currency, never added across currencies;
  revenue per customer divides by the customers who ordered in that currency;
- lead conversion: of the leads created in the range, the share converted by now, and the
  median days from creation to conversion of those converted;
- sales cycle: days from creation to winning, of the deals won in the range;
- CSAT and NPS: the survey answers given in the range (the team narrows CSAT, which rates a
  team's ticket, not NPS, which is about the company).

Each `KpiSource` read runs once, when first needed, as one grouped query; the page is a fixed
number of queries whatever the data (`test_kpi_page_queries`). The customers' figures and the
cohorts read the per-customer facts (`rapport.analytics.facts`: a row per customer and day, and
per customer its first order day), not the orders, so their cost does not grow with history.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import date_format

from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.kpis.flow import CustomerFlow, customer_flow
from rapport.analytics.kpis.queries import (
    CustomerCounts,
    PeriodCounts,
    cohort_counts,
    month_number,
)
from rapport.analytics.kpis.queries import (
    customer_counts as customer_counts,
)
from rapport.customers.models import SourceChannel
from rapport.sales.models import DealStatus, OrderStatus
from rapport.sales.selectors.deals import deals_visible_to
from rapport.sales.selectors.leads import leads_visible_to
from rapport.sales.selectors.money import to_cents
from rapport.surveys.models import SurveyKind
from rapport.surveys.selectors import responses_visible_to

MONEY = DecimalField(max_digits=14, decimal_places=2)
# Not a purchase: the order was called off or sent back.
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
COHORT_MONTHS = 12

CustomerKey = tuple[str, int]


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` in per cent, one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


class KpiSource:
    """What the KPI widgets read for one user and one set of filters; each read runs once."""

    def __init__(self, user: User, filters: DashboardFilters, *, flow_alone: bool = False):
        """`flow_alone`: the reader shows new and repeat customers and retention, not the other
        customer figures (the executive's dashboard): `flow` counts them on its own."""
        self.user = user
        self.filters = filters
        self.flow_alone = flow_alone
        self.range_start = day_start(filters.start)
        self.range_end = day_start(filters.end + datetime.timedelta(days=1))
        length = filters.end - filters.start + datetime.timedelta(days=1)
        self.previous_first_day = filters.start - length
        self.periods = stats.periods(filters.start, filters.end, filters.period)
        self._period_index = {
            stats.period_start(period.first, filters.period): index
            for index, period in enumerate(self.periods)
        }

    # --- Reads ---------------------------------------------------------------------------------

    @cached_property
    def customers(self) -> CustomerCounts:
        """The customers who ordered in the range or in the window of the same length before
        it, counted per period and over the range (one query of the per-customer facts; rows
        per period and currency, not per customer)."""
        return customer_counts(
            self.user,
            previous_first_day=self.previous_first_day,
            firsts=[period.first for period in self.periods],
            period_starts=[
                stats.period_start(period.first, self.filters.period) for period in self.periods
            ],
            end=self.filters.end,
            team_id=self.filters.team_id,
        )

    @cached_property
    def flow(self) -> CustomerCounts | CustomerFlow:
        """New, active and kept customers per period and over the range: with `flow_alone`,
        counted from the customer day facts' pointers where they serve the reader
        (`flow.customer_flow`, a count of rows), else read from `customers` (one query for
        every customer figure)."""
        if self.flow_alone:
            found = customer_flow(
                self.user,
                previous_first_day=self.previous_first_day,
                firsts=[period.first for period in self.periods],
                period_starts=[
                    stats.period_start(period.first, self.filters.period) for period in self.periods
                ],
                end=self.filters.end,
                team_id=self.filters.team_id,
                period=self.filters.period,
            )
            if found is not None:
                return found
        return self.customers

    @property
    def activity(self) -> list[PeriodCounts]:
        """Customers, orders and revenue (per currency) of each period of the range."""
        return self.customers.periods

    @cached_property
    def leads(self) -> list[dict]:
        """Leads created and converted per period of creation (one GROUP BY)."""
        found = [{"created": 0, "converted": 0} for _period in self.periods]
        for row in (
            self._leads()
            .annotate(period=Trunc("created_at", self.filters.period, output_field=DateField()))
            .values("period")
            .annotate(
                created=Count("pk"), converted=Count("pk", filter=Q(converted_at__isnull=False))
            )
            .order_by()
        ):
            into = found[self._index_of_start(row["period"])]
            into["created"] += row["created"]
            into["converted"] += row["converted"]
        return found

    @cached_property
    def lead_conversions(self) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """(created, converted) of the leads created in the range and converted since."""
        return list(
            self._leads()
            .filter(converted_at__isnull=False)
            .values_list("created_at", "converted_at")
        )

    def _leads(self) -> QuerySet:
        leads = leads_visible_to(self.user).filter(
            created_at__gte=self.range_start, created_at__lt=self.range_end
        )
        if self.filters.team_id is not None:
            leads = leads.filter(team_id=self.filters.team_id)
        return leads

    @cached_property
    def won_deals(self) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """(created, won) of the deals won in the range."""
        deals = deals_visible_to(self.user).filter(
            status=DealStatus.WON,
            closed_at__gte=self.range_start,
            closed_at__lt=self.range_end,
        )
        if self.filters.team_id is not None:
            deals = deals.filter(team_id=self.filters.team_id)
        return list(deals.values_list("created_at", "closed_at"))

    @cached_property
    def answers(self) -> list[dict]:
        """CSAT and NPS answers per period: counts, score sums, satisfied, promoters and
        detractors (one GROUP BY over `responses_visible_to`)."""
        responses = responses_visible_to(self.user).filter(
            kind__in=(SurveyKind.CSAT, SurveyKind.NPS),
            answered_at__gte=self.range_start,
            answered_at__lt=self.range_end,
        )
        if self.filters.team_id is not None:
            responses = responses.filter(Q(kind=SurveyKind.NPS) | Q(team_id=self.filters.team_id))
        empty = {"count": 0, "score_sum": 0, "satisfied": 0, "promoters": 0, "detractors": 0}
        found = [{SurveyKind.CSAT: dict(empty), SurveyKind.NPS: dict(empty)} for _p in self.periods]
        for row in (
            responses.annotate(
                period=Trunc("answered_at", self.filters.period, output_field=DateField())
            )
            .values("period", "kind")
            .annotate(
                count=Count("pk"),
                score_sum=Sum("score", output_field=IntegerField()),
                satisfied=Count("pk", filter=Q(score__gte=4)),
                promoters=Count("pk", filter=Q(score__gte=9)),
                detractors=Count("pk", filter=Q(score__lte=6)),
            )
            .order_by()
        ):
            into = found[self._index_of_start(row["period"])][row["kind"]]
            for name in empty:
                into[name] += row[name] or 0
        return found

    # --- Helpers -------------------------------------------------------------------------------

    def _index_of_start(self, period_first: datetime.date | datetime.datetime) -> int:
        if isinstance(period_first, datetime.datetime):
            period_first = period_first.date()
        return self._period_index.get(period_first, len(self.periods) - 1)

    def period_of(self, moment: datetime.datetime) -> int:
        day = timezone.localtime(moment).date()
        return self._index_of_start(stats.period_start(day, self.filters.period))

    @cached_property
    def has_anything(self) -> bool:
        return bool(
            self.customers.seen
            or any(period["created"] for period in self.leads)
            or self.won_deals
            or any(p[kind]["count"] for p in self.answers for kind in p)
        )


def kpi_source(user: User, filters: DashboardFilters, *, flow_alone: bool = False) -> KpiSource:
    return KpiSource(user, filters, flow_alone=flow_alone)


# --- Figures -------------------------------------------------------------------------------------
#
# Each takes a `KpiSource` and returns a JSON-ready dict: the figure over the whole range and a
# "trend" of one value per period (None where there is nothing to measure), "empty" when the
# range holds nothing the figure counts.


def _labels(source: KpiSource) -> list[str]:
    return [period.label for period in source.periods]


def retention(source: KpiSource) -> dict:
    counts = source.flow
    trend: list[float | None] = [None]
    for index in range(1, len(source.periods)):
        before = counts.periods[index - 1].active
        trend.append(share(counts.periods[index].kept, before))
    return {
        "empty": not counts.previous,
        "value": share(counts.retained, counts.previous),
        "retained": counts.retained,
        "base": counts.previous,
        "trend": {"periods": _labels(source), "values": trend},
    }


def repeat_purchase(source: KpiSource) -> dict:
    counts = source.customers
    return {
        "empty": not counts.active,
        "value": share(counts.repeat, counts.active),
        "repeat": counts.repeat,
        "base": counts.active,
        "trend": {
            "periods": _labels(source),
            "values": [share(period.repeat, period.active) for period in source.activity],
        },
    }


def _currencies(source: KpiSource) -> list[str]:
    found = {currency for activity in source.activity for currency in activity.orders}
    return sorted(found)


def _per_currency_trend(source: KpiSource, value) -> dict:
    return {
        "periods": _labels(source),
        "series": [
            {
                "name": currency,
                "values": [
                    None if value(activity, currency) is None else float(value(activity, currency))
                    for activity in source.activity
                ],
            }
            for currency in _currencies(source)
        ],
    }


def average_order_value(source: KpiSource) -> dict:
    """Revenue divided by orders, per currency, over the range and per period."""
    orders: dict[str, int] = defaultdict(int)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for activity in source.activity:
        for currency, count in activity.orders.items():
            orders[currency] += count
            revenue[currency] += activity.revenue[currency]

    def per_period(activity: PeriodCounts, currency: str) -> Decimal | None:
        count = activity.orders.get(currency)
        return to_cents(activity.revenue[currency] / count) if count else None

    return {
        "empty": not orders,
        "amounts": [
            {
                "currency": currency,
                "value": to_cents(revenue[currency] / orders[currency]),
                "orders": orders[currency],
                "revenue": revenue[currency],
            }
            for currency in _currencies(source)
        ],
        "trend": _per_currency_trend(source, per_period),
    }


def revenue_per_customer(source: KpiSource) -> dict:
    """Revenue divided by the customers who ordered in that currency, over the range and per
    period."""
    customers = source.customers.customers
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for activity in source.activity:
        for currency, amount in activity.revenue.items():
            revenue[currency] += amount

    def per_period(activity: PeriodCounts, currency: str) -> Decimal | None:
        count = activity.customers.get(currency, 0)
        return to_cents(activity.revenue[currency] / count) if count else None

    return {
        "empty": not customers,
        "amounts": [
            {
                "currency": currency,
                "value": to_cents(revenue[currency] / customers[currency]),
                "customers": customers[currency],
                "revenue": revenue[currency],
            }
            for currency in _currencies(source)
        ],
        "trend": _per_currency_trend(source, per_period),
    }


def new_and_repeat_customers(source: KpiSource) -> dict:
    """Per period, the customers who ordered in it: new (their first order is in it) and
    repeat (they had ordered before it)."""
    counts = source.flow
    new = [period.new for period in counts.periods]
    repeat = [period.active - period.new for period in counts.periods]
    return {
        "empty": not any(new) and not any(repeat),
        "new": counts.new,
        "active": counts.active,
        "trend": {"periods": _labels(source), "new": new, "repeat": repeat},
        "rows": [
            {"name": label, "new": n, "repeat": r}
            for label, n, r in zip(_labels(source), new, repeat, strict=True)
        ],
    }


def new_customers_by_source(source: KpiSource) -> dict:
    counts = source.customers.new_by_source
    labels = dict(SourceChannel.choices)
    rows = [
        {"source": key, "name": str(labels.get(key, key)), "value": count}
        for key, count in counts.items()
    ]
    rows.sort(key=lambda row: (-row["value"], row["name"]))
    return {"empty": not rows, "rows": rows, "total": sum(counts.values())}


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 86400


def lead_conversion(source: KpiSource) -> dict:
    created = sum(period["created"] for period in source.leads)
    converted = sum(period["converted"] for period in source.leads)
    days = [_days(start, end) for start, end in source.lead_conversions]
    return {
        "empty": not created,
        "value": share(converted, created),
        "created": created,
        "converted": converted,
        "median_days": stats.rounded(stats.median(days)),
        "trend": {
            "periods": _labels(source),
            "values": [share(p["converted"], p["created"]) for p in source.leads],
        },
    }


def sales_cycle(source: KpiSource) -> dict:
    per_period: list[list[float]] = [[] for _period in source.periods]
    for created_at, won_at in source.won_deals:
        per_period[source.period_of(won_at)].append(_days(created_at, won_at))
    days = [value for values in per_period for value in values]
    return {
        "empty": not days,
        "won": len(days),
        "median_days": stats.rounded(stats.median(days)),
        "p90_days": stats.rounded(stats.percentile(days, 0.9)),
        "trend": {
            "periods": _labels(source),
            "values": [stats.rounded(stats.median(values)) for values in per_period],
        },
    }


def _nps_score(row: dict) -> int | None:
    if not row["count"]:
        return None
    return round(100 * (row["promoters"] - row["detractors"]) / row["count"])


def _sum_answers(rows: list[dict]) -> dict:
    total = {"count": 0, "score_sum": 0, "satisfied": 0, "promoters": 0, "detractors": 0}
    for row in rows:
        for name in total:
            total[name] += row[name]
    return total


def nps(source: KpiSource) -> dict:
    """Net promoter score: promoters (9–10) less detractors (0–6), in per cent of answers."""
    rows = [period[SurveyKind.NPS] for period in source.answers]
    total = _sum_answers(rows)
    return {
        "empty": not total["count"],
        "value": _nps_score(total),
        "count": total["count"],
        "promoters": total["promoters"],
        "detractors": total["detractors"],
        "trend": {"periods": _labels(source), "values": [_nps_score(row) for row in rows]},
    }


def csat(source: KpiSource) -> dict:
    """Average CSAT score (1–5) and the share of satisfied answers (4 or 5)."""
    rows = [period[SurveyKind.CSAT] for period in source.answers]
    total = _sum_answers(rows)

    def average(row: dict) -> float | None:
        return round(row["score_sum"] / row["count"], 2) if row["count"] else None

    return {
        "empty": not total["count"],
        "value": average(total),
        "count": total["count"],
        "satisfied": share(total["satisfied"], total["count"]),
        "trend": {"periods": _labels(source), "values": [average(row) for row in rows]},
    }


# --- Cohorts -------------------------------------------------------------------------------------


@dataclass
class CohortCell:
    offset: int  # months after the cohort's first month
    customers: int | None  # who ordered that month; None for a month not over yet
    share: float | None
    revenue: dict[str, Decimal]

    @property
    def step(self) -> int:
        """The cell's colour on the table, 0 (none ordered) to 5 (all of them)."""
        return 0 if not self.share else max(1, round(self.share / 20))


@dataclass
class CohortRow:
    month: datetime.date
    label: str
    customers: int
    cells: list[CohortCell]


def cohort_months(filters: DashboardFilters) -> list[datetime.date]:
    """The first days of the months the range touches: one cohort each."""
    month = filters.start.replace(day=1)
    found = []
    while month <= filters.end:
        found.append(month)
        month = add_months(month, 1)
    return found


def cohort_table(user: User, filters: DashboardFilters) -> list[CohortRow]:
    """Customers by the month of their first counted order (one cohort per month of the range),
    and for each month after it (+1 … +12): how many of them ordered, their share of the
    cohort, and the revenue of the cohort's orders that month, per currency (month +0 too).

    One query of the per-customer facts (`queries.cohort_counts`): the customers are grouped
    by cohort and month in SQL.
    """
    months = cohort_months(filters)
    counts = cohort_counts(
        user,
        first=months[0],
        last=add_months(months[-1], 1) - datetime.timedelta(days=1),
        until=add_months(months[-1], COHORT_MONTHS + 1) - datetime.timedelta(days=1),
        offsets=COHORT_MONTHS,
        team_id=filters.team_id,
    )
    this_month = timezone.localdate().replace(day=1)
    rows = []
    for month in months:
        number = month_number(month)
        size = counts.sizes.get(number, 0)
        cells = []
        for offset in range(COHORT_MONTHS + 1):
            over = add_months(month, offset) <= this_month
            count = counts.ordered.get((number, offset), 0) if over else None
            cells.append(
                CohortCell(
                    offset=offset,
                    customers=count,
                    share=share(count, size) if count is not None else None,
                    revenue=dict(sorted(counts.revenue.get((number, offset), {}).items())),
                )
            )
        rows.append(
            CohortRow(
                month=month,
                label=date_format(month, "YEAR_MONTH_FORMAT"),
                customers=size,
                cells=cells,
            )
        )
    return rows


def cohort_chart(rows: list[CohortRow]) -> dict:
    """The heat map's data: [offset, row, share] for each month that is over (+1 … +12)."""
    return {
        "months": [row.label for row in rows],
        "offsets": [f"+{offset}" for offset in range(1, COHORT_MONTHS + 1)],
        "points": [
            [cell.offset - 1, index, cell.share]
            for index, row in enumerate(rows)
            for cell in row.cells[1:]
            if cell.share is not None and row.customers
        ],
    }


# Every figure of the KPI page, for callers that show them all.
FIGURES = (
    retention,
    repeat_purchase,
    average_order_value,
    revenue_per_customer,
    new_and_repeat_customers,
    new_customers_by_source,
    lead_conversion,
    sales_cycle,
    nps,
    csat,
)
