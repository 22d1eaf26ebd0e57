"""Working together in a real browser: the @ list in the log form inserts a colleague's token,
which notifies them; an announcement shows on the page until it is marked read."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.accounts.services import user_create
from rapport.activities.announcements import announcement_create
from rapport.activities.models import Interaction, Notification
from rapport.customers.services import person_create
from tests.browser.conftest import log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_at_opens_the_colleague_list_and_picking_one_mentions_them(page, alice, east):
    wu = user_create(
        username="wujing", password="x" * 20, team=east, first_name="静", last_name="吴"
    )
    person = person_create(actor=alice, data={"full_name": "张伟"})
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[person.pk]))
    form = page.get_by_test_id("log-interaction-form")
    form.get_by_test_id("interaction-subject").fill("回访")
    content = form.get_by_test_id("interaction-content")

    # When she types "@吴" and picks the colleague with Enter
    content.click()
    content.press_sequentially("请@吴")
    option = page.get_by_test_id("mention-option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("吴静")
    content.press("Enter")
    content.press_sequentially("跟进")

    # Then the text holds the token and no list is open
    expect(content).to_have_value(f"请@[吴静](user:{wu.pk}) 跟进")
    expect(page.get_by_test_id("mention-list")).to_have_count(0)

    # And once logged, the timeline shows a chip and 吴静 is notified
    form.get_by_test_id("log-interaction-submit").click()
    expect(page.locator("#timeline-entries .mention").first).to_have_text("@吴静")
    wait_for_htmx_idle(page)
    interaction = Interaction.objects.get()
    assert Notification.objects.filter(recipient=wu, kind="mention").count() == 1
    assert interaction.content == f"请@[吴静](user:{wu.pk}) 跟进"


def test_announcement_banner_shows_until_marked_read(page, alice, admin_user):
    announcement_create(actor=admin_user, data={"title": "周五系统维护"})
    log_in(page, "alice")
    page.goto(reverse("activities:task_list"))

    banner = page.get_by_test_id("announcement-banner-item")
    expect(banner).to_contain_text("周五系统维护")
    banner.get_by_test_id("announcement-banner-read").click()

    expect(page.get_by_test_id("announcement-banner-item")).to_have_count(0)
    page.goto(reverse("activities:interaction_list"))
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("announcement-banner-item")).to_have_count(0)
