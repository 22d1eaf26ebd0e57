"""Computing each customer's value and storing it in `CustomerValue`.

Definitions (also on the overview page):

- Revenue: the orders neither cancelled nor returned, each worth its total less what was credited
  back (`total - credited_amount`), converted to the reporting currency at the rates in force on
  the day of the computation (`sales.selectors.money.RateBook`); a currency with no rate is left
  out and named (`unconverted`).
- Gross profit: revenue less the known cost of the products sold (`ProductCost` × quantity);
  lines of products without a cost count at no cost, so the profit of a customer buying
  uncosted products is their revenue. `cost_known_share` says how much of the lines' value has a
  cost.
- Cost to serve: the service app records no handling time, so an agent's work is counted by what
  it leaves: every ticket of the customer × the minutes an administrator sets per ticket, plus
  every public reply an agent wrote × the minutes per reply, at the hourly cost of service.
- Net profit: gross profit less sales expenses less the cost to serve.
- Recency: days since the last order; frequency: the number of orders (orders per year of tenure
  and the average days between orders are shown too); tenure: days since the first order;
  repeat rate: the share of the customer's orders that came after their first.
- Punctuality: of the instalments due by today, the share paid in full on or before the due
  day, and the average days late (an instalment still unpaid is late until today). Payments
  (less refunds) fill a plan's instalments oldest due first, as the sales app does, which gives
  each instalment the day it was paid off.

Scores, segments and tiers: `rfm`. The whole table is recomputed nightly (`customer_values_
recompute_all`), which also rescored everyone against everyone; a change of one customer's
orders, payments, tickets or expenses recomputes that customer at once (`customer_values_
recompute`), scored against the others' stored figures.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from rapport.analytics.value import rfm
from rapport.analytics.value.models import (
    CustomerKind,
    CustomerValue,
    ProductCost,
    SalesExpense,
    ValueSettings,
    ValueSnapshot,
)
from rapport.customers.models import Company, Person
from rapport.sales.models import Instalment, Order, OrderLine, OrderStatus, Payment
from rapport.sales.selectors.money import RateBook, to_cents
from rapport.service.models import MessageKind, Ticket, TicketMessage

CLOSED = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
SHARE = Decimal("0.0001")
BATCH = 1000


def value_settings() -> ValueSettings:
    settings = ValueSettings.objects.order_by("pk").first()
    return settings if settings is not None else ValueSettings()


@dataclass
class _Figures:
    revenue: dict = field(default_factory=lambda: defaultdict(Decimal))  # by currency
    cost: dict = field(default_factory=lambda: defaultdict(Decimal))
    lines_value: dict = field(default_factory=lambda: defaultdict(Decimal))
    known_value: dict = field(default_factory=lambda: defaultdict(Decimal))
    expenses: dict = field(default_factory=lambda: defaultdict(Decimal))
    order_count: int = 0
    first: datetime.datetime | None = None
    last: datetime.datetime | None = None
    tickets: int = 0
    replies: int = 0
    due: int = 0
    on_time: int = 0
    days_late: int = 0


def _scope(qs, lookup: str, ids):
    return (
        qs.filter(**{f"{lookup}__in": ids})
        if ids is not None
        else qs.filter(**{f"{lookup}__isnull": False})
    )


def _gather(kind: str, ids: list[int] | None, today: datetime.date) -> dict[int, _Figures]:
    """Every figure of the customers `ids` of `kind` (all when None), by customer id, in a fixed
    number of grouped queries."""
    key = kind  # "person" or "company": the field name on orders, tickets and expenses
    figures: dict[int, _Figures] = defaultdict(_Figures)
    orders = _scope(Order.objects.exclude(status__in=CLOSED), key, ids)
    for row in (
        orders.order_by()
        .values(key, "currency")
        .annotate(
            revenue=Sum(F("total") - F("credited_amount")),
            n=Count("id"),
            first=Min("placed_at"),
            last=Max("placed_at"),
        )
    ):
        f = figures[row[key]]
        f.revenue[row["currency"]] += row["revenue"] or 0
        f.order_count += row["n"]
        f.first = row["first"] if f.first is None else min(f.first, row["first"])
        f.last = row["last"] if f.last is None else max(f.last, row["last"])

    costs = {c.product_id: c for c in ProductCost.objects.all()}
    lines = OrderLine.objects.filter(order__in=orders).order_by()
    for row in lines.values(f"order__{key}", "order__currency").annotate(v=Sum("line_total")):
        figures[row[f"order__{key}"]].lines_value[row["order__currency"]] += row["v"] or 0
    if costs:
        for row in (
            lines.filter(product_id__in=list(costs))
            .values(f"order__{key}", "order__currency", "product_id")
            .annotate(q=Sum("quantity"), v=Sum("line_total"))
        ):
            f = figures[row[f"order__{key}"]]
            f.known_value[row["order__currency"]] += row["v"] or 0
            cost = costs[row["product_id"]]
            f.cost[cost.currency] += cost.unit_cost * row["q"]

    for row in (
        _scope(SalesExpense.objects, key, ids)
        .order_by()
        .values(key, "currency")
        .annotate(total=Sum("amount"))
    ):
        figures[row[key]].expenses[row["currency"]] += row["total"]

    for row in _scope(Ticket.objects, key, ids).order_by().values(key).annotate(n=Count("id")):
        figures[row[key]].tickets = row["n"]
    for row in (
        _scope(TicketMessage.objects.filter(kind=MessageKind.PUBLIC_REPLY), f"ticket__{key}", ids)
        .exclude(author_user=None)
        .order_by()
        .values(f"ticket__{key}")
        .annotate(n=Count("id"))
    ):
        figures[row[f"ticket__{key}"]].replies = row["n"]

    _gather_punctuality(figures, orders, key, today)
    return figures


def _gather_punctuality(figures, orders, key: str, today: datetime.date) -> None:
    plans: dict[int, list] = defaultdict(list)
    customer_of: dict[int, int] = {}
    for order_id, customer_id, due, amount in (
        Instalment.objects.filter(order__in=orders)
        .order_by("order_id", "due_date", "sequence")
        .values_list("order_id", f"order__{key}", "due_date", "amount")
    ):
        plans[order_id].append([due, amount])
        customer_of[order_id] = customer_id
    if not plans:
        return
    paid: dict[int, list] = defaultdict(list)
    for order_id, paid_at, amount, refunded in (
        Payment.objects.filter(order__in=orders)
        .order_by("order_id", "paid_at", "id")
        .values_list("order_id", "paid_at", "amount", "refunded_amount")
    ):
        if amount - refunded > 0:
            paid[order_id].append((timezone.localdate(paid_at), amount - refunded))
    for order_id, plan in plans.items():
        payments = iter(paid.get(order_id, ()))
        left, day = Decimal(0), None
        f = figures[customer_of[order_id]]
        for due, amount in plan:
            owed = amount
            while owed > 0:
                if left <= 0:
                    nxt = next(payments, None)
                    if nxt is None:
                        break
                    day, left = nxt
                used = min(owed, left)
                owed -= used
                left -= used
            paid_off = day if owed <= 0 else None
            if due > today and paid_off is None:
                continue  # not due yet
            f.due += 1
            late = ((paid_off or today) - due).days
            if late <= 0 and paid_off is not None:
                f.on_time += 1
            f.days_late += max(late, 0)


def _convert(book: RateBook, amounts: dict, missing: set) -> Decimal:
    total = Decimal(0)
    for currency, amount in amounts.items():
        converted = book.convert(amount, currency)
        if converted is None:
            if amount:
                missing.add(currency)
        else:
            total += converted
    return to_cents(total)


def _row(kind, customer_id, f: _Figures, book, settings, today, now) -> CustomerValue:
    missing: set[str] = set()
    revenue = _convert(book, f.revenue, missing)
    cost = _convert(book, f.cost, missing)
    lines_value = _convert(book, f.lines_value, set())
    known_value = _convert(book, f.known_value, set())
    expenses = _convert(book, f.expenses, missing)
    minutes = f.tickets * settings.minutes_per_ticket + f.replies * settings.minutes_per_reply
    cost_to_serve = to_cents(settings.hourly_cost * minutes / 60)
    gross = revenue - cost
    first = timezone.localdate(f.first) if f.first else None
    last = timezone.localdate(f.last) if f.last else None
    n = f.order_count
    tenure = (today - first).days if first else None
    return CustomerValue(
        kind=kind,
        person_id=customer_id if kind == CustomerKind.PERSON else None,
        company_id=customer_id if kind == CustomerKind.COMPANY else None,
        currency=book.currency,
        revenue=revenue,
        product_cost=cost,
        gross_profit=gross,
        cost_known_share=(known_value / lines_value).quantize(SHARE) if lines_value else None,
        expenses=expenses,
        cost_to_serve=cost_to_serve,
        net=gross - expenses - cost_to_serve,
        unconverted=sorted(missing),
        order_count=n,
        first_order_on=first,
        last_order_on=last,
        recency_days=(today - last).days if last else None,
        orders_per_year=(
            (Decimal(n) * 365 / max(tenure, 30)).quantize(Decimal("0.01")) if n else None
        ),
        days_between_orders=(last - first).days // (n - 1) if n > 1 else None,
        tenure_days=tenure,
        repeat_rate=(Decimal(n - 1) / n).quantize(SHARE) if n else None,
        instalments_due=f.due,
        on_time_share=(Decimal(f.on_time) / f.due).quantize(SHARE) if f.due else None,
        average_days_late=(Decimal(f.days_late) / f.due).quantize(Decimal("0.1"))
        if f.due
        else None,
        tickets=f.tickets,
        agent_replies=f.replies,
        rates_day=book.day,
        computed_at=now,
    )


def _owners(kind: str, ids) -> dict[int, tuple]:
    model = Person if kind == CustomerKind.PERSON else Company
    return {
        pk: (owner_id, team_id)
        for pk, owner_id, team_id in model.objects.filter(pk__in=list(ids)).values_list(
            "pk", "owner_id", "team_id"
        )
    }


def _score_all(rows: list[CustomerValue]) -> None:
    ordered = [r for r in rows if r.order_count]
    r = rfm.quintile_scores({i: row.last_order_on.toordinal() for i, row in enumerate(ordered)})
    f = rfm.quintile_scores({i: row.order_count for i, row in enumerate(ordered)})
    m = rfm.quintile_scores({i: row.revenue for i, row in enumerate(ordered)})
    p = rfm.quintile_scores({i: row.net for i, row in enumerate(ordered)})
    for i, row in enumerate(ordered):
        row.r_score, row.f_score, row.m_score, row.profit_score = r[i], f[i], m[i], p[i]
    for row in rows:
        row.segment = rfm.segment_for(row.r_score, row.f_score)
        row.tier = rfm.tier_for(row.r_score, row.f_score, row.profit_score, row.net)


def _score_against_stored(row: CustomerValue) -> None:
    """Score one customer among the others' stored figures (counts, no full read)."""
    if not row.order_count:
        row.segment = ""
        row.tier = rfm.tier_for(None, None, None, row.net)
        return
    others = CustomerValue.objects.filter(kind=row.kind, order_count__gt=0).exclude(
        **{row.kind: row.customer_id}
    )
    n = others.count() + 1

    def score(field_name, value):
        worse = others.filter(**{f"{field_name}__lt": value}).count()
        return min(5, 1 + (5 * worse) // n)

    row.r_score = score("last_order_on", row.last_order_on)
    row.f_score = score("order_count", row.order_count)
    row.m_score = score("revenue", row.revenue)
    row.profit_score = score("net", row.net)
    row.segment = rfm.segment_for(row.r_score, row.f_score)
    row.tier = rfm.tier_for(row.r_score, row.f_score, row.profit_score, row.net)


_UPDATED = [
    f.name
    for f in CustomerValue._meta.concrete_fields
    if f.name not in ("id", "kind", "person", "company")
]


def _save(kind: str, rows: list[CustomerValue]) -> None:
    CustomerValue.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[kind],
        update_fields=_UPDATED,
    )


def _build(kind, ids, today, now) -> list[CustomerValue]:
    book = RateBook(today)
    settings = value_settings()
    figures = _gather(kind, ids, today)
    owners = _owners(kind, figures)
    rows = []
    for customer_id, f in figures.items():
        if customer_id not in owners:
            continue
        row = _row(kind, customer_id, f, book, settings, today, now)
        row.owner_id, row.team_id = owners[customer_id]
        rows.append(row)
    return rows


@transaction.atomic
def customer_values_recompute(
    *, person_ids=(), company_ids=(), today: datetime.date | None = None
) -> int:
    """Recompute the given customers now (after a change of their orders, payments, tickets or
    expenses, or of their owner). Idempotent. Returns the number of rows written."""
    today = today or timezone.localdate()
    now = timezone.now()
    written = 0
    for kind, ids in ((CustomerKind.PERSON, person_ids), (CustomerKind.COMPANY, company_ids)):
        ids = sorted({int(i) for i in ids if i})
        if not ids:
            continue
        rows = _build(kind, ids, today, now)
        for row in rows:
            _score_against_stored(row)
        _save(kind, rows)
        # A customer with nothing left to value (their only order cancelled) has no row.
        kept = {row.customer_id for row in rows}
        CustomerValue.objects.filter(
            kind=kind, **{f"{kind}__in": [i for i in ids if i not in kept]}
        ).delete()
        written += len(rows)
    return written


@transaction.atomic
def customer_values_recompute_all(*, today: datetime.date | None = None) -> int:
    """Recompute and rescore every customer, and write this month's snapshot of segments and
    tiers (the nightly job). Returns the number of rows written."""
    today = today or timezone.localdate()
    now = timezone.now()
    month = today.replace(day=1)
    written = 0
    for kind in (CustomerKind.PERSON, CustomerKind.COMPANY):
        rows = _build(kind, None, today, now)
        _score_all(rows)
        _save(kind, rows)
        kept = [row.customer_id for row in rows]
        CustomerValue.objects.filter(kind=kind).exclude(**{f"{kind}__in": kept}).delete()
        ValueSnapshot.objects.filter(month=month, kind=kind).exclude(
            **{f"{kind}__in": kept}
        ).delete()
        ValueSnapshot.objects.bulk_create(
            [
                ValueSnapshot(
                    month=month,
                    kind=kind,
                    person_id=row.person_id,
                    company_id=row.company_id,
                    segment=row.segment,
                    tier=row.tier,
                )
                for row in rows
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["month", kind],
            update_fields=["segment", "tier"],
        )
        written += len(rows)
    return written


def customers_of_records(record_type: str, record_ids) -> tuple[list[int], list[int]]:
    """The persons and companies an announced change of some records concerns."""
    ids = list(record_ids)
    if record_type == "person":
        return ids, []
    if record_type == "company":
        return [], ids
    if record_type == "payment":
        records = Order.objects.filter(payments__pk__in=ids)
    elif record_type == "order":
        records = Order.objects.filter(pk__in=ids)
    elif record_type == "ticket":
        records = Ticket.objects.filter(pk__in=ids)
    elif record_type == "ticket_message":
        records = Ticket.objects.filter(messages__pk__in=ids)
    else:
        return [], []
    rows = list(records.values_list("person_id", "company_id").distinct())
    return [p for p, _c in rows if p], [c for _p, c in rows if c]
