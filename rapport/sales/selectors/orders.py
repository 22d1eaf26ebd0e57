"""Reads of orders, payments and receivables, always scoped by who is asking.

An order is visible when its customer is: order_create copies the customer's owner and team
onto the order (and `orders_follow_customer` keeps them in step on reassignment), so the one
rule `visible_records_q` applies to the order's own indexed columns. Payments and instalments
are visible through their order. Receivables are summed in the database, never row by row.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_parts, visible_records_q
from rapport.accounts.models import User
from rapport.core.cleaning import cents
from rapport.core.errors import NotFound
from rapport.customers.models import Company, Person
from rapport.sales.models import Instalment, Order, OrderLine, OrderStatus, Payment

ORDER_SORTS = ("-placed_at", "placed_at", "-total", "total", "-updated_at", "updated_at")
PAYMENT_SORTS = ("-paid_at", "paid_at")
CLOSED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Days overdue: (first day, last day or None for "and more").
AGING_BUCKETS = ((1, 30), (31, 60), (61, 90), (91, None))


def _order_q(user: User, prefix: str = "") -> Q:
    return visible_records_q(user, owner_field=f"{prefix}owner", team_field=f"{prefix}team")


# --- Orders --------------------------------------------------------------------------------------


def orders_visible_to(user: User) -> QuerySet[Order]:
    return Order.objects.filter(_order_q(user))


def get_order_for_user(user: User, order_id: int) -> Order:
    order = orders_visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def order_detail(user: User, order_id: int) -> Order:
    """An order with its lines, instalments and payments, in a fixed few queries."""
    order = (
        orders_visible_to(user)
        .select_related("person", "company", "owner", "team", "deal", "price_list")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("instalments", queryset=Instalment.objects.order_by("due_date", "sequence")),
            Prefetch("payments", queryset=Payment.objects.select_related("recorded_by")),
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("Order not found."))
    return order


@dataclass
class OrderFilters:
    """What an order list may be narrowed by; empty values mean "any"."""

    status: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    person_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    placed_from: datetime.date | None = None
    placed_until: datetime.date | None = None
    number: str = ""
    open_only: bool = False


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def orders_list(user: User, filters: OrderFilters | None = None) -> QuerySet[Order]:
    """Visible orders matching `filters`, with what a list row shows fetched up front.

    A customer's history (`person_id` or `company_id`, sorted by placed_at) is a range scan of
    the (person, placed_at, id) or (company, placed_at, id) index.
    """
    filters = filters or OrderFilters()
    qs = orders_visible_to(user)
    if filters.status in OrderStatus.values:
        qs = qs.filter(status=filters.status)
    for name in ("owner_id", "team_id", "person_id", "company_id", "deal_id"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.placed_from:
        qs = qs.filter(placed_at__gte=_day_start(filters.placed_from))
    if filters.placed_until:
        qs = qs.filter(placed_at__lt=_day_start(filters.placed_until + datetime.timedelta(days=1)))
    if filters.number:
        qs = qs.filter(number__istartswith=filters.number.strip())
    if filters.open_only:
        qs = qs.exclude(status__in=CLOSED_STATUSES).filter(paid_amount__lt=F("total"))
    return qs.select_related("person", "company", "owner", "team")


def orders_list_partitions(user: User, filters: OrderFilters) -> list[Q] | None:
    """The parts of the visibility rule for the order list to page through: the user's own
    orders and their team's, each read in index order (see `rapport.core.pagination`).

    None when a filter already narrows the list to one indexed condition (an owner, a team, a
    customer, a deal, an order number).
    """
    narrowed = (
        filters.owner_id,
        filters.team_id,
        filters.person_id,
        filters.company_id,
        filters.deal_id,
        filters.number,
    )
    if any(narrowed):
        return None
    return visible_records_parts(user)


# --- Payments ------------------------------------------------------------------------------------


def payments_visible_to(user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(_order_q(user, "order__"))


def get_payment_for_user(user: User, payment_id: int) -> Payment:
    payment = (
        payments_visible_to(user)
        .select_related("order", "recorded_by")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise NotFound(_("Payment not found."))
    return payment


def payments_list(
    user: User,
    *,
    order_id: int | None = None,
    person_id: int | None = None,
    company_id: int | None = None,
    method: str = "",
    paid_from: datetime.date | None = None,
    paid_until: datetime.date | None = None,
) -> QuerySet[Payment]:
    qs = payments_visible_to(user)
    if order_id:
        qs = qs.filter(order_id=order_id)
    if person_id:
        qs = qs.filter(order__person_id=person_id)
    if company_id:
        qs = qs.filter(order__company_id=company_id)
    if method:
        qs = qs.filter(method=method)
    if paid_from:
        qs = qs.filter(paid_at__gte=_day_start(paid_from))
    if paid_until:
        qs = qs.filter(paid_at__lt=_day_start(paid_until + datetime.timedelta(days=1)))
    return qs.select_related("order", "recorded_by")


# --- Receivables ---------------------------------------------------------------------------------

_ORDER_OWED = ExpressionWrapper(F("total") - F("paid_amount"), output_field=MONEY)
_INSTALMENT_OWED = ExpressionWrapper(F("amount") - F("paid_amount"), output_field=MONEY)


def _open_orders(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Orders that still owe money: not cancelled or returned, and not fully paid."""
    return qs.exclude(status__in=CLOSED_STATUSES).filter(paid_amount__lt=F("total"))


def _open_instalments(user: User) -> QuerySet[Instalment]:
    return (
        Instalment.objects.filter(_order_q(user, "order__"))
        .exclude(order__status__in=CLOSED_STATUSES)
        .filter(paid_amount__lt=F("amount"))
    )


@dataclass
class Receivables:
    """What a customer (or everyone in scope) owes: all of it, and the part past due."""

    outstanding: Decimal = ZERO
    overdue: Decimal = ZERO
    open_orders: int = 0


def customer_receivables(
    user: User,
    *,
    person: Person | None = None,
    company: Company | None = None,
    today: datetime.date | None = None,
) -> Receivables:
    """What one person or company owes on the orders `user` may see (two queries)."""
    today = today or timezone.localdate()
    scope = {"person": person} if person is not None else {"company": company}
    totals = _open_orders(orders_visible_to(user).filter(**scope)).aggregate(
        outstanding=Sum(_ORDER_OWED), count=Count("pk")
    )
    overdue = (
        _open_instalments(user)
        .filter(**{f"order__{key}": value for key, value in scope.items()}, due_date__lt=today)
        .aggregate(overdue=Sum(_INSTALMENT_OWED))
    )
    return Receivables(
        outstanding=cents(totals["outstanding"]),
        overdue=cents(overdue["overdue"]),
        open_orders=totals["count"],
    )


@dataclass
class AgingBucket:
    first_day: int
    last_day: int | None
    amount: Decimal


@dataclass
class OwnerReceivables:
    owner: User | None
    outstanding: Decimal
    overdue: Decimal
    open_orders: int


@dataclass
class Debtor:
    kind: str  # "person" or "company"
    customer: Person | Company | None
    outstanding: Decimal
    overdue: Decimal
    open_orders: int


@dataclass
class ReceivablesReport:
    totals: Receivables
    not_yet_due: Decimal
    buckets: list[AgingBucket] = field(default_factory=list)
    by_owner: list[OwnerReceivables] = field(default_factory=list)
    debtors: list[Debtor] = field(default_factory=list)


def _bucket_q(today: datetime.date, first: int, last: int | None) -> Q:
    q = Q(due_date__lte=today - datetime.timedelta(days=first))
    if last is not None:
        q &= Q(due_date__gte=today - datetime.timedelta(days=last))
    return q


def receivables_report(
    user: User,
    *,
    owner_id: int | None = None,
    team_id: int | None = None,
    today: datetime.date | None = None,
    debtors: int = 20,
) -> ReceivablesReport:
    """How much is owed: totals, aging of the overdue part, per owner, and the top debtors.

    Everything is aggregated in the database in a constant number of queries (eight at most),
    whatever the number of orders.
    """
    today = today or timezone.localdate()
    orders = _open_orders(orders_visible_to(user))
    instalments = _open_instalments(user)
    if owner_id:
        orders = orders.filter(owner_id=owner_id)
        instalments = instalments.filter(order__owner_id=owner_id)
    if team_id:
        orders = orders.filter(team_id=team_id)
        instalments = instalments.filter(order__team_id=team_id)

    bucket_sums = {
        f"b{i}": Sum(_INSTALMENT_OWED, filter=_bucket_q(today, first, last))
        for i, (first, last) in enumerate(AGING_BUCKETS)
    }
    aging = instalments.aggregate(
        overdue=Sum(_INSTALMENT_OWED, filter=Q(due_date__lt=today)),
        not_yet_due=Sum(_INSTALMENT_OWED, filter=Q(due_date__gte=today)),
        **bucket_sums,
    )
    by_owner = _by_owner(orders, instalments, today)
    return ReceivablesReport(
        # The per-owner rows cover every open order, so their sums are the totals.
        totals=Receivables(
            outstanding=sum((row.outstanding for row in by_owner), ZERO),
            overdue=cents(aging["overdue"]),
            open_orders=sum(row.open_orders for row in by_owner),
        ),
        not_yet_due=cents(aging["not_yet_due"]),
        buckets=[
            AgingBucket(first, last, cents(aging[f"b{i}"]))
            for i, (first, last) in enumerate(AGING_BUCKETS)
        ],
        by_owner=by_owner,
        debtors=_top_debtors(orders, instalments, today, debtors),
    )


def _by_owner(orders, instalments, today) -> list[OwnerReceivables]:
    rows = list(
        orders.values("owner_id")
        .annotate(outstanding=Sum(_ORDER_OWED), count=Count("pk"))
        .order_by("-outstanding", "owner_id")
    )
    overdue = dict(
        instalments.filter(due_date__lt=today)
        .values("order__owner_id")
        .annotate(overdue=Sum(_INSTALMENT_OWED))
        .values_list("order__owner_id", "overdue")
    )
    users = User.objects.in_bulk([row["owner_id"] for row in rows])
    return [
        OwnerReceivables(
            owner=users.get(row["owner_id"]),
            outstanding=cents(row["outstanding"]),
            overdue=cents(overdue.get(row["owner_id"])),
            open_orders=row["count"],
        )
        for row in rows
    ]


def _customer_key(prefix: str = "") -> dict:
    """An order's customer for grouping: its person if it names one, else its company."""
    return {
        "customer_kind": Case(
            When(**{f"{prefix}person__isnull": False}, then=Value("person")),
            default=Value("company"),
            output_field=CharField(),
        ),
        "customer_id": Coalesce(f"{prefix}person_id", f"{prefix}company_id"),
    }


def _top_debtors(orders, instalments, today, limit: int) -> list[Debtor]:
    rows = list(
        orders.annotate(**_customer_key())
        .values("customer_kind", "customer_id")
        .annotate(outstanding=Sum(_ORDER_OWED), count=Count("pk"))
        .order_by("-outstanding", "customer_kind", "customer_id")[:limit]
    )
    if not rows:
        return []
    person_ids = [r["customer_id"] for r in rows if r["customer_kind"] == "person"]
    company_ids = [r["customer_id"] for r in rows if r["customer_kind"] == "company"]
    overdue = {
        (r["customer_kind"], r["customer_id"]): r["overdue"]
        for r in instalments.filter(due_date__lt=today)
        .filter(Q(order__person_id__in=person_ids) | Q(order__company_id__in=company_ids))
        .annotate(**_customer_key("order__"))
        .values("customer_kind", "customer_id")
        .annotate(overdue=Sum(_INSTALMENT_OWED))
    }
    persons = Person.objects.in_bulk(person_ids)
    companies = Company.objects.in_bulk(company_ids)
    debtors = []
    for row in rows:
        key = (row["customer_kind"], row["customer_id"])
        found = persons if row["customer_kind"] == "person" else companies
        debtors.append(
            Debtor(
                kind=row["customer_kind"],
                customer=found.get(row["customer_id"]),
                outstanding=cents(row["outstanding"]),
                overdue=cents(overdue.get(key)),
                open_orders=row["count"],
            )
        )
    return debtors
