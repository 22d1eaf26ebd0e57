"""Fixtures of the chat tests: a shop's site key, sam the support agent, Emily the customer."""

import pytest
from django.core.cache import cache

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.behaviour.services import site_key_create
from rapport.customers.services import person_create

PASSWORD = "correct-horse-battery-staple"
SHOP = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(db):
    cache.clear()


@pytest.fixture
def support(db):
    return team_create(name="Support")


@pytest.fixture
def sam(support):
    return user_create(
        username="sam",
        password=PASSWORD,
        role=Role.SERVICE_AGENT,
        team=support,
        language="en",
        first_name="Sam",
    )


@pytest.fixture
def sue(support):
    return user_create(
        username="sue", password=PASSWORD, role=Role.SERVICE_AGENT, team=support, language="en"
    )


@pytest.fixture
def site_key(admin_user):
    return site_key_create(actor=admin_user, data={"name": "Shop", "allowed_origins": [SHOP]})


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
