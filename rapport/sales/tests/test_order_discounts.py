"""Percentage discounts on order lines and orders: rounded once, half up, stored as amounts.

docs/decisions.md, "Discounts": amount = round_half_up(base × percentage / 100, 0.01); the total is
the subtotal less the stored amounts. Each expected figure is worked out by hand in the test.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from rapport.api.tests.conftest import client_for
from rapport.core.errors import ValidationFailed
from rapport.sales.models import Order
from rapport.sales.services.orders import order_update, payment_record
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

CENT = Decimal("0.01")


def by_hand(base: str, percent: str) -> Decimal:
    return (Decimal(base) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def errors_of(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.details


# --- Lines ---------------------------------------------------------------------------------------


def test_ten_percent_of_99_99_is_10_00(alice, east_person):
    # Given a line of 99.99 with 10 % off
    order = place_order(
        alice,
        east_person,
        lines=[
            {"description": "Tea", "quantity": 1, "unit_price": "99.99", "discount_percent": "10"}
        ],
    )

    # Then 9.999 is rounded half up once, and the percentage is kept beside the amount
    line = order.lines.get()
    assert (line.discount, line.discount_percent) == (Decimal("10.00"), Decimal("10.00"))
    assert line.line_total == Decimal("89.99")
    order.refresh_from_db()
    assert (order.subtotal, order.discount_total, order.total) == (
        Decimal("99.99"),
        Decimal("10.00"),
        Decimal("89.99"),
    )


def test_a_third_of_three_times_33_33(alice, east_person):
    # Given 3 × 33.33 = 99.99 with 33.33 % off: 33.326667 → 33.33
    order = place_order(
        alice,
        east_person,
        lines=[
            {
                "description": "Cup",
                "quantity": 3,
                "unit_price": "33.33",
                "discount_percent": "33.33",
            }
        ],
    )

    line = order.lines.get()
    assert line.discount == Decimal("33.33") == by_hand("99.99", "33.33")
    assert line.line_total == Decimal("66.66")
    assert order.total == Decimal("66.66")


def test_order_percentage_is_taken_off_the_discounted_lines(alice, east_person):
    # Given lines that already have discounts (an amount and a percentage), and 12.5 % off the
    # whole order
    order = place_order(
        alice,
        east_person,
        lines=[
            {"description": "Tea", "quantity": 3, "unit_price": "388.00", "discount": "0.10"},
            {"description": "Cup", "quantity": 7, "unit_price": "45.50", "discount_percent": "15"},
        ],
        discount_percent="12.5",
    )

    # Then, worked out by hand:
    # line 1: 1164.00 − 0.10 = 1163.90
    # line 2: 318.50 − round(47.775) 47.78 = 270.72
    # order: 12.5 % of 1434.62 = 179.3275 → 179.33
    lines_total = Decimal("1163.90") + Decimal("270.72")
    order_discount = by_hand(str(lines_total), "12.5")
    assert order_discount == Decimal("179.33")
    order.refresh_from_db()
    assert order.order_discount == order_discount
    assert order.discount_percent == Decimal("12.50")
    assert order.discount_total == Decimal("0.10") + Decimal("47.78") + order_discount
    assert order.total == Decimal("1482.50") - order.discount_total == Decimal("1255.29")
    # The one instalment of the default plan is the whole discounted total
    assert [i.amount for i in order.instalments.all()] == [Decimal("1255.29")]


def test_order_discount_as_an_amount(alice, east_person):
    order = place_order(alice, east_person, discount="50.00")

    order.refresh_from_db()
    assert (order.order_discount, order.discount_percent) == (Decimal("50.00"), None)
    assert order.total == Decimal("150.00")  # 2 × 100.00 − 50.00


def test_instalments_must_add_up_to_the_discounted_total(alice, east_person):
    # 200.00 less 10 % is 180.00: a plan of 200.00 is refused, one of 180.00 accepted
    details = errors_of(
        lambda: place_order(
            alice,
            east_person,
            discount_percent="10",
            instalments=[{"due_date": "2099-01-01", "amount": "200.00"}],
        )
    )
    assert "instalments" in details

    order = place_order(
        alice,
        east_person,
        discount_percent="10",
        instalments=[
            {"due_date": "2099-01-01", "amount": "100.00"},
            {"due_date": "2099-02-01", "amount": "80.00"},
        ],
    )
    assert order.total == Decimal("180.00")


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("100.01", "Enter a percentage from 0 to 100, e.g. 12.5."),
        ("-5", "Enter a percentage from 0 to 100, e.g. 12.5."),
        ("12.345", "Use at most two decimal places."),
        ("ten", "Enter a percentage from 0 to 100, e.g. 12.5."),
        ("NaN", "Enter a percentage from 0 to 100, e.g. 12.5."),
        ("1e400", "Enter a percentage from 0 to 100, e.g. 12.5."),
    ],
)
def test_bad_percentages_are_field_errors(alice, east_person, percent, message):
    line = {"description": "Tea", "quantity": 1, "unit_price": "10.00", "discount_percent": percent}

    details = errors_of(lambda: place_order(alice, east_person, lines=[line]))
    order_details = errors_of(lambda: place_order(alice, east_person, discount_percent=percent))

    assert details == {"lines.0.discount_percent": [message]}
    assert order_details == {"discount_percent": [message]}
    assert not Order.objects.exists()


def test_amount_and_percentage_together_are_refused(alice, east_person):
    line = {
        "description": "Tea",
        "quantity": 1,
        "unit_price": "10.00",
        "discount": "1.00",
        "discount_percent": "10",
    }

    details = errors_of(lambda: place_order(alice, east_person, lines=[line]))
    order_details = errors_of(
        lambda: place_order(alice, east_person, discount="1.00", discount_percent="10")
    )

    both = ["Give the discount as an amount or as a percentage, not both."]
    assert details == {"lines.0.discount_percent": both}
    assert order_details == {"discount_percent": both}


def test_order_discount_larger_than_the_lines_is_refused(alice, east_person):
    # The lines come to 200.00 less 20.00
    lines = [{"description": "Tea", "quantity": 2, "unit_price": "100.00", "discount": "20.00"}]

    details = errors_of(lambda: place_order(alice, east_person, lines=lines, discount="180.01"))
    order = place_order(alice, east_person, lines=lines, discount="180.00")

    assert list(details) == ["discount"]
    assert order.total == Decimal("0.00")


def test_updating_an_open_order_recomputes_its_percentages(alice, east_person):
    # Given an order of 2 × 100.00 with 10 % off the line and 5 % off the order
    order = place_order(
        alice,
        east_person,
        lines=[
            {"description": "Tea", "quantity": 2, "unit_price": "100.00", "discount_percent": "10"}
        ],
        discount_percent="5",
    )
    assert order.total == Decimal("171.00")  # 200 − 20 = 180; 180 − 9 = 171

    # When the lines change to 3 × 33.33 (and the percentages stay)
    order = order_update(
        actor=alice,
        order=order,
        version=order.version,
        data={
            "lines": [
                {
                    "description": "Tea",
                    "quantity": 3,
                    "unit_price": "33.33",
                    "discount_percent": "10",
                }
            ]
        },
    )

    # Then 10 % of 99.99 is 10.00 again, and 5 % of 89.99 is 4.4995 → 4.50
    order.refresh_from_db()
    assert order.lines.get().discount == by_hand("99.99", "10") == Decimal("10.00")
    assert order.order_discount == by_hand("89.99", "5") == Decimal("4.50")
    assert order.discount_percent == Decimal("5.00")
    assert order.total == Decimal("85.49")

    # And an order discount given anew as an amount replaces the percentage
    order = order_update(actor=alice, order=order, version=order.version, data={"discount": "9.99"})
    order.refresh_from_db()
    assert (order.order_discount, order.discount_percent) == (Decimal("9.99"), None)
    assert order.total == Decimal("80.00")


def test_discount_of_a_paid_order_cannot_change(alice, east_person):
    order = place_order(alice, east_person)
    payment_record(actor=alice, order=order, amount="10.00")

    with pytest.raises(Exception) as caught:
        order_update(actor=alice, order=order, data={"discount_percent": "10"})

    assert caught.value.code == "order_locked"


# --- API and form --------------------------------------------------------------------------------


def test_api_takes_and_answers_percentages(alice, east_person):
    api = client_for(alice)

    response = api.post(
        "/orders",
        {
            "person_id": east_person.pk,
            "lines": [
                {
                    "description": "Tea",
                    "quantity": 1,
                    "unit_price": "99.99",
                    "discount_percent": "10",
                },
                {"description": "Cup", "quantity": 3, "unit_price": "33.33", "discount": "0.99"},
            ],
            "discount_percent": "12.5",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    # lines: 89.99 and 99.99 − 0.99 = 99.00; 12.5 % of 188.99 = 23.62375 → 23.62
    assert [(ln["discount"], ln["discount_percent"]) for ln in body["lines"]] == [
        ("10.00", "10.00"),
        ("0.99", None),
    ]
    assert (body["order_discount"], body["discount_percent"]) == ("23.62", "12.50")
    assert body["discount_total"] == "34.61"
    assert body["total"] == str(Decimal("199.98") - Decimal("34.61")) == "165.37"


def test_api_refuses_a_bad_percentage_with_422(alice, east_person):
    api = client_for(alice)

    response = api.post(
        "/orders",
        {
            "person_id": east_person.pk,
            "lines": [
                {
                    "description": "Tea",
                    "quantity": 1,
                    "unit_price": "9.99",
                    "discount": "1.00",
                    "discount_percent": "10",
                }
            ],
            "discount_percent": "100.5",
        },
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["details"]) == {"lines.0.discount_percent", "discount_percent"}


def test_form_takes_line_and_order_percentages_and_the_detail_shows_them(
    client, alice, east_person
):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_create"),
        {
            "customer": f"person:{east_person.pk}",
            "price_list_id": "",
            "placed_at": "",
            "notes": "",
            "lines-0-description": "龙井茶",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "99.99",
            "lines-0-discount": "",
            "lines-0-discount_percent": "10",
            "discount": "",
            "discount_percent": "50",
        },
    )

    assert response.status_code == 302
    order = Order.objects.get()
    # 99.99 − 10.00 = 89.99; 50 % of it is 44.995 → 45.00
    assert (order.order_discount, order.total) == (Decimal("45.00"), Decimal("44.99"))
    page = client.get(response["Location"]).content.decode()
    assert "10 % (−10.00)" in page
    assert "50 % (−45.00 CNY)" in page


def test_form_shows_discount_errors_next_to_their_inputs(client, alice, east_person):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_create"),
        {
            "customer": f"person:{east_person.pk}",
            "lines-0-description": "龙井茶",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "99.99",
            "lines-0-discount": "1.00",
            "lines-0-discount_percent": "10",
            "discount_percent": "101",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the discount as an amount or as a percentage, not both." in html
    assert 'data-testid="error-discount_percent"' in html
    assert not Order.objects.exists()
