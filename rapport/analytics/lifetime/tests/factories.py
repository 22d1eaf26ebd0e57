"""Persons and orders written as they were at past dates (no service places an order in the
past), and the CDNOW sample turned back into orders."""

import csv
import datetime
import itertools
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from rapport.customers.models import Company, Person
from rapport.sales.models.orders import Order, OrderStatus

CDNOW = Path(__file__).resolve().parents[4] / "tests/data/cdnow"
_numbers = itertools.count(1)


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def order_row(
    customer: Person | Company,
    day: datetime.date,
    total: str | Decimal = "100.00",
    *,
    status: str = OrderStatus.RECEIVED,
    currency: str = "CNY",
    credited: str = "0",
) -> Order:
    total = Decimal(total)
    field = "person" if isinstance(customer, Person) else "company"
    return Order(
        number=f"LTV{next(_numbers):07d}",
        owner_id=customer.owner_id,
        team_id=customer.team_id,
        status=status,
        currency=currency,
        placed_at=at_noon(day),
        subtotal=total,
        total=total,
        refunded_amount=Decimal(credited),
        credited_amount=Decimal(credited),
        **{field: customer},
    )


def companies(owner, count: int, prefix: str = "C") -> list[Company]:
    return Company.objects.bulk_create(
        Company(name=f"{prefix}{i}", owner=owner, team_id=owner.team_id) for i in range(count)
    )


def persons(owner, count: int, prefix: str = "P") -> list[Person]:
    return Person.objects.bulk_create(
        Person(full_name=f"{prefix}{i}", owner=owner, team_id=owner.team_id) for i in range(count)
    )


def cdnow_rows() -> list[dict]:
    with (CDNOW / "cdnow_customers_summary_with_transactions.csv").open() as handle:
        return list(csv.DictReader(handle))


def cdnow_orders(owner, as_of: datetime.date, rows: list[dict] | None = None) -> list[Person]:
    """One person per CDNOW customer and their purchases as orders: the first `T` weeks before
    `as_of`, the last repeat purchase `t_x` weeks after it, the others on distinct days in
    between, each repeat purchase worth the customer's `zbar` (so their mean is `zbar`)."""
    rows = rows if rows is not None else cdnow_rows()
    people = persons(owner, len(rows), prefix="CDNOW ")
    orders = []
    for person, row in zip(people, rows, strict=True):
        x = int(row["x"])
        first = as_of - datetime.timedelta(days=round(float(row["T"]) * 7))
        orders.append(order_row(person, first, "10.00"))
        if not x:
            continue
        last = round(float(row["t_x"]) * 7)
        # x - 1 distinct days strictly between the first and the last purchase.
        between = [1 + (i * (last - 1)) // x for i in range(1, x)]
        for offset in [*between, last]:
            orders.append(order_row(person, first + datetime.timedelta(days=offset), row["zbar"]))
    Order.objects.bulk_create(orders)
    return people


def regulars_and_leavers(owner, count: int, today: datetime.date) -> list[Person]:
    """`count` persons who started buying over the last 400 days at gaps of 20 to 80 days:
    every other one still buys, the others stopped after one to four purchases."""
    people = persons(owner, count)
    orders = []
    for i, person in enumerate(people):
        start = 400 - 3 * i
        gap = 20 + (i % 5) * 15
        stop = start - gap * ((i % 4) + 1) if i % 2 else 0
        days_ago = start
        while days_ago > stop:
            orders.append(
                order_row(person, today - datetime.timedelta(days=days_ago), str(50 + i % 7 * 10))
            )
            days_ago -= gap
    Order.objects.bulk_create(orders)
    return people
