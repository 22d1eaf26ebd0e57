"""The order, receivables and catalogue pages: 404 for others, constant queries, field errors."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.sales.models import Order, Payment, Product, Refund
from rapport.sales.services.deals import deal_create, deal_win
from rapport.sales.services.orders import order_change_status, payment_record, refund_record
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order


@pytest.fixture
def won_deal(alice, east_person):
    deal = deal_create(
        actor=alice, data={"title": "年度合同", "person_id": east_person.pk, "amount": "5000"}
    )
    return deal_win(actor=alice, deal=deal)


def _order_post(customer: str, **extra) -> dict:
    data = {
        "customer": customer,
        "price_list_id": "",
        "placed_at": "",
        "notes": "",
        "lines-0-product_id": "",
        "lines-0-description": "龙井茶",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "388.00",
        "lines-0-discount": "",
    }
    data.update(extra)
    return data


# --- Orders list and detail ----------------------------------------------------------------------


def test_order_list_shows_orders_in_constant_queries(
    client, alice, east_person, django_assert_max_num_queries
):
    for _ in range(3):
        place_order(alice, east_person)
    client.force_login(alice)
    client.get(reverse("sales:order_list"))  # warm up session and translations
    with django_assert_max_num_queries(12):
        few = client.get(reverse("sales:order_list"))
    for _ in range(10):
        place_order(alice, east_person)
    with django_assert_max_num_queries(12):
        many = client.get(reverse("sales:order_list"))

    assert few.content.decode().count('data-testid="order-row"') == 3
    assert many.content.decode().count('data-testid="order-row"') == 13


def test_order_list_filters_by_customer_and_status(client, alice, east_order, east_person):
    other = place_order(alice, east_person)
    from rapport.sales.services.orders import order_change_status

    order_change_status(actor=alice, order=other, status="shipped")
    client.force_login(alice)

    response = client.get(
        reverse("sales:order_list"), {"person_id": east_person.pk, "status": "shipped"}
    )

    html = response.content.decode()
    assert other.number in html
    assert east_order.number not in html


def test_order_detail_shows_lines_plan_and_payments(client, alice, east_order):
    payment_record(actor=alice, order=east_order, amount="500.00", method="alipay")
    client.force_login(alice)

    response = client.get(reverse("sales:order_detail", args=[east_order.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert east_order.number in html
    assert "1,000.00" in html
    assert html.count('data-testid="instalment"') == 2
    assert 'data-testid="order-status-shipped"' in html
    assert 'data-testid="payment-form"' in html


# --- Creating an order ---------------------------------------------------------------------------


def test_rep_places_an_order_from_the_form(client, alice, east_person, tea):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_create"),
        _order_post(
            f"person:{east_person.pk}",
            **{"lines-1-product_id": str(tea.pk), "lines-1-quantity": "1"},
        ),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:order_detail", args=[order.pk])
    assert order.person == east_person
    assert order.total == Decimal("1164.00")


def test_form_opened_from_a_person_names_them(client, alice, east_person):
    client.force_login(alice)

    response = client.get(reverse("sales:order_create"), {"person_id": east_person.pk})

    assert f'value="person:{east_person.pk}" selected' in response.content.decode()


def test_bad_line_shows_its_error_next_to_the_line(client, alice, east_person):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_create"),
        _order_post(
            f"person:{east_person.pk}",
            **{"lines-0-quantity": "-3", "lines-1-description": "Cups", "lines-1-quantity": "1"},
        ),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a whole number of at least 1." in html
    # The second line's missing price is shown on that line
    assert html.count('class="errorlist"') >= 2
    assert not Order.objects.exists()


def test_instalments_that_do_not_add_up_are_shown_on_the_plan(client, alice, east_person):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_create"),
        _order_post(
            f"person:{east_person.pk}",
            **{"instalments-0-due_date": "2030-01-01", "instalments-0-amount": "1.00"},
        ),
    )

    assert 'data-testid="error-instalments"' in response.content.decode()
    assert not Order.objects.exists()


def test_order_for_hidden_customer_is_refused_in_the_form(client, charlie, east_person):
    client.force_login(charlie)

    response = client.post(reverse("sales:order_create"), _order_post(f"person:{east_person.pk}"))

    assert response.status_code == 200
    assert 'data-testid="error-customer"' in response.content.decode()
    assert not Order.objects.exists()


def test_customer_options_list_only_visible_customers(client, charlie, east_person, west_person):
    client.force_login(charlie)

    response = client.get(reverse("sales:order_customer_options"), {"customer_search": "Emily"})

    html = response.content.decode()
    assert f"person:{west_person.pk}" in html
    assert f"person:{east_person.pk}" not in html


# --- Status and payments -------------------------------------------------------------------------


def test_status_button_moves_the_order(client, alice, east_order):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_change_status", args=[east_order.pk]), {"status": "shipped"}
    )

    assert response.status_code == 302
    assert Order.objects.get(pk=east_order.pk).status == "shipped"


def test_illegal_status_is_a_message_not_a_change(client, alice, east_order):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_change_status", args=[east_order.pk]),
        {"status": "received"},
        follow=True,
    )

    assert "cannot go from" in response.content.decode()
    assert Order.objects.get(pk=east_order.pk).status == "placed"


def test_payment_over_htmx_refreshes_the_money_section(client, alice, east_order):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_record_payment", args=[east_order.pk]),
        {"amount": "1000.00", "method": "alipay", "paid_at": "", "reference": ""},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="order-money"')
    assert 'data-status="paid"' in html
    assert Order.objects.get(pk=east_order.pk).status == "paid"


def test_overpayment_over_htmx_shows_the_error_on_the_amount(client, alice, east_order):
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_record_payment", args=[east_order.pk]),
        {"amount": "1000.01", "method": "cash", "paid_at": "", "reference": ""},
        headers={"HX-Request": "true"},
    )

    assert 'data-testid="error-amount"' in response.content.decode()
    assert not Payment.objects.exists()


def _form_key(html: str, form: str) -> str:
    """The idempotency key the page put in the payment or refund form."""
    start = html.index(f'data-testid="{form}"')
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html[start:])
    return match.group(1)


@pytest.mark.parametrize("htmx", [True, False])
def test_payment_form_sent_twice_records_one_payment(client, alice, east_order, htmx):
    # Given the order page, whose payment form carries a key
    client.force_login(alice)
    page = client.get(reverse("sales:order_detail", args=[east_order.pk])).content.decode()
    key = _form_key(page, "payment-form")
    post = {"amount": "300.00", "method": "cash", "paid_at": "", "reference": ""}
    headers = {"HX-Request": "true"} if htmx else {}

    # When the same form is submitted twice (a double click)
    url = reverse("sales:order_record_payment", args=[east_order.pk])
    first = client.post(url, {**post, "idempotency_key": key}, headers=headers)
    second = client.post(url, {**post, "idempotency_key": key}, headers=headers)

    # Then one payment is recorded and both land on the same result
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=east_order.pk).paid_amount == Decimal("300.00")
    assert first.status_code == second.status_code == (200 if htmx else 302)
    if htmx:
        assert 'data-testid="payment-recorded"' in second.content.decode()
        assert _form_key(second.content.decode(), "payment-form") != key


def test_payment_form_with_errors_keeps_its_key(client, alice, east_order):
    client.force_login(alice)
    post = {
        "amount": "abc",
        "method": "cash",
        "paid_at": "",
        "reference": "",
        "idempotency_key": "a" * 32,
    }

    response = client.post(
        reverse("sales:order_record_payment", args=[east_order.pk]),
        post,
        headers={"HX-Request": "true"},
    )

    assert _form_key(response.content.decode(), "payment-form") == "a" * 32


def test_payment_with_a_reference_already_recorded_shows_the_error(client, alice, east_order):
    payment_record(actor=alice, order=east_order, amount="10.00", reference="TX-1")
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_record_payment", args=[east_order.pk]),
        {"amount": "10.00", "method": "cash", "paid_at": "", "reference": "TX-1"},
        headers={"HX-Request": "true"},
    )

    assert 'data-testid="error-reference"' in response.content.decode()
    assert Payment.objects.count() == 1


def _refund_post(payment, **extra) -> dict:
    data = {
        "amount": "100.00",
        "payment": str(payment.pk),
        "refunded_at": "",
        "method": "",
        "reason": "damaged",
        "reference": "",
        "notes": "",
    }
    data.update(extra)
    return data


def test_order_page_shows_the_refund_form_and_refunds(client, alice, east_order):
    payment = payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    refund_record(actor=alice, order=east_order, amount="150.00", reason="goodwill")
    client.force_login(alice)

    html = client.get(reverse("sales:order_detail", args=[east_order.pk])).content.decode()

    assert html.count('data-testid="refund"') == 1
    assert 'data-testid="refund-form"' in html
    assert 'data-testid="field-owed_again"' in html
    assert f'<option value="{payment.pk}" selected>' in html
    assert 'data-testid="order-net-value">850.00<' in html
    assert 'data-testid="payment-refunded">150.00 refunded<' in html


def test_refund_form_sent_twice_records_one_refund(client, alice, east_order):
    payment = payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    client.force_login(alice)
    url = reverse("sales:order_record_refund", args=[east_order.pk])
    post = _refund_post(payment, amount="400.00", owed_again="on", idempotency_key="b" * 32)

    first = client.post(url, post, headers={"HX-Request": "true"})
    second = client.post(url, post, headers={"HX-Request": "true"})

    assert Refund.objects.count() == 1
    assert 'data-testid="refund-recorded"' in first.content.decode()
    assert 'data-testid="refund-recorded"' in second.content.decode()
    order = Order.objects.get(pk=east_order.pk)
    assert (order.paid_amount, order.credited_amount, order.outstanding) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    )


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("amount", "400.01", "amount"), ("amount", "", "amount"), ("reason", "whim", "reason")],
)
def test_refund_form_errors_are_shown_next_to_the_field(
    client, alice, east_order, field, value, error
):
    payment = payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    client.force_login(alice)

    response = client.post(
        reverse("sales:order_record_refund", args=[east_order.pk]),
        _refund_post(payment, **{field: value}),
        headers={"HX-Request": "true"},
    )

    assert f'data-testid="error-{error}"' in response.content.decode()
    assert not Refund.objects.exists()


def test_closed_order_offers_no_owed_again_box(client, alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    order_change_status(
        actor=alice, order=east_order, status="cancelled", refund_amount="0", note="Fee"
    )
    client.force_login(alice)

    html = client.get(reverse("sales:order_detail", args=[east_order.pk])).content.decode()

    assert 'data-testid="refund-form"' in html
    assert 'data-testid="field-owed_again"' not in html


def test_cancel_button_of_an_order_holding_money_asks_about_the_refund(client, alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    client.force_login(alice)
    url = reverse("sales:order_change_status", args=[east_order.pk])

    html = client.get(reverse("sales:order_detail", args=[east_order.pk])).content.decode()
    refused = client.post(url, {"status": "cancelled"}, follow=True).content.decode()
    partial = client.post(
        url,
        {"status": "cancelled", "refund_amount": "300.00", "refund_method": "", "note": ""},
        follow=True,
    ).content.decode()
    client.post(
        url,
        {"status": "cancelled", "refund_amount": "300.00", "refund_method": "", "note": "Fee"},
    )

    assert "This order holds 400.00 CNY. Refund it?" in html
    assert 'data-testid="order-status-cancelled"' not in html
    assert "This order holds 400.00 CNY." in refused
    assert "is kept: say why" in partial
    order = Order.objects.get(pk=east_order.pk)
    assert (order.status, order.paid_amount, order.net_value) == (
        "cancelled",
        Decimal("100.00"),
        Decimal("100.00"),
    )


# --- Deal → order --------------------------------------------------------------------------------


def test_create_order_button_turns_the_deal_into_an_order(client, alice, won_deal):
    client.force_login(alice)

    first = client.post(reverse("sales:order_from_deal", args=[won_deal.pk]))
    again = client.post(reverse("sales:order_from_deal", args=[won_deal.pk]))

    order = Order.objects.get()
    assert first["Location"] == reverse("sales:order_detail", args=[order.pk])
    assert again["Location"] == reverse("sales:order_detail", args=[order.pk])
    assert order.deal == won_deal


def test_deal_button_renders_only_for_won_deals(won_deal):
    from django.template.loader import render_to_string

    html = render_to_string("sales/orders/_deal_order_button.html", {"deal": won_deal})

    assert reverse("sales:order_from_deal", args=[won_deal.pk]) in html


# --- Receivables and the 360° panel --------------------------------------------------------------


def test_receivables_page_sums_what_is_owed(
    client, alice, east_order, django_assert_max_num_queries
):
    payment_record(actor=alice, order=east_order, amount="250.00", method="cash")
    client.force_login(alice)
    client.get(reverse("sales:receivables"))

    with django_assert_max_num_queries(14):
        response = client.get(reverse("sales:receivables"))

    html = response.content.decode()
    assert "750.00" in html
    assert "张伟" in html


def test_person_panel_shows_orders_and_what_they_owe(client, alice, east_order, east_person):
    client.force_login(alice)

    response = client.get(reverse("sales:person_sales", args=[east_person.pk]))

    html = response.content.decode()
    assert east_order.number in html
    owes = html.split('data-testid="customer-outstanding">', 1)[1].split("</dd>", 1)[0]
    assert ">1,000.00 CNY</span>" in owes


def test_person_page_loads_the_sales_panels_from_sales(client, alice, east_person):
    client.force_login(alice)

    response = client.get(reverse("customers:person_detail", args=[east_person.pk]))

    # One fragment brings the deal, lead and order panels (sales.views.customer_sales).
    assert reverse("sales:person_sales", args=[east_person.pk]) in response.content.decode()


# --- Another team: 404 on every order page -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "key"),
    [
        ("get", "sales:order_detail", "order"),
        ("post", "sales:order_change_status", "order"),
        ("post", "sales:order_record_payment", "order"),
        ("post", "sales:order_record_refund", "order"),
        ("post", "sales:order_from_deal", "deal"),
        ("get", "sales:person_sales", "person"),
        ("get", "sales:company_sales", "company"),
    ],
)
def test_other_team_gets_404_on_order_pages(
    client, charlie, east_order, won_deal, east_person, east_company, method, name, key
):
    ids = {"order": east_order.pk, "deal": won_deal.pk, "person": east_person.pk}
    ids["company"] = east_company.pk
    client.force_login(charlie)

    response = getattr(client, method)(
        reverse(name, args=[ids[key]]), {"status": "cancelled", "amount": "1.00", "method": "cash"}
    )

    assert response.status_code == 404
    order = Order.objects.get(pk=east_order.pk)
    assert (order.status, order.paid_amount) == ("placed", Decimal("0.00"))
    assert Order.objects.count() == 1


def test_other_team_order_list_and_receivables_are_empty(client, charlie, east_order):
    client.force_login(charlie)

    orders = client.get(reverse("sales:order_list")).content.decode()
    owed = client.get(reverse("sales:receivables")).content.decode()

    assert east_order.number not in orders
    assert "张伟" not in owed


def test_new_order_form_for_hidden_person_is_404(client, charlie, east_person):
    client.force_login(charlie)

    response = client.get(reverse("sales:order_create"), {"person_id": east_person.pk})

    assert response.status_code == 404


# --- Catalogue pages -----------------------------------------------------------------------------


def test_everyone_browses_products_in_constant_queries(
    client, alice, tea, cup, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(reverse("sales:product_list"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("sales:product_list"))

    html = response.content.decode()
    assert "龙井茶礼盒" in html
    assert "388.00" in html
    assert 'data-testid="product-create"' not in html


def test_rep_cannot_open_product_editing(client, alice, tea):
    client.force_login(alice)

    assert client.get(reverse("sales:product_create")).status_code == 403
    assert client.get(reverse("sales:product_edit", args=[tea.pk])).status_code == 403
    assert client.post(reverse("sales:product_deactivate", args=[tea.pk])).status_code == 403


def test_manager_creates_a_product_and_sees_sku_errors(client, diana, tea):
    client.force_login(diana)
    data = {"sku": "TEA-001", "name": "Copy", "unit_price": "1", "currency": "CNY"}

    duplicate = client.post(reverse("sales:product_create"), data)
    created = client.post(reverse("sales:product_create"), {**data, "sku": "TEA-002"})

    assert 'data-testid="error-sku"' in duplicate.content.decode()
    assert created.status_code == 302
    assert Product.objects.filter(sku="TEA-002").exists()


def test_manager_sets_a_price_on_a_price_list(client, diana, tea):
    from rapport.sales.services.catalog import price_list_create

    members = price_list_create(actor=diana, data={"name": "会员价"})
    client.force_login(diana)

    response = client.post(
        reverse("sales:price_list_detail", args=[members.pk]),
        {"product_id": str(tea.pk), "unit_price": "350.00"},
    )

    assert response.status_code == 302
    assert members.items.get().unit_price == Decimal("350.00")
