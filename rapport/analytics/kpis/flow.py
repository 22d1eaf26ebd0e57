"""New and repeat customers and retention counted from the customer day facts' pointers.

`queries.customer_counts` groups the rows of the range and of the window before it by customer
and compares each customer's periods with a window function: a sort of every row (3 s over 12
weeks, 16 s over a year at 3,000,000 orders). Each `CustomerDayFact` row also says the day of
its customer's row before it and the customer's first day (over all the customer's rows and
within the row's team), so that what the executive's dashboard shows is a count of rows, with
no grouping by customer:

- q, the index of a row's day: 0 in the window before, 1 … n in the periods; r, the same of the
  row before it (−1 when there is none or it is before the window). A row is its customer's
  first in its period exactly when r < q (a second row of one day points at that day);
- per period p (q = p + 1): active = rows with r < q; kept (ordered in the period before too)
  = r = q − 1; new = r < q and a first day on or after the whole week's or month's first day;
- over the range: active = q ≥ 1, r < 1; previous = q = 0, r < 0; retained = q ≥ 1, r = 0;
  new = q ≥ 1, r < 1 and a first day in the range.

That holds when what the reader counts is all the rows (an administrator) or one team's
(`pointer_scope`): the pointers are of those sets. Other readers (their own rows and their
team's, another team's filter) are counted by `customer_counts`, whose rows are few.
"""

import bisect
import datetime
from dataclasses import dataclass, field

from django.db import connection

from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.analytics.facts.models import CustomerDayFact, CustomerFact
from rapport.analytics.kpis.queries import _fetch, _month_number, month_number

ALL = "all"


@dataclass
class PeriodFlow:
    active: int = 0  # customers who ordered in the period
    kept: int = 0  # ... and in the period before it
    new: int = 0  # ... whose first order is in it (from the first day of its whole week/month)


@dataclass
class CustomerFlow:
    """What `queries.CustomerCounts` says of new, active and kept customers, alone."""

    periods: list[PeriodFlow] = field(default_factory=list)
    previous: int = 0  # ordered in the window before
    retained: int = 0  # ordered in the window before and in the range
    active: int = 0  # ordered in the range
    new: int = 0  # first order ever in the range


def pointer_scope(user: User, team_id: int | None, end: datetime.date) -> str | int | None:
    """Which rows `user` counts with the team filter `team_id`, when the pointers serve them:
    ALL, a team's id, or None (another set of rows: count with `customer_counts`).

    A reader who is not an administrator sees their own rows and their team's; with their own
    team's filter, or with no filter when no row they own (up to `end`: later ones count for
    nothing) is another team's, that is their team's rows."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_administrator:
        return ALL if team_id is None else team_id
    if user.team_id is None or team_id not in (None, user.team_id):
        return None
    if team_id is None:
        # The per-customer facts: fewer rows than the days', the same owners and teams.
        elsewhere = (
            CustomerFact.objects.filter(owner_id=user.pk, first_day__lte=end)
            .exclude(team_id=user.team_id)
            .exists()
        )
        if elsewhere:
            return None
    return user.team_id


@dataclass
class _Periods:
    """The SQL of the index q of a date column: 0 in the window before, 1 … n in the periods
    (for dates from the window's first day to the range's end), and of whether a date is on or
    after the whole period q's first day."""

    previous_first_day: datetime.date
    firsts: list[datetime.date]
    period_starts: list[datetime.date]
    end: datetime.date
    period: str

    def index(self, column: str) -> tuple[str, list]:
        if connection.vendor == "postgresql":
            # A lookup by the day's offset: no date arithmetic per row (EXTRACT, a CASE of
            # twelve months, cost more than reading the row). At most two ranges of
            # `MAX_RANGE_DAYS`: some 1,500 integers.
            days = (self.end - self.previous_first_day).days + 1
            return f"(%s::int[])[{column} - %s::date + 1]", [
                [
                    self._index_of(self.previous_first_day + datetime.timedelta(n))
                    for n in range(days)
                ],
                self.previous_first_day,
            ]
        number, params = self._number(column)
        return f"CASE WHEN {column} < %s THEN 0 ELSE {number} + 1 END", [self.firsts[0], *params]

    def on_or_after_start(self, column: str, q: str) -> tuple[str, list]:
        """SQL: `column` is on or after the first day of period q's whole week or month."""
        if connection.vendor == "postgresql":
            return f"{column} >= (%s::date[])[{q}]", [self.period_starts]
        number, params = self._number(column)
        return f"{column} >= %s AND {number} + 1 >= {q}", [self.period_starts[0], *params]

    def _number(self, column: str) -> tuple[str, list]:
        """SQLite: the weeks or months from the first period's whole week or month to a date
        column on or after its first day (arithmetic on the text of the date: a CASE of the
        periods' first days costs twice as much)."""
        if self.period == stats.WEEK:
            return (
                f"CAST(julianday({column}) - julianday(%s) AS INTEGER) / 7",
                [self.period_starts[0]],
            )
        return f"({_month_number(column)} - {int(month_number(self.period_starts[0]))})", []

    def _index_of(self, day: datetime.date) -> int:
        return bisect.bisect_right(self.firsts, day)


def customer_flow(
    user: User,
    *,
    previous_first_day: datetime.date,
    firsts: list[datetime.date],
    period_starts: list[datetime.date],
    end: datetime.date,
    team_id: int | None,
    period: str,
) -> CustomerFlow | None:
    """The new, active and kept customers of each period and of the range (the arguments are
    `customer_counts`'), in one query over the rows of the range and the window before; None
    when the pointers do not serve this reader (`pointer_scope`). The query counts rows per
    (q, r, new in their period, new in the range): a few hundred numbers at most."""
    scope = pointer_scope(user, team_id, end)
    if scope is None:
        return None
    prev, first = ("prev_all", "first_all") if scope == ALL else ("prev_team", "first_team")
    periods = _Periods(previous_first_day, firsts, period_starts, end, period)
    q, q_params = periods.index("day")
    r, r_params = periods.index(prev)
    fresh, fresh_params = periods.on_or_after_start("f", "q")
    where, where_params = "day >= %s AND day <= %s", [previous_first_day, end]
    if scope != ALL:
        where, where_params = f"team_id = %s AND {where}", [scope, *where_params]
    table = CustomerDayFact._meta.db_table
    rows = _fetch(
        f"""
        SELECT q, r,
            CASE WHEN q >= 1 AND {fresh} THEN 1 ELSE 0 END
                + CASE WHEN f >= %s THEN 2 ELSE 0 END AS n,
            COUNT(*)
        FROM (
            SELECT {q} AS q,
                CASE WHEN {prev} IS NULL OR {prev} < %s THEN -1 ELSE {r} END AS r,
                {first} AS f
            FROM {table}
            WHERE {where}
        ) AS x
        GROUP BY q, r, n
        """,  # noqa: S608 (constants; values are parameters)
        (
            *fresh_params,
            firsts[0],
            *q_params,
            previous_first_day,
            *r_params,
            *where_params,
        ),
    )
    found = CustomerFlow(periods=[PeriodFlow() for _first in firsts])
    for q, r, n, count in rows:
        q, r, n, count = int(q), int(r), int(n), int(count)
        if q == 0:
            if r < 0:
                found.previous += count
            continue
        here = found.periods[q - 1]
        if r < q:  # the customer's first row of the period
            here.active += count
            here.new += count if n & 1 else 0
        if r == q - 1:
            here.kept += count
        if r < 1:  # ... of the range
            found.active += count
            found.new += count if n & 2 else 0
        if r == 0:
            found.retained += count
    return found
