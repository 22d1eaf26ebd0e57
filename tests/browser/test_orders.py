"""From a customer's page to a paid order, in a real browser against the real server."""

import os
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.services import person_create
from rapport.sales.models import Order
from rapport.sales.services.catalog import product_create
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_places_an_order_and_records_it_paid_in_two_payments(page, admin_user, alice):
    # Given alice's customer 张伟 and a tea gift box in the catalogue
    person = person_create(actor=alice, data={"full_name": "张伟"})
    tea = product_create(
        actor=admin_user, data={"sku": "TEA-001", "name": "龙井茶礼盒", "unit_price": "388.00"}
    )
    log_in(page, "alice")

    # When she starts a new order from the orders panel on 张伟's page
    page.goto(reverse("customers:person_detail", args=[person.pk]))
    panel = page.get_by_test_id("orders-panel")
    expect(panel.get_by_test_id("customer-outstanding")).to_have_text("0.00 CNY")
    panel.get_by_test_id("customer-new-order").click()
    expect(page.get_by_test_id("order-form")).to_be_visible()
    expect(page.get_by_test_id("field-customer")).to_contain_text("张伟")

    # …with two lines: two tea boxes from the catalogue and a delivery charge
    page.get_by_test_id("field-lines-0-product_id").select_option(str(tea.pk))
    page.get_by_test_id("field-lines-0-quantity").fill("2")
    page.get_by_test_id("add-line").click()
    page.get_by_test_id("field-lines-1-description").fill("运费")
    page.get_by_test_id("field-lines-1-unit_price").fill("15.00")
    page.get_by_test_id("order-save").click()

    # Then the order page shows the exact total, all of it outstanding
    expect(page.get_by_test_id("order-total")).to_have_text("791.00 CNY")
    order = Order.objects.get()
    assert path_of(page) == reverse("sales:order_detail", args=[order.pk])
    assert order.total == Decimal("791.00")
    expect(page.get_by_test_id("order-line")).to_have_count(2)
    expect(page.get_by_test_id("order-outstanding")).to_have_text("791.00")
    page.evaluate("() => { window.__sameDocument = true; }")

    # When she records a partial payment of 300.00
    page.get_by_test_id("field-amount").fill("300.00")
    page.get_by_test_id("field-method").select_option("alipay")
    page.get_by_test_id("payment-submit").click()

    # Then the money section updates in place: 491.00 left, still placed
    expect(page.get_by_test_id("order-outstanding")).to_have_text("491.00")
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "placed")
    expect(page.get_by_test_id("payment")).to_have_count(1)

    # And when she records the rest (the form offers what is outstanding)
    expect(page.get_by_test_id("field-amount")).to_have_value("491.00")
    page.get_by_test_id("payment-submit").click()

    # Then the order is paid, without a page reload
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")
    expect(page.get_by_test_id("order-outstanding")).to_have_text("0.00")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)
    assert page.evaluate("() => window.__sameDocument") is True
    wait_for_htmx_idle(page)
    if os.environ.get("RAPPORT_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["RAPPORT_SCREENSHOTS"], "order.png"), full_page=True
        )
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == ("paid", Decimal("791.00"))

    # And 张伟's timeline tells the story, newest first
    page.get_by_test_id("order-person").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("[data-kind='order.paid']")).to_have_count(1)
    expect(timeline.locator("[data-kind='payment.recorded']")).to_have_count(2)
    expect(timeline.locator("[data-kind='order.placed']")).to_contain_text(order.number)
    expect(timeline.locator("[data-kind='order.placed']")).to_contain_text("791.00 CNY")
    expect(page.get_by_test_id("orders-panel")).to_contain_text(order.number)
    expect(page.get_by_test_id("customer-outstanding")).to_have_text("0.00 CNY")


def test_line_errors_are_shown_next_to_the_line(page, alice):
    person = person_create(actor=alice, data={"full_name": "李娜"})
    log_in(page, "alice")
    page.goto(reverse("sales:order_create") + f"?person_id={person.pk}")

    page.get_by_test_id("field-lines-0-description").fill("茶叶")
    page.get_by_test_id("field-lines-0-quantity").fill("-1")
    page.get_by_test_id("field-lines-0-unit_price").fill("10")
    page.get_by_test_id("order-save").click()

    row = page.get_by_test_id("order-line-row").first
    expect(row.locator(".errorlist")).to_contain_text("at least 1")
    expect(page.get_by_test_id("field-lines-0-description")).to_have_value("茶叶")
    assert not Order.objects.exists()
