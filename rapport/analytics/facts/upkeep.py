"""Keeping the daily facts equal to the sales tables.

Every fact row belongs to one *slice*: a day (in the installation's time zone) and an owner. When
orders change, the slices they were in and the slices they are in now are computed again from
the source rows, whole: their fact rows are deleted and the GROUP BY of the slice's orders (lines,
payments, refunds) inserted. A slice holds one owner's orders of one day, so the cost of a change
does not grow with history. `OrderFactSlice` remembers the slice each order was last counted in,
since a change (a new owner after a merge, a moved date) is announced after the write.

Upkeep runs inside the transaction of the change (the handlers in `handlers.py` are called by
`record_changed` in the service): the facts commit or roll back with the orders, so a dashboard
never disagrees with the order list, and a failure fails the write instead of leaving the facts
wrong unnoticed. Concurrent changes of the same owner's orders are serialised by locking the
owner's user row before a slice is read (PostgreSQL; SQLite has one writer at a time anyway), so
two transactions never insert the same slice from two snapshots.

`facts_rebuild` computes every table again from scratch, a month at a time (after the demo's bulk
load, which writes orders without the services, or to repair), and `facts_compare` says whether
the facts equal a direct query.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DateField, DecimalField, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, Trunc, TruncDate

from rapport.accounts.models import User
from rapport.analytics.facts.customer_upkeep import (
    customer_day_differences,
    customer_day_rows,
    customer_differences,
    customer_facts_rebuild,
    customer_facts_refresh,
    customer_pointer_differences,
    customer_pointers_fill,
)
from rapport.analytics.facts.models import (
    CashFact,
    CustomerDayFact,
    CustomerFact,
    OrderFact,
    OrderFactSlice,
    OrderLineFact,
    OrderLineMonthFact,
    ReceivableFact,
)
from rapport.analytics.facts.province import counts_in_company_province, order_province
from rapport.analytics.facts.zone import day_ranges, day_start, fact_zone, local_day
from rapport.sales.models import Instalment, Order, OrderLine, OrderStatus, Payment, Refund
from rapport.sales.selectors.money import to_cents

CLOSED = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
MONEY_SUM = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0.00")
CHUNK = 500
BATCH = 5000

Slice = tuple[datetime.date, int]  # (day, owner id)


def _in_days(field: str, days: Iterable[datetime.date]) -> Q:
    q = Q(pk__in=[])
    for first, last in day_ranges(days):
        q |= Q(
            **{
                f"{field}__gte": day_start(first),
                f"{field}__lt": day_start(last + datetime.timedelta(days=1)),
            }
        )
    return q


def _province(prefix: str = ""):
    # The rule the reports read too (`province.order_province`).
    return order_province(prefix)


def _money(expression, **extra):
    return Coalesce(Sum(expression, output_field=MONEY_SUM, **extra), ZERO, output_field=MONEY_SUM)


# --- The GROUP BY of each table -----------------------------------------------------------------


def _order_rows(orders) -> list[OrderFact]:
    open_q = ~Q(status__in=CLOSED)
    rows = (
        orders.order_by()
        .annotate(fact_day=TruncDate("placed_at", tzinfo=fact_zone()), fact_province=_province())
        .values("fact_day", "owner_id", "team_id", "currency", "fact_province")
        .annotate(
            n_orders=Count("pk"),
            n_open=Count("pk", filter=open_q),
            s_total=_money("total", filter=open_q),
            s_discounts=_money("discount_total", filter=open_q),
            s_credited=_money("credited_amount", filter=open_q),
            s_kept=_money("paid_amount", filter=~open_q),
            s_paid=_money("paid_amount"),
            s_refunded=_money("refunded_amount"),
        )
    )
    facts = []
    for row in rows:
        total, credited, kept = (to_cents(row[k]) for k in ("s_total", "s_credited", "s_kept"))
        facts.append(
            OrderFact(
                day=row["fact_day"],
                owner_id=row["owner_id"],
                team_id=row["team_id"],
                currency=row["currency"],
                province=row["fact_province"] or "",
                orders=row["n_orders"],
                open_orders=row["n_open"],
                total=total,
                discounts=to_cents(row["s_discounts"]),
                credited=credited,
                kept=kept,
                revenue=total - credited + kept,
                paid=to_cents(row["s_paid"]),
                refunded=to_cents(row["s_refunded"]),
            )
        )
    return facts


def _line_rows(lines, *, monthly: bool = False) -> list:
    """Daily line facts (by product), or monthly ones (by province and product)."""
    if monthly:
        period = Trunc("order__placed_at", "month", output_field=DateField(), tzinfo=fact_zone())
        dims = {"fact_day": period, "fact_province": _province("order__")}
    else:
        dims = {"fact_day": TruncDate("order__placed_at", tzinfo=fact_zone())}
    rows = (
        lines.order_by()
        .exclude(order__status__in=CLOSED)
        .annotate(**dims)
        .values(*dims, "order__owner_id", "order__team_id", "order__currency", "product_id")
        .annotate(
            n_lines=Count("pk"),
            s_quantity=Sum("quantity"),
            s_revenue=_money("line_total"),
            s_discounts=_money("discount"),
        )
    )
    model = OrderLineMonthFact if monthly else OrderLineFact
    facts = []
    for row in rows:
        fact = model(
            day=row["fact_day"],
            owner_id=row["order__owner_id"],
            team_id=row["order__team_id"],
            currency=row["order__currency"],
            product_id=row["product_id"],
            lines=row["n_lines"],
            quantity=row["s_quantity"] or 0,
            revenue=to_cents(row["s_revenue"]),
            discounts=to_cents(row["s_discounts"]),
        )
        if monthly:
            fact.province = row["fact_province"] or ""
        facts.append(fact)
    return facts


def receivables_ready() -> bool:
    """Whether the receivable facts have their table: a database not yet migrated to them (a
    bulk load started before the upgrade rebuilds its facts at its end) keeps the others."""
    global _RECEIVABLES_READY
    if not _RECEIVABLES_READY:
        _RECEIVABLES_READY = ReceivableFact._meta.db_table in connection.introspection.table_names()
    return _RECEIVABLES_READY


_RECEIVABLES_READY = False


def _receivable_rows(orders, instalments) -> list[ReceivableFact]:
    """What the open orders owe (`orders`, `instalments`: the slice's), as the receivables
    report counts it: instalments not fully paid by due date, orders paid less than their
    total less credits."""
    facts = []
    owing = (
        orders.order_by()
        .exclude(status__in=CLOSED)
        .filter(paid_amount__lt=F("total") - F("credited_amount"))
        .annotate(fact_day=TruncDate("placed_at", tzinfo=fact_zone()))
        .values("fact_day", "owner_id", "team_id", "currency")
        .annotate(n=Count("pk"), s=_money(F("total") - F("credited_amount") - F("paid_amount")))
    )
    for row in owing:
        facts.append(
            ReceivableFact(
                day=row["fact_day"],
                owner_id=row["owner_id"],
                team_id=row["team_id"],
                currency=row["currency"],
                due_date=None,
                open_orders=row["n"],
                outstanding=to_cents(row["s"]),
                owed=ZERO,
            )
        )
    unpaid = (
        instalments.order_by()
        .exclude(order__status__in=CLOSED)
        .filter(paid_amount__lt=F("amount"))
        .annotate(fact_day=TruncDate("order__placed_at", tzinfo=fact_zone()))
        .values("fact_day", "order__owner_id", "order__team_id", "order__currency", "due_date")
        .annotate(s=_money(F("amount") - F("paid_amount")))
    )
    for row in unpaid:
        facts.append(
            ReceivableFact(
                day=row["fact_day"],
                owner_id=row["order__owner_id"],
                team_id=row["order__team_id"],
                currency=row["order__currency"],
                due_date=row["due_date"],
                owed=to_cents(row["s"]),
                outstanding=ZERO,
                open_orders=0,
            )
        )
    return facts


def _cash_rows(payments, refunds) -> list[CashFact]:
    cells: dict[tuple, CashFact] = {}

    def cell(row, day_key: str) -> CashFact:
        key = (
            row[day_key],
            row["order__owner_id"],
            row["order__team_id"],
            row["order__currency"],
            row["method"],
        )
        if key not in cells:
            cells[key] = CashFact(
                day=key[0], owner_id=key[1], team_id=key[2], currency=key[3], method=key[4]
            )
        return cells[key]

    dims = ("order__owner_id", "order__team_id", "order__currency", "method")
    for row in (
        payments.order_by()
        .annotate(fact_day=TruncDate("paid_at", tzinfo=fact_zone()))
        .values("fact_day", *dims)
        .annotate(n=Count("pk"), s=_money("amount"))
    ):
        fact = cell(row, "fact_day")
        fact.payments, fact.received = row["n"], to_cents(row["s"])
    for row in (
        refunds.order_by()
        .annotate(fact_day=TruncDate("refunded_at", tzinfo=fact_zone()))
        .values("fact_day", *dims)
        .annotate(n=Count("pk"), s=_money("amount"))
    ):
        fact = cell(row, "fact_day")
        fact.refunds, fact.refunded = row["n"], to_cents(row["s"])
    for fact in cells.values():
        fact.received = fact.received or ZERO
        fact.refunded = fact.refunded or ZERO
    return list(cells.values())


# --- Slices ------------------------------------------------------------------------------------


def _by_owner(slices: Iterable[Slice]) -> dict[int, set[datetime.date]]:
    days: dict[int, set[datetime.date]] = defaultdict(set)
    for day, owner_id in slices:
        days[owner_id].add(day)
    return days


def _lock_owners(owner_ids: Iterable[int]) -> None:
    # In id order, so that two transactions locking several owners cannot deadlock.
    list(
        User.objects.select_for_update()
        .filter(pk__in=set(owner_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _fact_days(owner_id: int, days: set[datetime.date]) -> Q:
    return Q(owner_id=owner_id, day__in=sorted(days))


def _refresh_order_slices(slices: set[Slice]) -> None:
    for owner_id, days in _by_owner(slices).items():
        for chunk in _chunks(sorted(days), 200):
            OrderFact.objects.filter(_fact_days(owner_id, set(chunk))).delete()
            OrderLineFact.objects.filter(_fact_days(owner_id, set(chunk))).delete()
            if receivables_ready():
                ReceivableFact.objects.filter(_fact_days(owner_id, set(chunk))).delete()
            orders = Order.objects.filter(_in_days("placed_at", chunk), owner_id=owner_id)
            lines = OrderLine.objects.filter(
                _in_days("order__placed_at", chunk), order__owner_id=owner_id
            )
            instalments = Instalment.objects.filter(
                _in_days("order__placed_at", chunk), order__owner_id=owner_id
            )
            OrderFact.objects.bulk_create(_order_rows(orders), batch_size=BATCH)
            OrderLineFact.objects.bulk_create(_line_rows(lines), batch_size=BATCH)
            if receivables_ready():
                ReceivableFact.objects.bulk_create(
                    _receivable_rows(orders, instalments), batch_size=BATCH
                )
        # The monthly lines: the whole month of the owner, a few thousand lines at most.
        for month in sorted({day.replace(day=1) for day in days}):
            OrderLineMonthFact.objects.filter(owner_id=owner_id, day=month).delete()
            lines = OrderLine.objects.filter(
                _in_days("order__placed_at", _month_days(month)), order__owner_id=owner_id
            )
            OrderLineMonthFact.objects.bulk_create(
                _line_rows(lines, monthly=True), batch_size=BATCH
            )


def _month_days(month: datetime.date) -> list[datetime.date]:
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return [month + datetime.timedelta(days=n) for n in range((following - month).days)]


def _refresh_cash_slices(slices: set[Slice]) -> None:
    for owner_id, days in _by_owner(slices).items():
        for chunk in _chunks(sorted(days), 200):
            CashFact.objects.filter(_fact_days(owner_id, set(chunk))).delete()
            payments = Payment.objects.filter(_in_days("paid_at", chunk), order__owner_id=owner_id)
            refunds = Refund.objects.filter(
                _in_days("refunded_at", chunk), order__owner_id=owner_id
            )
            CashFact.objects.bulk_create(_cash_rows(payments, refunds), batch_size=BATCH)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def facts_refresh_orders(order_ids: Iterable[int], *, cash_only: bool = False) -> None:
    """Compute again the slices `order_ids` were counted in and are in now: their orders, lines
    and (by the days money moved) payments and refunds, and the per-customer facts of their
    customers then and now. With `cash_only`, only the cash slices (a payment or refund
    changed, not the order)."""
    ids = sorted({int(pk) for pk in order_ids})
    for chunk in _chunks(ids):
        locked: set[int] = set()
        while True:
            # Where the orders are and were, read again once their owners are locked: another
            # refresh of the same orders may have moved them meanwhile.
            current = list(_orders(chunk))
            now = {pk: (local_day(placed), owner) for pk, placed, owner, _p, _c in current}
            customers = {(person, company) for _pk, _pl, _o, person, company in current}
            then = {}
            for pk, day, owner, person, company in OrderFactSlice.objects.filter(
                order_id__in=chunk
            ).values_list("order_id", "day", "owner_id", "person_id", "company_id"):
                then[pk] = (day, owner)
                customers.add((person, company))
            owners = {owner for _day, owner in [*now.values(), *then.values()]}
            if owners <= locked:
                break
            _lock_owners(owners - locked)
            locked |= owners
        owners_of: dict[int, set[int]] = defaultdict(set)
        for pk, (_day, owner) in [*now.items(), *then.items()]:
            owners_of[pk].add(owner)
        cash: set[Slice] = set()
        for model, field in ((Payment, "paid_at"), (Refund, "refunded_at")):
            for pk, moment in model.objects.filter(order_id__in=chunk).values_list(
                "order_id", field
            ):
                cash.update((local_day(moment), owner) for owner in owners_of[pk])
        if not cash_only:
            _refresh_order_slices({*now.values(), *then.values()})
            customer_facts_refresh(
                person_ids={person for person, _company in customers},
                company_ids={company for _person, company in customers},
            )
            _remember(chunk, current)
        _refresh_cash_slices(cash)


def _orders(ids: list[int]):
    return Order.objects.filter(pk__in=ids).values_list(
        "pk", "placed_at", "owner_id", "person_id", "company_id"
    )


def _remember(ids: list[int], orders: Iterable[tuple]) -> None:
    OrderFactSlice.objects.filter(order_id__in=ids).delete()
    OrderFactSlice.objects.bulk_create(_slices(orders), batch_size=BATCH)


def _slices(orders: Iterable[tuple]) -> list[OrderFactSlice]:
    """Where orders are counted, from (pk, placed_at, owner, person, company) rows."""
    return [
        OrderFactSlice(
            order_id=pk,
            day=local_day(placed),
            owner_id=owner,
            person_id=person,
            company_id=company,
        )
        for pk, placed, owner, person, company in orders
    ]


def payments_orders(payment_ids: Iterable[int]) -> set[int]:
    """The orders of `payment_ids`."""
    ids, order_ids = sorted({int(pk) for pk in payment_ids}), set()
    for chunk in _chunks(ids):
        order_ids.update(Payment.objects.filter(pk__in=chunk).values_list("order_id", flat=True))
    return order_ids


def customers_orders(*, person_ids: Iterable[int] = (), company_ids: Iterable[int] = ()) -> set:
    """The orders that count in the province of these persons and companies: a person's, and
    a company's that name no person or a person without a region (`order_province`)."""
    order_ids: set[int] = set()
    for chunk in _chunks(sorted(person_ids)):
        order_ids.update(Order.objects.filter(person_id__in=chunk).values_list("pk", flat=True))
    for chunk in _chunks(sorted(company_ids)):
        order_ids.update(
            Order.objects.filter(counts_in_company_province(), company_id__in=chunk).values_list(
                "pk", flat=True
            )
        )
    return order_ids


def facts_refresh_changes(
    *,
    order_ids: Iterable[int] = (),
    payment_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    company_ids: Iterable[int] = (),
) -> None:
    """Refresh what a transaction changed: the orders' slices, the orders of customers whose
    province changed, and the cash slices of payments whose order did not change."""
    orders = set(order_ids) | customers_orders(person_ids=person_ids, company_ids=company_ids)
    facts_refresh_orders(orders)
    facts_refresh_orders(payments_orders(payment_ids) - orders, cash_only=True)


# --- Rebuild and compare -------------------------------------------------------------------------


def _months(first: datetime.date, last: datetime.date) -> Iterable[tuple]:
    cursor = first.replace(day=1)
    while cursor <= last:
        following = (cursor + datetime.timedelta(days=32)).replace(day=1)
        yield cursor, following
        cursor = following


def _span(model, field: str) -> tuple[datetime.date, datetime.date] | None:
    bounds = model.objects.aggregate(first=Min(field), last=Max(field))
    if bounds["first"] is None:
        return None
    return local_day(bounds["first"]), local_day(bounds["last"])


def facts_rebuild(progress: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Delete every fact and compute them all again, a month of orders (and of payments and
    refunds) per transaction, each month's rows inserted in batches. Returns the rows written
    per table. Run it when nothing else writes orders (after a bulk load, to repair)."""
    written = {
        "orders": 0,
        "lines": 0,
        "line_months": 0,
        "cash": 0,
        "slices": 0,
        "customers": 0,
        "customer_days": 0,
        "receivables": 0,
    }
    for model in _tables():
        model.objects.all().delete()
    spans = [s for s in (_span(Order, "placed_at"), _span(Payment, "paid_at")) if s]
    refund_span = _span(Refund, "refunded_at")
    if refund_span:
        spans.append(refund_span)
    if not spans:
        return written
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    for start, end in _months(first, last):
        with transaction.atomic():
            in_month = {"gte": day_start(start), "lt": day_start(end)}
            orders = Order.objects.filter(
                placed_at__gte=in_month["gte"], placed_at__lt=in_month["lt"]
            )
            written["orders"] += len(
                OrderFact.objects.bulk_create(_order_rows(orders), batch_size=BATCH)
            )
            lines = OrderLine.objects.filter(
                order__placed_at__gte=in_month["gte"], order__placed_at__lt=in_month["lt"]
            )
            written["lines"] += len(
                OrderLineFact.objects.bulk_create(_line_rows(lines), batch_size=BATCH)
            )
            written["line_months"] += len(
                OrderLineMonthFact.objects.bulk_create(
                    _line_rows(lines, monthly=True), batch_size=BATCH
                )
            )
            payments = Payment.objects.filter(
                paid_at__gte=in_month["gte"], paid_at__lt=in_month["lt"]
            )
            refunds = Refund.objects.filter(
                refunded_at__gte=in_month["gte"], refunded_at__lt=in_month["lt"]
            )
            written["cash"] += len(
                CashFact.objects.bulk_create(_cash_rows(payments, refunds), batch_size=BATCH)
            )
            written["customer_days"] += len(
                CustomerDayFact.objects.bulk_create(customer_day_rows(orders), batch_size=BATCH)
            )
            if receivables_ready():
                written["receivables"] += len(
                    ReceivableFact.objects.bulk_create(
                        _receivable_rows(orders, _instalments_placed(in_month)), batch_size=BATCH
                    )
                )
            slices = _slices(
                orders.values_list("pk", "placed_at", "owner_id", "person_id", "company_id")
            )
            OrderFactSlice.objects.bulk_create(slices, batch_size=BATCH)
            written["slices"] += len(slices)
        progress(
            f"{start:%Y-%m}: {written['orders']:,} order, {written['lines']:,} line and "
            f"{written['cash']:,} cash facts so far"
        )
    customer_pointers_fill()
    progress("customer day facts' pointers computed")
    written["customers"] = customer_facts_rebuild()
    progress(f"{written['customers']:,} customer facts")
    # The planner's statistics of tables that were just filled (both databases know ANALYZE).
    with connection.cursor() as cursor:
        for model in _tables():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written


def _instalments_placed(window: dict):
    return Instalment.objects.filter(
        order__placed_at__gte=window["gte"], order__placed_at__lt=window["lt"]
    )


def receivables_rebuild() -> int:
    """The receivable facts alone, computed again (after upgrading: the others are kept)."""
    ReceivableFact.objects.all().delete()
    span = _span(Order, "placed_at")
    written = 0
    for start, end in _months(*span) if span else ():
        with transaction.atomic():
            window = {"gte": day_start(start), "lt": day_start(end)}
            orders = Order.objects.filter(placed_at__gte=window["gte"], placed_at__lt=window["lt"])
            written += len(
                ReceivableFact.objects.bulk_create(
                    _receivable_rows(orders, _instalments_placed(window)), batch_size=BATCH
                )
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(ReceivableFact._meta.db_table)}")
    return written


_TABLES = (
    OrderFact,
    OrderLineFact,
    OrderLineMonthFact,
    CashFact,
    OrderFactSlice,
    CustomerFact,
    CustomerDayFact,
)


def _tables() -> tuple:
    return (*_TABLES, ReceivableFact) if receivables_ready() else _TABLES


def _fact_key(fact, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(fact, f) for f in fields)


_KEYS = {
    OrderFact: ("day", "owner_id", "team_id", "currency", "province"),
    OrderLineFact: ("day", "owner_id", "team_id", "currency", "product_id"),
    OrderLineMonthFact: ("day", "owner_id", "team_id", "currency", "province", "product_id"),
    CashFact: ("day", "owner_id", "team_id", "currency", "method"),
    ReceivableFact: ("day", "owner_id", "team_id", "currency", "due_date"),
}
_MEASURES = {
    OrderFact: (
        "orders",
        "open_orders",
        "total",
        "discounts",
        "credited",
        "kept",
        "revenue",
        "paid",
        "refunded",
    ),
    OrderLineFact: ("lines", "quantity", "revenue", "discounts"),
    OrderLineMonthFact: ("lines", "quantity", "revenue", "discounts"),
    CashFact: ("payments", "received", "refunds", "refunded"),
    ReceivableFact: ("owed", "outstanding", "open_orders"),
}


def _as_table(facts: Iterable, model) -> dict[tuple, tuple]:
    keys, measures = _KEYS[model], _MEASURES[model]
    table: dict[tuple, tuple] = {}
    for fact in facts:
        values = tuple(
            to_cents(getattr(fact, m))
            if isinstance(getattr(fact, m), Decimal)
            else getattr(fact, m)
            for m in measures
        )
        if any(values):
            table[_fact_key(fact, keys)] = values
    return table


def facts_compare(
    first: datetime.date | None = None, last: datetime.date | None = None
) -> dict[str, list]:
    """The facts against a direct GROUP BY of the sales tables, for the days first..last (all
    days by default): per table, the keys whose measures differ (stored, computed). Empty lists
    mean the facts are right. Reads a month at a time; the customers (`customers`, which have
    no day) and the customer day facts' pointers (`customer_pointers`, computed again from the
    stored rows) only when comparing all days, by ranges of customers."""
    differences: dict[str, list] = {
        "orders": [],
        "lines": [],
        "line_months": [],
        "cash": [],
        "receivables": [],
        "customers": [],
        "customer_days": [],
        "customer_pointers": [],
    }
    if first is None and last is None:
        differences["customers"] = customer_differences()
        differences["customer_pointers"] = customer_pointer_differences()
    spans = [
        s
        for s in (
            _span(Order, "placed_at"),
            _span(Payment, "paid_at"),
            _span(Refund, "refunded_at"),
        )
        if s
    ]
    for model in (OrderFact, CustomerDayFact):
        stored_span = model.objects.aggregate(first=Min("day"), last=Max("day"))
        if stored_span["first"]:
            spans.append((stored_span["first"], stored_span["last"]))
    if not spans:
        return differences
    first = first or min(s[0] for s in spans)
    last = last or max(s[1] for s in spans)
    for start, end in _months(first, last):
        lo, hi = max(start, first), min(end - datetime.timedelta(days=1), last)
        window = {"gte": day_start(lo), "lt": day_start(hi + datetime.timedelta(days=1))}
        computed = {
            OrderFact: _order_rows(
                Order.objects.filter(placed_at__gte=window["gte"], placed_at__lt=window["lt"])
            ),
            OrderLineFact: _line_rows(
                OrderLine.objects.filter(
                    order__placed_at__gte=window["gte"], order__placed_at__lt=window["lt"]
                )
            ),
            ReceivableFact: _receivable_rows(
                Order.objects.filter(placed_at__gte=window["gte"], placed_at__lt=window["lt"]),
                _instalments_placed(window),
            )
            if receivables_ready()
            else [],
            CashFact: _cash_rows(
                Payment.objects.filter(paid_at__gte=window["gte"], paid_at__lt=window["lt"]),
                Refund.objects.filter(refunded_at__gte=window["gte"], refunded_at__lt=window["lt"]),
            ),
            # The monthly table by whole months.
            OrderLineMonthFact: _line_rows(
                OrderLine.objects.filter(
                    order__placed_at__gte=day_start(start), order__placed_at__lt=day_start(end)
                ),
                monthly=True,
            ),
        }
        for name, model in (
            ("orders", OrderFact),
            ("lines", OrderLineFact),
            ("line_months", OrderLineMonthFact),
            ("cash", CashFact),
            ("receivables", ReceivableFact),
        ):
            if model is ReceivableFact and not receivables_ready():
                continue
            days = {"day": start} if model is OrderLineMonthFact else {"day__range": (lo, hi)}
            stored = _as_table(model.objects.filter(**days), model)
            fresh = _as_table(computed[model], model)
            for key in sorted(stored.keys() | fresh.keys(), key=repr):
                if stored.get(key) != fresh.get(key):
                    differences[name].append((key, stored.get(key), fresh.get(key)))
        differences["customer_days"].extend(customer_day_differences(lo, hi))
    return differences
