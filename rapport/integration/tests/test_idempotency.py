"""The Idempotency-Key header on every POST to the API."""

import datetime

from django.utils import timezone

from rapport.customers.models import Person
from rapport.integration.middleware import idempotency_keys_purge
from rapport.integration.models import IdempotencyKey


def test_a_post_retried_with_the_same_key_creates_once_and_replays_the_answer(as_alice):
    first = as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})
    second = as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Person.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(as_alice):
    as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    response = as_alice.post("/persons", {"full_name": "王芳"}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Person.objects.count() == 1


def test_the_same_key_while_the_first_request_runs_is_a_409(alice, as_alice):
    IdempotencyKey.objects.create(user=alice, key="k-1", request_hash="running")

    response = as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_use")
    assert not Person.objects.exists()


def test_keys_are_per_user(as_alice, as_charlie):
    as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    response = as_charlie.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 201
    assert Person.objects.count() == 2


def test_a_failed_request_leaves_the_key_free_for_the_retry(as_alice):
    refused = as_alice.post("/persons", {"full_name": ""}, **{"Idempotency-Key": "k-1"})
    retried = as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})

    assert refused.status_code == 422
    assert retried.status_code == 201


def test_keys_older_than_a_day_are_purged(alice, as_alice):
    as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k-1"})
    later = timezone.now() + datetime.timedelta(hours=25)

    assert idempotency_keys_purge(now=later) == 1
    assert not IdempotencyKey.objects.exists()


def test_an_overlong_key_is_a_422(as_alice):
    response = as_alice.post("/persons", {"full_name": "张伟"}, **{"Idempotency-Key": "k" * 101})

    assert response.status_code == 422
    assert not Person.objects.exists()
