"""The whole sale in a real browser: web form → lead → customer and deal → won → order → paid.

An administrator designs the web-to-lead form; a visitor who is not signed in sends it; the rep
the assignment rule picks converts the lead, wins the deal on the kanban, turns it into an order
and records the payment; the customer's timeline then tells the story, newest first.
"""

import os
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from rapport.activities.models import TimelineEntry
from rapport.customers.models import Company, Person
from rapport.sales.models import Deal, DealStatus, Lead, LeadStatus, Order, OrderStatus, Payment
from rapport.sales.services.deals import deal_win, pipeline_get_default
from rapport.sales.services.leads import (
    default_form_fields,
    lead_assignment_rule_create,
    lead_capture_from_form,
    lead_convert,
    lead_form_create,
    lead_scoring_rule_create,
)
from rapport.sales.services.orders import order_create_from_deal, payment_record
from tests.browser.conftest import VIEWPORT, drag, log_in, open_board, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name: str) -> None:
    """Save the page as `name` in $RAPPORT_SCREENSHOTS, if set (as test_orders does)."""
    if os.environ.get("RAPPORT_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["RAPPORT_SCREENSHOTS"], name), full_page=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()


@pytest.fixture(autouse=True)
def _no_rescoring_job(monkeypatch):
    # These tests commit, so adding a scoring rule would queue the rescoring job in the real Huey
    # queue under var/; the rules exist before any lead here, so there is nothing to rescore.
    monkeypatch.setattr("rapport.sales.tasks.recompute_lead_scores", lambda: None)


@pytest.fixture
def lead_rules(admin_user, east):
    """The administrator's scoring rules, and leads from the web go to the East team by turns."""
    lead_scoring_rule_create(
        actor=admin_user,
        data={
            "label": "asked for a quote",
            "kind": "field_filled",
            "field": "message",
            "points": 20,
        },
    )
    lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "from the website", "kind": "source_is", "value": "web", "points": 10},
    )
    lead_assignment_rule_create(
        actor=admin_user, data={"name": "Web to East", "source": "web", "team_id": east.pk}
    )


def design_contact_form(page, east) -> str:
    """The administrator saves a web form with the default questions; returns its public URL."""
    log_in(page, "admin")
    page.goto(reverse("sales:lead_form_create"))
    page.get_by_test_id("field-form-name").fill("Contact us")
    page.get_by_test_id("field-form-team").select_option(str(east.pk))
    page.get_by_test_id("field-form-thank-you").fill("Thanks, we will call you within a day.")
    keys = page.get_by_test_id("designer-key")
    expect(keys).to_have_count(5)
    assert [keys.nth(i).input_value() for i in range(5)] == [
        "full_name",
        "phone",
        "email",
        "company_name",
        "message",
    ]
    page.get_by_test_id("lead-form-save").click()
    expect(page.get_by_test_id("embed-snippet")).to_be_visible()
    public_url = page.get_by_test_id("lead-form-open").get_attribute("href")
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    return public_url


def visitor_sends_the_form(browser, live_server, public_url: str) -> None:
    """A visitor with a browser of their own (no session, no cookies) fills in the form."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    try:
        visitor = context.new_page()
        visitor.goto(public_url)
        expect(visitor.get_by_test_id("public-lead-form")).to_contain_text("Contact us")
        visitor.get_by_test_id("public-full_name").fill("王芳")
        visitor.get_by_test_id("public-phone").fill("139 1013 9000")
        visitor.get_by_test_id("public-email").fill("wang.fang@example.cn")
        visitor.get_by_test_id("public-company_name").fill("杭州新材料有限公司")
        visitor.get_by_test_id("public-message").fill("Please quote 200 tea gift boxes")
        visitor.get_by_test_id("public-submit").click()
        expect(visitor.get_by_test_id("public-thanks")).to_contain_text(
            "Thanks, we will call you within a day."
        )
        expect(visitor.get_by_test_id("main-nav")).to_have_count(0)
    finally:
        context.close()


def test_web_inquiry_becomes_a_paid_order_on_the_customers_timeline(
    page, browser, live_server, admin_user, east, alice, lead_rules
):
    # Given the administrator designed the web form (East's queue, the default questions)
    public_url = design_contact_form(page, east)

    # When a visitor, not signed in, sends it from their own browser
    visitor_sends_the_form(browser, live_server, public_url)

    # Then the lead waits for alice, whom the assignment rule picked, with its score
    lead = Lead.objects.get()
    assert (lead.owner, lead.score) == (alice, 30)
    log_in(page, "alice")
    page.get_by_test_id("nav-group-sales").click()
    page.get_by_test_id("nav-leads").click()
    rows = page.get_by_test_id("lead-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("lead-row-score")).to_have_text("30")
    rows.first.get_by_role("link", name="王芳").click()
    expect(page.get_by_test_id("lead-name")).to_have_text("王芳")
    expect(page.get_by_test_id("lead-score")).to_have_text("30")
    reasons = page.get_by_test_id("score-reason")
    expect(reasons).to_have_count(2)
    expect(reasons.nth(0)).to_have_text("+20 asked for a quote")
    expect(reasons.nth(1)).to_have_text("+10 from the website")
    expect(page.get_by_test_id("lead-owner")).to_have_text("alice")

    # When she converts it with a deal of 12,800.00
    page.get_by_test_id("lead-convert").click()
    expect(page.get_by_test_id("convert-person")).to_contain_text("A new person 王芳 is created.")
    expect(page.get_by_test_id("convert-company")).to_contain_text(
        "A new company 杭州新材料有限公司 is created."
    )
    expect(page.get_by_test_id("field-deal-title")).to_have_value("杭州新材料有限公司")
    page.get_by_test_id("field-deal-amount").fill("12800")
    page.get_by_test_id("convert-submit").click()

    # Then she is on the new person's page
    expect(page.get_by_test_id("person-name")).to_have_text("王芳")
    lead.refresh_from_db()
    person, deal = lead.converted_person, lead.converted_deal
    assert lead.status == LeadStatus.CONVERTED
    assert path_of(page) == reverse("customers:person_detail", args=[person.pk])
    assert (deal.person, deal.company, deal.owner) == (person, lead.converted_company, alice)

    # When she opens the kanban and drags the deal to Won
    page.get_by_test_id("nav-group-sales").click()
    page.get_by_test_id("nav-deals").click()
    open_board(page, pipeline_get_default())
    card = page.locator(f"#deal-card-{deal.pk}")
    expect(card).to_contain_text("杭州新材料有限公司")
    drag(page, card, page.get_by_test_id("drop-won"))

    # Then the board says so and the card leaves it
    expect(page.get_by_test_id("kanban-notice")).to_have_text("Deal won.")
    expect(card).to_have_count(0)

    # When she finds the won deal in the list and creates its order
    page.get_by_role("link", name="List").click()
    page.get_by_test_id("filter-status").select_option("won")
    page.get_by_test_id("filter-submit").click()
    deal_rows = page.get_by_test_id("deal-row")
    expect(deal_rows).to_have_count(1)
    deal_rows.first.get_by_test_id("deal-row-title").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("Won")
    page.get_by_test_id("deal-create-order").click()

    # Then the order page shows the deal's amount, all of it outstanding
    expect(page.get_by_test_id("order-total")).to_have_text("12,800.00 CNY")
    order = Order.objects.get()
    assert path_of(page) == reverse("sales:order_detail", args=[order.pk])
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "placed")
    expect(page.get_by_test_id("order-outstanding")).to_have_text("12,800.00")

    # When she records the full amount (the form offers what is outstanding) by bank transfer
    expect(page.get_by_test_id("field-amount")).to_have_value("12800.00")
    page.get_by_test_id("field-method").select_option("bank_transfer")
    page.get_by_test_id("payment-submit").click()

    # Then the order is paid
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")
    expect(page.get_by_test_id("order-outstanding")).to_have_text("0.00")
    expect(page.get_by_test_id("payment")).to_have_count(1)
    wait_for_htmx_idle(page)

    # And the person's timeline tells the whole story, newest first
    page.get_by_test_id("order-person").click()
    expect(page.get_by_test_id("person-name")).to_have_text("王芳")
    timeline = page.get_by_test_id("timeline")
    entries = timeline.get_by_test_id("timeline-entry")
    expect(entries).to_have_count(10)
    wait_for_htmx_idle(page)
    kinds = entries.evaluate_all("entries => entries.map(entry => entry.dataset.kind)")
    assert kinds == [
        "order.paid",
        "payment.recorded",
        "order.placed",
        "deal.won",
        "lead.converted",
        "deal.created",
        "record.created",
        "lead.assigned",
        "lead.inquiry",
        "lead.created",
    ], kinds
    expect(entries.nth(0)).to_contain_text(f"Order {order.number} paid in full")
    expect(entries.nth(1)).to_contain_text(
        f"Payment of 12,800.00 CNY received for order {order.number} (Bank transfer)"
    )
    expect(entries.nth(2)).to_contain_text(f"Order {order.number} placed: 12,800.00 CNY")
    expect(entries.nth(3)).to_contain_text("Deal won: 杭州新材料有限公司 (12,800.00 CNY)")
    expect(entries.nth(4)).to_contain_text("Lead 王芳: Converted")
    expect(entries.nth(5)).to_contain_text("Deal created: 杭州新材料有限公司")
    expect(entries.nth(6)).to_contain_text("Record created")
    expect(entries.nth(7)).to_contain_text("Lead 王芳: Assigned to alice")
    expect(entries.nth(8)).to_contain_text("Lead 王芳: Inquiry")
    expect(entries.nth(8)).to_contain_text("Please quote 200 tea gift boxes")
    expect(entries.nth(9)).to_contain_text("Lead 王芳: Lead created")
    screenshot(page, "sales-flow-timeline.png")

    # And in the database: one person, the deal won, the order paid by its payments
    assert Person.objects.count() == 1
    assert Company.objects.count() == 1
    assert Deal.objects.get().status == DealStatus.WON
    order.refresh_from_db()
    assert (order.status, order.deal_id, order.person_id) == (OrderStatus.PAID, deal.pk, person.pk)
    received = Payment.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]
    assert received == order.total == order.paid_amount == Decimal("12800.00")


def test_the_same_story_reads_in_chinese_on_the_timeline(page, admin_user, east, alice, lead_rules):
    # Given the whole sale already happened (built through the services)
    contact_form = lead_form_create(
        actor=admin_user,
        data={"name": "联系我们", "team_id": east.pk, "fields": default_form_fields()},
    )
    lead = lead_capture_from_form(
        form=contact_form,
        data={
            "full_name": "王芳",
            "phone": "139 1013 9000",
            "email": "wang.fang@example.cn",
            "company_name": "杭州新材料有限公司",
            "message": "请报价 200 套茶礼盒",
        },
        ip="203.0.113.7",
    )
    lead = lead_convert(actor=alice, lead=lead, deal_data={"amount": "12800"})
    deal = deal_win(actor=alice, deal=lead.converted_deal)
    order = order_create_from_deal(actor=alice, deal=deal)
    payment_record(actor=alice, order=order, amount=order.total, method="alipay")
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[lead.converted_person_id]))

    # When alice switches the interface to Chinese
    page.get_by_test_id("language-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # Then every entry of the story is worded in Chinese, newest first
    entries = page.get_by_test_id("timeline").get_by_test_id("timeline-entry")
    stored = list(
        TimelineEntry.objects.filter(person_id=lead.converted_person_id).order_by(
            "-occurred_at", "-pk"
        )
    )
    expect(entries).to_have_count(len(stored))
    wait_for_htmx_idle(page)
    with translation.override("zh-hans"):
        chinese = [entry.display_title for entry in stored]
    with translation.override("en"):
        english = [entry.display_title for entry in stored]
    assert entries.locator(".title").all_inner_texts() == chinese
    untranslated = [zh for zh, en in zip(chinese, english, strict=True) if zh == en]
    assert untranslated == []
    expect(entries.first).to_have_attribute("data-kind", "order.paid")
    screenshot(page, "sales-flow-timeline-zh.png")
