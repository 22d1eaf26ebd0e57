"""A person's 360° page carries the sales context, and a deal has a timeline of its own.

alice opens her customer, sees the deal panel, starts a new deal from it, logs a call on the
deal's page and finds the call on both the deal's and the person's timelines; on a phone the
pages show the key facts and the timeline before the forms.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.services import person_create
from rapport.sales.models import Deal
from rapport.sales.services.deals import deal_create, pipeline_get_default
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def customer(alice):
    pipeline_get_default()
    person = person_create(actor=alice, data={"full_name": "王芳"})
    deal_create(
        actor=alice,
        data={"title": "年度茶叶采购", "amount": "12800.00", "person_id": person.pk},
    )
    return person


def _top(locator) -> float:
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()["y"] + locator.evaluate("() => window.scrollY")


def test_rep_starts_a_deal_from_a_person_and_logs_a_call_on_it(page, alice, customer):
    log_in(page, "alice")

    # Given 王芳's page, whose deal panel lists her open deal with its amount
    page.goto(reverse("customers:person_detail", args=[customer.pk]))
    deals = page.get_by_test_id("customer-deals")
    expect(deals.get_by_test_id("customer-deal")).to_have_count(1)
    expect(deals.get_by_test_id("customer-deal-amount")).to_have_text("12,800.00 CNY")

    # When she starts a new deal from the panel, the form has 王芳 chosen
    deals.get_by_test_id("customer-new-deal").click()
    expect(page.get_by_test_id("deal-form")).to_be_visible()
    expect(page.get_by_test_id("field-person_id")).to_have_value(str(customer.pk))
    page.get_by_test_id("field-title").fill("茶具礼盒")
    page.get_by_test_id("field-amount").fill("5600")
    page.get_by_test_id("deal-save").click()

    # Then the deal's page has a timeline that starts with the deal's creation
    deal = Deal.objects.get(title="茶具礼盒")
    assert path_of(page) == reverse("sales:deal_detail", args=[deal.pk])
    assert deal.person_id == customer.pk
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("[data-kind='deal.created']")).to_have_count(1)

    # When she logs a call on the deal
    form = page.get_by_test_id("log-interaction-form")
    form.get_by_test_id("interaction-channel").select_option("call")
    form.get_by_test_id("interaction-subject").fill("确认报价")
    form.get_by_test_id("log-interaction-submit").click()

    # Then it is on top of the deal's timeline, without a reload
    expect(timeline.get_by_test_id("timeline-entry").first).to_contain_text("确认报价")
    expect(timeline.locator("[data-kind='interaction.call']")).to_have_count(1)
    wait_for_htmx_idle(page)

    # And on 王芳's timeline, saying which deal it was about, with both deals in her panel
    page.goto(reverse("customers:person_detail", args=[customer.pk]))
    call = page.get_by_test_id("timeline").locator("[data-kind='interaction.call']")
    expect(call).to_contain_text("确认报价")
    expect(call.get_by_test_id("timeline-about")).to_contain_text("茶具礼盒")
    expect(page.get_by_test_id("customer-deal")).to_have_count(2)
    expect(page.get_by_test_id("customer-deal-count")).to_contain_text("2 open")


def test_on_a_phone_the_facts_and_timeline_come_before_the_forms(page, alice, customer):
    log_in(page, "alice")
    page.set_viewport_size(PHONE)
    page.goto(reverse("customers:person_detail", args=[customer.pk]))
    expect(page.get_by_test_id("timeline-entry").first).to_be_visible()
    expect(page.get_by_test_id("customer-deals")).to_be_visible()
    expect(page.get_by_test_id("log-interaction-form")).to_be_visible()
    wait_for_htmx_idle(page)

    order = [
        _top(page.get_by_test_id(testid))
        for testid in ("person-facts", "timeline-panel", "customer-deals", "tasks-panel")
    ]
    order.append(_top(page.get_by_test_id("log-panel")))
    assert order == sorted(order), order

    # The header: the buttons sit together under the title, inside the screen
    title = page.get_by_test_id("person-name").bounding_box()
    edit = page.get_by_test_id("person-edit").bounding_box()
    merge = page.get_by_test_id("person-merge").bounding_box()
    assert edit["y"] >= title["y"] + title["height"]
    assert abs(edit["y"] - merge["y"]) < 2
    assert merge["x"] + merge["width"] <= PHONE["width"]

    # The deal's page likewise: its facts and timeline, then the stage forms and the log form
    page.get_by_test_id("customer-deal").first.get_by_role("link").click()
    expect(page.get_by_test_id("timeline-entry").first).to_be_visible()
    wait_for_htmx_idle(page)
    tops = [
        _top(page.get_by_test_id(testid))
        for testid in ("deal-facts", "timeline-panel", "deal-actions", "log-panel")
    ]
    assert tops == sorted(tops), tops


def test_on_a_wide_screen_the_header_buttons_sit_right_of_the_title(page, alice, customer):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[customer.pk]))

    head = page.locator(".page-head").bounding_box()
    title = page.get_by_test_id("person-name").bounding_box()
    edit = page.get_by_test_id("person-edit").bounding_box()
    merge = page.get_by_test_id("person-merge").bounding_box()
    vcard = page.get_by_test_id("person-vcard").bounding_box()

    # Side by side at the right edge, on the title's line, not floating mid-header
    assert abs(edit["y"] - merge["y"]) < 2 and abs(merge["y"] - vcard["y"]) < 2
    assert vcard["x"] + vcard["width"] == pytest.approx(head["x"] + head["width"], abs=2)
    assert edit["x"] > head["x"] + head["width"] / 2
    assert edit["y"] < title["y"] + title["height"]
