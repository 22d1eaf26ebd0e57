"""Throttling of password guesses: per account, per client address, on every password form."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from rapport.accounts import throttling
from rapport.accounts.forms import SIGNIN_REFUSED


@pytest.fixture(autouse=True)
def _small_limits(settings, db):
    # The counts live in the database cache table, which the flush after a transactional test
    # (browser tests sign in as alice too) does not empty: start from no counts and no pauses.
    cache.clear()
    settings.RAPPORT_SIGNIN_ACCOUNT_FAILURES = 3
    settings.RAPPORT_SIGNIN_ADDRESS_FAILURES = 6
    settings.RAPPORT_THROTTLE_WINDOW_SECONDS = 900
    settings.RAPPORT_THROTTLE_LOCKOUT_SECONDS = 900


def sign_in(username, password, address="198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


def refusal(response) -> tuple[int, list[str]]:
    """What a refused sign-in tells: its status and its form errors."""
    return response.status_code, list(response.context["form"].non_field_errors())


def at(monkeypatch, moment: float) -> None:
    monkeypatch.setattr(throttling, "_now", lambda: moment)


def test_account_is_paused_after_too_many_wrong_passwords_even_for_the_right_one(alice):
    for _ in range(3):
        assert sign_in("alice", "wrong").status_code == 200

    response = sign_in("alice", PASSWORD)

    assert refusal(response) == (200, [SIGNIN_REFUSED])
    assert "_auth_user_id" not in response.wsgi_request.session


def test_paused_account_is_paused_from_every_address(alice):
    for _ in range(3):
        sign_in("alice", "wrong", address="198.51.100.7")

    assert sign_in("alice", PASSWORD, address="203.0.113.9").status_code == 200


def test_paused_account_and_unknown_name_get_the_same_answer(alice):
    for _ in range(3):
        sign_in("alice", "wrong")

    paused = sign_in("alice", PASSWORD, address="203.0.113.1")
    unknown = sign_in("nobody", "whatever", address="203.0.113.2")

    assert refusal(paused) == refusal(unknown) == (200, [SIGNIN_REFUSED])
    assert refusal(sign_in("alice", "wrong", address="203.0.113.3")) == refusal(unknown)


def test_unknown_names_are_paused_like_accounts(db):
    for _ in range(3):
        sign_in("nobody", "wrong")

    assert throttling.signin_paused(username="nobody", address="")


def test_pause_ends_after_the_lockout_period(alice, monkeypatch):
    start = throttling._now()
    at(monkeypatch, start)  # the failures at one moment, however slow the machine
    for _ in range(3):
        sign_in("alice", "wrong")

    at(monkeypatch, start + 901)

    assert sign_in("alice", PASSWORD).status_code == 302


def test_a_second_pause_lasts_twice_as_long(alice, monkeypatch):
    start = throttling._now()
    at(monkeypatch, start)  # the failures at one moment, however slow the machine
    for _ in range(3):
        sign_in("alice", "wrong")
    at(monkeypatch, start + 901)
    for _ in range(3):
        sign_in("alice", "wrong")

    at(monkeypatch, start + 901 + 901)
    assert sign_in("alice", PASSWORD).status_code == 200
    at(monkeypatch, start + 901 + 1801)
    assert sign_in("alice", PASSWORD).status_code == 302


def test_successful_sign_in_clears_the_account_count(alice):
    sign_in("alice", "wrong")
    sign_in("alice", "wrong")
    assert sign_in("alice", PASSWORD).status_code == 302

    sign_in("alice", "wrong")
    sign_in("alice", "wrong")

    assert sign_in("alice", PASSWORD).status_code == 302


def test_address_is_paused_after_too_many_failures_across_names(alice):
    for name in ("a", "b", "c", "d", "e", "f"):
        sign_in(name, "wrong", address="198.51.100.7")

    assert refusal(sign_in("alice", PASSWORD, address="198.51.100.7")) == (200, [SIGNIN_REFUSED])
    assert sign_in("alice", PASSWORD, address="203.0.113.9").status_code == 302


def test_address_behind_trusted_proxy_is_read_from_forwarded_for(alice, settings):
    settings.RAPPORT_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.1")
    for name in ("a", "b", "c", "d", "e", "f"):
        client.post(
            reverse("accounts:login"),
            {"username": name, "password": "wrong"},
            headers={"X-Forwarded-For": "spoofed, 198.51.100.7"},
        )

    assert throttling.signin_paused(username="alice", address="198.51.100.7")
    assert not throttling.signin_paused(username="alice", address="10.0.0.1")
    assert not throttling.signin_paused(username="alice", address="spoofed")


def test_limit_of_zero_turns_account_throttling_off(alice, settings):
    settings.RAPPORT_SIGNIN_ACCOUNT_FAILURES = 0
    for _ in range(5):
        sign_in("alice", "wrong")

    assert sign_in("alice", PASSWORD).status_code == 302


def test_admin_sign_in_is_throttled_too(admin_user):
    form = {"username": admin_user.username, "password": PASSWORD}
    assert Client().post(reverse("admin:login"), form).status_code == 302
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": admin_user.username, "password": "x"})

    response = client.post(reverse("admin:login"), form)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_old_passwords_pause_password_change(alice):
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.force_login(alice)
    url = reverse("accounts:password_change")
    new = {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"}
    for _ in range(3):
        client.post(url, {"old_password": "wrong", **new})

    response = client.post(url, {"old_password": PASSWORD, **new})

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
