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
- **Money**: amounts in different currencies are never added together. Forecasts, quotas and
  the leaderboard count deals in `BASE_CURRENCY`; the kanban and the lost-reason report show one
  sum per currency.
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

BASE_CURRENCY = "CNY"
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


def _targets(period: str, start: datetime.date) -> dict[tuple[str, int], Target]:
    """Quota targets of every user and team for one period, keyed ("user"|"team", id).

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
    for quota in rows.values("user_id", "team_id", "period", "amount", "won_count"):
        key = ("user", quota["user_id"]) if quota["user_id"] else ("team", quota["team_id"])
        if quota["period"] == period:
            explicit[key] = Target(quota["amount"], quota["won_count"])
        else:
            target = summed.setdefault(key, Target())
            target.amount += quota["amount"]
            target.count += quota["won_count"]
    return {**summed, **explicit}


# --- Attainment and leaderboard ------------------------------------------------------------------


@dataclass
class Attainment:
    label: str
    period: str
    start: datetime.date
    target: Target
    won_amount: Decimal
    won_count: int

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

    Two queries: the quotas and one conditional aggregate over the won deals.
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
    totals = (
        deals_visible_to(user)
        .filter(owner_or_team, _won_between(first, last), currency=BASE_CURRENCY)
        .aggregate(**aggregates)
    )
    targets = _targets_for_periods(periods)
    result = []
    for kind, pk, label in subjects:
        for period, start in periods:
            result.append(
                Attainment(
                    label=f"{label} · {period_label(period, start)}",
                    period=period,
                    start=start,
                    target=targets[(period, start)].get((kind, pk), Target()),
                    won_amount=cents(totals[f"{kind}_{period}_amount"]),
                    won_count=totals[f"{kind}_{period}_count"],
                )
            )
    return result


def _targets_for_periods(periods) -> dict:
    return {(period, start): _targets(period, start) for period, start in periods}


@dataclass
class LeaderRow:
    rank: int
    user: User
    won_amount: Decimal
    won_count: int
    target: Target

    @property
    def amount_pct(self) -> int | None:
        return _pct(self.won_amount, self.target.amount)


def leaderboard(
    user: User, *, period: str = QuotaPeriod.MONTH, day: datetime.date | None = None
) -> list[LeaderRow]:
    """Salespeople the user may see, ranked by the amount they won in the period.

    Everyone with a win or a quota in the period appears; three queries in all.
    """
    start = period_start(period, day or timezone.localdate())
    end = period_end(period, start)
    wins = {
        row["owner_id"]: row
        for row in deals_visible_to(user)
        .filter(_won_between(start, end), currency=BASE_CURRENCY)
        .order_by()
        .values("owner_id")
        .annotate(amount=Sum("amount"), n=Count("id"))
    }
    targets = _targets(period, start)
    people = User.objects.filter(is_active=True)
    if not user.is_administrator:
        people = people.filter(Q(pk=user.pk) | (Q(team_id=user.team_id) if user.team_id else Q()))
    with_quota = {pk for kind, pk in targets if kind == "user"}
    people = people.filter(Q(pk__in=wins.keys()) | Q(pk__in=with_quota))
    rows = [
        LeaderRow(
            rank=0,
            user=person,
            won_amount=cents(wins.get(person.pk, {}).get("amount")),
            won_count=wins.get(person.pk, {}).get("n", 0),
            target=targets.get(("user", person.pk), Target()),
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
    weighted: Decimal = ZERO
    committed: Decimal = ZERO
    best_case: Decimal = ZERO
    won_amount: Decimal = ZERO
    won_count: int = 0
    target: Target = field(default_factory=Target)

    @property
    def amount_pct(self) -> int | None:
        return _pct(self.won_amount, self.target.amount)

    @property
    def gap(self) -> Decimal:
        """What is still missing to the quota after the won amount (never negative)."""
        return max(ZERO, self.target.amount - self.won_amount)


@dataclass
class ForecastRow:
    key: int | None
    label: str
    quarters: list[QuarterNumbers]


@dataclass
class Forecast:
    currency: str
    quarters: list[tuple[str, datetime.date, datetime.date]]
    total: list[QuarterNumbers]
    by_owner: list[ForecastRow]
    by_team: list[ForecastRow]


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
    """Rows of `aggregates` added up by `key` ("owner_id", "team_id"; None: one total row)."""
    summed: dict = {}
    for row in rows:
        group = row[key] if key else None
        into = summed.get(group)
        if into is None:
            into = summed[group] = dict.fromkeys(aggregates)
            if key:
                into[key] = group
        for name in aggregates:
            if row[name] is not None:
                into[name] = row[name] if into[name] is None else into[name] + row[name]
    if key is None and not summed:
        summed[None] = dict.fromkeys(aggregates)
    return summed


def _numbers(row: dict, i: int, target: Target) -> QuarterNumbers:
    weighted = (row[f"weighted{i}"] or ZERO) / 100
    return QuarterNumbers(
        weighted=cents(weighted),
        committed=cents(row[f"committed{i}"]),
        best_case=cents(row[f"best{i}"]),
        won_amount=cents(row[f"won{i}"]),
        won_count=row[f"won_count{i}"] or 0,
        target=target,
    )


def forecast(
    user: User,
    *,
    today: datetime.date | None = None,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
) -> Forecast:
    """This and next quarter's forecast, in total, by owner and by team, against quotas.

    A few queries: one aggregate grouped by owner and team, the quotas, and the names of the
    owners and teams shown.
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
    qs = deals_visible_to(user).filter(window, currency=BASE_CURRENCY).order_by()
    if pipeline_id:
        qs = qs.filter(pipeline_id=pipeline_id)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    aggregates = _forecast_aggregates(quarters)
    targets = [_targets(QuotaPeriod.QUARTER, s) for s in starts]

    # One GROUP BY owner and team; the totals per owner, per team and overall are sums of it.
    rows = list(qs.values("owner_id", "team_id").annotate(**aggregates))
    total_row = _sum_rows(rows, aggregates, key=None)[None]
    total_targets = []
    for quarter_targets in targets:
        # The company's target: the teams' quotas, or the people's when no team has one.
        teams = [t for (kind, _pk), t in quarter_targets.items() if kind == "team"]
        people = [t for (kind, _pk), t in quarter_targets.items() if kind == "user"]
        chosen = teams or people
        total_targets.append(
            Target(sum((t.amount for t in chosen), ZERO), sum(t.count for t in chosen))
        )
    if owner_id:
        total_targets = [t.get(("user", owner_id), Target()) for t in targets]
    elif team_id:
        total_targets = [t.get(("team", team_id), Target()) for t in targets]
    total = [_numbers(total_row, i, total_targets[i]) for i in range(len(quarters))]

    owner_rows = list(_sum_rows(rows, aggregates, key="owner_id").values())
    team_rows = list(_sum_rows(rows, aggregates, key="team_id").values())
    owners = User.objects.in_bulk([r["owner_id"] for r in owner_rows])
    teams = Team.objects.in_bulk([r["team_id"] for r in team_rows if r["team_id"]])
    by_owner = [
        ForecastRow(
            key=r["owner_id"],
            label=str(owners[r["owner_id"]]),
            quarters=[
                _numbers(r, i, targets[i].get(("user", r["owner_id"]), Target()))
                for i in range(len(quarters))
            ],
        )
        for r in owner_rows
    ]
    by_team = [
        ForecastRow(
            key=r["team_id"],
            label=teams[r["team_id"]].name if r["team_id"] else _("No team"),
            quarters=[
                _numbers(r, i, targets[i].get(("team", r["team_id"]), Target()))
                for i in range(len(quarters))
            ],
        )
        for r in team_rows
    ]
    by_owner.sort(key=lambda r: (-r.quarters[0].weighted, r.label))
    by_team.sort(key=lambda r: (-r.quarters[0].weighted, r.label))
    return Forecast(
        currency=BASE_CURRENCY,
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

    One GROUP BY query (reason, currency) plus the reasons' names; the most frequent first.
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
    return sorted(rows.values(), key=lambda r: (-r.count, r.name))
