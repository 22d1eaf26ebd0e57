"""Merging two duplicate persons in a real browser, then undoing it from the message."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.activities.services import interaction_create
from rapport.customers.models import Person
from rapport.customers.services import person_create
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merge_two_duplicates_and_undo(page, live_server, alice):
    # Given two records of the same customer, the second with a call logged on it
    kept = person_create(
        actor=alice,
        data={"full_name": "张伟", "region": "浙江", "phones": [{"number": "13912345678"}]},
    )
    duplicate = person_create(
        actor=alice,
        data={"full_name": "张伟", "region": "上海", "phones": [{"number": "13800001111"}]},
    )
    interaction_create(
        actor=alice, person=duplicate, data={"channel": "call", "subject": "询问报价"}
    )
    log_in(page, "alice")

    # When alice opens the merge page, keeps the first record's region and merges
    page.goto(reverse("dataio:merge_persons", kwargs={"a": kept.pk, "b": duplicate.pk}))
    expect(page.get_by_test_id("choice-region-b")).to_be_checked()
    page.get_by_test_id("choice-region-a").check()
    page.get_by_test_id("survivor-a").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("merge-submit").click()

    # Then she is on the survivor's page, which shows the merge, the moved call and both phones
    expect(page.get_by_test_id("person-name")).to_have_text("张伟")
    assert path_of(page) == reverse("customers:person_detail", kwargs={"pk": kept.pk})
    wait_for_htmx_idle(page)
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="record.merged"]')).to_contain_text(
        f"Merged with 张伟 (#{duplicate.pk})"
    )
    expect(timeline).to_contain_text("询问报价")
    expect(page.get_by_test_id("person-facts")).to_contain_text("浙江")
    expect(page.get_by_test_id("person-facts")).to_contain_text("138")
    assert list(Person.objects.values_list("pk", flat=True)) == [kept.pk]

    # And the Undo button in the message brings the duplicate back
    page.get_by_test_id("merge-undo").click()
    expect(page.get_by_test_id("merge-restored")).to_be_visible()
    assert Person.objects.count() == 2
    page.get_by_test_id("merge-restored").click()
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("timeline")).to_contain_text("询问报价")
    expect(page.get_by_test_id("person-facts")).to_contain_text("上海")
