"""Paying money back on the order page, and cancelling an order that holds money, in a browser."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.services import person_create
from rapport.sales.models import Order, Refund
from rapport.sales.services.orders import order_create, payment_record
from tests.browser.conftest import log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_refunds_part_of_an_order_then_cancels_it_keeping_a_fee(page, alice):
    # Given alice's order of 1,000.00 for 张伟, paid 400.00 by Alipay
    person = person_create(actor=alice, data={"full_name": "张伟"})
    order = order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "lines": [{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
        },
    )
    payment_record(actor=alice, order=order, amount="400.00", method="alipay")
    log_in(page, "alice")
    page.goto(reverse("sales:order_detail", args=[order.pk]))

    # When she pays 150.00 back as a credit for damaged goods
    page.get_by_test_id("refund-panel").locator("summary").click()
    page.get_by_test_id("field-refund_amount").fill("150.00")
    page.get_by_test_id("field-reason").select_option("damaged")
    page.get_by_test_id("refund-submit").click()

    # Then the money section shows the refund, the credit and the order's lower worth in place
    expect(page.get_by_test_id("refund-recorded")).to_be_visible()
    expect(page.get_by_test_id("refund")).to_have_count(1)
    expect(page.get_by_test_id("order-credited")).to_have_text("150.00")
    expect(page.get_by_test_id("order-net-value")).to_have_text("850.00")
    expect(page.get_by_test_id("order-outstanding")).to_have_text("600.00")
    wait_for_htmx_idle(page)

    # When she cancels the order, refunding 200.00 of the 250.00 it holds and keeping a fee
    close = page.get_by_test_id("order-close-cancelled")
    close.locator("summary").click()
    expect(close).to_contain_text("This order holds 250.00 CNY. Refund it?")
    expect(page.get_by_test_id("order-close-refund-amount")).to_have_value("250.00")
    page.get_by_test_id("order-close-refund-amount").fill("200.00")
    page.get_by_test_id("order-close-note").fill("Cancellation fee")
    page.get_by_test_id("order-close-submit-cancelled").click()

    # Then the order is cancelled and worth the 50.00 it kept
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "cancelled")
    expect(page.get_by_test_id("order-paid")).to_have_text("50.00")
    expect(page.get_by_test_id("refund")).to_have_count(2)
    order = Order.objects.get(pk=order.pk)
    assert (order.paid_amount, order.refunded_amount, order.net_value) == (
        Decimal("50.00"),
        Decimal("350.00"),
        Decimal("50.00"),
    )
    assert set(Refund.objects.values_list("reason", flat=True)) == {"damaged", "cancelled"}
