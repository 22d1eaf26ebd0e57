import json

import pytest
from django.test import Client

from rapport.accounts.services import api_key_create
from rapport.customers.services import person_create


class EventsApi:
    """POSTs to /api/v1/events with a user's API key."""

    def __init__(self, user):
        _key, self.secret = api_key_create(user=user, name="shop")
        self.client = Client()

    def post(self, path, body, **extra):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(
            f"/api/v1{path}",
            raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.secret}"},
            **extra,
        )

    def send(self, *events):
        return self.post("/events", {"events": list(events)})


@pytest.fixture
def admin_api(admin_user):
    return EventsApi(admin_user)


@pytest.fixture
def emily(alice):
    return person_create(
        actor=alice,
        data={
            "full_name": "Emily Carter",
            "emails": [{"email": "emily@example.com"}],
            "phones": [{"number": "+8613800138000"}],
        },
    )
