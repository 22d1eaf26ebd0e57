"""Fixtures for the task and notification tests: East and West customers, a user with e-mail,
and Huey in immediate mode (jobs run inline, in memory, instead of in var/huey.sqlite3)."""

import pytest
from huey.contrib.djhuey import HUEY

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.customers.services import company_create, person_create


@pytest.fixture
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture
def east_account(alice):
    return company_create(actor=alice, data={"name": "东方贸易有限公司"})


@pytest.fixture
def east_customer(alice, east_account):
    return person_create(
        actor=alice,
        data={"full_name": "张伟", "employments": [{"company_id": east_account.pk}]},
    )


@pytest.fixture
def west_customer(charlie):
    return person_create(actor=charlie, data={"full_name": "Emily Carter"})


@pytest.fixture
def wang(east):
    """An East representative who reads Chinese and has an e-mail address."""
    return user_create(
        username="wang",
        password=PASSWORD,
        role=Role.SALES_REP,
        team=east,
        first_name="芳",
        last_name="王",
        email="wang.fang@example.cn",
        language="zh-hans",
    )
