"""Fixtures of the customer value tests: 张伟 (alice's, East) with two orders, a product with a
known cost, and the cost-to-serve settings."""

import datetime
from decimal import Decimal

import pytest

from rapport.analytics.value.models import ProductCost, ValueSettings
from rapport.sales.services.orders import payment_record
from rapport.sales.tests.orders_fixtures import (  # noqa: F401 -- fixtures
    east_company,
    east_person,
    place_order,
    tea,
    west_person,
)

# The day the figures are computed as of: after every order of the fixtures.
AS_OF = datetime.date(2026, 3, 1)


@pytest.fixture
def service_costs(db):
    return ValueSettings.objects.create(
        hourly_cost=Decimal("120.00"), minutes_per_ticket=15, minutes_per_reply=10
    )


@pytest.fixture
def tea_cost(tea):  # noqa: F811 -- the imported fixture
    return ProductCost.objects.create(product=tea, unit_cost=Decimal("60.00"), currency="CNY")


@pytest.fixture
def zhang_history(alice, east_person, tea, tea_cost):  # noqa: F811
    """Two orders of 张伟: ¥1,000 (400 paid two days early, 600 paid five days late) and
    ¥200 of two costed teas, due 2026-02-20 and unpaid."""
    first = place_order(
        alice,
        east_person,
        placed_at="2026-01-01T10:00:00+08:00",
        lines=[{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
        instalments=[
            {"due_date": "2026-01-10", "amount": "400.00"},
            {"due_date": "2026-02-10", "amount": "600.00"},
        ],
    )
    payment_record(actor=alice, order=first, amount="400.00", paid_at="2026-01-08T10:00:00+08:00")
    payment_record(actor=alice, order=first, amount="600.00", paid_at="2026-02-15T10:00:00+08:00")
    second = place_order(
        alice,
        east_person,
        placed_at="2026-02-01T10:00:00+08:00",
        lines=[{"product_id": tea.pk, "quantity": 2, "unit_price": "100.00"}],
        instalments=[{"due_date": "2026-02-20", "amount": "200.00"}],
    )
    return first, second
