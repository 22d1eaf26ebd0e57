"""A won deal becomes an order in one action: its products, customer and link carried over."""

from decimal import Decimal

import pytest

from rapport.core.errors import ApplicationError
from rapport.sales.models import Order
from rapport.sales.services.deals import deal_create, deal_win
from rapport.sales.services.orders import order_create_from_deal
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)


@pytest.fixture
def won_deal(alice, east_person, east_company, tea, cup):
    deal = deal_create(
        actor=alice,
        data={
            "title": "中秋礼盒 200 套",
            "person_id": east_person.pk,
            "company_id": east_company.pk,
            "lines": [
                {"product_id": tea.pk, "quantity": 200, "unit_price": "350.00", "discount": "0"},
                {"product_id": cup.pk, "quantity": 400, "discount": "200.00"},
            ],
        },
    )
    return deal_win(actor=alice, deal=deal)


def test_won_deal_becomes_an_order_with_its_lines(alice, won_deal, east_person, east_company):
    order = order_create_from_deal(actor=alice, deal=won_deal)

    assert order.deal == won_deal
    assert (order.person, order.company) == (east_person, east_company)
    lines = list(order.lines.values_list("description", "quantity", "unit_price", "discount"))
    assert lines == [
        ("龙井茶礼盒", 200, Decimal("350.00"), Decimal("0.00")),
        ("青瓷茶杯", 400, Decimal("45.50"), Decimal("200.00")),
    ]
    assert order.total == Decimal("70000.00") + Decimal("18200.00") - Decimal("200.00")


def test_deal_without_products_becomes_one_line_of_its_amount(alice, east_person):
    deal = deal_create(
        actor=alice, data={"title": "年度服务合同", "person_id": east_person.pk, "amount": "12800"}
    )
    deal_win(actor=alice, deal=deal)

    order = order_create_from_deal(actor=alice, deal=deal)

    line = order.lines.get()
    assert (line.description, line.quantity, line.unit_price) == (
        "年度服务合同",
        1,
        Decimal("12800.00"),
    )
    assert order.total == Decimal("12800.00")


def test_open_deal_cannot_become_an_order(alice, east_person):
    deal = deal_create(actor=alice, data={"title": "还在谈", "person_id": east_person.pk})

    with pytest.raises(ApplicationError) as caught:
        order_create_from_deal(actor=alice, deal=deal)

    assert caught.value.code == "deal_not_won"
    assert caught.value.status == 409
    assert not Order.objects.exists()


def test_a_deal_becomes_one_order_only(alice, won_deal):
    first = order_create_from_deal(actor=alice, deal=won_deal)

    with pytest.raises(ApplicationError) as caught:
        order_create_from_deal(actor=alice, deal=won_deal)

    assert caught.value.code == "deal_already_ordered"
    assert caught.value.details == {"order_id": first.pk, "number": first.number}
    assert Order.objects.count() == 1
