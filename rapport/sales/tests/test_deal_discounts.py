"""Percentage discounts on deal lines, by the rule order lines follow, kept when the deal becomes an
order.

docs/decisions.md, "Discounts": amount = round_half_up(quantity × unit price × percentage / 100,
0.01), stored with the percentage. Each expected figure is worked out by hand in the test.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from rapport.api.tests.conftest import client_for
from rapport.core.errors import ValidationFailed
from rapport.sales.models import Deal
from rapport.sales.services.deals import deal_create, deal_update, deal_win
from rapport.sales.services.orders import order_create_from_deal
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)

CENT = Decimal("0.01")


def by_hand(base: str, percent: str) -> Decimal:
    return (Decimal(base) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def errors_of(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.details


def deal_with_lines(actor, person, lines: list[dict]) -> Deal:
    return deal_create(
        actor=actor, data={"title": "中秋礼盒", "person_id": person.pk, "lines": lines}
    )


# --- Service -------------------------------------------------------------------------------------


def test_ten_percent_of_99_99_is_10_00(alice, east_person, tea):
    # Given a line of 1 × 99.99 with 10 % off
    deal = deal_with_lines(
        alice,
        east_person,
        [{"product_id": tea.pk, "quantity": 1, "unit_price": "99.99", "discount_percent": "10"}],
    )

    # Then 9.999 is rounded half up once, kept beside the percentage, and the deal's amount is
    # what the line comes to
    line = deal.lines.get()
    assert (line.discount, line.discount_percent) == (Decimal("10.00"), Decimal("10.00"))
    deal.refresh_from_db()
    assert deal.amount == Decimal("99.99") - Decimal("10.00") == Decimal("89.99")


def test_deal_amount_adds_amount_and_percentage_lines(alice, east_person, tea, cup):
    # Given an amount off one line and 33.33 % off 3 × 33.33 = 99.99 (33.326667 → 33.33)
    deal = deal_with_lines(
        alice,
        east_person,
        [
            {"product_id": tea.pk, "quantity": 2, "discount": "6.00"},
            {
                "product_id": cup.pk,
                "quantity": 3,
                "unit_price": "33.33",
                "discount_percent": "33.33",
            },
        ],
    )

    lines = list(deal.lines.values_list("discount", "discount_percent"))
    assert lines == [(Decimal("6.00"), None), (by_hand("99.99", "33.33"), Decimal("33.33"))]
    assert lines[1][0] == Decimal("33.33")
    deal.refresh_from_db()
    # 2 × 388.00 − 6.00 = 770.00; 99.99 − 33.33 = 66.66
    assert deal.amount == Decimal("836.66")


def test_a_hundred_percent_takes_the_whole_line(alice, east_person, tea):
    deal = deal_with_lines(
        alice, east_person, [{"product_id": tea.pk, "quantity": 3, "discount_percent": "100"}]
    )

    assert deal.lines.get().discount == Decimal("1164.00")  # 3 × 388.00
    deal.refresh_from_db()
    assert deal.amount == Decimal("0.00")


def test_amount_and_percentage_together_are_refused(alice, east_person, tea):
    details = errors_of(
        lambda: deal_with_lines(
            alice,
            east_person,
            [{"product_id": tea.pk, "discount": "1.00", "discount_percent": "10"}],
        )
    )

    assert set(details) == {"lines.0.discount_percent"}
    assert "not both" in details["lines.0.discount_percent"][0]
    assert not Deal.objects.exists()


@pytest.mark.parametrize("percent", ["100.01", "-1", "10.005", "ten", "NaN"])
def test_a_percentage_out_of_range_or_too_precise_is_refused(alice, east_person, tea, percent):
    details = errors_of(
        lambda: deal_with_lines(
            alice, east_person, [{"product_id": tea.pk, "discount_percent": percent}]
        )
    )

    assert set(details) == {"lines.0.discount_percent"}
    assert not Deal.objects.exists()


def test_update_replaces_an_amount_with_a_percentage(alice, east_person, tea):
    # Given a deal whose line has an amount off
    deal = deal_with_lines(alice, east_person, [{"product_id": tea.pk, "discount": "8.00"}])

    # When its line is given 12.5 % off instead: 12.5 % of 388.00 = 48.50
    deal_update(
        actor=alice,
        deal=deal,
        data={"lines": [{"product_id": tea.pk, "discount_percent": "12.5"}]},
    )

    line = deal.lines.get()
    assert (line.discount, line.discount_percent) == (Decimal("48.50"), Decimal("12.50"))
    deal.refresh_from_db()
    assert deal.amount == Decimal("339.50")


# --- Deal → order --------------------------------------------------------------------------------


def test_won_deal_becomes_an_order_keeping_percentages_and_amounts(
    client, alice, east_person, tea, cup
):
    # Given a won deal: 7 × 45.50 = 318.50 at 15 % (47.775 → 47.78), and 2 × 388.00 less 0.10
    deal = deal_with_lines(
        alice,
        east_person,
        [
            {"product_id": cup.pk, "quantity": 7, "discount_percent": "15"},
            {"product_id": tea.pk, "quantity": 2, "discount": "0.10"},
        ],
    )
    deal_win(actor=alice, deal=deal)

    # When it becomes an order
    order = order_create_from_deal(actor=alice, deal=deal)

    # Then each order line has the deal line's percentage and the same amount, to the cent
    deal_lines = list(deal.lines.values_list("discount", "discount_percent"))
    order_lines = list(order.lines.values_list("discount", "discount_percent"))
    assert (
        order_lines
        == deal_lines
        == [
            (by_hand("318.50", "15"), Decimal("15.00")),
            (Decimal("0.10"), None),
        ]
    )
    assert order_lines[0][0] == Decimal("47.78")
    deal.refresh_from_db()
    assert order.total == deal.amount == Decimal("318.50") - Decimal("47.78") + Decimal("775.90")
    # And the order page shows the percentage with its amount
    client.force_login(alice)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "15 % (−47.78)" in page


# --- API -----------------------------------------------------------------------------------------


def test_api_takes_and_answers_line_percentages(alice, east_person, tea, cup):
    api = client_for(alice)

    response = api.post(
        "/deals",
        {
            "title": "中秋礼盒",
            "person_id": east_person.pk,
            "lines": [
                {"product_id": tea.pk, "unit_price": "99.99", "discount_percent": "10"},
                {"product_id": cup.pk, "quantity": 2, "discount": "1.00"},
            ],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(ln["discount"], ln["discount_percent"], ln["line_total"]) for ln in body["lines"]] == [
        ("10.00", "10.00", "89.99"),
        ("1.00", None, "90.00"),  # 2 × 45.50 − 1.00
    ]
    assert body["amount"] == "179.99"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"discount": "1.00", "discount_percent": "10"}, "lines.0.discount_percent"),
        ({"discount_percent": "101"}, "lines.0.discount_percent"),
        ({"discount_percent": "-0.5"}, "lines.0.discount_percent"),
        ({"discount_percent": "9.999"}, "lines.0.discount_percent"),
    ],
)
def test_api_refuses_a_bad_line_discount_with_422(alice, east_person, tea, line, field):
    api = client_for(alice)

    response = api.post(
        "/deals",
        {
            "title": "中秋礼盒",
            "person_id": east_person.pk,
            "lines": [{"product_id": tea.pk, **line}],
        },
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["details"]) == {field}
    assert not Deal.objects.exists()


# --- Form and pages ------------------------------------------------------------------------------


def form_data(**lines) -> dict:
    return {
        "title": "中秋礼盒",
        "currency": "CNY",
        "purchase_intent": "medium",
        "budget_status": "medium",
        "urgency": "medium",
        **{f"lines-0-{key}": value for key, value in lines.items()},
    }


def test_form_takes_a_line_percentage_and_the_pages_show_it(client, alice, tea):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_create"),
        form_data(product_id=tea.pk, quantity="1", unit_price="99.99", discount_percent="10"),
    )

    assert response.status_code == 302
    deal = Deal.objects.get()
    line = deal.lines.get()
    assert (line.discount, line.discount_percent, deal.amount) == (
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("89.99"),
    )
    page = client.get(response["Location"]).content.decode()
    assert "10 % (−10.00)" in page
    # The edit form offers the percentage again, not the amount (sending both is refused)
    edit = client.get(reverse("sales:deal_edit", args=[deal.pk])).content.decode()
    assert 'name="lines-0-discount_percent" value="10.00"' in edit
    assert 'name="lines-0-discount" value=""' in edit


def test_form_shows_a_line_discount_error_next_to_the_line(client, alice, tea):
    client.force_login(alice)

    response = client.post(
        reverse("sales:deal_create"),
        form_data(product_id=tea.pk, quantity="1", discount="1.00", discount_percent="10"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the discount as an amount or as a percentage, not both." in html
    assert 'name="lines-0-discount_percent" value="10"' in html
    assert not Deal.objects.exists()
