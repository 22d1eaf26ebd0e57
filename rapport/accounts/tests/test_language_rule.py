"""Which language a person sees (docs/configuration.md, "Language"): before signing in the
browser's (cookie, else Accept-Language); after, the user's saved language; a user without one
keeps the language they signed in with, which is saved."""

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD
from rapport.accounts.models import Role, User
from rapport.accounts.services import user_create


@pytest.fixture
def newcomer(db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    return user_create(username="newcomer", password=PASSWORD, role=Role.SALES_REP)


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_sign_in_page_follows_the_browser(client, db):
    assert _lang(client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en")) == "en"
    assert _lang(client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh")) == (
        "zh-hans"
    )


def test_sign_in_page_follows_the_language_cookie_before_the_browser(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en")

    assert _lang(response) == "zh-hans"


def test_user_without_a_language_keeps_the_one_they_signed_in_with(client, newcomer):
    assert not newcomer.language_chosen

    # Given an English browser on a Chinese installation, when the newcomer signs in
    response = client.post(
        reverse("accounts:login"),
        {"username": "newcomer", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en-US,en",
    )

    # Then the app stays in English, and English is saved for pages, e-mails and jobs
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _lang(client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"
    newcomer.refresh_from_db()
    assert (newcomer.language, newcomer.language_chosen) == ("en", True)


def test_a_saved_language_wins_over_the_browser_after_sign_in(client, alice):
    # alice saved English; her browser asks for Chinese
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh",
    )

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _lang(client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh")) == "en"
    assert User.objects.get(pk=alice.pk).language == "en"
    # And after signing out, the sign-in page in this browser speaks her language too
    client.post(reverse("accounts:logout"))
    assert _lang(client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh")) == "en"


def test_switching_language_saves_it_and_remembers_it_in_the_browser(client, newcomer):
    client.force_login(newcomer)

    response = client.post(reverse("accounts:language"), {"language": "en", "next": "/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    newcomer.refresh_from_db()
    assert (newcomer.language, newcomer.language_chosen) == ("en", True)


def test_users_created_with_a_language_have_chosen_it(db):
    user = user_create(username="erin", password=PASSWORD, language="en")

    assert (user.language, user.language_chosen) == ("en", True)
