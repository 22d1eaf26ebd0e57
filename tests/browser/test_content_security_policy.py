"""Pages whose scripts moved to static files work under the Content-Security-Policy.

The `page` fixture fails a test whose pages break the policy or throw a script error; these
tests visit the pages not driven elsewhere and use what their scripts do.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.models import Tag
from rapport.customers.services import tag_create
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_user_menu_opens_and_closes(page, alice):
    log_in(page, "alice")
    menu = page.locator(".usermenu .dropdown")
    expect(menu).to_be_hidden()

    page.get_by_test_id("user-menu").click()
    expect(menu).to_be_visible()
    page.locator("h1").first.click()

    expect(menu).to_be_hidden()


def test_dashboards_draw_their_charts(page, diana):
    log_in(page, "diana")
    for name, chart in (("sales:forecast", "forecast-chart"), ("sales:funnel", "funnel-chart")):
        page.goto(reverse(name))
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)


def test_deleting_asks_first_and_a_no_keeps_the_record(page, admin_user):
    tag = tag_create(actor=admin_user, data={"name": "VIP"})
    log_in(page, "admin")
    page.goto(reverse("customers:tag_edit", args=[tag.pk]))

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete tag").click()
    expect(page.get_by_test_id("tag-edit-form")).to_be_visible()
    assert Tag.objects.filter(pk=tag.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete tag").click()
    expect(page.get_by_test_id("tag-edit-form")).to_be_hidden()
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_api_docs_render_under_the_policy(page, alice):
    log_in(page, "alice")

    page.goto("/api/v1/docs")

    # Swagger draws all operations (170 and more) before the first shows: slow on a loaded
    # machine, so wait longer than expect's default 5 s. A wait, not a timing assertion.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
