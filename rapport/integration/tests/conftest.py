"""API clients with each user's key, for the integration tests."""

import json

import pytest
from django.test import Client

from rapport.accounts.services import api_key_create


class ApiClient:
    def __init__(self, secret: str):
        self.client = Client(headers={"Authorization": f"Bearer {secret}"})

    def _send(self, method: str, path: str, body, **headers):
        send = getattr(self.client, method)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(f"/api/v1{path}", data=data, content_type="application/json", headers=headers)

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path: str, body=None, **headers):
        return self._send("post", path, body if body is not None else {}, **headers)

    def put(self, path: str, body=None, **headers):
        return self._send("put", path, body if body is not None else {}, **headers)

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}")


def client_for(user) -> ApiClient:
    _key, secret = api_key_create(user=user, name=f"{user.username}'s ERP")
    return ApiClient(secret)


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_charlie(charlie):
    return client_for(charlie)


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)
