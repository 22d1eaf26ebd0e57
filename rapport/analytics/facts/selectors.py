"""Reading the daily facts: sums per period (day, week, month, quarter, year) and per dimension,
per currency, over what the reader may see.

A fact row carries the owner and team of the orders it sums, which are the orders' own (copied
from the customer), so the visibility rule of orders (`visible_records_q`: own and the team's;
administrators all) applied to fact rows counts exactly the orders the reader may see.

Every function answers in one query, whatever the range: rows of plain values, money as exact
`Decimal` sums per currency (to the cent; never added across currencies — convert with
`rapport.sales.selectors.money.RateBook`). Distinct counts (customers) are not additive over days
and are not in the facts: read them from the orders.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Substr, Trunc
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.analytics.facts.models import (
    CashFact,
    OrderFact,
    OrderLineFact,
    OrderLineMonthFact,
)
from rapport.core.cleaning import invalid
from rapport.sales.selectors.money import to_cents

PERIODS = ("day", "week", "month", "quarter", "year")
ORDER_MEASURES = (
    "orders",
    "open_orders",
    "total",
    "discounts",
    "credited",
    "kept",
    "revenue",
    "paid",
    "refunded",
)
LINE_MEASURES = ("lines", "quantity", "revenue", "discounts")
CASH_MEASURES = ("payments", "received", "refunds", "refunded")
COUNTS = {"orders", "open_orders", "lines", "quantity", "payments", "refunds"}

# Dimension name -> fact column, per table.
_COMMON = {"owner": "owner_id", "team": "team_id", "currency": "currency"}
ORDER_DIMENSIONS = {**_COMMON, "province": "province"}
LINE_DIMENSIONS = {**_COMMON, "product": "product_id", "category": "product__category"}
# By province, lines are summed by month (see `OrderLineMonthFact`).
LINE_MONTH_DIMENSIONS = {**LINE_DIMENSIONS, "province": "province"}
MONTHLY_PERIODS = ("month", "quarter", "year")
CASH_DIMENSIONS = {**_COMMON, "method": "method"}


@dataclass(frozen=True)
class FactFilters:
    """Narrow the facts to these values (empty: no narrowing). `products` and `categories`
    apply to line facts, `methods` to cash facts, the others to every table."""

    owners: tuple[int, ...] = ()
    teams: tuple[int, ...] = ()
    provinces: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    products: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


_FILTER_COLUMNS = {
    "owners": "owner_id",
    "teams": "team_id",
    "provinces": "province",
    "currencies": "currency",
    "products": "product_id",
    "categories": "product__category",
    "methods": "method",
}


def _facts(
    model,
    dimensions: dict[str, str],
    measures_known: Sequence[str],
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    group_by: Iterable[str],
    filters: FactFilters | None,
    measures: Iterable[str] | None,
) -> list[dict]:
    group_by = tuple(group_by)
    measures = tuple(measures or measures_known)
    unknown = [m for m in measures if m not in measures_known]
    if unknown:
        raise invalid("measures", _("Unknown measures: %(names)s.") % {"names": ", ".join(unknown)})
    periods = [key for key in group_by if key in PERIODS]
    unknown = [k for k in group_by if k not in PERIODS and k not in dimensions]
    if unknown or len(periods) > 1:
        raise invalid(
            "group_by",
            _("Group by at most one period and any of: %(names)s.")
            % {"names": ", ".join(dimensions)},
        )
    if start > end:
        raise invalid("end", _("The range ends before it starts."))
    qs: QuerySet = model.objects.filter(
        visible_records_q(user), day__gte=start, day__lte=end
    ).order_by()
    allowed = {name for name, column in _FILTER_COLUMNS.items() if column in dimensions.values()}
    for name, values in vars(filters or FactFilters()).items():
        if not values:
            continue
        if name not in allowed:
            raise invalid(
                "filters",
                _("This filter does not apply to these figures: %(name)s.") % {"name": name},
            )
        qs = qs.filter(Q(**{f"{_FILTER_COLUMNS[name]}__in": list(values)}))
    keys: dict[str, object] = {}
    for key in group_by:
        if key == "day":
            keys["period"] = F("day")
        elif key in ("month", "year") and connection.vendor == "sqlite":
            # SQLite's `Trunc` is a Python function called per row; the ISO text of the day cut
            # to "YYYY-MM" / "YYYY" is plain SQL (made a date again below).
            keys["period"] = Substr(Cast("day", CharField()), 1, 7 if key == "month" else 4)
        elif key in PERIODS:
            keys["period"] = Trunc("day", key, output_field=DateField())
        else:
            keys[key] = F(dimensions[key])
    keys.setdefault("currency", F("currency"))
    names = list(keys)
    rows = (
        qs.annotate(**{f"k_{n}": expr for n, expr in keys.items()})
        .values(*[f"k_{n}" for n in names])
        .annotate(**{f"m_{m}": Sum(m) for m in measures})
        .order_by(*[f"k_{n}" for n in names])
    )
    result = []
    for row in rows:
        item = {n: row[f"k_{n}"] for n in names}
        if isinstance(item.get("period"), str):
            item["period"] = datetime.date.fromisoformat(
                item["period"] + ("-01" if len(item["period"]) == 7 else "-01-01")
            )
        for m in measures:
            value = row[f"m_{m}"]
            item[m] = int(value or 0) if m in COUNTS else to_cents(value)
        result.append(item)
    return result


def order_facts(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    group_by: Iterable[str] = ("month",),
    filters: FactFilters | None = None,
    measures: Iterable[str] | None = None,
) -> list[dict]:
    """Orders placed from `start` to `end` (days, inclusive) that `user` may see, summed per
    `group_by` (at most one of PERIODS, any of ORDER_DIMENSIONS) and always per currency.

    Rows: `{"period": first day of the period, <dimension>: value..., "currency": "CNY",
    <measure>: int or Decimal...}` ordered by the keys. `measures` default to ORDER_MEASURES.
    Raises ValidationFailed on an unknown period, dimension, measure or filter."""
    return _facts(
        OrderFact,
        ORDER_DIMENSIONS,
        ORDER_MEASURES,
        user,
        start=start,
        end=end,
        group_by=group_by,
        filters=filters,
        measures=measures,
    )


def line_facts(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    group_by: Iterable[str] = ("product",),
    filters: FactFilters | None = None,
    measures: Iterable[str] | None = None,
) -> list[dict]:
    """Lines of the open orders placed from `start` to `end`, as `order_facts`; dimensions
    LINE_DIMENSIONS (`product` is the product id, None for lines without one; `category` is
    the product's category as it is now), measures LINE_MEASURES.

    By `province` (grouped or filtered) lines are summed by month: the range must then be
    whole months (from a 1st to a month's last day) and the period month, quarter or year
    (else ValidationFailed)."""
    group_by = tuple(group_by)
    by_province = "province" in group_by or bool(filters and filters.provinces)
    if not by_province:
        return _facts(
            OrderLineFact,
            LINE_DIMENSIONS,
            LINE_MEASURES,
            user,
            start=start,
            end=end,
            group_by=group_by,
            filters=filters,
            measures=measures,
        )
    if start.day != 1 or (end + datetime.timedelta(days=1)).day != 1:
        raise invalid("start", _("Lines by province are counted by whole months."))
    if any(key in PERIODS and key not in MONTHLY_PERIODS for key in group_by):
        raise invalid("group_by", _("Lines by province are counted by whole months."))
    return _facts(
        OrderLineMonthFact,
        LINE_MONTH_DIMENSIONS,
        LINE_MEASURES,
        user,
        start=start,
        end=end,
        group_by=group_by,
        filters=filters,
        measures=measures,
    )


def cash_facts(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    group_by: Iterable[str] = ("month",),
    filters: FactFilters | None = None,
    measures: Iterable[str] | None = None,
) -> list[dict]:
    """Money received (payments by the day paid) and paid back (refunds by the day refunded)
    from `start` to `end`, as `order_facts`; dimensions CASH_DIMENSIONS, measures
    CASH_MEASURES."""
    return _facts(
        CashFact,
        CASH_DIMENSIONS,
        CASH_MEASURES,
        user,
        start=start,
        end=end,
        group_by=group_by,
        filters=filters,
        measures=measures,
    )
