"""Saved views in a real browser: a representative saves a filtered lead list as a tab, and hides
a column for good."""

import pytest
from django.http import QueryDict
from django.urls import reverse
from playwright.sync_api import expect

from rapport.accounts.models import ListPreference, SavedView
from rapport.sales.services.leads.capture import lead_create
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_saves_a_filter_as_a_view_and_hides_a_column(page, live_server, alice, bob):
    # Given alice's leads from two campaigns
    for i in range(3):
        lead_create(actor=alice, data={"full_name": f"热线索{i}", "campaign": "春季展会"})
    lead_create(actor=alice, data={"full_name": "冷线索", "campaign": "秋季"})
    log_in(page, "alice")
    leads = page.get_by_test_id("lead-list").get_by_test_id("lead-row")

    # When she filters the leads list by campaign
    page.goto(reverse("sales:lead_list"))
    expect(leads).to_have_count(4)
    page.get_by_test_id("filter-campaign").fill("春季展会")
    page.get_by_test_id("filter-submit").click()
    expect(leads).to_have_count(3)

    # And saves the filter as a view "My hot leads", shared with her team
    page.get_by_test_id("saved-view-save").locator("summary").click()
    page.get_by_test_id("saved-view-name").fill("My hot leads")
    page.get_by_test_id("saved-view-visibility").select_option("team")
    page.get_by_test_id("saved-view-save-submit").click()

    # Then it appears as the active tab, with the filter applied
    tab = page.get_by_test_id("saved-view-tab").filter(has_text="My hot leads")
    expect(tab).to_have_class("saved-view-tab active")
    expect(leads).to_have_count(3)
    view = SavedView.objects.get()
    assert (view.owner, view.visibility) == (alice, "team")
    assert QueryDict(view.query).dict() == {"campaign": "春季展会", "sort": "-score"}

    # When she opens the plain list again, then clicks the tab
    page.goto(reverse("sales:lead_list"))
    expect(leads).to_have_count(4)
    expect(page.get_by_test_id("saved-view-tab-all")).to_have_class("saved-view-tab active")
    page.get_by_test_id("saved-view-tab").filter(has_text="My hot leads").click()

    # Then the filter is restored
    expect(leads).to_have_count(3)
    expect(page.get_by_test_id("filter-campaign")).to_have_value("春季展会")
    expect(tab).to_have_attribute("aria-current", "page")

    # When, on the plain list, she hides the campaign column
    page.get_by_test_id("saved-view-tab-all").click()
    table = page.get_by_test_id("lead-list")
    expect(table.locator("th", has_text="Campaign")).to_have_count(1)
    page.get_by_test_id("column-chooser").locator("summary").click()
    page.get_by_test_id("column-toggle-campaign").uncheck()
    page.get_by_test_id("column-chooser-apply").click()

    # Then the column is gone from the table, and stays gone after a reload
    expect(table.locator("th", has_text="Campaign")).to_have_count(0)
    expect(table).not_to_contain_text("秋季")
    page.reload()
    expect(table.locator("th", has_text="Campaign")).to_have_count(0)
    expect(table.locator("th", has_text="Score")).to_have_count(1)
    assert "campaign" not in ListPreference.objects.get(user=alice, list_key="leads").columns

    # And the saved view still shows its own columns
    page.get_by_test_id("saved-view-tab").filter(has_text="My hot leads").click()
    expect(table.locator("th", has_text="Campaign")).to_have_count(1)
