"""Throttling of API key guesses: per client address, answered in the API's JSON error format."""

import pytest
from django.test import Client

from rapport.accounts.services import api_key_create


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.RAPPORT_API_KEY_ADDRESS_FAILURES = 3
    settings.RAPPORT_THROTTLE_WINDOW_SECONDS = 900
    settings.RAPPORT_THROTTLE_LOCKOUT_SECONDS = 900


def call(secret, address="198.51.100.7"):
    return Client(REMOTE_ADDR=address).get(
        "/api/v1/persons", headers={"Authorization": f"Bearer {secret}"}
    )


def test_invalid_keys_are_answered_401_until_the_limit(db):
    first = call("rpk_wrong")
    second = call("rpk_wrong")

    assert first.status_code == second.status_code == 401
    assert first.json() == second.json()
    assert first.json()["code"] == "not_authenticated"


def test_too_many_invalid_keys_from_one_address_are_answered_429(db):
    for _ in range(3):
        call("rpk_wrong")

    response = call("rpk_wrong")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "throttled"
    assert body["message"]
    assert body["details"] == {}


def test_invalid_keys_in_the_x_api_key_header_count_too(db):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        client.get("/api/v1/persons", headers={"X-API-Key": "rpk_wrong"})

    assert client.get("/api/v1/persons", headers={"X-API-Key": "rpk_wrong"}).status_code == 429


def test_valid_key_works_from_another_address_while_one_is_paused(alice):
    _key, secret = api_key_create(user=alice, name="ERP")
    for _ in range(4):
        call("rpk_wrong", address="198.51.100.7")

    assert call("rpk_wrong", address="198.51.100.7").status_code == 429
    assert call(secret, address="203.0.113.9").status_code == 200
    assert call("rpk_wrong", address="203.0.113.9").status_code == 401


def test_valid_key_is_not_slowed_down_on_a_paused_address(alice):
    # 256-bit keys cannot be guessed, so a valid key telling itself apart gives nothing away.
    _key, secret = api_key_create(user=alice, name="ERP")
    for _ in range(4):
        call("rpk_wrong")

    assert call(secret).status_code == 200
