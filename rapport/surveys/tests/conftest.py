"""Fixtures of the surveys tests, on top of the service tests' (sam and sue in Support; alice
owns the customer Emily Carter; charlie in West sees none of it)."""

import pytest

from rapport.service.services import ticket_change_status
from rapport.service.tests.conftest import (  # noqa: F401 -- fixtures
    emily,
    sam,
    sue,
    support,
    ticket,
)
from rapport.surveys.models import (
    DEFAULT_CSAT_QUESTION_EN,
    DEFAULT_CSAT_QUESTION_ZH,
    Invitation,
    Survey,
    SurveyKind,
)


@pytest.fixture(autouse=True)
def csat(db):
    """The CSAT survey the migration makes; made again if a transactional test (the browser's)
    flushed it away earlier in this process."""
    survey = Survey.objects.filter(kind=SurveyKind.CSAT).first()
    return survey or Survey.objects.create(
        kind=SurveyKind.CSAT,
        name="CSAT",
        question_zh=DEFAULT_CSAT_QUESTION_ZH,
        question_en=DEFAULT_CSAT_QUESTION_EN,
    )


@pytest.fixture
def resolved(ticket, admin_user):  # noqa: F811 -- the imported fixture
    """The ticket resolved, which asked Emily (CSAT)."""
    return ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")


@pytest.fixture
def invitation(resolved) -> Invitation:
    return Invitation.objects.get(ticket=resolved)
