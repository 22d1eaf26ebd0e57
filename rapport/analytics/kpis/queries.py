"""The key figures' and the cohorts' counts of distinct customers, counted by the database.

Each function is one query over the per-customer facts (`rapport.analytics.facts`) that answers
a row per period (or per cohort and month), never a row per customer: the customers are grouped,
compared with the period before (a window function) and with their first order day (a join to
the customer facts' least `first_day` of the customers who may be new) in SQL, so what Python
receives grows with the periods asked for, not with the customers who ordered in them.

A customer is an order's person, else its company (`selectors.customer_key`), keyed in SQL as the
person's id, or minus the company's id (0: an order with neither), as the report builder's
"distinct customers" does. Both fact tables are read through the orders' visibility rule
(`visible_records_q` on the facts' owner and team) and the team filter.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.analytics.facts.models import CustomerDayFact, CustomerFact
from rapport.customers.models import Company, Person
from rapport.sales.selectors.money import to_cents

# The customer of a fact row: its person, else minus its company (0: neither).
CUSTOMER = Coalesce(F("person_id"), -F("company_id"), Value(0), output_field=IntegerField())


def _visible(model, user: User, team_id: int | None) -> QuerySet:
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


def _index_of(column: str, firsts: list[datetime.date], before: int = -1) -> Case:
    """The index of the last of `firsts` (ascending) on or before `column`; `before` if none."""
    return Case(
        *[
            When(**{f"{column}__gte": first}, then=Value(index))
            for index, first in reversed(list(enumerate(firsts)))
        ],
        default=Value(before),
        output_field=IntegerField(),
    )


def _sql(rows: QuerySet) -> tuple[str, tuple]:
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _fetch(sql: str, params: tuple) -> list[tuple]:
    """The rows of one query. On PostgreSQL without its JIT compiler: the planner's estimate of
    the window query passes `jit_above_cost`, and compiling it cost more than running it
    (about 380 of 1,500 ms at 300,000 orders). `SET LOCAL` in the same call lasts for the
    query's own transaction (a simple query of two statements is one transaction) or the
    request's, never beyond."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off; " + sql, params)
            while cursor.description is None and cursor.nextset():
                pass
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def _money(value) -> Decimal:
    # SQLite sums decimals as floats: their shortest text is the exact cents.
    return to_cents(Decimal(str(value)) if isinstance(value, float) else value)


@dataclass
class PeriodCounts:
    """One period of the range: customers who ordered in it, and per currency."""

    active: int = 0  # customers who ordered in the period
    repeat: int = 0  # ... at least twice in it
    kept: int = 0  # ... and in the period before it
    new: int = 0  # ... whose first order is in it (from the first day of its whole week/month)
    orders: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    revenue: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    customers: dict[str, int] = field(default_factory=dict)  # per currency


@dataclass
class CustomerCounts:
    """The customers of the range and of the window of the same length before it."""

    periods: list[PeriodCounts]
    seen: int = 0  # customers who ordered in the range or in the window before it
    previous: int = 0  # ordered in the window before
    retained: int = 0  # ordered in the window before and in the range
    active: int = 0  # ordered in the range
    repeat: int = 0  # ordered at least twice in the range
    new: int = 0  # first order ever in the range
    new_by_source: dict[str | None, int] = field(default_factory=dict)
    # Per currency over the range: the customers who ordered in it.
    customers: dict[str, int] = field(default_factory=dict)


def customer_counts(
    user: User,
    *,
    previous_first_day: datetime.date,
    firsts: list[datetime.date],
    period_starts: list[datetime.date],
    end: datetime.date,
    team_id: int | None,
) -> CustomerCounts:
    """What the customer figures count, for the periods beginning on `firsts` (the range's
    start first) up to `end`, with the window before from `previous_first_day`. A customer is
    new in a period when their first order ever is on or after `period_starts` of it (the
    whole week's or month's first day, which may be before the range's start). One query."""
    found = CustomerCounts(periods=[PeriodCounts() for _first in firsts])
    start = firsts[0]
    days = _visible(CustomerDayFact, user, team_id).filter(
        day__gte=previous_first_day, day__lte=end
    )
    # The one scan of the day facts: per customer, period (-1: the window before) and currency.
    by_currency = (
        days.annotate(k=CUSTOMER, p=_index_of("day", firsts))
        .values("k", "p", "currency")
        .annotate(n=Sum("orders"), r=Sum("revenue"))
        .values_list("k", "p", "currency", "n", "r")
    )
    # Who may be new: a customer whose first order (of the rows the reader may see) is on or
    # after the first period's whole first day; the others are not new in any period.
    earliest = period_starts[0]
    maybe_new = _visible(CustomerFact, user, team_id).filter(
        first_day__gte=earliest, first_day__lte=end
    )
    new = (
        _visible(CustomerFact, user, team_id)
        .filter(_of_customers(maybe_new), first_day__lte=end)
        .annotate(k=CUSTOMER)
        .values("k")
        .annotate(first=Min("first_day"))
        .filter(first__gte=earliest)
        .annotate(
            fb=_index_of("first", period_starts),
            fresh=Case(When(first__gte=start, then=Value(1)), default=Value(0)),
        )
        .values_list("k", "fb", "fresh")
    )
    try:
        days_sql, days_params = _sql(by_currency)
        new_sql, new_params = _sql(new)
    except EmptyResultSet:
        return found
    rows = _fetch(
        f"""
        WITH dc (k, p, currency, n, r) AS ({days_sql}),
        act AS (SELECT k, p, SUM(n) AS n FROM dc GROUP BY k, p),
        bp AS (
            SELECT p, currency, SUM(n) AS o, SUM(r) AS r, COUNT(*) AS c
            FROM dc WHERE p >= 0 GROUP BY p, currency
        ),
        wh AS (SELECT currency, COUNT(DISTINCT k) AS c FROM dc WHERE p >= 0 GROUP BY currency),
        nw0 (k, fb, fresh) AS ({new_sql}),
        nw AS (
            SELECT k, fb, fresh,
                CASE WHEN fresh = 1 AND k > 0 THEN
                    (SELECT source FROM {Person._meta.db_table} WHERE id = nw0.k)
                WHEN fresh = 1 AND k < 0 THEN
                    (SELECT source FROM {Company._meta.db_table} WHERE id = -nw0.k)
                END AS source
            FROM nw0
        ),
        w AS (
            SELECT act.p, act.n,
                LAG(act.p) OVER (PARTITION BY act.k ORDER BY act.p) AS prev_p,
                ROW_NUMBER() OVER (PARTITION BY act.k ORDER BY act.p) AS rn,
                SUM(CASE WHEN act.p < 0 THEN act.n ELSE 0 END)
                    OVER (PARTITION BY act.k) AS before_n,
                SUM(CASE WHEN act.p >= 0 THEN act.n ELSE 0 END)
                    OVER (PARTITION BY act.k) AS range_n,
                nw.fb, nw.fresh, nw.source
            FROM act LEFT JOIN nw ON nw.k = act.k
        )
        SELECT 'customers', p, CASE WHEN rn = 1 AND fresh = 1 THEN source END,
            COUNT(*),
            SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END),
            SUM(CASE WHEN prev_p = p - 1 THEN 1 ELSE 0 END),
            SUM(CASE WHEN fb >= p THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 AND before_n <> 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 AND before_n <> 0 AND range_n <> 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 AND range_n <> 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 AND range_n >= 2 THEN 1 ELSE 0 END),
            SUM(CASE WHEN rn = 1 AND fresh = 1 THEN 1 ELSE 0 END)
        FROM w
        GROUP BY p, CASE WHEN rn = 1 AND fresh = 1 THEN source END
        UNION ALL
        SELECT 'currency', p, currency, o, r, c{_PADDING} FROM bp
        UNION ALL
        SELECT 'currency', NULL, currency, NULL, NULL, c{_PADDING} FROM wh
        """,  # noqa: S608 (Django's compiled SQL, parameters apart)
        days_params + new_params,
    )
    by_source: dict[str | None, int] = defaultdict(int)
    for row in rows:
        if row[0] == "currency":
            _read_currency(found, row)
            continue
        p, source = int(row[1]), row[2]
        n_active, repeat, kept, new_count = (int(v or 0) for v in row[3:7])
        seen, previous, retained, in_range, repeat_in_range, fresh = (
            int(v or 0) for v in row[7:13]
        )
        if p >= 0:
            period = found.periods[p]
            period.active += n_active
            period.repeat += repeat
            period.kept += kept
            period.new += new_count
        found.seen += seen
        found.previous += previous
        found.retained += retained
        found.active += in_range
        found.repeat += repeat_in_range
        found.new += fresh
        if fresh:
            by_source[source] += fresh
    found.new_by_source = dict(by_source)
    return found


# The currency rows are as wide as the customers' (UNION ALL): a tag, the period (None for the
# whole range), the currency, orders, revenue, customers (per period: one row of `dc` per
# customer), then padding.
_PADDING = ", NULL" * 7


def _read_currency(found: CustomerCounts, row: tuple) -> None:
    _tag, p, currency, orders, revenue, customers = row[:6]
    if p is None:
        found.customers[currency] = int(customers)
        return
    period = found.periods[int(p)]
    period.orders[currency] += int(orders)
    period.revenue[currency] += _money(revenue)
    period.customers[currency] = int(customers)


# --- Cohorts -------------------------------------------------------------------------------------


def _month_number(column: str) -> str:
    """SQL: year × 12 + month − 1 of a date column (a plain expression on both databases)."""
    if connection.vendor == "sqlite":
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12 "
            f"+ CAST(substr({column}, 6, 2) AS INTEGER) - 1)"
        )
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 "
        f"+ CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
    )


def month_number(month: datetime.date) -> int:
    return month.year * 12 + month.month - 1


@dataclass
class CohortCounts:
    # month number -> customers whose first order is in it
    sizes: dict[int, int] = field(default_factory=dict)
    # (month number, offset) -> customers of the cohort who ordered that month
    ordered: dict[tuple[int, int], int] = field(default_factory=dict)
    # (month number, offset) -> currency -> revenue of the cohort's orders that month
    revenue: dict[tuple[int, int], dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(dict)
    )


def cohort_counts(
    user: User,
    *,
    first: datetime.date,
    last: datetime.date,
    until: datetime.date,
    offsets: int,
    team_id: int | None,
) -> CohortCounts:
    """The customers whose first order (of the rows `user` may see) is from `first` to `last`
    by its month (their cohort), and per cohort and month after it (0 … `offsets`, up to
    `until`): how many of them ordered, and their revenue per currency. One query."""
    found = CohortCounts()
    maybe_new = _visible(CustomerFact, user, team_id).filter(
        first_day__gte=first, first_day__lte=last
    )
    cohorts = (
        _visible(CustomerFact, user, team_id)
        .filter(_of_customers(maybe_new), first_day__lte=last)
        .annotate(k=CUSTOMER)
        .values("k")
        .annotate(first=Min("first_day"))
        .filter(first__gte=first)
        .values_list("k", "first")
    )
    days = (
        _visible(CustomerDayFact, user, team_id)
        .filter(_of_customers(maybe_new), day__gte=first, day__lte=until)
        .annotate(k=CUSTOMER)
        .values_list("k", "day", "currency", "revenue")
    )
    try:
        cohorts_sql, cohorts_params = _sql(cohorts)
        days_sql, days_params = _sql(days)
    except EmptyResultSet:
        return found
    rows = _fetch(
        f"""
        WITH x (k, fd) AS ({cohorts_sql}),
        y (k, dd, currency, revenue) AS ({days_sql}),
        c AS (
            SELECT x.k, {_month_number("x.fd")} AS cm FROM x
        ),
        d AS (
            SELECT y.k, {_month_number("y.dd")} AS m, y.currency, SUM(y.revenue) AS r
            FROM y
            GROUP BY y.k, {_month_number("y.dd")}, y.currency
        ),
        cd AS (
            SELECT c.cm, d.m - c.cm AS off, d.k, d.currency, d.r
            FROM d JOIN c ON c.k = d.k
            WHERE d.m - c.cm BETWEEN 0 AND {int(offsets)}
        )
        SELECT 'revenue', cm, off, currency, SUM(r) FROM cd GROUP BY cm, off, currency
        UNION ALL
        SELECT 'ordered', cm, off, NULL, COUNT(DISTINCT k) FROM cd GROUP BY cm, off
        UNION ALL
        SELECT 'size', cm, NULL, NULL, COUNT(*) FROM c GROUP BY cm
        """,  # noqa: S608 (Django's compiled SQL, parameters apart)
        cohorts_params + days_params,
    )
    for kind, cohort, offset, currency, value in rows:
        if kind == "size":
            found.sizes[int(cohort)] = int(value)
        elif kind == "ordered":
            found.ordered[(int(cohort), int(offset))] = int(value)
        else:
            found.revenue[(int(cohort), int(offset))][currency] = _money(value)
    return found
