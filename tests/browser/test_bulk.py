"""Bulk actions in a real browser: a representative filters the leads list, selects all 300
matching leads (more than a page), hands them to a teammate in one action, follows the job's
progress bar, and every one of them is reassigned."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.dataio.models import BulkAction, BulkStatus
from rapport.dataio.services import bulk as services
from rapport.dataio.tasks import bulk as bulk_tasks
from rapport.sales.models import Lead
from tests.browser.conftest import log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATCHING = 300


@pytest.fixture
def queued_bulk_actions(monkeypatch):
    """The job is only queued; the test then runs it as the worker would while the page polls."""
    queued: list[int] = []
    monkeypatch.setattr(bulk_tasks, "run_bulk_action", queued.append)
    return queued


@pytest.fixture
def expo_leads(alice, east):
    # A small factory: 300 leads of the trade fair and 20 others, all alice's.
    Lead.objects.bulk_create(
        [
            Lead(full_name=f"展会客户{i:03d}", campaign="expo2026", owner=alice, team=east)
            for i in range(MATCHING)
        ]
        + [
            Lead(full_name=f"官网客户{i:02d}", campaign="website", owner=alice, team=east)
            for i in range(20)
        ]
    )


def test_rep_assigns_all_300_filtered_leads_to_a_colleague_in_one_action(
    page, live_server, alice, bob, expo_leads, queued_bulk_actions
):
    # Given alice on the leads list, filtered to the trade fair's campaign
    log_in(page, "alice")
    page.goto(reverse("sales:lead_list"))
    page.get_by_test_id("filter-campaign").fill("expo2026")
    page.get_by_test_id("filter-submit").click()
    rows = page.get_by_test_id("lead-row")
    expect(rows.first).to_be_visible()
    shown = rows.count()
    assert shown < MATCHING  # one page, not all of them

    # When she ticks the page's header box, every row of the page is selected
    expect(page.get_by_test_id("bulk-continue")).to_be_disabled()
    page.get_by_test_id("bulk-page").check()
    expect(page.get_by_test_id("bulk-count")).to_contain_text(str(shown))
    # …and "all matching" extends the selection beyond the page
    page.get_by_test_id("bulk-all-matching").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("All rows matching the filter")
    page.get_by_test_id("bulk-action").select_option("assign")
    page.get_by_test_id("bulk-continue").click()

    # Then the confirmation counts all 300 and says they are changed in the background
    expect(page.get_by_test_id("bulk-summary")).to_have_attribute("data-count", str(MATCHING))
    expect(page.get_by_test_id("bulk-in-job")).to_be_visible()

    # When she gives them to bob
    page.get_by_test_id("bulk-owner").select_option(label="bob")
    page.get_by_test_id("bulk-submit").click()

    # Then the job waits for a worker and its page shows a progress bar at zero
    status = page.get_by_test_id("bulk-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("bulk-progress")).to_have_attribute("value", "0")
    expect(page.get_by_test_id("bulk-total")).to_have_text(str(MATCHING))
    job = BulkAction.objects.get()
    assert queued_bulk_actions == [job.pk]
    assert job.in_job

    # When the worker runs it, the page follows without a reload until it is done
    page.evaluate("() => { window.__sameDocument = true; }")
    services.bulk_action_run(job.pk)
    expect(status).to_have_attribute("data-status", "done", timeout=15_000)
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("bulk-progress")).to_have_attribute("value", "100")
    expect(page.get_by_test_id("bulk-changed")).to_have_text(str(MATCHING))
    expect(page.get_by_test_id("bulk-skipped")).to_have_text("0")
    assert page.evaluate("() => window.__sameDocument === true")

    # And all 300 are bob's, while the other campaign's leads stay alice's
    job.refresh_from_db()
    assert job.status == BulkStatus.DONE
    assert Lead.objects.filter(campaign="expo2026", owner=bob).count() == MATCHING
    assert Lead.objects.filter(campaign="website", owner=alice).count() == 20

    # …and the list, filtered again, shows bob as their owner
    page.get_by_test_id("bulk-back").click()
    expect(page.get_by_test_id("lead-row").first).to_contain_text("bob")
