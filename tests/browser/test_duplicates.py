"""In Chromium: duplicates are flagged while typing, and merged from the review queue."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.dataio.models import CandidateStatus, DuplicateCandidate
from rapport.dataio.services.dedup.scan import duplicates_scan
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_form_warns_of_a_likely_duplicate_and_still_saves(page, live_server, alice):
    existing = person_create(
        actor=alice, data={"full_name": "李晓明", "phones": [{"number": "13800138000"}]}
    )
    log_in(page, "alice")
    page.goto(reverse("customers:person_create"))

    page.get_by_test_id("field-full_name").fill("Li Xiaoming")
    page.get_by_test_id("add-phones").click()
    page.get_by_test_id("field-phones-0-number").fill("138-0013-8000")
    page.get_by_test_id("field-phones-0-number").blur()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("李晓明")
    expect(page.get_by_test_id("duplicate-warning-link")).to_have_attribute(
        "href", reverse("customers:person_detail", args=[existing.pk])
    )
    page.get_by_test_id("person-save").click()
    expect(page.get_by_text("Person created.")).to_be_visible()
    assert Person.objects.count() == 2


def test_merge_a_pair_from_the_review_queue(page, live_server, alice):
    # Given the same customer entered twice, once in pinyin, and the nightly scan has run
    first = person_create(
        actor=alice,
        data={
            "full_name": "王芳",
            "region": "浙江",
            "phones": [{"number": "13912345678"}],
            "emails": [{"email": "wangfang@example.com"}],
        },
    )
    second = person_create(
        actor=alice,
        data={
            "full_name": "Wang Fang",
            "phones": [{"number": "+86 139 1234 5678"}],
            "emails": [{"email": "WangFang@Example.com"}],
        },
    )
    duplicates_scan(record_type="person")
    log_in(page, "alice")

    # When alice opens the review queue, sees the pair with its reasons and follows Merge
    page.goto(reverse("dataio:duplicate_list"))
    pair = page.get_by_test_id("duplicate-pair")
    expect(pair).to_have_count(1)
    expect(pair.get_by_test_id("duplicate-reasons")).not_to_be_empty()
    pair.get_by_test_id("duplicate-merge").click()
    page.get_by_test_id("survivor-a").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("merge-submit").click()

    # Then one person is left, the merge is on its timeline and the pair left the queue
    expect(page.get_by_test_id("person-name")).to_be_visible()
    survivor = Person.objects.get()
    assert survivor.pk in (first.pk, second.pk)
    assert path_of(page) == reverse("customers:person_detail", kwargs={"pk": survivor.pk})
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("timeline").locator('[data-kind="record.merged"]')).to_have_count(1)
    assert DuplicateCandidate.objects.get().status == CandidateStatus.MERGED
    page.goto(reverse("dataio:duplicate_list"))
    expect(page.get_by_test_id("duplicate-queue-empty")).to_be_visible()
