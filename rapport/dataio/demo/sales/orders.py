"""The demo orders over the past two years, paid (in instalments, partly, late or not yet),
shipped, received, returned or cancelled through the order services at the times it happened.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.models import TimelineEntry
from rapport.core.records import record_changed
from rapport.customers.models import Company
from rapport.dataio.demo.habits import Baskets, customer_life
from rapport.dataio.demo.sales.context import (
    CENT,
    DemoContext,
    lines_total,
    money,
    product_line,
)
from rapport.dataio.demo.sales_names import (
    COMPANY_CATEGORIES,
    COMPANY_PAYMENT_METHODS,
    PERSON_CATEGORIES,
    PERSON_PAYMENT_METHODS,
)
from rapport.sales.models import Deal, DealStatus, Instalment, Order, OrderStatus
from rapport.sales.services.orders import (
    order_change_status,
    order_create,
    order_create_from_deal,
    order_number,
    payment_record,
    payment_terms_days,
)

DEMO_ORDERS = 400  # including those made from won deals
DEMO_DEAL_ORDERS = 15
LIFE_SPAN = 730  # days of order history
GAP_MEDIAN = {False: 90.0, True: 60.0}  # of the customers' own mean gaps: persons, companies


# --- Orders and payments -------------------------------------------------------------------------


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` instalments: a deposit of about 30 %, the rest evenly, to the cent."""
    if parts == 1:
        return [total]
    deposit = (total * Decimal("0.3")).quantize(CENT)
    rest = total - deposit
    share = (rest / (parts - 1)).quantize(CENT)
    amounts = [deposit, *[share] * (parts - 2), rest - share * (parts - 2)]
    return amounts if all(a > 0 for a in amounts) else [total]


def _plan(ctx: DemoContext, total: Decimal, placed: datetime.datetime) -> list[dict] | None:
    rng = ctx.rng
    if total < 2000 or rng.random() < 0.7:
        return None  # the default: the whole total due after the payment terms
    amounts = _split(total, rng.choice((2, 3)))
    placed_on = timezone.localdate(placed)
    return [
        {"due_date": (placed_on + datetime.timedelta(days=30 * i)).isoformat(), "amount": money(a)}
        for i, a in enumerate(amounts)
    ]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _order_life(ctx: DemoContext, order: Order, actor: User, *, company: bool) -> int:
    """Pay, ship, receive, return or cancel `order` as its age makes likely; returns payments."""
    rng, now = ctx.rng, ctx.now
    placed = order.placed_at
    age = (now - placed).days
    if rng.random() < 0.07:
        when = min(now, placed + datetime.timedelta(hours=rng.uniform(1, 72)))
        order_change_status(
            actor=actor, order=order, status=OrderStatus.CANCELLED, at=when, note="客户取消"
        )
        return 0
    weights = (0.4, 0.1, 0.5) if age < 7 else (0.7, 0.15, 0.15) if age < 45 else (0.86, 0.1, 0.04)
    mode = rng.choices(("full", "partial", "none"), weights)[0]
    methods = COMPANY_PAYMENT_METHODS if company else PERSON_PAYMENT_METHODS
    events: list[tuple[datetime.datetime, str, Decimal | None]] = []
    last = placed
    instalments = list(order.instalments.order_by("due_date", "sequence"))
    for i, instalment in enumerate(instalments):
        if mode == "none" or (mode == "partial" and i == len(instalments) - 1 and i > 0):
            break
        due = _at(instalment.due_date, 10)
        when = max(last, due - datetime.timedelta(days=rng.uniform(0, 10)), placed)
        if i == 0:
            when = placed + max(datetime.timedelta(0), min(due, now) - placed) * rng.uniform(0, 0.6)
        if when > now:
            break
        amount = instalment.amount
        if mode == "partial" and len(instalments) == 1:
            amount = (amount * Decimal(rng.choice(("0.3", "0.5", "0.6")))).quantize(CENT)
        events.append((when, "payment", amount))
        last = when
    paid_in_full = mode == "full" and len(events) == len(instalments)
    if age >= 2 and rng.random() < 0.92:
        shipped = placed + datetime.timedelta(days=rng.uniform(0.5, 3))
        if paid_in_full and not company:
            shipped = last + datetime.timedelta(hours=rng.uniform(2, 48))  # shops ship once paid
        if shipped < now:
            events.append((shipped, OrderStatus.SHIPPED, None))
            received = shipped + datetime.timedelta(days=rng.uniform(1, 6))
            if received < now and rng.random() < 0.95:
                events.append((received, OrderStatus.RECEIVED, None))
                returned = received + datetime.timedelta(days=rng.uniform(1, 10))
                if paid_in_full and returned < now and returned > last and rng.random() < 0.06:
                    events.append((returned, OrderStatus.RETURNED, None))
    payments = 0
    for when, kind, amount in sorted(events, key=lambda e: e[0]):
        if kind == "payment":
            payment_record(
                actor=actor,
                order=order,
                amount=amount,
                paid_at=when,
                method=rng.choice(methods),
                reference=f"DEMO{order.pk:06d}{payments + 1}",
            )
            payments += 1
        elif kind == OrderStatus.RETURNED:
            # The goods came back: everything paid is refunded (newest payment first).
            held = Order.objects.values_list("paid_amount", flat=True).get(pk=order.pk)
            order_change_status(actor=actor, order=order, status=kind, at=when, refund_amount=held)
        else:
            order_change_status(actor=actor, order=order, status=kind, at=when)
    return payments


def _order_from_deal(ctx: DemoContext, deal: Deal) -> Order:
    """The order of a won deal, moved to a few days after the win (the service places it now)."""
    actor = ctx.users_by_id[deal.owner_id]
    order = order_create_from_deal(actor=actor, deal=deal)
    deal.refresh_from_db()
    placed = min(ctx.now, deal.closed_at + datetime.timedelta(days=ctx.rng.uniform(0.2, 5)))
    order.placed_at = placed
    number = order_number(order)  # the number carries the year the order was placed
    Order.objects.filter(pk=order.pk).update(
        placed_at=placed, created_at=placed, updated_at=placed, number=number
    )
    placed_on = timezone.localdate(placed)
    terms = datetime.timedelta(days=payment_terms_days())
    for instalment in order.instalments.all():
        Instalment.objects.filter(pk=instalment.pk).update(due_date=placed_on + terms)
    for entry in TimelineEntry.objects.filter(source_type="order", source_id=order.pk):
        entry.occurred_at, entry.title = placed, number
        entry.data = {**entry.data, "number": number}
        entry.save(update_fields=["occurred_at", "title", "data"])
    # Announced like any change, so that what keeps figures per day (the analytics facts)
    # counts the order on the day it now has.
    record_changed("order", order.pk, "updated", changed_fields=["placed_at", "number"])
    return Order.objects.get(pk=order.pk)


def load_orders(ctx: DemoContext, deals: list[Deal]) -> tuple[int, int]:
    rng, now = ctx.rng, ctx.now
    won = [d for d in deals if d.status == DealStatus.WON]
    orders = payments = 0
    for deal in won[:DEMO_DEAL_ORDERS]:
        order = _order_from_deal(ctx, deal)
        payments += _order_life(
            ctx, order, ctx.users_by_id[order.owner_id], company=order.company_id is not None
        )
        orders += 1
    # Customers buy in their own rhythm, some stop, baskets hang together (habits.py): a life per
    # customer, customers visited in random order, until the orders are made.
    baskets = Baskets(rng, [(i, p.sku, p.category) for i, p in enumerate(ctx.products)])
    # Older customers first, loosely: they have had the time to become regulars.
    customers = sorted(
        [*ctx.persons, *ctx.companies],
        key=lambda c: (c.created_at - now).total_seconds() * rng.uniform(0.6, 1.4),
    )
    planned = []
    for customer in customers:
        company = isinstance(customer, Company)
        appeared = max(0, LIFE_SPAN - (now - customer.created_at).days)
        life = customer_life(rng, span=LIFE_SPAN, gap_median=GAP_MEDIAN[company], earliest=appeared)
        favourites = baskets.favourites(COMPANY_CATEGORIES if company else PERSON_CATEGORIES)
        owned: list[int] = []
        for day, warning in life.orders:
            count = 1 if warning else rng.choice((1, 1, 1, 2, 2, 3))
            planned.append((customer, day, baskets.basket(owned, favourites, count)))
        if len(planned) >= DEMO_ORDERS - orders:
            break
    for customer, day, basket in planned[: DEMO_ORDERS - orders]:
        company = isinstance(customer, Company)
        placed = now - datetime.timedelta(days=LIFE_SPAN - day, hours=rng.uniform(0, 14))
        placed = max(placed, customer.created_at + datetime.timedelta(hours=1))
        placed = min(placed, now - datetime.timedelta(minutes=rng.uniform(10, 600)))
        lines = [product_line(ctx, ctx.products[i], company=company) for i in basket]
        data = {
            ("company_id" if company else "person_id"): customer.pk,
            "placed_at": placed,
            "lines": lines,
        }
        if company and rng.random() < 0.4:
            data["price_list_id"] = ctx.price_list_id
        plan = _plan(ctx, lines_total(ctx, lines), placed)
        # A plan adds up list prices, so only orders at list price get one.
        if plan and data.get("price_list_id") is None:
            data["instalments"] = plan
        actor = ctx.users_by_id[customer.owner_id]
        order = order_create(actor=actor, data=data)
        payments += _order_life(ctx, order, actor, company=company)
        orders += 1
    return orders, payments
