"""Reads of orders, payments and receivables, always scoped by who is asking.

An order is visible when its customer is: order_create copies the customer's owner and team
onto the order (and `orders_follow_customer` keeps them in step on reassignment), so the one
rule `visible_records_q` applies to the order's own indexed columns. Payments and instalments
are visible through their order. Receivables are summed in the database, never row by row, per
currency, and converted by the one rule of `sales.selectors.money`.
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
from rapport.core.errors import NotFound
from rapport.customers.models import Company, Person
from rapport.sales.models import Instalment, Order, OrderLine, OrderStatus, Payment, Refund
from rapport.sales.selectors.money import (
    MoneyTotal,
    RateBook,
    add_amounts,
    grouped_sums,
    sums_by_currency,
)

ORDER_SORTS = ("-placed_at", "placed_at", "-total", "total", "-updated_at", "updated_at")
PAYMENT_SORTS = ("-paid_at", "paid_at")
REFUND_SORTS = ("-refunded_at", "refunded_at")
CLOSED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
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
    """An order with its lines, instalments, payments and refunds, in a fixed few queries."""
    order = (
        orders_visible_to(user)
        .select_related("person", "company", "owner", "team", "deal", "price_list")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("instalments", queryset=Instalment.objects.order_by("due_date", "sequence")),
            Prefetch("payments", queryset=Payment.objects.select_related("recorded_by")),
            Prefetch("refunds", queryset=Refund.objects.select_related("recorded_by", "payment")),
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
    # Still owing money (open, and total - credited - paid > 0).
    open_only: bool = False
    # Cancelled or returned but still holding money (not all of it refunded).
    holding_money: bool = False


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
        qs = _open_orders(qs)
    if filters.holding_money:
        qs = qs.filter(_HOLDING)
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


# --- Refunds -------------------------------------------------------------------------------------


def refunds_visible_to(user: User) -> QuerySet[Refund]:
    return Refund.objects.filter(_order_q(user, "order__"))


def refunds_list(user: User, *, order_id: int | None = None) -> QuerySet[Refund]:
    qs = refunds_visible_to(user)
    if order_id:
        qs = qs.filter(order_id=order_id)
    return qs.select_related("order", "payment", "recorded_by")


# --- Receivables ---------------------------------------------------------------------------------
#
# Every money figure here is a `MoneyTotal` (`sales.selectors.money`, docs/decisions.md "Money"):
# the database sums per currency, and one `RateBook` of today's rates converts each currency's
# sum into the reporting currency. Amounts of different currencies are never added as they are.

# What an open order owes: its total less what was credited (refunds that lowered its worth)
# less what it holds (payments less refunds). See docs/decisions.md, "Refunds".
_ORDER_OWED = ExpressionWrapper(
    F("total") - F("credited_amount") - F("paid_amount"), output_field=MONEY
)
_INSTALMENT_OWED = ExpressionWrapper(F("amount") - F("paid_amount"), output_field=MONEY)
# An open order that still owes money, and a closed one that still holds some.
_OWING = ~Q(status__in=CLOSED_STATUSES) & Q(paid_amount__lt=F("total") - F("credited_amount"))
_HOLDING = Q(status__in=CLOSED_STATUSES, paid_amount__gt=0)
# What an order is worth (its revenue, a customer's value): total less credits while open, what
# it kept once cancelled or returned (`Order.net_value`).
_NET_VALUE = Case(
    When(status__in=CLOSED_STATUSES, then=F("paid_amount")),
    default=F("total") - F("credited_amount"),
    output_field=MONEY,
)


def _open_orders(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Orders that still owe money: open, and total - credited - paid above zero."""
    return qs.filter(_OWING)


def _open_instalments(user: User) -> QuerySet[Instalment]:
    return (
        Instalment.objects.filter(_order_q(user, "order__"))
        .exclude(order__status__in=CLOSED_STATUSES)
        .filter(paid_amount__lt=F("amount"))
    )


def _nothing() -> MoneyTotal:
    return RateBook().empty()


@dataclass
class Receivables:
    """What a customer (or everyone in scope) owes: all of it, and the part past due."""

    outstanding: MoneyTotal = field(default_factory=_nothing)
    overdue: MoneyTotal = field(default_factory=_nothing)
    open_orders: int = 0


def _scope_filter(person: Person | None, company: Company | None, prefix: str = "") -> dict:
    return {f"{prefix}person": person} if person is not None else {f"{prefix}company": company}


def customer_receivables(
    user: User,
    *,
    person: Person | None = None,
    company: Company | None = None,
    today: datetime.date | None = None,
    rates: RateBook | None = None,
) -> Receivables:
    """What one person or company owes on the orders `user` may see, per currency and converted
    at today's rates (two queries, and one for the rates when a currency other than the
    reporting one is owed)."""
    today = today or timezone.localdate()
    rates = rates or RateBook(today)
    rows = _customer_order_sums(user, person, company)
    return _receivables_of(rows, _customer_overdue(user, person, company, today), rates)


@dataclass
class CustomerValue:
    """What a customer's orders are worth: their net value (revenue: totals less credits, and
    what cancelled or returned orders kept), the money received net of refunds, the refunds."""

    net_value: MoneyTotal
    received: MoneyTotal
    refunded: MoneyTotal
    orders: int


def customer_value(
    user: User,
    *,
    person: Person | None = None,
    company: Company | None = None,
    rates: RateBook | None = None,
) -> CustomerValue:
    """The value of one person's or company's orders that `user` may see, per currency and
    converted at today's rates: one query (and one for the rates when a currency other than the
    reporting one is in it), whatever the customer's history."""
    return _value_of(_customer_order_sums(user, person, company), rates or RateBook())


def customer_money(
    user: User,
    *,
    person: Person | None = None,
    company: Company | None = None,
    today: datetime.date | None = None,
    rates: RateBook | None = None,
) -> tuple[Receivables, CustomerValue]:
    """`customer_receivables` and `customer_value` together, reading the orders once (the 360°
    page's panel): two queries, and the rates when needed."""
    today = today or timezone.localdate()
    rates = rates or RateBook(today)
    rows = _customer_order_sums(user, person, company)
    overdue = _customer_overdue(user, person, company, today)
    return _receivables_of(rows, overdue, rates), _value_of(rows, rates)


def _customer_order_sums(user: User, person: Person | None, company: Company | None) -> list:
    """One GROUP BY currency over the customer's visible orders: what the open ones owe and
    how many there are, their net value, the money received and refunded, how many orders."""
    return list(
        orders_visible_to(user)
        .filter(**_scope_filter(person, company))
        .order_by()
        .values("currency")
        .annotate(
            outstanding=Sum(_ORDER_OWED, filter=_OWING),
            open_orders=Count("pk", filter=_OWING),
            net=Sum(_NET_VALUE),
            received=Sum("paid_amount"),
            refunded=Sum("refunded_amount"),
            count=Count("pk"),
        )
    )


def _customer_overdue(
    user: User, person: Person | None, company: Company | None, today: datetime.date
) -> dict[str, Decimal]:
    return sums_by_currency(
        _open_instalments(user).filter(
            **_scope_filter(person, company, "order__"), due_date__lt=today
        ),
        _INSTALMENT_OWED,
        currency_field="order__currency",
    )


def _per_currency(rows: list, name: str) -> dict[str, Decimal]:
    """The currencies with something in column `name` (nothing refunded lists no currency)."""
    return {row["currency"]: row[name] for row in rows if row[name]}


def _receivables_of(rows: list, overdue: dict[str, Decimal], rates: RateBook) -> Receivables:
    return Receivables(
        outstanding=rates.total(_per_currency(rows, "outstanding")),
        overdue=rates.total(overdue),
        open_orders=sum(row["open_orders"] for row in rows),
    )


def _value_of(rows: list, rates: RateBook) -> CustomerValue:
    return CustomerValue(
        net_value=rates.total(_per_currency(rows, "net")),
        received=rates.total(_per_currency(rows, "received")),
        refunded=rates.total(_per_currency(rows, "refunded")),
        orders=sum(row["count"] for row in rows),
    )


@dataclass
class AgingBucket:
    first_day: int
    last_day: int | None
    amount: MoneyTotal


@dataclass
class OwnerReceivables:
    owner: User | None
    outstanding: MoneyTotal
    overdue: MoneyTotal
    open_orders: int


@dataclass
class Debtor:
    kind: str  # "person" or "company"
    customer: Person | Company | None
    outstanding: MoneyTotal
    overdue: MoneyTotal
    open_orders: int


@dataclass
class ReceivablesReport:
    totals: Receivables
    not_yet_due: MoneyTotal
    buckets: list[AgingBucket] = field(default_factory=list)
    by_owner: list[OwnerReceivables] = field(default_factory=list)
    debtors: list[Debtor] = field(default_factory=list)
    # Money still held on cancelled and returned orders (what was not refunded), and how many.
    held: MoneyTotal = field(default_factory=_nothing)
    held_orders: int = 0


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
    """How much is owed: totals, aging of the overdue part, per owner, the top debtors, and the
    money still held on cancelled and returned orders.

    Every figure is summed per currency in the database and converted at today's rates
    (`RateBook`), in a constant number of queries (ten at most: the rates, the aging, the owners'
    sums, overdue and names, the debtors' ranking, sums, overdue and names), whatever the number
    of orders.
    """
    today = today or timezone.localdate()
    rates = RateBook(today)
    orders = orders_visible_to(user)
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
    aging_rows = list(
        instalments.order_by()
        .values("order__currency")
        .annotate(
            overdue=Sum(_INSTALMENT_OWED, filter=Q(due_date__lt=today)),
            not_yet_due=Sum(_INSTALMENT_OWED, filter=Q(due_date__gte=today)),
            **bucket_sums,
        )
    )

    def aging(name: str) -> MoneyTotal:
        return rates.total(
            {row["order__currency"]: row[name] for row in aging_rows if row[name] is not None}
        )

    by_owner, held = _by_owner(orders, instalments, today, rates)
    return ReceivablesReport(
        # The per-owner rows cover every open order, so their sums are the totals.
        totals=Receivables(
            outstanding=rates.total(add_amounts(*(row.outstanding.amounts for row in by_owner))),
            overdue=aging("overdue"),
            open_orders=sum(row.open_orders for row in by_owner),
        ),
        not_yet_due=aging("not_yet_due"),
        buckets=[
            AgingBucket(first, last, aging(f"b{i}"))
            for i, (first, last) in enumerate(AGING_BUCKETS)
        ],
        by_owner=by_owner,
        debtors=_top_debtors(_open_orders(orders), instalments, today, debtors, rates),
        held=rates.total(held[0]),
        held_orders=held[1],
    )


def _by_owner(
    orders, instalments, today, rates: RateBook
) -> tuple[list[OwnerReceivables], tuple[dict[str, Decimal], int]]:
    """The owners' rows, largest converted amount owed first, and the money held on closed
    orders (per currency, and how many orders), read in the same GROUP BY."""
    rows = (
        orders.filter(_OWING | _HOLDING)
        .order_by()
        .values("owner_id", "currency")
        .annotate(
            outstanding=Sum(_ORDER_OWED, filter=_OWING),
            count=Count("pk", filter=_OWING),
            held=Sum("paid_amount", filter=_HOLDING),
            held_count=Count("pk", filter=_HOLDING),
        )
    )
    owed: dict[int, dict[str, Decimal]] = {}
    counts: dict[int, int] = {}
    held: dict[str, Decimal] = {}
    held_count = 0
    for row in rows:
        if row["count"]:
            owed.setdefault(row["owner_id"], {})[row["currency"]] = row["outstanding"]
            counts[row["owner_id"]] = counts.get(row["owner_id"], 0) + row["count"]
        if row["held_count"]:
            held = add_amounts(held, {row["currency"]: row["held"]})
            held_count += row["held_count"]
    overdue = grouped_sums(
        instalments.filter(due_date__lt=today)
        .order_by()
        .values("order__owner_id", "order__currency")
        .annotate(overdue=Sum(_INSTALMENT_OWED)),
        "order__owner_id",
        "overdue",
        currency_field="order__currency",
    )
    users = User.objects.in_bulk(list(owed))
    result = [
        OwnerReceivables(
            owner=users.get(owner_id),
            outstanding=rates.total(amounts),
            overdue=rates.total(overdue.get(owner_id, {})),
            open_orders=counts[owner_id],
        )
        for owner_id, amounts in owed.items()
    ]
    result.sort(key=lambda row: (-row.outstanding.converted, row.owner.pk if row.owner else 0))
    return result, (held, held_count)


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


def _of_customers(person_ids: list[int], company_ids: list[int], prefix: str = "") -> Q:
    """The orders (or instalments, with `prefix`) of these persons, and of these companies
    without a person: the orders `_customer_key` groups under them."""
    return Q(**{f"{prefix}person_id__in": person_ids}) | Q(
        **{f"{prefix}person__isnull": True, f"{prefix}company_id__in": company_ids}
    )


def _top_debtors(orders, instalments, today, limit: int, rates: RateBook) -> list[Debtor]:
    """The `limit` customers who owe most, ranked in the database by what they owe converted
    into the reporting currency (`RateBook.converted_expression`), so the top is right across
    currencies.

    A part owed in a currency without a rate has no converted amount: it does not raise its
    customer's rank (it is shown on the row as missing). Customers who owe only in such
    currencies come after all the others, among themselves by the amount as written (which
    compares like with like when, as usual, they owe in one currency).
    """
    owed_converted = Sum(rates.converted_expression(_ORDER_OWED))
    ranked = list(
        orders.annotate(**_customer_key())
        .order_by()
        .values("customer_kind", "customer_id")
        .annotate(converted=owed_converted, written=Sum(_ORDER_OWED))
        .order_by(F("converted").desc(nulls_last=True), "-written", "customer_kind", "customer_id")[
            :limit
        ]
    )
    if not ranked:
        return []
    keys = [(row["customer_kind"], row["customer_id"]) for row in ranked]
    person_ids = [pk for kind, pk in keys if kind == "person"]
    company_ids = [pk for kind, pk in keys if kind == "company"]
    owed: dict[tuple, dict[str, Decimal]] = {}
    counts: dict[tuple, int] = {}
    for row in (
        orders.filter(_of_customers(person_ids, company_ids))
        .annotate(**_customer_key())
        .order_by()
        .values("customer_kind", "customer_id", "currency")
        .annotate(outstanding=Sum(_ORDER_OWED), count=Count("pk"))
    ):
        key = (row["customer_kind"], row["customer_id"])
        owed.setdefault(key, {})[row["currency"]] = row["outstanding"]
        counts[key] = counts.get(key, 0) + row["count"]
    overdue: dict[tuple, dict[str, Decimal]] = {}
    for row in (
        instalments.filter(_of_customers(person_ids, company_ids, "order__"), due_date__lt=today)
        .annotate(**_customer_key("order__"))
        .order_by()
        .values("customer_kind", "customer_id", "order__currency")
        .annotate(overdue=Sum(_INSTALMENT_OWED))
    ):
        key = (row["customer_kind"], row["customer_id"])
        overdue.setdefault(key, {})[row["order__currency"]] = row["overdue"]
    persons = Person.objects.in_bulk(person_ids)
    companies = Company.objects.in_bulk(company_ids)
    return [
        Debtor(
            kind=kind,
            customer=(persons if kind == "person" else companies).get(pk),
            outstanding=rates.total(owed.get((kind, pk), {})),
            overdue=rates.total(overdue.get((kind, pk), {})),
            open_orders=counts.get((kind, pk), 0),
        )
        for kind, pk in keys
    ]
