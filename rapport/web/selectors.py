"""Reads for the home page: each role's working overview.

Whose figures (`home_scope`): a representative, and any role that does not lead a team, sees
the records they *own*; a sales manager their team's; an administrator everyone's. Each scope is
a part of the one visibility rule (`rapport.accounts.access`: own records, the team's records,
or all for administrators), so filtering on the scope's column alone shows nothing the user may
not see, and every figure is a range of an index that begins with that column (owner, team, or
status for everyone). Joined with the whole rule's "or my team's", PostgreSQL combined two
bitmaps of a team's records for a representative's count.

Every figure is one query, bounded by its index and the scope, never by the size of the
customer tables: the page costs a fixed number of queries whatever the number of records
(`tests/test_home_queries.py` holds the counts). What the page reads:

- tasks: the user's own, due today or overdue (`my_tasks_today_and_overdue`);
- open deals by stage, count and amount per currency, of the scope (the stages named, so each
  stage is a range of the (stage, status, …) index as on the kanban);
- leads waiting: new (not yet contacted) leads of the scope, and the unassigned queue;
- overdue receivables: unpaid instalments past due on orders of the scope (the definition of
  `sales.selectors.orders.receivables_report`), per currency and converted at today's rates
  (`sales.selectors.money`); no index tells paid from unpaid, so a team's and everyone's
  amounts per currency are cached for a few minutes (`_overdue_receivables`);
- deals stuck in a stage: open deals longer in their stage than its `stale_after_days` (what
  `create_stale_deal_tasks` gives a follow-up task for);
- for managers and administrators: the forecast against quota (`sales.selectors.forecast`) and
  the interactions each member logged in the last `ACTIVITY_DAYS` days;
- for administrators: the latest data-health snapshot and the recent imports;
- on an installation without customers, deals or leads: what to do first instead of zeros.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from rapport.accounts.models import Role, User
from rapport.activities.models import Interaction, Task, TaskStatus
from rapport.activities.task_selectors import my_tasks_today_and_overdue, today_bounds
from rapport.core.cleaning import cents
from rapport.customers.models import Company, Person
from rapport.dataio.models import DataHealthSnapshot, ImportJob
from rapport.dataio.selectors.health import PERSON_FIELDS, RecordsHealth, describe
from rapport.dataio.selectors.imports import imports_visible_to
from rapport.dataio.services.imports.jobs import can_import
from rapport.sales.models import (
    Deal,
    DealStatus,
    Instalment,
    Lead,
    LeadStatus,
    Order,
    Payment,
    Quota,
    Refund,
    Stage,
    StageKind,
)
from rapport.sales.selectors.forecast import Forecast, forecast
from rapport.sales.selectors.leads import OPEN_STATUSES as OPEN_LEAD_STATUSES
from rapport.sales.selectors.money import MoneyTotal, RateBook
from rapport.sales.selectors.orders import CLOSED_STATUSES as CLOSED_ORDER_STATUSES

TASKS_SHOWN = 8
LEADS_SHOWN = 5
STUCK_SHOWN = 6
IMPORTS_SHOWN = 5
ACTIVITY_DAYS = 7
# An administrator's activity chart shows the most active people; the total counts everyone.
ACTIVITY_MEMBERS_SHOWN = 15
OVERDUE_CACHE_SECONDS = 600

SCOPE_OWN = "own"
SCOPE_TEAM = "team"
SCOPE_ALL = "all"

_OWED = ExpressionWrapper(
    F("amount") - F("paid_amount"), output_field=DecimalField(max_digits=20, decimal_places=2)
)


@dataclass(frozen=True)
class HomeScope:
    """Whose records the home page counts, and how the lists behind its figures are filtered."""

    kind: str
    user: User

    def q(self, *, owner: str = "owner", team: str = "team") -> Q:
        if self.kind == SCOPE_ALL:
            return Q()
        if self.kind == SCOPE_TEAM:
            return Q(**{f"{team}_id": self.user.team_id})
        return Q(**{f"{owner}_id": self.user.pk})

    @property
    def filter_params(self) -> dict[str, int]:
        """The owner or team filter of the list pages that shows the same records."""
        if self.kind == SCOPE_TEAM:
            return {"team_id": self.user.team_id}
        if self.kind == SCOPE_OWN:
            return {"owner_id": self.user.pk}
        return {}

    @property
    def is_overview(self) -> bool:
        """Managers and administrators see their people's work, not only their own."""
        return self.kind != SCOPE_OWN


def home_scope(user: User) -> HomeScope:
    if user.is_administrator:
        return HomeScope(SCOPE_ALL, user)
    if user.role == Role.SALES_MANAGER and user.team_id:
        return HomeScope(SCOPE_TEAM, user)
    return HomeScope(SCOPE_OWN, user)


# --- The figures ----------------------------------------------------------------------------------


@dataclass
class TaskFigures:
    due_today: int
    overdue: int
    items: list[Task]


@dataclass
class StageRow:
    stage: Stage
    label: str
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    total: MoneyTotal | None = None  # `amounts`, converted at today's rates


@dataclass
class OpenDeals:
    stages: list[StageRow]
    count: int
    amounts: dict[str, Decimal]
    total: MoneyTotal  # `amounts` converted at today's rates; a currency without one is missing


@dataclass
class LeadFigures:
    waiting: int
    queue: int
    items: list[Lead]


@dataclass
class OverdueReceivables:
    amounts: dict[str, Decimal]
    orders: int
    # `amounts` converted at today's rates; set after the cache, so a new rate shows at once.
    total: MoneyTotal | None = None


@dataclass
class StuckDeal:
    deal: Deal
    days: int
    limit: int | None


@dataclass
class StuckDeals:
    # Whether any open stage has a time limit (`stale_after_days`); without one nothing is
    # "stuck", and the page shows the deals longest in their stage instead.
    limits_set: bool
    count: int
    items: list[StuckDeal]


@dataclass
class ActivityRow:
    user: User
    count: int


@dataclass
class TeamActivity:
    days: int
    total: int
    rows: list[ActivityRow]


@dataclass
class HealthFigures:
    date: datetime.date
    persons: RecordsHealth


@dataclass
class GettingStarted:
    can_import: bool
    can_manage_users: bool
    can_set_quotas: bool
    has_imports: bool
    has_users: bool
    has_quotas: bool


@dataclass
class Home:
    scope: HomeScope
    tasks: TaskFigures
    getting_started: GettingStarted | None = None
    deals: OpenDeals | None = None
    leads: LeadFigures | None = None
    receivables: OverdueReceivables | None = None
    stuck: StuckDeals | None = None
    forecast: Forecast | None = None
    activity: TeamActivity | None = None
    health: HealthFigures | None = None
    imports: list[ImportJob] | None = None


def _task_figures(user: User, now: datetime.datetime) -> TaskFigures:
    start, tomorrow = today_bounds(now)
    counts = Task.objects.filter(
        assignee=user, status=TaskStatus.OPEN, due_at__lt=tomorrow
    ).aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_today=Count("pk", filter=Q(due_at__gte=start)),
    )
    items = list(my_tasks_today_and_overdue(user, now=now)[:TASKS_SHOWN])
    return TaskFigures(due_today=counts["due_today"], overdue=counts["overdue"], items=items)


def _open_stages() -> list[Stage]:
    """Every open stage, in board order; a settings table of a few rows."""
    return list(
        Stage.objects.filter(kind=StageKind.OPEN)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "pk")
    )


def _open_deals(scope: HomeScope, stages: list[Stage], book: RateBook) -> OpenDeals:
    rows = (
        Deal.objects.filter(scope.q(), status=DealStatus.OPEN, stage_id__in=[s.pk for s in stages])
        .order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
    )
    by_stage: dict[int, StageRow] = {}
    several = len({s.pipeline_id for s in stages}) > 1
    for stage in stages:
        label = f"{stage.pipeline.name} · {stage.name}" if several else stage.name
        by_stage[stage.pk] = StageRow(stage=stage, label=label)
    count, amounts = 0, {}
    for row in rows:
        stage_row = by_stage[row["stage_id"]]
        stage_row.count += row["n"]
        stage_row.amounts[row["currency"]] = cents(row["total"])
        count += row["n"]
        amounts[row["currency"]] = amounts.get(row["currency"], Decimal("0.00")) + cents(
            row["total"]
        )
    # An inactive pipeline's stages show only while they still hold deals.
    shown = [r for r in by_stage.values() if r.stage.pipeline.is_active or r.count]
    for stage_row in shown:
        stage_row.total = book.total(stage_row.amounts)
    return OpenDeals(
        stages=shown, count=count, amounts=dict(sorted(amounts.items())), total=book.total(amounts)
    )


def _leads(scope: HomeScope) -> LeadFigures:
    waiting = Lead.objects.filter(scope.q(), status=LeadStatus.NEW)
    queue = Lead.objects.filter(owner__isnull=True, status__in=OPEN_LEAD_STATUSES)
    if scope.kind != SCOPE_ALL:
        # The team's queue of unassigned leads: anyone in the team may take one.
        queue = queue.filter(team_id=scope.user.team_id) if scope.user.team_id else None
    return LeadFigures(
        waiting=waiting.count(),
        queue=queue.count() if queue is not None else 0,
        items=list(waiting.order_by("-score", "-pk")[:LEADS_SHOWN]),
    )


def _overdue_now(scope: HomeScope, today: datetime.date) -> OverdueReceivables:
    rows = (
        Instalment.objects.filter(
            scope.q(owner="order__owner", team="order__team"),
            due_date__lt=today,
            paid_amount__lt=F("amount"),
            # Implied by the instalment's own condition, and checked on the order row first, so
            # that only orders still owing have their instalments read.
            order__paid_amount__lt=F("order__total") - F("order__credited_amount"),
        )
        .exclude(order__status__in=CLOSED_ORDER_STATUSES)
        .order_by()
        .values("order__currency")
        .annotate(owed=Sum(_OWED), orders=Count("order_id", distinct=True))
    )
    amounts, orders = {}, 0
    for row in rows:
        amounts[row["order__currency"]] = cents(row["owed"])
        orders += row["orders"]
    return OverdueReceivables(amounts=dict(sorted(amounts.items())), orders=orders)


def _newest(model, kind: str) -> QuerySet:
    """(kind, the newest row's id): one MAX over the primary key, to be UNIONed with others."""
    return (
        model.objects.order_by()
        .annotate(kind=Value(kind, output_field=CharField()))
        .values("kind")
        .annotate(pk=Max("pk"))
        .values_list("kind", "pk")
    )


def _overdue_receivables(
    scope: HomeScope, today: datetime.date, rates: RateBook | None = None
) -> OverdueReceivables:
    """What is past due on the orders of the scope, per currency and converted at today's rates.

    A representative's own orders are summed on every visit (a range of the owner index). A
    team's or everyone's overdue instalments are many more rows with no index to tell paid from
    unpaid (1.6 s over 300,000 orders on SQLite for everyone), so they are kept in the cache for
    `OVERDUE_CACHE_SECONDS`, under a key that changes with the day, the newest order, the
    newest payment and the newest refund: a new order, payment or refund shows at once; a
    cancellation within minutes. The amounts are cached per currency and converted after, so a
    new exchange rate shows at once too.
    """
    rates = rates or RateBook(today)
    if scope.kind == SCOPE_OWN:
        figures = _overdue_now(scope, today)
    else:
        newest = dict(
            _newest(Order, "order").union(
                _newest(Payment, "payment"), _newest(Refund, "refund"), all=True
            )
        )
        team = scope.user.team_id if scope.kind == SCOPE_TEAM else ""
        key = (
            f"web:home:overdue:{scope.kind}:{team}:{today}:"
            f"{newest['order']}:{newest['payment']}:{newest['refund']}"
        )
        figures = cache.get(key)
        if figures is None:
            figures = _overdue_now(scope, today)
            cache.set(key, figures, OVERDUE_CACHE_SECONDS)
    figures.total = rates.total(figures.amounts)
    return figures


def _stuck_deals(scope: HomeScope, stages: list[Stage], now: datetime.datetime) -> StuckDeals:
    limits = {s.pk: s.stale_after_days for s in stages if s.stale_after_days is not None}
    open_deals = Deal.objects.filter(scope.q(), status=DealStatus.OPEN).select_related(
        "stage", "owner"
    )
    if limits:
        past_limit = Q(pk__in=[])
        for stage_id, days in limits.items():
            past_limit |= Q(
                stage_id=stage_id, stage_entered_at__lt=now - datetime.timedelta(days=days)
            )
        stuck = open_deals.filter(past_limit)
        count = stuck.count()
        deals = list(stuck.order_by("stage_entered_at", "pk")[:STUCK_SHOWN])
    else:
        count = 0
        deals = list(
            open_deals.filter(stage_id__in=[s.pk for s in stages]).order_by(
                "stage_entered_at", "pk"
            )[:STUCK_SHOWN]
        )
    return StuckDeals(
        limits_set=bool(limits),
        count=count,
        items=[
            StuckDeal(
                deal=deal,
                days=max(0, (now - deal.stage_entered_at).days),
                limit=limits.get(deal.stage_id),
            )
            for deal in deals
        ],
    )


def _team_activity(scope: HomeScope, now: datetime.datetime) -> TeamActivity:
    """Interactions logged per person in the last `ACTIVITY_DAYS` days: a manager's team (every
    member, also those who logged nothing), or for administrators the most active people.

    Counted by who logged them, like "my interactions": a count of one's own team's work reveals
    nothing about another team's customers. The people are named, so that each count is a range
    of the (logged_by, occurred_at) index: grouped over all interactions, SQLite read the whole
    index rather than the week's entries."""
    since = now - datetime.timedelta(days=ACTIVITY_DAYS)
    people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if scope.kind == SCOPE_TEAM:
        people = people.filter(team_id=scope.user.team_id)
    people = list(people)
    by_user = dict(
        Interaction.objects.filter(logged_by_id__in=[p.pk for p in people], occurred_at__gte=since)
        .order_by()
        .values("logged_by_id")
        .annotate(n=Count("pk"))
        .values_list("logged_by_id", "n")
    )
    rows = [ActivityRow(user=p, count=by_user.get(p.pk, 0)) for p in people]
    if scope.kind != SCOPE_TEAM:
        rows = [row for row in rows if row.count]
    rows.sort(key=lambda r: -r.count)
    return TeamActivity(
        days=ACTIVITY_DAYS, total=sum(by_user.values()), rows=rows[:ACTIVITY_MEMBERS_SHOWN]
    )


def _health() -> HealthFigures | None:
    """The latest daily snapshot of everyone's records: one row, not a count over them."""
    snapshot = DataHealthSnapshot.objects.filter(team__isnull=True).order_by("-date", "-pk").first()
    if snapshot is None:
        return None
    return HealthFigures(
        date=snapshot.date, persons=describe(snapshot.metrics.get("persons", {}), PERSON_FIELDS)
    )


def is_new_installation() -> bool:
    """No customers, deals or leads yet (one query once there are persons)."""
    return not (
        Person.objects.exists()
        or Company.objects.exists()
        or Lead.objects.exists()
        or Deal.objects.exists()
    )


def _getting_started(user: User) -> GettingStarted:
    admin = user.is_administrator
    may_set_quotas = admin or (user.role == Role.SALES_MANAGER and bool(user.team_id))
    return GettingStarted(
        can_import=can_import(user),
        can_manage_users=admin,
        can_set_quotas=may_set_quotas,
        has_imports=imports_visible_to(user).exists(),
        has_users=admin and User.objects.filter(is_active=True).exclude(pk=user.pk).exists(),
        has_quotas=may_set_quotas and Quota.objects.exists(),
    )


def home_for(user: User, *, now: datetime.datetime | None = None) -> Home:
    """Everything the home page shows `user`, in a fixed number of queries."""
    now = now or timezone.now()
    scope = home_scope(user)
    home = Home(scope=scope, tasks=_task_figures(user, now))
    if is_new_installation():
        home.getting_started = _getting_started(user)
        return home
    stages = _open_stages()
    # Open deals, overdue receivables and the forecast are converted at today's rates, read once.
    book = RateBook(timezone.localdate(now))
    home.deals = _open_deals(scope, stages, book)
    home.leads = _leads(scope)
    home.receivables = _overdue_receivables(scope, timezone.localdate(now), book)
    home.stuck = _stuck_deals(scope, stages, now)
    if scope.is_overview:
        team_id = user.team_id if scope.kind == SCOPE_TEAM else None
        home.forecast = forecast(user, today=timezone.localdate(now), team_id=team_id, book=book)
        home.activity = _team_activity(scope, now)
    if scope.kind == SCOPE_ALL:
        home.health = _health()
        home.imports = list(imports_visible_to(user).order_by("-created_at", "-pk")[:IMPORTS_SHOWN])
    return home
