"""Order and order-line reports the facts answer (`rapport.analytics.facts`), read from them
instead of the orders or their lines, so that their cost follows the days asked for rather than
the rows stored.

Routed:

- the orders subject, counted (`count` = the daily facts' `orders`, every order placed) and its
  revenue (`sum:revenue` = the facts' `revenue`, `Order.net_value` summed), by at most one
  period of `placed_at` and any of province, owner, team and currency, filtered by those same
  dimensions (not by "none");
- the order-lines subject of the orders not cancelled nor returned (a status filter naming
  exactly the other statuses, as the ready answer "sales by region, product and month" has:
  the line facts hold only those), counted (`lines`), its line totals (`revenue`) and
  quantities, by at most one period of the order's placing and any of product, category,
  owner, team and province, filtered by those. By province (grouped or filtered) the monthly
  line facts answer: then only by month, quarter or year, over whole months.

Anything else (distinct customers, averages, medians, other statuses, the order total) is read
from the rows. Both paths give the same rows (tests/test_facts_route.py).

On SQLite a week or a quarter is read from the facts by day or by month and added up here: the
facts group months and years in plain SQL, but weeks and quarters through Django's `Trunc`, a
Python function called per row there.
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from rapport.accounts.models import User
from rapport.analytics.facts.selectors import (
    MONTHLY_PERIODS,
    FactFilters,
    line_facts,
    order_facts,
)
from rapport.analytics.reports.engine import COUNT, ReportDefinition

# Before any order a Rapport installation could hold, and after: the facts are read by day
# range, the rows have none unless the report names one.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(9000, 12, 31)
OPEN_STATUSES = frozenset({"placed", "paid", "shipped", "received"})


@dataclass(frozen=True)
class Route:
    subject: str
    date_key: str
    # Report measure -> fact measure; the first is the count that leaves out empty groups.
    measures: dict[str, str]
    # Report dimension (also a filter) -> the facts' FactFilters field.
    filters: dict[str, str]
    integer_filters: tuple[str, ...]
    read: Callable[..., list[dict]]
    # Filters the report must have exactly (by their set of values) for the facts to hold its
    # rows; they are not passed on (the facts are those rows already).
    required: dict[str, frozenset] = field(default_factory=dict)
    # Dimensions (grouped or filtered) that send the read to a monthly table.
    monthly: tuple[str, ...] = ()

    def count(self) -> str:
        return next(iter(self.measures.values()))


ROUTES = {
    "orders": Route(
        subject="orders",
        date_key="placed_at",
        measures={COUNT: "orders", "sum:revenue": "revenue"},
        filters={
            "province": "provinces",
            "owner": "owners",
            "team": "teams",
            "currency": "currencies",
        },
        integer_filters=("owner", "team"),
        read=order_facts,
    ),
    "order_lines": Route(
        subject="order_lines",
        date_key="order_placed_at",
        measures={COUNT: "lines", "sum:line_total": "revenue", "sum:quantity": "quantity"},
        filters={
            "product": "products",
            "category": "categories",
            "owner": "owners",
            "team": "teams",
            "province": "provinces",
        },
        integer_filters=("product", "owner", "team"),
        read=line_facts,
        required={"status": OPEN_STATUSES},
        monthly=("province",),
    ),
}


def _grain(route: Route, definition: ReportDefinition) -> str | None:
    for key in definition.dimensions:
        if key.startswith(f"{route.date_key}:"):
            return key.split(":", 1)[1]
    return None


def _routable(route: Route, definition: ReportDefinition) -> bool:
    if definition.date_field not in ("", route.date_key):
        return False
    periods = [d for d in definition.dimensions if d.startswith(f"{route.date_key}:")]
    others = [d for d in definition.dimensions if d not in periods]
    if len(periods) > 1 or any(d not in route.filters for d in others):
        return False
    if any(m not in route.measures for m in definition.measures):
        return False
    for key, accepted in route.required.items():
        if frozenset(definition.filters.get(key, ())) != accepted:
            return False
    passed = {k: v for k, v in definition.filters.items() if k not in route.required}
    if not all(key in route.filters and "" not in values for key, values in passed.items()):
        return False
    if any(key in route.monthly for key in [*others, *passed]):
        # A monthly table: by whole months only.
        grain = _grain(route, definition)
        if grain is not None and grain not in MONTHLY_PERIODS:
            return False
        if definition.start and definition.start.day != 1:
            return False
        if definition.end and definition.end.day != _month_days(definition.end):
            return False
    return True


def _month_days(day: datetime.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


# On SQLite: the period read from the facts, and how a period start folds into the report's.
_FOLDED = {
    "week": ("day", lambda day: day - datetime.timedelta(days=day.weekday())),
    "quarter": ("month", lambda day: day.replace(month=(day.month - 1) // 3 * 3 + 1)),
}


def facts_rows(user: User, definition: ReportDefinition, *, money: bool) -> list | None:
    """(group values, measure values) per group as `engine` makes them, or None when the facts
    cannot answer this definition."""
    route = ROUTES.get(definition.subject)
    if route is None or not _routable(route, definition):
        return None
    keys, group_by = [], []
    fold = None
    for key in definition.dimensions:
        if key.startswith(f"{route.date_key}:"):
            grain = key.split(":", 1)[1]
            if connection.vendor == "sqlite" and grain in _FOLDED:
                grain, fold = _FOLDED[grain]
            keys.append("period")
            group_by.append(grain)
        else:
            keys.append(key)
            group_by.append(key)
    filters = FactFilters(
        **{
            route.filters[key]: (
                tuple(int(v) for v in values) if key in route.integer_filters else tuple(values)
            )
            for key, values in definition.filters.items()
            if key not in route.required
        }
    )
    measures = {route.count()} | {route.measures[m] for m in definition.measures}
    found = route.read(
        user,
        start=definition.start or EARLIEST,
        end=definition.end or LATEST,
        group_by=group_by,
        filters=filters,
        measures=sorted(measures),
    )
    # The facts are always per currency: without money the groups add their currencies up.
    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
    for row in found:
        group = tuple(_value(row, k, fold) for k in keys) + ((row["currency"],) if money else ())
        for measure in measures:
            sums[group][measure] += row[measure]
    rows = []
    for group, measured in sums.items():
        if not measured[route.count()]:
            continue
        values = []
        for key in definition.measures:
            value = measured[route.measures[key]]
            values.append(int(value) if key == COUNT else Decimal(value).quantize(Decimal("0.01")))
        rows.append((group, values))
    rows.sort(key=lambda row: tuple(_sortable(v) for v in row[0]))
    if definition.sort:
        index = definition.measures.index(definition.sort)
        rows.sort(key=lambda row: -row[1][index])
    if definition.limit:
        rows = rows[: definition.limit]
    return rows


def _value(row: dict, key: str, fold):
    value = row[key]
    if key == "period" and fold is not None:
        return fold(value)
    if key == "category" and value is None:
        return ""  # a line without a product: the rows' category is "" too
    return value


def _sortable(value) -> tuple:
    return (value is not None, value if value is not None else "")
