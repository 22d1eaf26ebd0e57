"""Fixtures of the service tests: a support team beside the sales teams of the root conftest.

- sam and sue are service agents in the Support team (its queue is theirs);
- alice (East) owns the customer Emily Carter; charlie (West) must see none of it;
- the real IMAP (dovecot) and SMTP (aiosmtpd) servers come from the inbox and messaging tests.
"""

from importlib import import_module

import pytest
from django.apps import apps

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.customers.services import person_create
from rapport.inbox.tests.conftest import imap_server, mailbox  # noqa: F401 -- fixtures
from rapport.messaging.tests.conftest import smtp_server  # noqa: F401 -- fixture
from rapport.service.services import ticket_create

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def shipped_calendar(db):
    """The "China public holidays" calendar and the default office hours that migration 0004
    loads. A test that needs them asks for them: a test with a live server (browser tests)
    empties the tables when it ends, data migrations' rows included, so a later test on the
    same worker cannot count on them. Loading is idempotent."""
    import_module("rapport.service.migrations.0004_sla_china_calendar").load(apps, None)


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
        email="sam@rapport.example",
        first_name="Sam",
        last_name="Lee",
    )


@pytest.fixture
def sue(support):
    return user_create(
        username="sue", password=PASSWORD, role=Role.SERVICE_AGENT, team=support, language="en"
    )


@pytest.fixture
def emily(alice):
    return person_create(
        actor=alice,
        data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]},
    )


@pytest.fixture
def ticket(admin_user, emily, support):
    return ticket_create(
        actor=admin_user,
        data={
            "subject": "The screen flickers",
            "body": "Since yesterday the screen flickers.",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )
