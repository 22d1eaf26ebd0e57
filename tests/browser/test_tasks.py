"""Tasks in a real browser: added on a customer's page, done from "My tasks", the bell."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rapport.activities.models import Task
from rapport.activities.task_selectors import today_bounds
from rapport.customers.services import person_create
from tests.browser.conftest import VIEWPORT, log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _late_today() -> str:
    """A datetime-local value later today (the "today" tab shows it whatever the time)."""
    _start, tomorrow = today_bounds()
    local = timezone.localtime(tomorrow - datetime.timedelta(minutes=1))
    return local.strftime("%Y-%m-%dT%H:%M")


def test_task_added_on_a_person_is_done_from_my_tasks_and_the_bell_counts(
    page, browser, live_server, alice, bob
):
    # Given alice on her customer's page
    person = person_create(actor=alice, data={"full_name": "张伟"})
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[person.pk]))
    expect(page.get_by_test_id("notification-count")).to_have_text("0")

    # When she adds a task from the panel
    form = page.get_by_test_id("task-add-form")
    form.get_by_test_id("task-field-title").fill("寄样品给张伟")
    form.get_by_test_id("task-field-due-at").fill(_late_today())
    form.get_by_test_id("task-add-submit").click()

    # Then it is listed on the panel, linked to the person, and the form is empty again
    panel = page.get_by_test_id("customer-tasks")
    expect(panel.get_by_test_id("task-item")).to_have_count(1)
    expect(panel.get_by_test_id("task-item")).to_contain_text("寄样品给张伟")
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("task-field-title")).to_have_value("")
    task = Task.objects.get()
    assert (task.person_id, task.assignee_id) == (person.pk, alice.pk)

    # And it is in "My tasks" for today
    page.get_by_test_id("nav-tasks").click()
    item = page.get_by_test_id("task-list").get_by_test_id("task-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("寄样品给张伟")
    wait_for_htmx_idle(page)
    page.evaluate("() => { window.__sameDocument = true; }")

    # When she completes it with one click
    item.get_by_test_id("task-complete").click()

    # Then it shows as done, without a reload
    expect(item).to_have_attribute("data-status", "done")
    expect(item.get_by_test_id("task-reopen")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") is True
    task.refresh_from_db()
    assert task.status == "done"

    # When bob, in his own browser, gives her a task
    bobs = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Asia/Shanghai"
    )
    try:
        bob_page = bobs.new_page()
        log_in(bob_page, "bob")
        bob_page.goto(reverse("activities:task_create"))
        bob_page.get_by_test_id("task-field-title").fill("Call 张伟 about the samples")
        bob_page.get_by_test_id("task-field-assignee").select_option(str(alice.pk))
        bob_page.get_by_test_id("task-save").click()
        expect(bob_page.get_by_test_id("task-tabs")).to_be_visible()
    finally:
        bobs.close()

    # Then alice's bell counts it, and opening the notifications clears it
    page.reload()
    expect(page.get_by_test_id("notification-count")).to_have_text("1")
    page.get_by_test_id("notification-bell").click()
    notification = page.get_by_test_id("notification-item")
    expect(notification).to_have_count(1)
    expect(notification).to_contain_text("New task for you: Call 张伟 about the samples")
    expect(page.get_by_test_id("notification-count")).to_have_text("0")
