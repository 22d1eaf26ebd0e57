"""The one rule for totals over several currencies (`sales.selectors.money`)."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Value

from rapport.sales.models import ExchangeRate
from rapport.sales.selectors.money import RateBook, report_day, sums_by_currency

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 6, 30)


@pytest.fixture
def rates(settings):
    settings.RAPPORT_REPORTING_CURRENCY = "CNY"
    for currency, valid_from, rate in (
        ("USD", datetime.date(2026, 1, 1), D("7.10")),
        ("USD", datetime.date(2026, 6, 1), D("7.2345")),
        ("USD", datetime.date(2026, 7, 1), D("9.99")),  # after the report's day: not used
        ("EUR", datetime.date(2026, 6, 15), D("7.8")),
    ):
        ExchangeRate.objects.create(
            currency=currency, to_currency="CNY", valid_from=valid_from, rate=rate
        )
    # A rate entered for another reporting currency is never used for CNY totals.
    ExchangeRate.objects.create(
        currency="JPY", to_currency="USD", valid_from=datetime.date(2026, 1, 1), rate=D("0.007")
    )


def test_total_converts_each_currency_once_at_the_latest_rate_on_the_day(rates):
    total = RateBook(DAY).total({"USD": D("1000.00"), "CNY": D("500.50"), "EUR": D("0.05")})

    assert total.amounts == {"CNY": D("500.50"), "EUR": D("0.05"), "USD": D("1000.00")}
    # 1000 × 7.2345 = 7234.50; 0.05 × 7.8 = 0.39; each rounded to the cent, half up, then added.
    assert total.converted == D("500.50") + D("7234.50") + D("0.39")
    assert total.is_complete and not total.is_single
    assert [(r.currency, r.rate, r.valid_from) for r in total.rates] == [
        ("EUR", D("7.8"), datetime.date(2026, 6, 15)),
        ("USD", D("7.2345"), datetime.date(2026, 6, 1)),
    ]


def test_a_currency_without_rate_is_listed_as_missing_never_as_zero(rates):
    total = RateBook(DAY).total({"CNY": D("10.00"), "JPY": D("1000"), "EUR": D("1")})

    assert total.missing == {"JPY": D("1000.00")}
    assert not total.is_complete
    assert total.converted == D("10.00") + D("7.80")


def test_a_rate_not_yet_valid_on_the_day_is_not_used(rates):
    before = RateBook(datetime.date(2026, 6, 10)).total({"EUR": D("1"), "USD": D("1")})

    assert before.missing == {"EUR": D("1.00")}
    assert before.converted == D("7.23")


def test_reporting_currency_alone_is_shown_without_conversion(rates):
    total = RateBook(DAY).total({"CNY": D("1.005")})

    assert total.is_single and total.converted == D("1.01")


def test_report_day_is_the_last_day_of_a_period_already_over():
    today = datetime.date(2026, 12, 6)

    assert report_day(datetime.date(2026, 10, 1), today=today) == datetime.date(2026, 9, 30)
    assert report_day(datetime.date(2027, 1, 1), today=today) == today
    assert report_day(None, today=today) == today


def test_converted_expression_orders_mixed_currencies_in_the_database(rates):
    book = RateBook(DAY)
    ExchangeRate.objects.update(source="x")
    rows = list(
        ExchangeRate.objects.filter(to_currency="CNY")
        .annotate(value=book.converted_expression(Value(D("100")), "currency"))
        .values_list("currency", "value")
        .order_by("currency", "valid_from")
    )

    assert [(c, round(v, 2)) for c, v in rows] == [
        ("EUR", D("780.00")),
        ("USD", D("723.45")),
        ("USD", D("723.45")),
        ("USD", D("723.45")),
    ]


def test_sums_by_currency_groups_in_one_query(rates, django_assert_num_queries):
    with django_assert_num_queries(1):
        sums = sums_by_currency(ExchangeRate.objects.all(), "rate")

    assert sums == {"USD": D("24.32"), "EUR": D("7.80"), "JPY": D("0.01")}
