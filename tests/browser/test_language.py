"""Switching the interface between English and Simplified Chinese."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from rapport.accounts.models import User
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_chinese(text: str) -> str:
    # The words as the Chinese catalogue has them (Django's own catalogues already translate
    # "Home"; the project's catalogue supplies the rest as it is completed).
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_rep_switches_to_chinese_and_back(page, alice):
    home_zh, persons_zh = _in_chinese("Home"), _in_chinese("Persons")
    assert home_zh != "Home"

    # Given alice uses Rapport in English
    log_in(page, "alice")
    page.goto(reverse("customers:person_list"))
    nav = page.get_by_test_id("main-nav")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_contain_text("Persons")

    # When she switches to Chinese
    page.get_by_test_id("language-zh-hans").click()

    # Then the page is in Chinese, stays where she was, and her choice is saved
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav).to_contain_text(home_zh)
    expect(nav).to_contain_text(persons_zh)
    expect(page.get_by_test_id("language-en")).to_be_visible()
    assert page.url.endswith(reverse("customers:person_list"))
    assert User.objects.get(pk=alice.pk).language == "zh-hans"

    # And it stays Chinese on the next page
    page.goto(reverse("web:home"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # When she switches back to English
    page.get_by_test_id("language-en").click()

    # Then the interface is English again
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_contain_text("Home")
    expect(nav).to_contain_text("Persons")
    assert User.objects.get(pk=alice.pk).language == "en"
