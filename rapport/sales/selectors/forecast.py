"""Sales reports: funnel, forecast, quota attainment, leaderboard and lost reasons.

Every report counts the deals of the one visibility rule (`deals_visible_to(user)`, or the same
rule in disjoint parts: a representative's numbers are their team's, an administrator's
everyone's) and aggregates in the database: a report is a few GROUP BY
queries whatever the number of deals, never a query per deal, owner or stage.

Definitions:

- **Periods** are calendar months and quarters in the configured time zone. A quarter's quota is
  the quarter quota when one is set, else the sum of the monthly quotas of its three months.
- **Forecast** of a quarter counts open deals whose expected close date falls in it (deals
  without a date are left out): *weighted* is Σ amount × probability / 100; *committed* is the
  amount of those with a probability of at least `COMMIT_PROBABILITY` (75 %: the default
  pipeline's Negotiation stage and later); *best case* is all of them. *Won* is the amount and
  number of deals won (closed) in the quarter.
- **Money** follows the one rule of `sales.selectors.money`: every aggregate groups by currency
  as well, and each figure is a `MoneyTotal` (the sum in each currency, and in the reporting
  currency the sum of those converted at the rates of the report's day: today for this and next
  quarter, the period's last day for a period that has ended). A currency without a rate is left
  out of the converted figure and listed as such, never counted as zero. Quotas are in the
  reporting currency and are compared with converted figures.
- **Targets** of a forecast total are the quotas of what the user sees, by the visibility rule:
  an administrator's are the company's (the teams' quotas, or the people's when no team has
  one); anyone else in a team has the team's quota (or its members' added up when the team has
  none); a user without a team their own.
- **Funnel** of a pipeline over a date range follows the deals created in the range: a deal has
  *reached* a stage when it entered that stage or a later open one, or was won; *conversion* is
  the share of those that reached the next stage (for the last open stage: were won); *average
  time in stage* averages the completed stays (`DealStageChange.seconds_in_previous_stage`) of
  those deals in that stage.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_parts, visible_records_q
from rapport.accounts.models import Team, User
from rapport.core.cleaning import cents
from rapport.core.errors import NotFound
from rapport.sales.models import (
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    Quota,
    QuotaPeriod,
    StageKind,
    StageStay,
)
from rapport.sales.selectors.deals import deals_visible_to
from rapport.sales.selectors.money import (
    MoneyTotal,
    RateBook,
    RateUsed,
    report_day,
)

COMMIT_PROBABILITY = 75
LEADERBOARD_SIZE = 50
ZERO = Decimal("0")
MONEY_OUT = DecimalField(max_digits=20, decimal_places=2)


# --- Periods ------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_start(period: str, day: datetime.date) -> datetime.date:
    return quarter_start(day) if period == QuotaPeriod.QUARTER else month_start(day)


def period_end(period: str, start: datetime.date) -> datetime.date:
    """The first day after the period that begins on `start`."""
    return _add_months(start, 3 if period == QuotaPeriod.QUARTER else 1)


def period_label(period: str, start: datetime.date) -> str:
    if period == QuotaPeriod.QUARTER:
        quarter = (start.month - 1) // 3 + 1
        return _("Q%(quarter)d %(year)d") % {"quarter": quarter, "year": start.year}
    return date_format(start, "YEAR_MONTH_FORMAT")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _pct(part: Decimal | int, whole: Decimal | int) -> int | None:
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).to_integral_value(rounding=ROUND_HALF_UP))


# --- Quotas -------------------------------------------------------------------------------------


def quotas_visible_to(user: User) -> QuerySet[Quota]:
    """Administrators see every quota; others their own, their team's and its members'."""
    if not user.is_authenticated or not user.is_active:
        return Quota.objects.none()
    qs = Quota.objects.select_related("user", "team")
    if user.is_administrator:
        return qs
    q = Q(user=user)
    if user.team_id:
        q |= Q(team_id=user.team_id) | Q(user__team_id=user.team_id)
    return qs.filter(q)


def get_quota_for_user(user: User, quota_id: int) -> Quota:
    quota = quotas_visible_to(user).filter(pk=quota_id).first()
    if quota is None:
        raise NotFound(_("Quota not found."))
    return quota


@dataclass
class Target:
    amount: Decimal = ZERO
    count: int = 0

    def __bool__(self) -> bool:
        return bool(self.amount or self.count)


def _added(targets: list[Target]) -> Target:
    return Target(sum((t.amount for t in targets), ZERO), sum(t.count for t in targets))


@dataclass
class Targets:
    """The quota targets of every user and team for one period, in the reporting currency."""

    by_key: dict[tuple[str, int], Target]  # keyed ("user" | "team", id)
    user_teams: dict[int, int | None]  # the team of each user who has a quota

    def get(self, key: tuple[str, int]) -> Target:
        return self.by_key.get(key, Target())

    def company(self) -> Target:
        """The teams' quotas added up, or the people's when no team has one."""
        teams = [t for (kind, _pk), t in self.by_key.items() if kind == "team"]
        people = [t for (kind, _pk), t in self.by_key.items() if kind == "user"]
        return _added(teams or people)

    def team(self, team_id: int) -> Target:
        """The team's quota, or its members' quotas added up when the team has none."""
        if ("team", team_id) in self.by_key:
            return self.by_key[("team", team_id)]
        return _added(
            [
                target
                for (kind, pk), target in self.by_key.items()
                if kind == "user" and self.user_teams.get(pk) == team_id
            ]
        )

    def seen_by(self, user: User) -> Target:
        """The quota of what `user` sees by the visibility rule: everyone's for an
        administrator, the team's for a member of a team, their own otherwise."""
        if user.is_administrator:
            return self.company()
        if user.team_id:
            return self.team(user.team_id)
        return self.get(("user", user.pk))


def _targets(period: str, start: datetime.date) -> Targets:
    """Quota targets of every user and team for one period (one query).

    A quarter without its own quota adds up the monthly quotas of its months.
    """
    if period == QuotaPeriod.QUARTER:
        months = [_add_months(start, i) for i in range(3)]
        rows = Quota.objects.filter(
            Q(period=QuotaPeriod.QUARTER, period_start=start)
            | Q(period=QuotaPeriod.MONTH, period_start__in=months)
        )
    else:
        rows = Quota.objects.filter(period=QuotaPeriod.MONTH, period_start=start)
    explicit: dict[tuple[str, int], Target] = {}
    summed: dict[tuple[str, int], Target] = {}
    user_teams: dict[int, int | None] = {}
    fields = ("user_id", "user__team_id", "team_id", "period", "amount", "won_count")
    for quota in rows.values(*fields):
        if quota["user_id"]:
            key = ("user", quota["user_id"])
            user_teams[quota["user_id"]] = quota["user__team_id"]
        else:
            key = ("team", quota["team_id"])
        if quota["period"] == period:
            explicit[key] = Target(quota["amount"], quota["won_count"])
        else:
            target = summed.setdefault(key, Target())
            target.amount += quota["amount"]
            target.count += quota["won_count"]
    return Targets(by_key={**summed, **explicit}, user_teams=user_teams)


class RateBooks:
    """One `RateBook` per report day, each read once: the periods of a report that share a day
    (this month and quarter, this and next quarter) cost one query for their rates."""

    def __init__(self, today: datetime.date):
        self.today = today
        self._books: dict[datetime.date, RateBook] = {}

    def for_period(self, end: datetime.date) -> RateBook:
        """The rates of a period ending before `end`: today's, or its last day's when over."""
        day = report_day(end, today=self.today)
        if day not in self._books:
            self._books[day] = RateBook(day)
        return self._books[day]


# --- Attainment and leaderboard ------------------------------------------------------------------


@dataclass
class Attainment:
    label: str
    subject: str  # "user" (the user) or "team" (the user's team)
    period: str
    start: datetime.date
    target: Target
    won: MoneyTotal
    won_count: int

    @property
    def won_amount(self) -> Decimal:
        """What was won, in the reporting currency (currencies without a rate left out)."""
        return self.won.converted

    @property
    def amount_pct(self) -> int | None:
        return _pct(self.won_amount, self.target.amount)

    @property
    def count_pct(self) -> int | None:
        return _pct(self.won_count, self.target.count)


def _won_between(start: datetime.date, end: datetime.date) -> Q:
    return Q(
        status=DealStatus.WON,
        closed_at__gte=_local_midnight(start),
        closed_at__lt=_local_midnight(end),
    )


def dashboard_attainment(user: User, today: datetime.date | None = None) -> list[Attainment]:
    """The user's and their team's won deals against quota, this month and this quarter.

    Three queries: the quotas, one conditional aggregate over the won deals grouped by currency,
    and the exchange rates (only when a deal is in another currency than the reporting one).
    """
    today = today or timezone.localdate()
    periods = [(p, period_start(p, today)) for p in (QuotaPeriod.MONTH, QuotaPeriod.QUARTER)]
    first = min(start for _p, start in periods)
    last = max(period_end(p, start) for p, start in periods)
    subjects = [("user", user.pk, _("Me"))]
    if user.team_id:
        subjects.append(("team", user.team_id, user.team.name))
    aggregates = {}
    for period, start in periods:
        won = _won_between(start, period_end(period, start))
        for kind, pk, _label in subjects:
            who = Q(owner_id=pk) if kind == "user" else Q(team_id=pk)
            aggregates[f"{kind}_{period}_amount"] = Sum("amount", filter=won & who)
            aggregates[f"{kind}_{period}_count"] = Count("id", filter=won & who)
    owner_or_team = Q(owner_id=user.pk) | (Q(team_id=user.team_id) if user.team_id else Q())
    rows = list(
        deals_visible_to(user)
        .filter(owner_or_team, _won_between(first, last))
        .order_by()
        .values("currency")
        .annotate(**aggregates)
    )
    targets = _targets_for_periods(periods)
    books = RateBooks(today)
    result = []
    for kind, pk, label in subjects:
        for period, start in periods:
            name = f"{kind}_{period}"
            amounts = {r["currency"]: r[f"{name}_amount"] for r in rows if r[f"{name}_count"]}
            result.append(
                Attainment(
                    label=f"{label} · {period_label(period, start)}",
                    subject=kind,
                    period=period,
                    start=start,
                    target=targets[(period, start)].get((kind, pk)),
                    won=books.for_period(period_end(period, start)).total(amounts),
                    won_count=sum(r[f"{name}_count"] for r in rows),
                )
            )
    return result


def _targets_for_periods(periods) -> dict:
    return {(period, start): _targets(period, start) for period, start in periods}


@dataclass
class LeaderRow:
    rank: int
    user: User
    won: MoneyTotal
    won_count: int
    target: Target

    @property
    def won_amount(self) -> Decimal:
        """What the person won, in the reporting currency; `won.missing` is what was left out."""
        return self.won.converted

    @property
    def amount_pct(self) -> int | None:
        return _pct(self.won_amount, self.target.amount)


def leaderboard(
    user: User, *, period: str = QuotaPeriod.MONTH, day: datetime.date | None = None
) -> list[LeaderRow]:
    """Salespeople the user may see, ranked by the amount they won in the period, converted
    into the reporting currency at the rates of the period's report day.

    Everyone with a win or a quota in the period appears; four queries in all (the wins grouped
    by owner and currency, the quotas, the people, and the rates when a win is in a currency
    other than the reporting one).
    """
    today = timezone.localdate()
    start = period_start(period, day or today)
    end = period_end(period, start)
    wins: dict[int, dict[str, Decimal]] = {}
    counts: Counter = Counter()
    for row in (
        deals_visible_to(user)
        .filter(_won_between(start, end))
        .order_by()
        .values("owner_id", "currency")
        .annotate(amount=Sum("amount"), n=Count("id"))
    ):
        wins.setdefault(row["owner_id"], {})[row["currency"]] = row["amount"]
        counts[row["owner_id"]] += row["n"]
    targets = _targets(period, start)
    book = RateBook(report_day(end, today=today))
    people = User.objects.filter(is_active=True)
    if not user.is_administrator:
        people = people.filter(Q(pk=user.pk) | (Q(team_id=user.team_id) if user.team_id else Q()))
    with_quota = {pk for kind, pk in targets.by_key if kind == "user"}
    people = people.filter(Q(pk__in=wins.keys()) | Q(pk__in=with_quota))
    rows = [
        LeaderRow(
            rank=0,
            user=person,
            won=book.total(wins.get(person.pk, {})),
            won_count=counts[person.pk],
            target=targets.get(("user", person.pk)),
        )
        for person in people
    ]
    rows.sort(key=lambda r: (-r.won_amount, -r.won_count, r.user.username))
    for i, row in enumerate(rows, start=1):
        row.rank = i
    return rows[:LEADERBOARD_SIZE]


# --- Forecast -----------------------------------------------------------------------------------


@dataclass
class QuarterNumbers:
    """One quarter's figures, each a `MoneyTotal` (per currency, and converted)."""

    weighted: MoneyTotal
    committed: MoneyTotal
    best_case: MoneyTotal
    won: MoneyTotal
    won_count: int = 0
    target: Target = field(default_factory=Target)

    @property
    def won_amount(self) -> Decimal:
        return self.won.converted

    @property
    def amount_pct(self) -> int | None:
        return _pct(self.won_amount, self.target.amount)

    @property
    def gap(self) -> Decimal:
        """What is still missing to the quota after the won amount (never negative)."""
        return max(ZERO, self.target.amount - self.won_amount)

    @property
    def rates(self) -> list[RateUsed]:
        """The exchange rates that converted these figures, one per currency."""
        used = {r.currency: r for t in (self.best_case, self.won) for r in t.rates}
        return [used[currency] for currency in sorted(used)]

    @property
    def open_left_out(self) -> dict[str, Decimal]:
        """Open deals' amounts per currency without a rate, left out of every open figure."""
        return self.best_case.missing

    @property
    def won_left_out(self) -> dict[str, Decimal]:
        return self.won.missing


@dataclass
class ForecastRow:
    key: int | None
    label: str
    quarters: list[QuarterNumbers]


@dataclass
class Forecast:
    currency: str  # the reporting currency of the converted figures and of the quotas
    quarters: list[tuple[str, datetime.date, datetime.date]]
    total: list[QuarterNumbers]
    by_owner: list[ForecastRow]
    by_team: list[ForecastRow]

    @property
    def rates(self) -> list[RateUsed]:
        """The rates used in either quarter (both are converted at today's)."""
        used = {r.currency: r for numbers in self.total for r in numbers.rates}
        return [used[currency] for currency in sorted(used)]


def _forecast_aggregates(quarters) -> dict:
    weighted_amount = ExpressionWrapper(F("amount") * F("probability"), output_field=MONEY_OUT)
    aggregates = {}
    for i, (_label, start, end) in enumerate(quarters):
        expected = Q(
            status=DealStatus.OPEN, expected_close_date__gte=start, expected_close_date__lt=end
        )
        won = _won_between(start, end)
        aggregates[f"weighted{i}"] = Sum(weighted_amount, filter=expected)
        aggregates[f"committed{i}"] = Sum(
            "amount", filter=expected & Q(probability__gte=COMMIT_PROBABILITY)
        )
        aggregates[f"best{i}"] = Sum("amount", filter=expected)
        aggregates[f"won{i}"] = Sum("amount", filter=won)
        aggregates[f"won_count{i}"] = Count("id", filter=won)
    return aggregates


def _sum_rows(rows: list[dict], aggregates: dict, *, key: str | None) -> dict:
    """Rows of `aggregates` (grouped by owner, team and currency) added up by `key` ("owner_id",
    "team_id"; None: one total) and currency: {group: {currency: {aggregate: value}}}."""
    summed: dict = {}
    for row in rows:
        group = row[key] if key else None
        into = summed.setdefault(group, {}).get(row["currency"])
        if into is None:
            into = summed[group][row["currency"]] = dict.fromkeys(aggregates)
        for name in aggregates:
            if row[name] is not None:
                into[name] = row[name] if into[name] is None else into[name] + row[name]
    if key is None and not summed:
        summed[None] = {}
    return summed


def _numbers(sums: dict[str, dict], i: int, target: Target, book: RateBook) -> QuarterNumbers:
    """Quarter `i`'s figures of one group's per-currency sums, converted by `book`."""

    def total(name: str) -> MoneyTotal:
        amounts = {c: row[f"{name}{i}"] for c, row in sums.items() if row[f"{name}{i}"] is not None}
        if name == "weighted":
            # Σ amount × probability per currency, then / 100: rounded once, per currency.
            amounts = {c: amount / 100 for c, amount in amounts.items()}
        return book.total(amounts)

    return QuarterNumbers(
        weighted=total("weighted"),
        committed=total("committed"),
        best_case=total("best"),
        won=total("won"),
        won_count=sum(row[f"won_count{i}"] or 0 for row in sums.values()),
        target=target,
    )


def forecast(
    user: User,
    *,
    today: datetime.date | None = None,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    book: RateBook | None = None,
) -> Forecast:
    """This and next quarter's forecast, in total, by owner and by team, against quotas.

    Deals of every currency count: each figure is summed per currency and converted at today's
    rates (both quarters are current or to come); `book` may pass rates already read. The total's
    target is the quota of what the user sees (`Targets.seen_by`), of the owner or team filtered
    on when there is a filter.

    A few queries: one aggregate grouped by owner, team and currency, the quotas, the rates (only
    when a deal is in another currency than the reporting one), and the names of the owners and
    teams shown.
    """
    today = today or timezone.localdate()
    this_quarter = quarter_start(today)
    starts = [this_quarter, _add_months(this_quarter, 3)]
    quarters = [
        (period_label(QuotaPeriod.QUARTER, s), s, period_end(QuotaPeriod.QUARTER, s))
        for s in starts
    ]
    window = Q(
        status=DealStatus.OPEN,
        expected_close_date__gte=quarters[0][1],
        expected_close_date__lt=quarters[-1][2],
    ) | _won_between(quarters[0][1], quarters[-1][2])
    qs = deals_visible_to(user).filter(window).order_by()
    if pipeline_id:
        qs = qs.filter(pipeline_id=pipeline_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    aggregates = _forecast_aggregates(quarters)
    targets = [_targets(QuotaPeriod.QUARTER, s) for s in starts]
    # Both quarters end after today: their report day is today.
    book = book or RateBook(today)

    # One GROUP BY owner, team and currency; the totals per owner, per team and overall are
    # sums of it, currency by currency.
    rows = list(qs.values("owner_id", "team_id", "currency").annotate(**aggregates))
    total_sums = _sum_rows(rows, aggregates, key=None)[None]
    if owner_id:
        total_targets = [t.get(("user", owner_id)) for t in targets]
    elif team_id:
        total_targets = [t.get(("team", team_id)) for t in targets]
    else:
        total_targets = [t.seen_by(user) for t in targets]
    total = [_numbers(total_sums, i, total_targets[i], book) for i in range(len(quarters))]

    owner_sums = _sum_rows(rows, aggregates, key="owner_id")
    team_sums = _sum_rows(rows, aggregates, key="team_id")
    owners = User.objects.in_bulk(list(owner_sums))
    teams = Team.objects.in_bulk([pk for pk in team_sums if pk])
    by_owner = [
        ForecastRow(
            key=pk,
            label=str(owners[pk]),
            quarters=[
                _numbers(sums, i, targets[i].get(("user", pk)), book) for i in range(len(quarters))
            ],
        )
        for pk, sums in owner_sums.items()
    ]
    by_team = [
        ForecastRow(
            key=pk,
            label=teams[pk].name if pk else _("No team"),
            quarters=[
                _numbers(sums, i, targets[i].get(("team", pk)) if pk else Target(), book)
                for i in range(len(quarters))
            ],
        )
        for pk, sums in team_sums.items()
    ]
    by_owner.sort(key=lambda r: (-r.quarters[0].weighted.converted, r.label))
    by_team.sort(key=lambda r: (-r.quarters[0].weighted.converted, r.label))
    return Forecast(
        currency=book.currency,
        quarters=quarters,
        total=total,
        by_owner=by_owner,
        by_team=by_team,
    )


# --- Funnel -------------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    stage_id: int
    name: str
    probability: int
    reached: int
    conversion_pct: int | None
    avg_seconds: int | None
    stays: int

    @property
    def avg_days(self) -> Decimal | None:
        if self.avg_seconds is None:
            return None
        return (Decimal(self.avg_seconds) / 86400).quantize(Decimal("0.1"))


@dataclass
class Funnel:
    pipeline: Pipeline
    date_from: datetime.date
    date_to: datetime.date
    created: int
    won: int
    lost: int
    steps: list[FunnelStep]

    @property
    def win_rate_pct(self) -> int | None:
        return _pct(self.won, self.created)


def _disjoint_parts(user: User, *, narrowed: bool) -> list[Q]:
    """The visibility rule as conditions that no deal meets twice, broadest first.

    "My team's deals" and "my own deals not in my team" are counted apart so that each is a
    range scan of an index beginning with the team or the owner; as one OR, SQLite reads both
    through the owner and team indexes and then looks up every row for the period.
    """
    parts = visible_records_parts(user)
    if narrowed or len(parts) < 2:
        return [visible_records_q(user)]
    disjoint, earlier = [], []
    for original in reversed(parts):
        part = original
        for other in earlier:
            part &= ~other
        disjoint.append(part)
        earlier.append(original)
    return disjoint


def _reach_rows(qs: QuerySet) -> QuerySet:
    return qs.order_by().values("furthest_position", "status").annotate(n=Count("id"))


def funnel(
    user: User,
    pipeline: Pipeline,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    owner_id: int | None = None,
    team_id: int | None = None,
) -> Funnel:
    """The pipeline's funnel for the deals created from `date_from` to `date_to` (inclusive).

    Two queries: how far each deal got (grouped by the furthest open stage it entered, kept on
    the deal, and its status), and the average stay per stage of the stays that ended in the
    period (summed from `StageStay`, kept by every move).
    """
    cohort = Deal.objects.filter(
        pipeline=pipeline,
        created_at__gte=_local_midnight(date_from),
        created_at__lt=_local_midnight(date_to + datetime.timedelta(days=1)),
    )
    if owner_id:
        cohort = cohort.filter(owner_id=owner_id)
    if team_id:
        cohort = cohort.filter(team_id=team_id)
    counted: Counter = Counter()
    for part in _disjoint_parts(user, narrowed=bool(owner_id or team_id)):
        for row in _reach_rows(cohort.filter(part)):
            counted[(row["furthest_position"], row["status"])] += row["n"]
    reach_rows = [
        {"furthest": furthest, "status": status, "n": n}
        for (furthest, status), n in counted.items()
    ]
    # Stays that ended in the period, by the deal's owner and team when they ended.
    stays_qs = StageStay.objects.filter(
        visible_records_q(user),
        stage__pipeline=pipeline,
        day__gte=date_from,
        day__lte=date_to,
    )
    if owner_id:
        stays_qs = stays_qs.filter(owner_id=owner_id)
    if team_id:
        stays_qs = stays_qs.filter(team_id=team_id)
    stays = {}
    for row in stays_qs.order_by().values("stage_id").annotate(n=Sum("exits"), s=Sum("seconds")):
        stays[row["stage_id"]] = {"avg": row["s"] / row["n"] if row["n"] else None, "n": row["n"]}
    open_stages = sorted(
        (s for s in pipeline.stages.all() if s.kind == StageKind.OPEN),
        key=lambda s: (s.position, s.pk),
    )
    created = sum(r["n"] for r in reach_rows)
    won = sum(r["n"] for r in reach_rows if r["status"] == DealStatus.WON)
    lost = sum(r["n"] for r in reach_rows if r["status"] == DealStatus.LOST)

    def reached(position: int) -> int:
        return sum(
            r["n"]
            for r in reach_rows
            if r["status"] == DealStatus.WON
            or (r["furthest"] is not None and r["furthest"] >= position)
        )

    counts = [reached(s.position) for s in open_stages]
    steps = []
    for i, stage in enumerate(open_stages):
        following = counts[i + 1] if i + 1 < len(counts) else won
        stay = stays.get(stage.pk)
        steps.append(
            FunnelStep(
                stage_id=stage.pk,
                name=stage.name,
                probability=stage.probability,
                reached=counts[i],
                conversion_pct=_pct(following, counts[i]),
                avg_seconds=int(stay["avg"]) if stay and stay["avg"] is not None else None,
                stays=stay["n"] if stay else 0,
            )
        )
    return Funnel(
        pipeline=pipeline,
        date_from=date_from,
        date_to=date_to,
        created=created,
        won=won,
        lost=lost,
        steps=steps,
    )


# --- Lost reasons -------------------------------------------------------------------------------


@dataclass
class LostReasonRow:
    reason_id: int | None
    name: str
    count: int
    amounts: dict[str, Decimal]
    total: MoneyTotal | None = None  # the amounts, converted at the rates of the range's end


def lost_reasons_report(
    user: User,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
) -> list[LostReasonRow]:
    """Deals lost from `date_from` to `date_to` (inclusive) by reason: how many, how much.

    One GROUP BY query (reason, currency) plus the reasons' names, and the rates of `date_to` (or
    today) when a deal is in another currency; the most frequent first.
    """
    qs = deals_visible_to(user).filter(
        status=DealStatus.LOST,
        closed_at__gte=_local_midnight(date_from),
        closed_at__lt=_local_midnight(date_to + datetime.timedelta(days=1)),
    )
    if pipeline_id:
        qs = qs.filter(pipeline_id=pipeline_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    grouped = (
        qs.order_by()
        .values("lost_reason_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    rows: dict[int | None, LostReasonRow] = {}
    names = dict(LostReason.objects.values_list("pk", "name"))
    for item in grouped:
        reason_id = item["lost_reason_id"]
        row = rows.setdefault(
            reason_id,
            LostReasonRow(
                reason_id=reason_id,
                name=names.get(reason_id) or _("No reason given"),
                count=0,
                amounts={},
            ),
        )
        row.count += item["n"]
        row.amounts[item["currency"]] = cents(item["total"])
    book = RateBook(report_day(date_to + datetime.timedelta(days=1)))
    for row in rows.values():
        row.total = book.total(row.amounts)
    return sorted(rows.values(), key=lambda r: (-r.count, r.name))
