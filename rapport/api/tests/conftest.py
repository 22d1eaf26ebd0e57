"""Fixtures for the API tests: clients authenticated with each user's API key, and East records.

`alice` owns the East records; `charlie` (West) must get 404 for every one of them.
"""

import json

import pytest
from django.test import Client

from rapport.accounts.services import api_key_create
from rapport.customers.services import company_create, person_create


class ApiClient:
    """A test client speaking JSON to /api/v1 with one user's API key."""

    def __init__(self, secret: str | None = None, **headers):
        if secret:
            headers.setdefault("Authorization", f"Bearer {secret}")
        self.client = Client(headers=headers)

    def _send(self, method: str, path: str, body=None, **kwargs):
        send = getattr(self.client, method)
        if body is None:
            return send(f"/api/v1{path}", **kwargs)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(f"/api/v1{path}", data=data, content_type="application/json", **kwargs)

    def get(self, path: str, params: dict | None = None, **kwargs):
        return self.client.get(f"/api/v1{path}", params or {}, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self._send("post", path, body if body is not None else {}, **kwargs)

    def patch(self, path: str, body=None, **kwargs):
        return self._send("patch", path, body if body is not None else {}, **kwargs)

    def put(self, path: str, body=None, **kwargs):
        return self._send("put", path, body if body is not None else {}, **kwargs)

    def delete(self, path: str, **kwargs):
        return self._send("delete", path, **kwargs)


def client_for(user) -> ApiClient:
    _key, secret = api_key_create(user=user, name=f"{user.username}'s integration")
    return ApiClient(secret)


@pytest.fixture
def anonymous(db):
    return ApiClient()


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def as_charlie(charlie):
    return client_for(charlie)


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)


@pytest.fixture
def east_company(alice):
    return company_create(
        actor=alice, data={"name": "东方贸易有限公司", "english_name": "East Trading"}
    )


@pytest.fixture
def east_person(alice, east_company):
    return person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}],
            "emails": [{"email": "zhang.wei@example.com"}],
            "employments": [{"company_id": east_company.pk, "job_title": "采购经理"}],
        },
    )


@pytest.fixture
def west_person(charlie):
    return person_create(actor=charlie, data={"full_name": "Emily Carter"})
