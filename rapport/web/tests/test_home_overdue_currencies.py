"""The home page's overdue receivables never add different currencies together (issue 14): the
figure is each currency's overdue amount converted at today's rates, a currency without a rate
named as missing; a team's cached figure shows a refund and a new rate at once.

The expectations are written out here: Σ per currency of amount × rate, each rounded half up to
the cent; JPY has no rate.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.customers.services import person_create
from rapport.sales.models import ExchangeRate
from rapport.sales.services.orders import order_create, payment_record, refund_record
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.web.selectors import home_for

D = Decimal
TODAY = timezone.localdate()
RATES = {"USD": D("7.2345"), "EUR": D("7.8")}


def in_cny(amounts: dict[str, Decimal]) -> Decimal:
    total = D("0.00")
    for currency, amount in amounts.items():
        if currency == "CNY":
            total += amount
        elif currency in RATES:
            total += (amount * RATES[currency]).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return total


def _overdue(actor, person, currency, amount, days_late):
    return order_create(
        actor=actor,
        data={
            "person_id": person.pk,
            "currency": currency,
            "placed_at": timezone.now() - datetime.timedelta(days=days_late + 10),
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": amount}],
            "instalments": [
                {
                    "due_date": (TODAY - datetime.timedelta(days=days_late)).isoformat(),
                    "amount": amount,
                }
            ],
        },
    )


@pytest.fixture
def rates(settings):
    settings.RAPPORT_REPORTING_CURRENCY = "CNY"
    for currency, rate in RATES.items():
        ExchangeRate.objects.create(
            currency=currency,
            to_currency="CNY",
            valid_from=TODAY - datetime.timedelta(days=5),
            rate=rate,
        )


@pytest.fixture
def book(rates, alice, bob, charlie, diana, east_person, west_person):
    """alice: CNY 400 and USD 500 overdue; bob: EUR 250.50 and JPY 10,000; West: USD 700."""
    bob_person = person_create(actor=bob, data={"full_name": "李娜"})
    cny = _overdue(alice, east_person, "CNY", "400.00", 15)
    usd = _overdue(alice, east_person, "USD", "500.00", 36)
    _overdue(bob, bob_person, "EUR", "250.50", 70)
    _overdue(bob, bob_person, "JPY", "10000.00", 100)
    _overdue(charlie, west_person, "USD", "700.00", 3)
    payment_record(actor=alice, order=cny, amount="100.00")
    return {"cny": cny, "usd": usd}


def test_my_overdue_figure_is_converted_per_currency(alice, book):
    home = home_for(alice)

    assert home.receivables.amounts == {"CNY": D("300.00"), "USD": D("500.00")}
    assert home.receivables.total.converted == in_cny({"CNY": D("300.00"), "USD": D("500.00")})
    assert home.receivables.total.converted == D("3917.25")  # 300 + 500 × 7.2345
    assert home.receivables.orders == 2


def test_the_teams_figure_names_the_currency_without_a_rate(diana, book):
    home = home_for(diana)

    total = home.receivables.total
    expected = {"CNY": D("300.00"), "EUR": D("250.50"), "JPY": D("10000.00"), "USD": D("500.00")}
    assert total.amounts == expected
    assert total.converted == in_cny(expected)
    assert total.missing == {"JPY": D("10000.00")}
    assert home.receivables.orders == 4


def test_a_refund_and_a_new_rate_show_at_once_in_the_teams_cached_figure(alice, diana, book):
    assert home_for(diana).receivables.total.amount_in("CNY") == D("300.00")

    refund_record(actor=alice, order=book["cny"], amount="100.00", owed_again=True)
    ExchangeRate.objects.create(currency="JPY", to_currency="CNY", valid_from=TODAY, rate=D("0.05"))

    total = home_for(diana).receivables.total
    assert total.amount_in("CNY") == D("400.00")
    assert total.is_complete
    # 400 + 250.50 × 7.8 + 10,000 × 0.05 + 500 × 7.2345
    assert total.converted == D("400.00") + D("1953.90") + D("500.00") + D("3617.25")


def test_home_page_shows_the_converted_figure_and_the_missing_currency(client, diana, book):
    client.force_login(diana)

    html = client.get(reverse("web:home")).content.decode()

    figure = html.split('data-testid="figure-receivables-amount"', 1)[1].split("</div>", 1)[0]
    converted = in_cny({"CNY": D("300.00"), "EUR": D("250.50"), "USD": D("500.00")})
    assert f"≈ {converted:,.2f} CNY" in figure
    assert "10,000.00 JPY: no exchange rate, not included" in figure
    assert "500.00 USD × 7.2345" in figure  # in the compact figure's tooltip
