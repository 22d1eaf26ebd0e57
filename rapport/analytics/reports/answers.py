"""The ready answers: fixed report definitions (opened in the builder, where they can be changed
and saved) and the two answers a single grouping cannot give, worked out from engine runs:

- fastest-growing customers: each customer's revenue in this period against the one before;
- 20/80: which share of customers makes 80 % of revenue (a Pareto chart), per currency.

Revenue is `Order.net_value` (the engine's `sum:revenue`): cancelled and returned orders count
only what they kept.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import User
from rapport.analytics.reports.engine import (
    MONTH,
    QUARTER,
    YEAR,
    ReportResult,
    parse_definition,
    report_run,
)

OPEN_STATUSES = ["placed", "paid", "shipped", "received"]


@dataclass(frozen=True)
class Preset:
    key: str
    title: object
    description: object
    definition: dict


PRESETS = (
    Preset(
        "largest_customers",
        _("Largest customers"),
        _("The twenty customers with the most revenue, with their orders."),
        {
            "subject": "orders",
            "dimensions": ["customer"],
            "measures": ["sum:revenue", "count"],
            "sort": "sum:revenue",
            "limit": 20,
            "chart": "bar",
        },
    ),
    Preset(
        "region_product_month",
        _("Sales by region, product and month"),
        _("What each province bought of each product, month by month (orders not cancelled)."),
        {
            "subject": "order_lines",
            "dimensions": ["province", "product", "order_placed_at:month"],
            "measures": ["sum:line_total", "sum:quantity"],
            "filters": {"status": OPEN_STATUSES},
            "chart": "stacked",
        },
    ),
    Preset(
        "revenue_by_month",
        _("Revenue by month"),
        _("Revenue and orders month by month."),
        {
            "subject": "orders",
            "dimensions": ["placed_at:month"],
            "measures": ["sum:revenue", "count", "customers"],
            "chart": "line",
        },
    ),
)


def preset_of(key: str) -> Preset | None:
    return next((p for p in PRESETS if p.key == key), None)


# --- Fastest-growing customers --------------------------------------------------------------------

PERIODS = {
    MONTH: _("Month"),
    QUARTER: _("Quarter"),
    YEAR: _("Year"),
}
GROWTH_SHOWN = 20


def period_bounds(today: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """The first day of the current period and of the one before it."""
    if period == YEAR:
        current = today.replace(month=1, day=1)
        return current, current.replace(year=current.year - 1)
    months = 3 if period == QUARTER else 1
    first_month = (today.month - 1) // months * months + 1
    current = today.replace(month=first_month, day=1)
    month_index = current.year * 12 + current.month - 1 - months
    return current, datetime.date(month_index // 12, month_index % 12 + 1, 1)


@dataclass
class Growth:
    customer: str
    currency: str
    before: Decimal
    now: Decimal

    @property
    def change(self) -> Decimal:
        return self.now - self.before

    @property
    def percent(self) -> Decimal | None:
        if not self.before:
            return None
        return (100 * self.change / self.before).quantize(Decimal("0.1"))


@dataclass
class GrowthAnswer:
    period: str
    current_start: datetime.date
    previous_start: datetime.date
    today: datetime.date
    rows: list[Growth] = field(default_factory=list)


def _revenue_by_customer(user: User, start: datetime.date, end: datetime.date) -> ReportResult:
    definition = parse_definition(
        {
            "subject": "orders",
            "dimensions": ["customer"],
            "measures": ["sum:revenue"],
            "date_field": "placed_at",
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
    )
    return report_run(user, definition)


def fastest_growing_customers(
    user: User, period: str = MONTH, today: datetime.date | None = None
) -> GrowthAnswer:
    """Customers whose revenue grew most from the previous period to this one, the current
    period so far against the same number of days of the previous one (a fair race)."""
    today = today or timezone.localdate()
    current_start, previous_start = period_bounds(today, period)
    elapsed = today - current_start
    previous_end = min(previous_start + elapsed, current_start - datetime.timedelta(days=1))
    now = _revenue_by_customer(user, current_start, today)
    before = _revenue_by_customer(user, previous_start, previous_end)
    found: dict[tuple, Growth] = {}
    for result, attribute in ((before, "before"), (now, "now")):
        for cells, currency, values in result.rows:
            key = (cells[0].key, currency)
            growth = found.setdefault(
                key, Growth(cells[0].label, currency, Decimal("0.00"), Decimal("0.00"))
            )
            setattr(growth, attribute, values[0] or Decimal("0.00"))
    rows = sorted(
        (g for g in found.values() if g.change > 0), key=lambda g: (-g.change, g.customer)
    )
    return GrowthAnswer(period, current_start, previous_start, today, rows[:GROWTH_SHOWN])


# --- 20/80 ----------------------------------------------------------------------------------------


@dataclass
class ParetoAnswer:
    currency: str
    customers: int
    # How many of the largest customers first reach 80 % of revenue, and their share in %.
    top_customers: int
    top_share: Decimal
    revenue: Decimal
    chart: dict


PARETO_SHARE = Decimal("0.8")
PARETO_BARS = 50


def pareto_of_customers(user: User, start=None, end=None) -> list[ParetoAnswer]:
    """Per currency: customers by revenue, largest first, and how few make 80 % of it."""
    definition = parse_definition(
        {
            "subject": "orders",
            "dimensions": ["customer"],
            "measures": ["sum:revenue"],
            "date_field": "placed_at",
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "chart": "pareto",
        }
    )
    result = report_run(user, definition)
    by_currency: dict[str, list[tuple[str, Decimal]]] = {}
    for cells, currency, values in result.rows:
        if values[0] and values[0] > 0:
            by_currency.setdefault(currency, []).append((cells[0].label, values[0]))
    answers = []
    for currency, rows in sorted(by_currency.items(), key=lambda item: -len(item[1])):
        rows.sort(key=lambda row: -row[1])
        revenue = sum(amount for _name, amount in rows)
        running, top, shares = Decimal("0"), 0, []
        for _name, amount in rows:
            running += amount
            shares.append(float(round(100 * running / revenue, 1)))
            if not top and running >= PARETO_SHARE * revenue:
                top = len(shares)
        shown = rows[:PARETO_BARS]
        answers.append(
            ParetoAnswer(
                currency=currency,
                customers=len(rows),
                top_customers=top,
                top_share=(Decimal(100 * top) / len(rows)).quantize(Decimal("0.1")),
                revenue=revenue,
                chart={
                    "chart": "pareto",
                    "categories": [name for name, _amount in shown],
                    "series": [{"name": currency, "data": [float(a) for _n, a in shown]}],
                    "shares": shares[: len(shown)],
                    "measure": str(_("Revenue")) + f" ({currency})",
                    "names": {"share": str(_("Cumulative share")), "x": str(_("Customer"))},
                },
            )
        )
    return answers
