"""Reading the daily facts: sums per period (day, week, month, quarter, year) and per dimension,
per currency, over what the reader may see.

A fact row carries the owner and team of the orders it sums, which are the orders' own (copied
from the customer), so the visibility rule of orders (`visible_records_q`: own and the team's;
administrators all) applied to fact rows counts exactly the orders the reader may see.

Every function answers in one query, whatever the range: rows of plain values, money as exact
`Decimal` sums per currency (to the cent; never added across currencies — convert with
`rapport.sales.selectors.money.RateBook`). Distinct counts of customers are not additive over
days: they are read from the per-customer facts below, one row per customer and day.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Case, CharField, DateField, F, Min, Q, QuerySet, Sum, When
from django.db.models.functions import Cast, Substr, Trunc
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.analytics.facts.models import (
    CashFact,
    CustomerDayFact,
    CustomerFact,
    OrderFact,
    OrderLineFact,
    OrderLineMonthFact,
    ReceivableFact,
)
from rapport.core.cleaning import invalid
from rapport.sales.selectors.money import RateBook, to_cents
from rapport.sales.selectors.orders import (
    AGING_BUCKETS,
    AgingBucket,
    Receivables,
    ReceivablesReport,
)

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


# --- Customers -----------------------------------------------------------------------------------
#
# Who ordered when, from `CustomerFact` and `CustomerDayFact` (counted orders only: neither
# cancelled nor returned; revenue is total less credits). A fact row carries the order's person
# and company: the KPI figures' customer is the person, else the company (`customer_key`); the
# executive's top customers are the company, else the person. Visibility is the orders' own
# rule applied to the rows' owner and team, and the team filter narrows by the rows' team.

CustomerKey = tuple[str, int]
WEEK, MONTH = "week", "month"


def customer_key(person_id: int | None, company_id: int | None) -> CustomerKey:
    """The KPI figures' customer of an order: its person, else its company."""
    return ("person", person_id) if person_id is not None else ("company", company_id)


def _customer_facts(model, user: User, team_id: int | None) -> QuerySet:
    rows = model.objects.filter(visible_records_q(user)).order_by()
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    return rows


def _of_customers(rows: QuerySet) -> Q:
    """The fact rows of the customers (person, else company) that have a row in `rows`."""
    return Q(person_id__in=rows.filter(person__isnull=False).values("person_id").distinct()) | Q(
        person__isnull=True,
        company_id__in=rows.filter(person__isnull=True).values("company_id").distinct(),
    )


@dataclass(frozen=True)
class CustomerDay:
    """A customer's counted orders of one day and currency (one `CustomerDayFact` row)."""

    key: CustomerKey
    day: datetime.date
    currency: str
    orders: int
    revenue: Decimal
    source: str | None


def customer_days(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    team_id: int | None = None,
    with_source: bool = False,
) -> list[CustomerDay]:
    """The customers' counted orders from `start` to `end` (days, inclusive) that `user` may
    see, per day and currency; with `with_source`, the customer's source channel (one join)."""
    rows = _customer_facts(CustomerDayFact, user, team_id).filter(day__gte=start, day__lte=end)
    fields = ["person_id", "company_id", "day", "currency", "orders", "revenue"]
    if with_source:
        rows = rows.annotate(
            source=Case(
                When(person__isnull=False, then=F("person__source")),
                default=F("company__source"),
                output_field=CharField(),
            )
        )
        fields.append("source")
    return [
        CustomerDay(
            key=customer_key(row[0], row[1]),
            day=row[2],
            currency=row[3],
            orders=row[4],
            revenue=to_cents(row[5]),
            source=row[6] if with_source else None,
        )
        for row in rows.values_list(*fields)
    ]


def customer_first_days(
    user: User, *, start: datetime.date, end: datetime.date, team_id: int | None = None
) -> dict[CustomerKey, datetime.date]:
    """The day of the first counted order ever that `user` may see, of each customer who
    ordered from `start` to `end` (one query)."""
    active = _customer_facts(CustomerDayFact, user, team_id).filter(day__gte=start, day__lte=end)
    first: dict[CustomerKey, datetime.date] = {}
    for person_id, company_id, day in (
        _customer_facts(CustomerFact, user, team_id)
        .filter(_of_customers(active))
        .values("person_id", "company_id")
        .annotate(first=Min("first_day"))
        .values_list("person_id", "company_id", "first")
    ):
        key = customer_key(person_id, company_id)
        if key not in first or day < first[key]:
            first[key] = day
    return first


def customer_cohorts(
    user: User, *, start: datetime.date, end: datetime.date, team_id: int | None = None
) -> dict[CustomerKey, datetime.date]:
    """The customers whose first counted order that `user` may see falls from `start` to
    `end`, and its day (one query)."""
    new = _customer_facts(CustomerFact, user, team_id).filter(
        first_day__gte=start, first_day__lte=end
    )
    first: dict[CustomerKey, datetime.date] = {}
    for person_id, company_id, day in (
        _customer_facts(CustomerFact, user, team_id)
        .filter(_of_customers(new), first_day__lte=end)
        .values("person_id", "company_id")
        .annotate(first=Min("first_day"))
        .values_list("person_id", "company_id", "first")
    ):
        key = customer_key(person_id, company_id)
        if key not in first or day < first[key]:
            first[key] = day
    return {key: day for key, day in first.items() if day >= start}


def customer_months(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    customers_since: datetime.date,
    team_id: int | None = None,
) -> list[tuple[CustomerKey, datetime.date, str, Decimal]]:
    """(customer, month, currency, revenue) of the counted orders from `start` to `end` that
    `user` may see, of the customers whose first such order is on or after `customers_since`
    (a superset: those with a row first ordering then; the caller keeps its own cohorts)."""
    if connection.vendor == "sqlite":
        month = Substr(Cast("day", CharField()), 1, 7)
    else:
        month = Trunc("day", "month", output_field=DateField())
    new = _customer_facts(CustomerFact, user, team_id).filter(first_day__gte=customers_since)
    found = []
    for person_id, company_id, period, currency, revenue in (
        _customer_facts(CustomerDayFact, user, team_id)
        .filter(_of_customers(new), day__gte=start, day__lte=end)
        .annotate(month=month)
        .values("person_id", "company_id", "month", "currency")
        .annotate(s=Sum("revenue"))
        .values_list("person_id", "company_id", "month", "currency", "s")
    ):
        if isinstance(period, str):
            period = datetime.date.fromisoformat(period + "-01")
        elif isinstance(period, datetime.datetime):
            period = period.date()
        found.append((customer_key(person_id, company_id), period, currency, to_cents(revenue)))
    return found


def period_first_day(day: datetime.date, period: str) -> datetime.date:
    """The first day of the week (Monday) or month `day` is in."""
    if period == MONTH:
        return day.replace(day=1)
    return day - datetime.timedelta(days=day.weekday())


def _periods(start: datetime.date, end: datetime.date, period: str) -> list[datetime.date]:
    if period not in (WEEK, MONTH):
        raise invalid("period", _("Choose weeks or months."))
    if start > end:
        raise invalid("end", _("The range ends before it starts."))
    found, cursor = [], period_first_day(start, period)
    while cursor <= end:
        found.append(cursor)
        if period == MONTH:
            cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
        else:
            cursor += datetime.timedelta(days=7)
    return found


def _active_by_period(
    user: User, start: datetime.date, end: datetime.date, team_id: int | None, period: str
) -> tuple[list[datetime.date], dict[datetime.date, set[CustomerKey]]]:
    periods = _periods(start, end, period)
    active: dict[datetime.date, set[CustomerKey]] = {first: set() for first in periods}
    for row in customer_days(user, start=start, end=end, team_id=team_id):
        active[period_first_day(row.day, period)].add(row.key)
    return periods, active


def new_and_repeat_customers(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    team_id: int | None = None,
    period: str = MONTH,
) -> list[dict]:
    """Per week or month of `start`..`end` (cut to the range), the customers who ordered in
    it: `new` (their first order `user` may see is in it) and `repeat` (they had ordered
    before it). Two queries. Rows: {"period": first day, "active", "new", "repeat"}."""
    periods, active = _active_by_period(user, start, end, team_id, period)
    first = customer_first_days(user, start=start, end=end, team_id=team_id)
    rows = []
    for first_day in periods:
        keys = active[first_day]
        since = max(first_day, start)
        fresh = sum(1 for key in keys if first.get(key, since) >= since)
        rows.append(
            {"period": first_day, "active": len(keys), "new": fresh, "repeat": len(keys) - fresh}
        )
    return rows


def customer_retention(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    team_id: int | None = None,
    period: str = MONTH,
) -> list[dict]:
    """Per week or month of `start`..`end`, of the customers who ordered in the period before
    (the first period's from the whole period before it), the share who ordered in this one.
    One query. Rows: {"period": first day, "base", "retained", "share": per cent or None}."""
    periods = _periods(start, end, period)
    before = (
        (periods[0] - datetime.timedelta(days=1)).replace(day=1)
        if period == MONTH
        else periods[0] - datetime.timedelta(days=7)
    )
    _all, active = _active_by_period(user, before, end, team_id, period)
    rows = []
    for first_day in periods:
        previous = _all[_all.index(first_day) - 1]
        base, now = active[previous], active[first_day]
        retained = len(base & now)
        rows.append(
            {
                "period": first_day,
                "base": len(base),
                "retained": retained,
                "share": round(100 * retained / len(base), 1) if base else None,
            }
        )
    return rows


def top_customers(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    rates: RateBook,
    team_id: int | None = None,
    limit: int = 10,
) -> list[dict]:
    """The customers (an order's company, else its person) with the most revenue from `start`
    to `end` that `user` may see, converted with `rates`; ties by company, then person id.
    Two queries. Rows: {"company_id", "person_id", "revenue": {currency: Decimal},
    "converted": Decimal, what `rates` could convert}."""
    rows = _customer_facts(CustomerDayFact, user, team_id).filter(day__gte=start, day__lte=end)
    alone = Case(When(company__isnull=True, then=F("person_id")), default=None)
    ranked = list(
        rows.annotate(alone=alone)
        .values("company_id", "alone")
        .annotate(key=Sum(rates.converted_expression(F("revenue"))))
        .filter(key__isnull=False)
        .order_by("-key", "company_id", "alone")[:limit]
    )
    if not ranked:
        return []
    companies = [row["company_id"] for row in ranked if row["company_id"]]
    persons = [row["alone"] for row in ranked if not row["company_id"]]
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        rows.filter(Q(company_id__in=companies) | Q(company__isnull=True, person_id__in=persons))
        .annotate(alone=alone)
        .values("company_id", "alone", "currency")
        .annotate(s=Sum("revenue"))
    ):
        sums[(row["company_id"], row["alone"])][row["currency"]] = to_cents(row["s"])
    return [
        {
            "company_id": row["company_id"],
            "person_id": row["alone"],
            "revenue": dict(sorted(sums[(row["company_id"], row["alone"])].items())),
            "converted": rates.total(sums[(row["company_id"], row["alone"])]).converted,
        }
        for row in ranked
    ]


def receivables_totals(
    user: User, *, today: datetime.date, team_id: int | None = None, rates: RateBook
) -> ReceivablesReport:
    """What the open orders `user` may see (of `team_id`) owe on `today`: the totals and the
    aging of `rapport.sales.selectors.orders.receivables_report`, without its rows per owner and
    debtor, from the receivable facts (one query, a row per owner, day and due date, not
    every open order and instalment)."""
    facts = ReceivableFact.objects.filter(visible_records_q(user)).order_by()
    if team_id:
        facts = facts.filter(team_id=team_id)
    dated = Q(due_date__isnull=False)
    buckets = {}
    for index, (first, last) in enumerate(AGING_BUCKETS):
        q = dated & Q(due_date__lte=today - datetime.timedelta(days=first))
        if last is not None:
            q &= Q(due_date__gte=today - datetime.timedelta(days=last))
        buckets[f"b{index}"] = Sum("owed", filter=q)
    rows = list(
        facts.values("currency").annotate(
            outstanding=Sum("outstanding"),
            open_orders=Sum("open_orders"),
            overdue=Sum("owed", filter=dated & Q(due_date__lt=today)),
            not_yet_due=Sum("owed", filter=dated & Q(due_date__gte=today)),
            **buckets,
        )
    )

    def total(name: str):
        return rates.total(
            {row["currency"]: to_cents(row[name]) for row in rows if row[name] is not None}
        )

    return ReceivablesReport(
        totals=Receivables(
            outstanding=total("outstanding"),
            overdue=total("overdue"),
            open_orders=sum(row["open_orders"] or 0 for row in rows),
        ),
        not_yet_due=total("not_yet_due"),
        buckets=[
            AgingBucket(first, last, total(f"b{index}"))
            for index, (first, last) in enumerate(AGING_BUCKETS)
        ],
    )
