"""Exchange rates: administrators add, correct, delete and import them (page, API, command);
totals convert with them by the one rule of `sales.selectors.money`.

Expected conversions are worked out in each test: Σ per currency × rate, rounded half up to the
cent per currency.
"""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import AuditAction, AuditEvent
from rapport.api.tests.conftest import client_for
from rapport.core.errors import ValidationFailed
from rapport.sales.models import ExchangeRate, Order
from rapport.sales.selectors.currency import exchange_rates_overview
from rapport.sales.selectors.money import RateBook, sums_by_currency
from rapport.sales.services.currency import (
    exchange_rate_create,
    exchange_rate_delete,
    exchange_rate_update,
    exchange_rates_import,
)
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

CENT = Decimal("0.01")
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_rate(actor, currency, rate, valid_from=TODAY - 10 * DAY, source="PBOC"):
    return exchange_rate_create(
        actor=actor,
        data={
            "currency": currency,
            "valid_from": valid_from.isoformat(),
            "rate": rate,
            "source": source,
        },
    )


def errors_of(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.details


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def orders_in_four_currencies(alice, east_person):
    """CNY 1,000.00, USD 123.45 + 10.01, EUR 99.99, JPY 5,000 (no rate for JPY)."""
    place_order(
        alice,
        east_person,
        currency="CNY",
        lines=[{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
    )
    place_order(
        alice,
        east_person,
        currency="USD",
        lines=[{"description": "Tea", "quantity": 1, "unit_price": "123.45"}],
    )
    place_order(
        alice,
        east_person,
        currency="USD",
        lines=[{"description": "Cup", "quantity": 1, "unit_price": "10.01"}],
    )
    place_order(
        alice,
        east_person,
        currency="EUR",
        lines=[{"description": "Pot", "quantity": 3, "unit_price": "33.33"}],
    )
    place_order(
        alice,
        east_person,
        currency="JPY",
        lines=[{"description": "Box", "quantity": 1, "unit_price": "5000.00"}],
    )


# --- Who may -------------------------------------------------------------------------------------


def test_representative_is_refused_the_page_and_the_api(client, alice, admin_user):
    rate = add_rate(admin_user, "USD", "7.1")
    client.force_login(alice)
    api = client_for(alice)

    page = client.get(reverse("sales:exchange_rates"))
    post = client.post(
        reverse("sales:exchange_rates"),
        {"currency": "EUR", "valid_from": "2026-01-01", "rate": "7.8"},
    )
    delete = client.post(reverse("sales:exchange_rate_delete", args=[rate.pk]))
    api_list = api.get("/exchange-rates")
    api_create = api.post(
        "/exchange-rates", {"currency": "EUR", "valid_from": "2026-01-01", "rate": "7.8"}
    )
    api_delete = api.delete(f"/exchange-rates/{rate.pk}")
    api_import = api.client.post(
        "/api/v1/exchange-rates/import",
        {"file": io.BytesIO(b"currency,date,rate\nEUR,2026-01-01,7.8\n")},
    )

    assert [r.status_code for r in (page, post, delete)] == [403, 403, 403]
    assert [r.status_code for r in (api_list, api_create, api_delete, api_import)] == [403] * 4
    assert api_list.json()["code"] == "permission_denied"
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["USD"]


# --- Adding and correcting -----------------------------------------------------------------------


def test_admin_adds_a_rate_from_the_page(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("sales:exchange_rates"),
        {"currency": "usd", "valid_from": "2026-11-30", "rate": "7.12345678", "source": "中国银行"},
    )

    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.to_currency, rate.valid_from, rate.rate, rate.source) == (
        "USD",
        "CNY",
        datetime.date(2026, 11, 30),
        Decimal("7.12345678"),
        "中国银行",
    )
    assert rate.entered_by == admin_user


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"currency": "US"}, "currency", "Use a three-letter currency code, e.g. CNY."),
        ({"currency": "CNY"}, "currency", "CNY is the reporting currency: it needs no rate."),
        ({"rate": "0"}, "rate", "Enter a rate above zero, e.g. 7.1234."),
        ({"rate": "-7.1"}, "rate", "Enter a rate above zero, e.g. 7.1234."),
        ({"rate": "7.123456789"}, "rate", "Use at most eight decimal places."),
        ({"rate": "1e20"}, "rate", "This rate is too large."),
        ({"rate": "NaN"}, "rate", "Enter a rate above zero, e.g. 7.1234."),
        ({"rate": "seven"}, "rate", "Enter a rate above zero, e.g. 7.1234."),
        ({"valid_from": ""}, "valid_from", "Enter the day the rate is valid from."),
        ({"source": "x" * 101}, "source", "Use at most 100 characters (it has 101)."),
    ],
)
def test_bad_rates_are_field_errors(client, admin_user, data, field, message):
    good = {"currency": "USD", "valid_from": "2026-11-30", "rate": "7.1", "source": ""}
    client.force_login(admin_user)

    details = errors_of(lambda: exchange_rate_create(actor=admin_user, data={**good, **data}))
    page = client.post(reverse("sales:exchange_rates"), {**good, **data}).content.decode()
    api = client_for(admin_user).post("/exchange-rates", {**good, **data})

    assert details == {field: [message]}
    assert f'data-testid="error-{field}"' in page
    assert api.status_code == 422
    body = api.json()
    assert set(body) == {"code", "message", "details"}
    assert body["details"] == {field: [message]}
    assert not ExchangeRate.objects.exists()


def test_a_second_rate_for_the_same_day_is_refused(admin_user):
    add_rate(admin_user, "USD", "7.1", valid_from=datetime.date(2026, 11, 30))

    details = errors_of(
        lambda: add_rate(admin_user, "USD", "7.2", valid_from=datetime.date(2026, 11, 30))
    )

    assert list(details) == ["valid_from"]
    assert ExchangeRate.objects.get().rate == Decimal("7.1")


def test_correcting_a_rate_is_audited_with_the_old_value(client, admin_user):
    rate = add_rate(admin_user, "USD", "1.71", valid_from=datetime.date(2026, 11, 30))
    client.force_login(admin_user)

    response = client.post(
        reverse("sales:exchange_rate_edit", args=[rate.pk]),
        {"currency": "USD", "valid_from": "2026-11-30", "rate": "7.1", "source": "PBOC"},
    )

    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.rate == Decimal("7.1")
    event = AuditEvent.objects.get(target_type="exchange_rate", target_id=rate.pk)
    assert event.actor == admin_user
    assert event.data["before"]["rate"] == "1.71000000"
    assert event.data["after"]["rate"] == "7.10000000"


def test_deleting_a_rate_is_audited_and_totals_use_the_previous_one(
    admin_user, orders_in_four_currencies
):
    add_rate(admin_user, "USD", "7.0", valid_from=TODAY - 30 * DAY)
    wrong = add_rate(admin_user, "USD", "71.0", valid_from=TODAY - 2 * DAY)

    exchange_rate_delete(actor=admin_user, rate=wrong)

    event = AuditEvent.objects.get(action=AuditAction.EXCHANGE_RATE_DELETED)
    assert (event.target_type, event.target_id) == ("exchange_rate", wrong.pk)
    assert event.data["before"]["rate"] == "71.00000000"
    total = RateBook(TODAY).total(sums_by_currency(Order.objects.all(), "total"))
    assert [p.converted for p in total.parts if p.currency == "USD"] == [
        cents(Decimal("133.46") * Decimal("7.0"))
    ]


def test_api_adds_corrects_lists_and_deletes(admin_user):
    api = client_for(admin_user)

    created = api.post(
        "/exchange-rates", {"currency": "EUR", "valid_from": "2026-11-01", "rate": "7.81"}
    )
    rate_id = created.json()["id"]
    corrected = api.patch(f"/exchange-rates/{rate_id}", {"rate": "7.8123"})
    api.post("/exchange-rates", {"currency": "EUR", "valid_from": "2026-12-01", "rate": "7.9"})
    listed = api.get("/exchange-rates", {"currency": "eur"})
    deleted = api.delete(f"/exchange-rates/{rate_id}")

    assert created.status_code == 201, created.json()
    assert created.json()["to_currency"] == "CNY"
    assert corrected.json()["rate"] == "7.81230000"
    assert [(r["valid_from"], r["rate"]) for r in listed.json()["items"]] == [
        ("2026-12-01", "7.90000000"),
        ("2026-11-01", "7.81230000"),
    ]
    assert deleted.status_code == 204
    assert api.delete(f"/exchange-rates/{rate_id}").status_code == 404
    assert AuditEvent.objects.filter(target_type="exchange_rate").count() == 2


# --- The page ------------------------------------------------------------------------------------


def test_page_marks_the_rate_in_force_and_the_missing_currencies(
    client, admin_user, orders_in_four_currencies, django_assert_max_num_queries
):
    add_rate(admin_user, "USD", "7.0", valid_from=TODAY - 30 * DAY)
    add_rate(admin_user, "USD", "7.1", valid_from=TODAY - 1 * DAY)
    add_rate(admin_user, "USD", "7.3", valid_from=TODAY + 5 * DAY)  # not yet in force
    add_rate(admin_user, "EUR", "7.8")
    client.force_login(admin_user)
    client.get(reverse("sales:exchange_rates"))  # warm up session and translations

    with django_assert_max_num_queries(12):
        response = client.get(reverse("sales:exchange_rates"))

    html = response.content.decode()
    overview = exchange_rates_overview()
    usd = next(c for c in overview.currencies if c.currency == "USD")
    assert [r.rate for r in usd.rates] == [Decimal("7.3"), Decimal("7.1"), Decimal("7.0")]
    assert usd.in_force.rate == Decimal("7.1")
    assert overview.missing == ["JPY"]
    assert html.count('data-testid="rate-in-force"') == 2  # USD 7.1 and EUR 7.8
    assert 'data-testid="rate-missing-JPY"' in html
    assert 'data-testid="rate-missing-USD"' not in html


def test_page_shows_the_latest_rates_of_each_currency_in_constant_queries(
    client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for days in range(3):
        add_rate(admin_user, "USD", "7.1", valid_from=TODAY - days * DAY)
    client.get(reverse("sales:exchange_rates"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("sales:exchange_rates"))

    for currency in ("EUR", "GBP", "HKD", "JPY"):
        for days in range(15):
            add_rate(admin_user, currency, "1.5", valid_from=TODAY - days * DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("sales:exchange_rates"))

    html = response.content.decode()
    assert html.count('data-testid="exchange-rate"') == 3 + 4 * 10
    assert 'data-testid="rates-more-JPY"' in html
    assert (
        client.get(reverse("sales:exchange_rates"), {"currency": "JPY"})
        .content.decode()
        .count('data-testid="exchange-rate"')
        == 15
    )


# --- Import --------------------------------------------------------------------------------------


def test_import_creates_and_corrects_rates_and_totals_follow(admin_user, orders_in_four_currencies):
    # Given a USD rate entered wrongly for a day
    add_rate(admin_user, "USD", "71.0", valid_from=TODAY - 3 * DAY)
    content = (
        "currency,date,rate,source\n"
        f"USD,{(TODAY - 3 * DAY).isoformat()},7.1234,bank\n"
        f"EUR,{(TODAY - 3 * DAY).isoformat()},7.8,bank\n"
        f"EUR,{(TODAY - 40 * DAY).isoformat()},7.5,\n"
    )

    result = exchange_rates_import(actor=admin_user, content=csv_bytes(content), filename="r.csv")

    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("7.1234")
    assert ExchangeRate.objects.get(currency="EUR", rate=Decimal("7.5")).source == "Import r.csv"
    event = AuditEvent.objects.get(action=AuditAction.EXCHANGE_RATES_IMPORTED)
    assert event.data["corrected"][0]["rate"] == "71.00000000"
    # And the totals over CNY, USD, EUR and JPY (no rate) convert at the imported rates
    total = RateBook(TODAY).total(sums_by_currency(Order.objects.all(), "total"))
    usd = cents(Decimal("133.46") * Decimal("7.1234"))  # 950.688964 → 950.69
    eur = cents(Decimal("99.99") * Decimal("7.8"))  # 779.922 → 779.92
    assert total.converted == Decimal("1000.00") + usd + eur == Decimal("2730.61")
    assert total.missing == {"JPY": Decimal("5000.00")}
    assert not total.is_complete


def test_import_reads_chinese_headers_in_gb18030(admin_user):
    content = "币种,日期,汇率\n美元,2026-11-30,7.1\nUSD,2026/11/29,7.05\n".replace("美元", "usd")

    result = exchange_rates_import(actor=admin_user, content=csv_bytes(content, "gb18030"))

    assert result.created == 2
    assert list(ExchangeRate.objects.order_by("valid_from").values_list("valid_from", "rate")) == [
        (datetime.date(2026, 11, 29), Decimal("7.05")),
        (datetime.date(2026, 11, 30), Decimal("7.1")),
    ]


def test_import_with_bad_rows_saves_nothing_and_names_each_line(admin_user):
    content = (
        "currency,date,rate\n"
        "USD,2026-11-30,7.1\n"
        "US,2026-11-30,7.1\n"
        "EUR,2026-13-01,7.8\n"
        "GBP,2026-11-30,-9\n"
        "USD,2026-11-30,7.2\n"
        "JPY,2026-11-30,99999999999999999999999999999999999999\n"
    )

    details = errors_of(lambda: exchange_rates_import(actor=admin_user, content=csv_bytes(content)))

    assert sorted(details) == [
        "rows.3.currency",
        "rows.4.valid_from",
        "rows.5.rate",
        "rows.6.valid_from",
        "rows.7.rate",
    ]
    assert details["rows.6.valid_from"] == ["Line 2 already gives USD a rate for this day."]
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfe\x00\xd8", "This file is not text in UTF-8 or GB18030"),
        (b"\x00\x01\x02PK\x03\x04" * 50, "This file is not text in UTF-8 or GB18030"),
        (b"name,amount\nUSD,7\n", "The first row must name the columns currency, date and rate"),
        (b"currency,date,rate\n", "The file has no rates under its header row."),
        (b"currency,date,rate\n" + b"USD,2026-01-01,7\n" * 200_000, "The file is larger than"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(client, admin_user, content, message):
    client.force_login(admin_user)
    upload = io.BytesIO(content)
    upload.name = "rates.csv"

    details = errors_of(lambda: exchange_rates_import(actor=admin_user, content=content))
    page = client.post(reverse("sales:exchange_rates_import"), {"file": upload})
    upload.seek(0)
    api = client_for(admin_user).client.post("/api/v1/exchange-rates/import", {"file": upload})

    assert details["file"][0].startswith(message)
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in page.content.decode() or content == b""
    assert api.status_code == 422
    assert api.json()["details"]["file"][0].startswith(message)
    assert not ExchangeRate.objects.exists()


def test_page_import_lists_bad_lines(client, admin_user):
    client.force_login(admin_user)
    upload = io.BytesIO(b"currency,date,rate\nUSD,2026-11-30,7.1\nEUR,2026-11-30,0\n")
    upload.name = "rates.csv"

    response = client.post(reverse("sales:exchange_rates_import"), {"file": upload})

    html = response.content.decode()
    assert "Line 3, rate: Enter a rate above zero, e.g. 7.1234." in html
    assert "Nothing was saved." in html
    assert not ExchangeRate.objects.exists()


def test_page_and_api_import_a_good_file(client, admin_user):
    client.force_login(admin_user)
    upload = io.BytesIO(b"currency;date;rate\nUSD;2026-11-30;7.1\n")
    upload.name = "rates.csv"

    page = client.post(reverse("sales:exchange_rates_import"), {"file": upload})
    again = io.BytesIO(b"currency,date,rate\nUSD,2026-11-30,7.2\nEUR,2026-11-30,7.8\n")
    again.name = "rates.csv"
    api = client_for(admin_user).client.post("/api/v1/exchange-rates/import", {"file": again})

    assert page.status_code == 302
    assert api.status_code == 200, api.json()
    assert api.json() == {"created": 1, "updated": 1, "unchanged": 0}
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("7.2")


# --- Command -------------------------------------------------------------------------------------


def test_command_imports_a_file(tmp_path, admin_user):
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,rate\nUSD,2026-11-30,7.1\nEUR,2026-11-30,7.8\n")
    out = io.StringIO()

    call_command("import_exchange_rates", str(path), "--user", "admin", stdout=out)

    assert "2 added, 0 corrected, 0 unchanged" in out.getvalue()
    assert ExchangeRate.objects.count() == 2
    assert set(ExchangeRate.objects.values_list("entered_by", flat=True)) == {admin_user.pk}


def test_command_reports_bad_lines_and_saves_nothing(tmp_path, db):
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,rate\nUSD,2026-11-30,7.1\nCNY,2026-11-30,1\n")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_exchange_rates", str(path), stderr=err)

    assert "line 3, currency: CNY is the reporting currency: it needs no rate." in err.getvalue()
    assert not ExchangeRate.objects.exists()


def test_command_refuses_a_user_who_is_not_an_administrator(tmp_path, alice):
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,rate\nUSD,2026-11-30,7.1\n")

    with pytest.raises(CommandError):
        call_command("import_exchange_rates", str(path), "--user", "alice")

    assert not ExchangeRate.objects.exists()


def test_update_of_a_rate_to_another_rates_day_is_refused(admin_user):
    add_rate(admin_user, "USD", "7.1", valid_from=datetime.date(2026, 11, 30))
    other = add_rate(admin_user, "USD", "7.2", valid_from=datetime.date(2026, 12, 1))

    details = errors_of(
        lambda: exchange_rate_update(
            actor=admin_user, rate=other, data={"valid_from": "2026-11-30"}
        )
    )

    assert list(details) == ["valid_from"]
    assert not AuditEvent.objects.filter(target_type="exchange_rate").exists()
