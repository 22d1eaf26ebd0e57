"""Small factories of the churn tests: persons and orders written as they would have been at a
past date (no service sets an order's time in the past)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from rapport.customers.models import Company, LifecycleStage, Person
from rapport.sales.models.orders import Order, OrderStatus

NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))
_numbers = itertools.count(1)


def days_before(days: float, at: datetime.datetime = NOW) -> datetime.datetime:
    return at - datetime.timedelta(days=days)


def person(owner, *, name="Customer", stage=LifecycleStage.CUSTOMER, **extra) -> Person:
    return Person.objects.create(
        full_name=name, owner=owner, team_id=owner.team_id, lifecycle_stage=stage, **extra
    )


def company(owner, *, name="Company Ltd") -> Company:
    return Company.objects.create(name=name, owner=owner, team_id=owner.team_id)


def order_row(customer, placed_at, total="100.00", status=OrderStatus.RECEIVED) -> Order:
    field = "person" if isinstance(customer, Person) else "company"
    return Order(
        number=f"T{next(_numbers):07d}",
        owner_id=customer.owner_id,
        team_id=customer.team_id,
        status=status,
        placed_at=placed_at,
        total=Decimal(total),
        subtotal=Decimal(total),
        **{field: customer},
    )


def orders(rows: list[Order]) -> list[Order]:
    return Order.objects.bulk_create(rows)


def regulars_and_leavers(owner, *, count: int, now: datetime.datetime = NOW) -> list[Person]:
    """`count` persons over two and a half years: two of three order every 30 to 50 days until
    now; every third orders the same way but stops at a time spread over the two years (a
    leaver), and then is usually long without an order."""
    people = Person.objects.bulk_create(
        Person(full_name=f"P{i}", owner=owner, team_id=owner.team_id) for i in range(count)
    )
    rows = []
    for i, p in enumerate(people):
        gap = 30 + (i % 5) * 5
        start = 900 - (i % 7) * 20
        stop = (i * 37) % 720 if i % 3 == 0 else 0
        day = start
        while day > stop:
            rows.append(order_row(p, days_before(day, now), total=str(50 + (i % 9) * 10)))
            day -= gap
    orders(rows)
    return people
