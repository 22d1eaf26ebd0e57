"""From orders to the models' input: purchase days, weeks, the repeat purchases' mean value in
the reporting currency."""

import datetime
from decimal import Decimal

import pytest

from rapport.analytics.lifetime.selectors import purchases_between, repeat_buying
from rapport.analytics.lifetime.tests.factories import companies, order_row, persons
from rapport.sales.models import ExchangeRate, Order, OrderStatus

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)


def day(n: int) -> datetime.date:
    """`n` days before the end of observation."""
    return AS_OF - datetime.timedelta(days=n)


def test_purchases_are_days_with_revenue_orders_up_to_the_end_of_observation(alice):
    buyer, once, only_cancelled = persons(alice, 3)
    Order.objects.bulk_create(
        [
            order_row(buyer, day(70), "40.00"),
            # Two orders the same day are one purchase worth both.
            order_row(buyer, day(42), "100.00"),
            order_row(buyer, day(42), "20.00"),
            # A credit lowers what the order is worth; cancelled and returned ones don't count.
            order_row(buyer, day(14), "80.00", credited="20.00"),
            order_row(buyer, day(7), "500.00", status=OrderStatus.CANCELLED),
            order_row(buyer, day(3), "500.00", status=OrderStatus.RETURNED),
            # After the end of observation.
            order_row(buyer, AS_OF + datetime.timedelta(days=1), "900.00"),
            order_row(once, day(14), "55.00"),
            order_row(only_cancelled, day(5), "10.00", status=OrderStatus.CANCELLED),
        ]
    )

    data = repeat_buying(AS_OF)

    assert list(data.keys) == [buyer.pk, once.pk]
    assert list(data.frequency) == [2, 0]
    assert data.recency == pytest.approx([56 / 7, 0])
    assert data.age == pytest.approx([70 / 7, 14 / 7])
    # (120 + 60) / 2 repeat purchases; the first purchase is not a repeat one.
    assert data.average_value == [Decimal("90.00"), None]
    assert data.repeat_customers == 1


def test_a_companys_orders_without_a_person_are_the_companys_purchases(alice):
    (buyer,) = persons(alice, 1)
    (firm,) = companies(alice, 1)
    bought_for_firm = order_row(buyer, day(30), "70.00")
    bought_for_firm.company = firm  # a named buyer: the person's purchase
    Order.objects.bulk_create(
        [
            bought_for_firm,
            order_row(firm, day(60), "10.00"),
            order_row(firm, day(20), "30.00"),
            order_row(firm, day(10), "50.00"),
        ]
    )

    data = repeat_buying(AS_OF)
    made = purchases_between(day(25), AS_OF)

    assert list(data.keys) == [buyer.pk, -firm.pk]
    assert list(data.frequency) == [0, 2]
    assert data.average_value == [None, Decimal("40.00")]
    assert made == {-firm.pk: 2}


def test_values_are_converted_into_the_reporting_currency_at_the_end_of_observation(alice):
    (buyer,) = persons(alice, 1)
    ExchangeRate.objects.create(
        currency="USD", to_currency="CNY", valid_from=day(400), rate=Decimal("7.00000000")
    )
    ExchangeRate.objects.create(
        currency="USD", to_currency="CNY", valid_from=day(10), rate=Decimal("7.10000000")
    )
    Order.objects.bulk_create(
        [
            order_row(buyer, day(60), "1.00"),
            order_row(buyer, day(30), "10.00", currency="USD"),
            order_row(buyer, day(20), "29.00"),
            # No rate for euros: a purchase, of unknown value.
            order_row(buyer, day(15), "10.00", currency="EUR"),
        ]
    )

    data = repeat_buying(AS_OF)

    assert data.frequency[0] == 3
    assert data.average_value == [Decimal("50.00")]  # (71.00 + 29.00) / 2
    assert data.missing_currencies == {"EUR"}


def test_holdout_purchases_count_days_after_the_start(alice):
    buyer, other = persons(alice, 2)
    Order.objects.bulk_create(
        [
            order_row(buyer, day(50)),
            order_row(buyer, day(20)),
            order_row(buyer, day(20)),
            order_row(buyer, day(10)),
            order_row(other, day(9), status=OrderStatus.CANCELLED),
        ]
    )

    assert purchases_between(day(30), AS_OF) == {buyer.pk: 2}


def test_the_input_is_read_in_one_grouped_query(alice, django_assert_max_num_queries):
    people = persons(alice, 20)
    Order.objects.bulk_create(
        [order_row(p, day(n)) for i, p in enumerate(people) for n in (5 + i, 40, 90)]
    )

    # The grouped orders, and the rates if an order is in another currency.
    with django_assert_max_num_queries(2):
        data = repeat_buying(AS_OF)

    assert len(data) == 20
