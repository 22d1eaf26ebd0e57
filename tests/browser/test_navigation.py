"""The main navigation in a browser: one row at 1366 px in both languages, menus that open and
close by mouse and keyboard, the group of the page marked, and the list behind the hamburger on
a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from tests.browser.conftest import log_in, path_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _one_row(page: Page) -> bool:
    """Whether the logo, the groups and the user menu share one line of the top bar."""
    tops = page.evaluate(
        """() => ['.logo', '.navbar > li:last-child', '.usermenu', '.global-search']
              .map(s => document.querySelector(s).getBoundingClientRect())
              .map(r => Math.round(r.top + r.height / 2))"""
    )
    return max(tops) - min(tops) <= 4


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_administrators_navigation_fits_one_row_at_1366_px(page, db, language):
    user_create(
        username="root", password="x-Secret-42!", role=Role.ADMINISTRATOR, language=language
    )
    page.set_viewport_size(LAPTOP)

    log_in(page, "root", "x-Secret-42!")

    expect(page.get_by_test_id("nav-group-settings")).to_be_visible()
    assert _one_row(page)


def test_a_menu_opens_and_closes_by_mouse_and_keyboard(page, alice):
    page.set_viewport_size(LAPTOP)
    log_in(page, "alice")
    sales, reports = (
        page.get_by_test_id("nav-group-sales"),
        page.get_by_test_id("nav-group-reports"),
    )
    leads = page.get_by_test_id("nav-leads")

    # A click opens the menu; Escape closes it and leaves the focus on its button
    expect(leads).to_be_hidden()
    sales.click()
    expect(sales).to_have_attribute("aria-expanded", "true")
    expect(leads).to_be_visible()
    page.keyboard.press("Escape")
    expect(leads).to_be_hidden()
    expect(sales).to_be_focused()

    # Opening another menu or clicking elsewhere closes it
    sales.click()
    reports.click()
    expect(leads).to_be_hidden()
    expect(page.get_by_test_id("nav-forecast")).to_be_visible()
    page.locator("main").click()
    expect(page.get_by_test_id("nav-forecast")).to_be_hidden()
    expect(reports).to_have_attribute("aria-expanded", "false")

    # With the keyboard alone: Enter opens, Tab reaches the first link, Enter follows it
    sales.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(leads).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('sales:lead_list')}")

    # The page's group is marked
    expect(page.locator(".navgroup.active").get_by_test_id("nav-group-sales")).to_be_visible()
    expect(page.get_by_test_id("nav-leads")).to_have_attribute("aria-current", "page")


def test_on_a_phone_the_hamburger_lists_every_group(page, alice):
    log_in(page, "alice")
    page.set_viewport_size(PHONE)
    orders = page.get_by_test_id("nav-orders")

    expect(orders).to_be_hidden()
    page.get_by_test_id("nav-toggle").click()
    expect(page.get_by_test_id("nav-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("nav-persons")).to_be_visible()
    expect(page.get_by_test_id("nav-health")).to_be_visible()
    orders.click()

    assert path_of(page) == reverse("sales:order_list")
