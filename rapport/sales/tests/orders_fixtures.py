"""Fixtures for the catalogue, order and payment tests (imported by those modules).

alice (East) owns 张伟 and 东方贸易; their orders are East's. charlie (West) must never see them.
"""

from decimal import Decimal

import pytest

from rapport.customers.services import company_create, person_create
from rapport.sales.services.catalog import product_create
from rapport.sales.services.orders import order_create


@pytest.fixture
def east_company(alice):
    return company_create(actor=alice, data={"name": "东方贸易有限公司"})


@pytest.fixture
def east_person(alice):
    return person_create(actor=alice, data={"full_name": "张伟"})


@pytest.fixture
def west_person(charlie):
    return person_create(actor=charlie, data={"full_name": "Emily Carter"})


@pytest.fixture
def tea(admin_user):
    return product_create(
        actor=admin_user,
        data={"sku": "TEA-001", "name": "龙井茶礼盒", "category": "茶", "unit_price": "388.00"},
    )


@pytest.fixture
def cup(admin_user):
    return product_create(
        actor=admin_user,
        data={"sku": "CUP-002", "name": "青瓷茶杯", "category": "茶具", "unit_price": "45.50"},
    )


def place_order(actor, person=None, company=None, **data):
    """An order of `data` (default: two teas) for the person or company, through the service."""
    data.setdefault("lines", [{"description": "Tea", "quantity": 2, "unit_price": "100.00"}])
    if person is not None:
        data["person_id"] = person.pk
    if company is not None:
        data["company_id"] = company.pk
    return order_create(actor=actor, data=data)


@pytest.fixture
def east_order(alice, east_person):
    """¥1,000.00 for 张伟 in two instalments: 400 due 2026-01-10, 600 due 2026-02-10."""
    return place_order(
        alice,
        east_person,
        placed_at="2026-01-01T10:00:00+08:00",
        lines=[{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
        instalments=[
            {"due_date": "2026-02-10", "amount": "600.00"},
            {"due_date": "2026-01-10", "amount": "400.00"},
        ],
    )


def money(value: str) -> Decimal:
    return Decimal(value)
