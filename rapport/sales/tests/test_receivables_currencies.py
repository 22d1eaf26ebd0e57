"""Receivables, ageing, debtors, the money held on closed orders and a customer's value never add
different currencies together (issue 14): each total is summed per currency and converted at
today's rates, a currency without a rate is listed as missing, and a refund shows at once.

Every expectation is computed here by hand from the book below: Σ per currency of amount × rate,
each rounded half up to the cent; JPY has no rate and is left out of the converted figures.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.api.tests.conftest import client_for
from rapport.customers.services import company_create, person_create
from rapport.sales.models import ExchangeRate, Order
from rapport.sales.selectors.orders import (
    OrderFilters,
    customer_receivables,
    customer_value,
    orders_list,
    receivables_report,
)
from rapport.sales.services.orders import (
    order_change_status,
    order_create,
    payment_record,
    refund_record,
)
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)

D = Decimal
TODAY = timezone.localdate()
# The rates in force today; the older USD rate and tomorrow's are never used.
RATES = {"USD": D("7.2345"), "EUR": D("7.8")}


def in_cny(amounts: dict[str, Decimal]) -> Decimal:
    """The converted total, written out: CNY as it is, each other currency × its rate rounded
    half up to the cent, currencies without a rate (JPY) left out."""
    total = D("0.00")
    for currency, amount in amounts.items():
        if currency == "CNY":
            total += amount
        elif currency in RATES:
            total += (amount * RATES[currency]).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return total


def check(total, amounts: dict[str, str]) -> None:
    """`total` holds exactly `amounts` per currency and converts them as `in_cny` does."""
    expected = {currency: D(amount) for currency, amount in amounts.items()}
    assert total.amounts == expected
    assert total.converted == in_cny(expected)
    assert total.missing == {c: a for c, a in expected.items() if c not in RATES and c != "CNY"}


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def order(actor, currency, amount, *dues, person=None, company=None):
    """An order of `amount` in `currency` with one instalment per (days from today, amount)."""
    data = {
        "currency": currency,
        "placed_at": timezone.now() - datetime.timedelta(days=200),
        "lines": [{"description": "Tea", "quantity": 1, "unit_price": amount}],
        "instalments": [{"due_date": day(days), "amount": part} for days, part in dues],
    }
    if person is not None:
        data["person_id"] = person.pk
    if company is not None:
        data["company_id"] = company.pk
    return order_create(actor=actor, data=data)


@pytest.fixture
def rates(settings):
    settings.RAPPORT_REPORTING_CURRENCY = "CNY"
    for currency, valid_from, rate in (
        ("USD", TODAY - datetime.timedelta(days=400), D("7.10")),
        ("USD", TODAY - datetime.timedelta(days=30), RATES["USD"]),
        ("USD", TODAY + datetime.timedelta(days=1), D("9.99")),
        ("EUR", TODAY - datetime.timedelta(days=10), RATES["EUR"]),
    ):
        ExchangeRate.objects.create(
            currency=currency, to_currency="CNY", valid_from=valid_from, rate=rate
        )


@pytest.fixture
def bob_person(bob):
    return person_create(actor=bob, data={"full_name": "李娜"})


@pytest.fixture
def bob_company(bob):
    return company_create(actor=bob, data={"name": "北方重工"})


@pytest.fixture
def book(
    rates, alice, bob, charlie, east_person, east_company, bob_person, bob_company, west_person
):
    """East (alice and bob) owes in CNY, EUR, USD and JPY; West (charlie) owes USD 700.

    - 张伟 (alice): CNY 5,000 (2,000 due 10 days ago, 3,000 in 20 days), 100 paid; EUR 250.50
      due 70 days ago; a USD 300 order cancelled with 200 of it kept.
    - 东方贸易 (alice): USD 1,000 due today and USD 500 due 36 days ago (the tester's case).
    - 李娜 (bob): JPY 10,000 due 100 days ago; USD 99.99 due 5 days ago.
    - 北方重工 (bob): JPY 5,000,000 due in 10 days; a EUR 100 order cancelled with 40 kept.
    """
    first = order(alice, "CNY", "5000.00", (-10, "2000.00"), (20, "3000.00"), person=east_person)
    payment_record(actor=alice, order=first, amount="100.00")
    order(alice, "EUR", "250.50", (-70, "250.50"), person=east_person)
    order(alice, "USD", "1000.00", (0, "1000.00"), company=east_company)
    order(alice, "USD", "500.00", (-36, "500.00"), company=east_company)
    order(bob, "JPY", "10000.00", (-100, "10000.00"), person=bob_person)
    order(bob, "USD", "99.99", (-5, "99.99"), person=bob_person)
    order(bob, "JPY", "5000000.00", (10, "5000000.00"), company=bob_company)
    for actor, currency, total, paid, customer in (
        (alice, "USD", "300.00", "200.00", {"person": east_person}),
        (bob, "EUR", "100.00", "40.00", {"company": bob_company}),
    ):
        cancelled = order(actor, currency, total, (5, total), **customer)
        payment_record(actor=actor, order=cancelled, amount=paid)
        order_change_status(
            actor=actor,
            order=cancelled,
            status="cancelled",
            refund_amount="0",
            note="Cancellation fee",
        )
    order(charlie, "USD", "700.00", (-3, "700.00"), person=west_person)
    return first


# --- The report -----------------------------------------------------------------------------------


def test_report_totals_and_ageing_are_per_currency_and_converted(
    alice, book, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        report = receivables_report(alice)

    check(
        report.totals.outstanding,
        {"CNY": "4900.00", "EUR": "250.50", "USD": "1599.99", "JPY": "5010000.00"},
    )
    assert report.totals.open_orders == 7
    check(
        report.totals.overdue,
        {"CNY": "1900.00", "EUR": "250.50", "USD": "599.99", "JPY": "10000.00"},
    )
    check(report.not_yet_due, {"CNY": "3000.00", "USD": "1000.00", "JPY": "5000000.00"})
    buckets = {(b.first_day, b.last_day): b.amount for b in report.buckets}
    check(buckets[(1, 30)], {"CNY": "1900.00", "USD": "99.99"})
    check(buckets[(31, 60)], {"USD": "500.00"})
    check(buckets[(61, 90)], {"EUR": "250.50"})
    check(buckets[(91, None)], {"JPY": "10000.00"})
    # 1,599.99 USD is 11,575.13 CNY (× 7.2345), not 1,599.99 more CNY; JPY is never counted.
    assert report.totals.outstanding.converted == D("4900.00") + D("1953.90") + D("11575.13")
    assert not report.totals.outstanding.is_complete


def test_per_owner_rows_are_ranked_by_converted_amount(alice, bob, charlie, admin_user, book):
    mine = receivables_report(alice)
    everyone = receivables_report(admin_user)

    assert [row.owner for row in mine.by_owner] == [alice, bob]
    alice_row, bob_row = mine.by_owner
    check(alice_row.outstanding, {"CNY": "4900.00", "EUR": "250.50", "USD": "1500.00"})
    check(alice_row.overdue, {"CNY": "1900.00", "EUR": "250.50", "USD": "500.00"})
    assert alice_row.open_orders == 4
    check(bob_row.outstanding, {"USD": "99.99", "JPY": "5010000.00"})
    check(bob_row.overdue, {"USD": "99.99", "JPY": "10000.00"})
    # West's USD 700 (5,064.15 CNY) ranks between alice's 17,705.65 and bob's 723.38.
    assert [row.owner for row in everyone.by_owner] == [alice, charlie, bob]
    check(everyone.by_owner[1].outstanding, {"USD": "700.00"})


def test_debtors_are_ranked_by_what_they_owe_converted(
    alice, east_person, east_company, bob_person, bob_company, book
):
    report = receivables_report(alice)

    # As written, 北方重工's 5,000,000 JPY and 张伟's 5,150.50 would come first; converted,
    # 东方贸易 owes 10,851.75 CNY, 张伟 6,853.90, 李娜 723.38 (and JPY), and 北方重工 owes only
    # in a currency without a rate: listed, after everyone with a converted amount.
    assert [d.customer for d in report.debtors] == [
        east_company,
        east_person,
        bob_person,
        bob_company,
    ]
    company, person, bob_row, last = report.debtors
    check(company.outstanding, {"USD": "1500.00"})
    check(company.overdue, {"USD": "500.00"})
    assert company.open_orders == 2
    check(person.outstanding, {"CNY": "4900.00", "EUR": "250.50"})
    check(person.overdue, {"CNY": "1900.00", "EUR": "250.50"})
    check(bob_row.outstanding, {"USD": "99.99", "JPY": "10000.00"})
    check(last.outstanding, {"JPY": "5000000.00"})
    assert last.outstanding.converted == D("0.00") and not last.outstanding.is_complete
    check(last.overdue, {})


def test_report_limits_debtors_by_converted_rank(alice, east_company, east_person, book):
    report = receivables_report(alice, debtors=2)

    assert [d.customer for d in report.debtors] == [east_company, east_person]


def test_money_held_on_cancelled_orders_is_per_currency(alice, admin_user, book):
    report = receivables_report(alice)

    check(report.held, {"USD": "200.00", "EUR": "40.00"})
    assert report.held_orders == 2
    held = orders_list(alice, OrderFilters(holding_money=True))
    assert sorted((o.currency, o.paid_amount) for o in held) == [
        ("EUR", D("40.00")),
        ("USD", D("200.00")),
    ]


def test_a_refund_changes_what_is_held_and_what_is_owed(alice, east_person, book):
    cancelled = Order.objects.get(person=east_person, status="cancelled")

    refund_record(actor=alice, order=cancelled, amount="50.00")
    refund_record(actor=alice, order=book, amount="100.00", owed_again=True)

    report = receivables_report(alice)
    check(report.held, {"USD": "150.00", "EUR": "40.00"})
    # The undone payment of 100 CNY is owed again, on the instalment due 10 days ago.
    check(
        report.totals.outstanding,
        {"CNY": "5000.00", "EUR": "250.50", "USD": "1599.99", "JPY": "5010000.00"},
    )
    check(
        report.totals.overdue,
        {"CNY": "2000.00", "EUR": "250.50", "USD": "599.99", "JPY": "10000.00"},
    )


def test_a_credit_lowers_what_the_order_is_worth_not_what_is_owed(alice, east_person, book):
    refund_record(actor=alice, order=book, amount="60.00")

    owed = customer_receivables(alice, person=east_person)
    value = customer_value(alice, person=east_person)

    # total 5,000 − credited 60 − paid 40: still 4,900 owed.
    check(owed.outstanding, {"CNY": "4900.00", "EUR": "250.50"})
    check(value.net_value, {"CNY": "4940.00", "EUR": "250.50", "USD": "200.00"})
    check(value.refunded, {"CNY": "60.00"})


# --- One customer ---------------------------------------------------------------------------------


def test_customer_receivables_are_per_currency(
    alice, charlie, east_person, east_company, book, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        person = customer_receivables(alice, person=east_person)
    company = customer_receivables(alice, company=east_company)
    hidden = customer_receivables(charlie, company=east_company)

    check(person.outstanding, {"CNY": "4900.00", "EUR": "250.50"})
    check(person.overdue, {"CNY": "1900.00", "EUR": "250.50"})
    assert person.open_orders == 2
    check(company.outstanding, {"USD": "1500.00"})
    check(company.overdue, {"USD": "500.00"})
    check(hidden.outstanding, {})


def test_customer_value_counts_net_value_received_and_refunds(
    alice, east_person, bob_company, book, django_assert_max_num_queries
):
    cancelled = Order.objects.get(person=east_person, status="cancelled")
    refund_record(actor=alice, order=cancelled, amount="20.00")

    with django_assert_max_num_queries(2):
        value = customer_value(alice, person=east_person)

    # Open orders at their total less credits; the cancelled one at what it kept (200 − 20).
    check(value.net_value, {"CNY": "5000.00", "EUR": "250.50", "USD": "180.00"})
    check(value.received, {"CNY": "100.00", "USD": "180.00"})
    check(value.refunded, {"USD": "20.00"})
    assert value.orders == 3
    company = customer_value(alice, company=bob_company)
    check(company.net_value, {"EUR": "40.00", "JPY": "5000000.00"})


# --- Pages ----------------------------------------------------------------------------------------


def _testid(html: str, testid: str, tag: str = "div") -> str:
    """The text inside the `tag` element marked `data-testid`, tags removed."""
    part = html.split(f'data-testid="{testid}"', 1)[1].split(">", 1)[1].split(f"</{tag}>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip()


def test_receivables_page_shows_each_currency_its_rate_and_the_missing_one(
    client, alice, book, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(reverse("sales:receivables"))

    with django_assert_max_num_queries(16):
        html = client.get(reverse("sales:receivables")).content.decode()

    outstanding = _testid(html, "receivables-outstanding")
    converted = in_cny({"CNY": D("4900.00"), "EUR": D("250.50"), "USD": D("1599.99")})
    assert converted == D("18429.03")
    assert outstanding.startswith("≈ 18,429.03 CNY")
    assert "1,599.99 USD × 7.2345" in outstanding
    assert "250.50 EUR × 7.8" in outstanding
    assert "5,010,000.00 JPY: no exchange rate, not included" in outstanding
    held = _testid(html, "receivables-held-amount")
    assert "200.00 USD" in held and "40.00 EUR" in held
    assert f"{reverse('sales:order_list')}?holding_money=1" in html
    assert html.count('data-testid="debtor-row"') == 4


def test_administrator_sees_every_team_converted(client, admin_user, book):
    client.force_login(admin_user)

    html = client.get(reverse("sales:receivables")).content.decode()

    outstanding = _testid(html, "receivables-outstanding")
    usd = D("1599.99") + D("700.00")
    total = in_cny({"CNY": D("4900.00"), "EUR": D("250.50"), "USD": usd})
    assert outstanding.startswith(f"≈ {total:,.2f} CNY")
    assert "2,299.99 USD × 7.2345" in outstanding


def test_holding_money_filter_lists_the_cancelled_orders_that_kept_money(client, alice, book):
    client.force_login(alice)

    html = client.get(reverse("sales:order_list"), {"holding_money": "1"}).content.decode()

    assert html.count('data-testid="order-row"') == 2
    assert 'name="holding_money" value="1" checked' in html


def test_customer_panel_shows_owed_and_value_per_currency(client, alice, east_person, book):
    client.force_login(alice)

    html = client.get(reverse("sales:person_sales", args=[east_person.pk])).content.decode()

    owes = _testid(html, "customer-outstanding", "dd")
    owed = in_cny({"CNY": D("4900.00"), "EUR": D("250.50")})
    assert owes.startswith(f"≈ {owed:,.2f} CNY")
    assert "4,900.00 CNY" in owes and "250.50 EUR × 7.8" in owes
    value = _testid(html, "customer-net-value", "dd")
    worth = in_cny({"CNY": D("5000.00"), "EUR": D("250.50"), "USD": D("200.00")})
    assert value.startswith(f"≈ {worth:,.2f} CNY")
    assert "200.00 USD × 7.2345" in value
    assert _testid(html, "customer-value-orders", "dd") == "3"


def test_only_cny_and_no_rates_looks_as_before_with_the_currency(client, alice, east_person):
    first = order(alice, "CNY", "1000.00", (-40, "400.00"), (10, "600.00"), person=east_person)
    payment_record(actor=alice, order=first, amount="250.00")
    client.force_login(alice)

    html = client.get(reverse("sales:receivables")).content.decode()
    panel = client.get(reverse("sales:person_sales", args=[east_person.pk])).content.decode()

    assert _testid(html, "receivables-outstanding") == "750.00 CNY"
    assert _testid(html, "receivables-overdue") == "150.00 CNY"
    assert _testid(html, "receivables-not-yet-due") == "600.00 CNY"
    assert _testid(html, "receivables-held-amount") == "0.00 CNY"
    assert "≈" not in html and "exchange rate" not in html
    assert _testid(panel, "customer-outstanding", "dd") == "750.00 CNY"


# --- API ------------------------------------------------------------------------------------------


def _api_total(body: dict) -> tuple:
    """(converted, {currency: amount}, missing, {currency: rate}) of a `MoneyTotalOut`."""
    return (
        D(body["converted"]),
        {part["currency"]: D(part["amount"]) for part in body["amounts"]},
        body["missing"],
        {part["currency"]: D(part["rate"]) for part in body["amounts"] if part["rate"]},
    )


def test_api_receivables_answer_money_totals(
    alice, east_person, east_company, bob_person, bob_company, book
):
    api = client_for(alice)

    body = api.get("/receivables").json()

    owed = {"CNY": D("4900.00"), "EUR": D("250.50"), "USD": D("1599.99"), "JPY": D("5010000.00")}
    assert _api_total(body["outstanding"]) == (in_cny(owed), owed, ["JPY"], RATES)
    assert body["outstanding"]["complete"] is False
    assert body["outstanding"]["rates_on"] == TODAY.isoformat()
    assert body["open_orders"] == 7
    assert _api_total(body["aging"][1]["amount"])[:2] == (
        in_cny({"USD": D("500.00")}),
        {"USD": D("500.00")},
    )
    assert [(d["kind"], d["id"]) for d in body["debtors"]] == [
        ("company", east_company.pk),
        ("person", east_person.pk),
        ("person", bob_person.pk),
        ("company", bob_company.pk),
    ]
    assert _api_total(body["held"])[:2] == (
        in_cny({"USD": D("200.00"), "EUR": D("40.00")}),
        {"EUR": D("40.00"), "USD": D("200.00")},
    )
    assert body["held_orders"] == 2


def test_api_customer_receivables_and_value(alice, charlie, east_person, east_company, book):
    api = client_for(alice)

    company = api.get(f"/companies/{east_company.pk}/receivables").json()
    value = api.get(f"/persons/{east_person.pk}/value").json()
    hidden = client_for(charlie).get(f"/persons/{east_person.pk}/value")

    assert _api_total(company["outstanding"])[:2] == (
        in_cny({"USD": D("1500.00")}),
        {"USD": D("1500.00")},
    )
    assert _api_total(company["overdue"])[:2] == (D("3617.25"), {"USD": D("500.00")})
    net = {"CNY": D("5000.00"), "EUR": D("250.50"), "USD": D("200.00")}
    assert _api_total(value["net_value"])[:3] == (in_cny(net), net, [])
    assert value["orders"] == 3
    assert hidden.status_code == 404
