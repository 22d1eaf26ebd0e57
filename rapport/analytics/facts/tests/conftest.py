"""The catalogue fixtures of the sales tests (tea and cup), and jobs run at once: the facts are
refreshed by a job queued when a change commits."""

import pytest
from huey.contrib.djhuey import HUEY

from rapport.sales.tests.orders_fixtures import cup, tea  # noqa: F401 -- fixtures


@pytest.fixture(autouse=True)
def jobs_now():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous
