"""What a sales rep does every day, in a real browser against the real server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.services import timeline_add
from rapport.activities.views import TIMELINE_PAGE_SIZE
from rapport.customers.models import Person
from rapport.customers.services import custom_field_create, person_create
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_new_phone(page, number):
    """Add a phone row with the section's button and type the number into it."""
    page.get_by_test_id("add-phones").click()
    page.get_by_test_id("section-phones").locator("input[name$='-number']").last.fill(number)


def test_rep_logs_in_and_out(page, alice):
    # Given an anonymous visitor on the home page, sent to the login page
    page.goto("/")
    assert path_of(page).startswith(reverse("accounts:login"))

    # When alice signs in
    log_in(page, "alice")

    # Then she is on the home page, with htmx and the navigation loaded
    assert path_of(page) == reverse("web:home")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # (deferred scripts may still be running when the navigation shows, so wait for htmx)
    page.wait_for_function("() => typeof window.htmx === 'object'")

    # And logging out sends her back to the login page
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.goto("/persons/")
    assert path_of(page).startswith(reverse("accounts:login"))


def test_wrong_password_is_refused(page, alice):
    page.goto("/accounts/login/")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("not her password")
    page.get_by_test_id("login-submit").click()

    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_test_id("main-nav")).to_have_count(0)


def test_rep_creates_a_person_with_a_custom_field_value(page, admin_user, alice):
    # Given an administrator has added a WeChat field to persons
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "WeChat", "field_type": "text"},
    )
    log_in(page, "alice")

    # When alice fills in the new-person form
    page.goto(reverse("customers:person_create"))
    page.locator("#id_full_name").fill("张小伟")
    fill_new_phone(page, "138 0013 8000")
    page.get_by_test_id("custom-field-wechat").fill("zxw_1990")
    page.get_by_test_id("person-save").click()

    # Then she lands on the person's page, which shows the normalised phone and the custom value
    expect(page.get_by_test_id("person-name")).to_have_text("张小伟")
    person = Person.objects.get(full_name="张小伟")
    assert path_of(page) == reverse("customers:person_detail", args=[person.pk])
    assert person.primary_phone == "+8613800138000"
    assert person.custom == {"wechat": "zxw_1990"}
    expect(page.get_by_test_id("custom-values")).to_contain_text("WeChat")
    expect(page.get_by_test_id("custom-values")).to_contain_text("zxw_1990")
    expect(page.get_by_test_id("person-facts")).to_contain_text("138 0013 8000")


def test_invalid_phone_keeps_the_form_with_an_error(page, alice):
    log_in(page, "alice")
    page.goto(reverse("customers:person_create"))
    page.locator("#id_full_name").fill("张伟")
    fill_new_phone(page, "12345")
    page.get_by_test_id("person-save").click()

    expect(page.get_by_test_id("person-form")).to_be_visible()
    expect(page.get_by_test_id("section-phones").locator(".errorlist")).to_be_visible()
    assert not Person.objects.exists()


def test_call_logged_on_the_person_page_appears_on_the_timeline_without_reload(page, alice):
    # Given alice's customer 张伟
    person = person_create(actor=alice, data={"full_name": "张伟"})
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[person.pk]))
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_test_id("timeline-entry")).to_have_count(1)  # "record created"
    page.evaluate("() => { window.__sameDocument = true; }")

    # When she logs a call from the detail page
    form = page.get_by_test_id("log-interaction-form")
    form.get_by_test_id("interaction-channel").select_option("call")
    form.get_by_test_id("interaction-subject").fill("询价：500 台")
    form.get_by_test_id("interaction-content").fill("客户需要报价单")
    form.get_by_test_id("log-interaction-submit").click()

    # Then the call is at the top of the timeline, and the page was not reloaded
    entries = timeline.get_by_test_id("timeline-entry")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("询价：500 台")
    expect(entries.first).to_have_attribute("data-kind", "interaction.call")
    assert page.evaluate("() => window.__sameDocument") is True
    interaction = Interaction.objects.get()
    assert (interaction.person, interaction.channel, interaction.logged_by) == (
        person,
        "call",
        alice,
    )

    # And the form is ready for the next one
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("interaction-subject")).to_have_value("")


def test_empty_subject_shows_an_error_in_the_log_form(page, alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[person.pk]))

    page.get_by_test_id("log-interaction-submit").click()

    expect(page.get_by_test_id("log-interaction-form").locator(".errorlist").first).to_be_visible()
    expect(page.get_by_test_id("timeline").get_by_test_id("timeline-entry")).to_have_count(1)
    assert not Interaction.objects.exists()


def test_rep_finds_a_person_by_pinyin_initials(page, alice):
    # Given 张小伟 among alice's customers
    person = person_create(actor=alice, data={"full_name": "张小伟"})
    person_create(actor=alice, data={"full_name": "李娜"})
    log_in(page, "alice")

    # When she types the initials into the search box
    search = page.get_by_test_id("global-search")
    search.fill("zxw")
    search.press("Enter")

    # Then the result is 张小伟 alone, and it opens his page
    results = page.get_by_test_id("search-person")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("张小伟")
    results.get_by_role("link", name="张小伟").click()
    expect(page.get_by_test_id("person-name")).to_have_text("张小伟")
    assert path_of(page) == reverse("customers:person_detail", args=[person.pk])


def test_another_teams_person_answers_404(page, alice, charlie):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    log_in(page, "charlie")

    response = page.goto(reverse("customers:person_detail", args=[person.pk]))

    assert response.status == 404
    expect(page.get_by_test_id("person-name")).to_have_count(0)

    page.get_by_test_id("global-search").fill("张伟")
    page.get_by_test_id("global-search").press("Enter")
    expect(page.get_by_test_id("search-person")).to_have_count(0)


def test_load_more_walks_the_whole_timeline_without_gaps_or_repeats(page, alice):
    # Given a person with more timeline entries than one page, many sharing a timestamp
    person = person_create(actor=alice, data={"full_name": "张伟"})
    when = timezone.now() - datetime.timedelta(days=1)
    for i in range(2 * TIMELINE_PAGE_SIZE + 7):
        timeline_add(
            kind="note",
            title=f"记录 {i:02d}",
            person_id=person.pk,
            occurred_at=when - datetime.timedelta(minutes=i // 5),
        )
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[person.pk]))
    entries = page.get_by_test_id("timeline").get_by_test_id("timeline-entry")
    expect(entries).to_have_count(TIMELINE_PAGE_SIZE)

    page.evaluate("() => { window.__sameDocument = true; }")

    # When alice loads more, twice, until there is nothing left
    page.get_by_test_id("timeline-load-more").click()
    expect(entries).to_have_count(2 * TIMELINE_PAGE_SIZE)
    page.get_by_test_id("timeline-load-more").click()

    # Then every entry is shown once, newest first, and the page was never reloaded
    expect(entries).to_have_count(2 * TIMELINE_PAGE_SIZE + 8)
    expect(page.get_by_test_id("timeline-load-more")).to_have_count(0)
    titles = entries.locator(".title").all_inner_texts()
    # Generated titles ("Record created") are worded in the reader's language: alice reads English.
    with translation.override(alice.language):
        expected = [
            e.display_title
            for e in TimelineEntry.objects.filter(person=person).order_by("-occurred_at", "-pk")
        ]
    assert titles == expected
    assert page.evaluate("() => window.__sameDocument") is True
