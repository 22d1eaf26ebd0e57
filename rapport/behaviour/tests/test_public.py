"""The endpoint the website snippet sends to with a site key: origins, CORS, rate limit."""

import json

import pytest
from django.test import Client

from rapport.behaviour.models import Event
from rapport.behaviour.services import site_key_create

SHOP = "https://shop.example.com"


@pytest.fixture
def site_key(admin_user):
    return site_key_create(actor=admin_user, data={"name": "Shop", "allowed_origins": [SHOP + "/"]})


def beacon(site_key, body, origin=SHOP, address="203.0.113.9"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client(REMOTE_ADDR=address).post(
        f"/behaviour/collect/{site_key.key}",
        raw,
        content_type="text/plain",
        headers={"Origin": origin},
    )


def test_a_page_of_an_allowed_origin_sends_events_as_text_plain(site_key, emily):
    response = beacon(
        site_key,
        {
            "events": [
                {"name": "page_viewed", "anonymous_id": "a1", "session_id": "s1"},
                {"name": "identified", "anonymous_id": "a1", "email": "emily@example.com"},
            ]
        },
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response.json() == {"accepted": 2, "errors": []}
    assert set(Event.objects.values_list("person_id", "site_key_id")) == {(emily.pk, site_key.pk)}


def test_the_preflight_of_an_allowed_origin_is_answered_with_cors_headers(site_key):
    response = Client().options(f"/behaviour/collect/{site_key.key}", headers={"Origin": SHOP})

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_another_origin_is_refused(site_key):
    response = beacon(
        site_key,
        {"events": [{"name": "page_viewed", "anonymous_id": "a1"}]},
        origin="https://evil.example",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    assert not Event.objects.exists()


def test_a_switched_off_or_unknown_key_is_not_found(site_key):
    site_key.is_active = False
    site_key.save()

    response = beacon(site_key, {"events": [{"name": "page_viewed", "anonymous_id": "a1"}]})

    assert response.status_code == 404


def test_an_unknown_email_from_a_page_is_kept_anonymous_without_saying_so(site_key):
    response = beacon(
        site_key,
        {"events": [{"name": "identified", "anonymous_id": "a1", "email": "who@example.com"}]},
    )

    assert response.json() == {"accepted": 1, "errors": []}
    assert Event.objects.get().person_id is None


def test_malformed_json_and_malformed_events_are_answered_with_error_bodies(site_key):
    broken = beacon(site_key, b"{not json")
    bad_event = beacon(site_key, {"events": [{"name": "page_viewed"}]})

    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_json"
    assert broken["Access-Control-Allow-Origin"] == SHOP
    assert bad_event.json()["errors"][0]["code"] == "identity_required"


def test_calls_from_one_address_are_limited_per_minute(site_key, settings):
    settings.RAPPORT_EVENTS_RATE_LIMIT = 2
    body = {"events": [{"name": "page_viewed", "anonymous_id": "a1"}]}

    answers = [beacon(site_key, body).status_code for _ in range(3)]
    other_address = beacon(site_key, body, address="203.0.113.10")

    assert answers == [200, 200, 429]
    assert other_address.status_code == 200
    assert Event.objects.count() == 3


def test_origins_are_checked_when_a_key_is_saved(admin_user):
    from rapport.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        site_key_create(
            actor=admin_user,
            data={"name": "Shop", "allowed_origins": ["https://shop.example.com/path", "ftp://x"]},
        )

    assert len(refused.value.details["allowed_origins"]) == 2
