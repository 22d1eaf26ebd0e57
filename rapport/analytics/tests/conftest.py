"""Fixtures of the dashboard tests: the service tests' Support team (sam, sue) and Emily (alice's
customer), and a small factory that opens tickets as they would have been weeks ago."""

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.service.models import Ticket
from rapport.service.services import ticket_create
from rapport.service.tests.conftest import emily, sam, sue, support  # noqa: F401 -- fixtures
from rapport.surveys.models import Invitation, Survey, SurveyKind
from rapport.surveys.services import response_submit

# Noon today in the current time zone, so that "n days ago" never crosses midnight by accident.
NOON = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12, 0)))


def days_ago(days: float) -> datetime.datetime:
    return NOON - datetime.timedelta(days=days)


@pytest.fixture
def open_ticket(admin_user, support):  # noqa: F811 -- the imported fixture
    """`open_ticket(days_ago=3, responded_after_hours=2, resolved_after_hours=None, ...)`.

    Opened through the service; its times are then set back, which no service can do."""

    def make(
        *,
        opened_days_ago: float = 0,
        responded_after_hours: float | None = None,
        resolved_after_hours: float | None = None,
        team=support,
        **data,
    ) -> Ticket:
        ticket = ticket_create(
            actor=admin_user,
            data={"subject": "Help", "team_id": team.pk if team else None, **data},
            auto_assign=False,
        )
        opened = days_ago(opened_days_ago)
        times = {"created_at": opened}
        if responded_after_hours is not None:
            times["first_responded_at"] = opened + datetime.timedelta(hours=responded_after_hours)
        if resolved_after_hours is not None:
            times["resolved_at"] = opened + datetime.timedelta(hours=resolved_after_hours)
            times["status"] = "resolved"
        Ticket.objects.filter(pk=ticket.pk).update(**times)
        ticket.refresh_from_db()
        return ticket

    return make


@pytest.fixture
def answer(db):
    """`answer(kind, score, ticket=None, person=None, days_ago=0)`: a survey answered through
    the surveys service."""

    def make(kind: str, score: int, *, ticket=None, person=None, answered_days_ago: float = 0):
        survey = Survey.objects.filter(kind=kind).first() or Survey.objects.create(
            kind=kind, name=kind.upper(), question_zh="?", question_en="?"
        )
        invitation = Invitation.objects.create(
            survey=survey,
            ticket=ticket,
            person=person or (ticket.person if ticket else None),
            email="customer@example.com",
            language="en",
            sent_at=days_ago(answered_days_ago + 1),
        )
        return response_submit(invitation=invitation, score=score, now=days_ago(answered_days_ago))

    return make


__all__ = ["SurveyKind"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs the facts' refresh (a job queued on the commit, run at once) at the end of the
    block, as the commit of the change would: the manager's, marketer's and executive's
    widgets read the daily facts."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    HUEY.immediate = previous
