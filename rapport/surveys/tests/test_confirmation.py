"""The complaint's confirmation: closing a complaint asks its customer by e-mail whether they are
satisfied (yes or no) on the public survey page; a "no" gives the owner a task at once and
reopens nothing."""

import pytest
from django.test import Client
from django.utils import translation

from rapport.activities.models import Task, TimelineEntry
from rapport.activities.timeline_kinds import title_for
from rapport.messaging.models import Message, MessageKind
from rapport.service.models import TicketStatus
from rapport.service.services import ticket_change_status, ticket_create
from rapport.surveys import links, services
from rapport.surveys.models import (
    DEFAULT_CONFIRM_QUESTION_EN,
    DEFAULT_CONFIRM_QUESTION_ZH,
    Invitation,
    Response,
    Survey,
    SurveyKind,
)
from rapport.surveys.selectors import ReportFilters, survey_report
from rapport.surveys.services import confirmation_invite_for_ticket, response_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def confirmation(db):
    """The confirmation survey the migration makes (made again after a flushing test)."""
    survey = Survey.objects.filter(kind=SurveyKind.CONFIRM).first()
    return survey or Survey.objects.create(
        kind=SurveyKind.CONFIRM,
        name="Complaint confirmation",
        question_zh=DEFAULT_CONFIRM_QUESTION_ZH,
        question_en=DEFAULT_CONFIRM_QUESTION_EN,
        quiet_days=0,
    )


@pytest.fixture
def complaint(admin_user, emily, support):
    return ticket_create(
        actor=admin_user,
        data={
            "subject": "The courier was rude",
            "body": "…",
            "type": "complaint",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )


def _close(ticket, actor):
    return ticket_change_status(
        actor=actor,
        ticket=ticket,
        status="closed",
        root_cause="service_attitude",
        resolution="Apologised; the courier was briefed.",
    )


@pytest.fixture
def asked(complaint, admin_user) -> Invitation:
    _close(complaint, admin_user)
    return Invitation.objects.get(ticket=complaint, kind=SurveyKind.CONFIRM)


def test_closing_a_complaint_emails_the_customer_a_yes_no_confirmation(asked, complaint):
    message = asked.message
    assert asked.email == "emily@example.com"
    assert message.kind == MessageKind.TRANSACTIONAL
    assert complaint.number in message.subject
    assert "/?score=1\n" in message.body_text
    assert "/?score=0\n" in message.body_text
    # The confirmation asks instead of CSAT: one e-mail, not two at once.
    assert not Invitation.objects.filter(ticket=complaint, kind=SurveyKind.CSAT).exists()


def test_a_complaint_closed_again_is_not_asked_twice(asked, complaint, admin_user):
    ticket_change_status(actor=admin_user, ticket=complaint, status="reopened")
    _close(complaint, admin_user)

    assert Invitation.objects.filter(ticket=complaint, kind=SurveyKind.CONFIRM).count() == 1
    assert confirmation_invite_for_ticket(ticket_id=complaint.pk) is None


def test_a_crash_mid_send_leaves_nothing_and_a_replay_sends_once(
    complaint, admin_user, monkeypatch
):
    real_send = services.email_send

    def crashing_send(**kwargs):
        raise ConnectionError("the process died here")

    monkeypatch.setattr(services, "email_send", crashing_send)
    _close(complaint, admin_user)

    assert Message.objects.filter(send_key__startswith="survey-invitation:").count() == 0
    assert not Invitation.objects.filter(ticket=complaint).exists()

    monkeypatch.setattr(services, "email_send", real_send)
    confirmation_invite_for_ticket(ticket_id=complaint.pk)
    confirmation_invite_for_ticket(ticket_id=complaint.pk)

    assert Message.objects.filter(send_key__startswith="survey-invitation:").count() == 1


def test_a_question_that_is_not_a_complaint_gets_no_confirmation(ticket, admin_user):
    ticket_change_status(actor=admin_user, ticket=ticket, status="closed")

    assert not Invitation.objects.filter(ticket=ticket, kind=SurveyKind.CONFIRM).exists()


def test_the_page_offers_yes_and_no_in_the_customers_language(asked):
    asked.language = "zh-hans"
    asked.save()

    page = Client().get(links.answer_path(asked, score=0)).content.decode()

    assert DEFAULT_CONFIRM_QUESTION_ZH in page
    assert 'data-testid="score-1"' in page and 'data-testid="score-0"' in page
    assert 'value="0" checked' in page
    assert 'data-testid="score-2"' not in page


def test_no_gives_the_owner_a_task_at_once_and_reopens_nothing(asked, complaint, alice):
    Client().post(links.answer_path(asked), {"score": "0", "comment": "Still no apology."})

    response = Response.objects.get(invitation=asked)
    assert response.score == 0
    assert response.detractor_task.assignee == alice
    assert complaint.number in response.detractor_task.title
    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.CLOSED
    entry = TimelineEntry.objects.get(kind="survey.answered", person=asked.person)
    assert entry.about_id == complaint.pk
    # The public page answered in the customer's language, which stays active in this thread.
    with translation.override("en"):
        assert "not satisfied with how complaint" in title_for(entry)


def test_yes_makes_no_task_and_changing_to_no_within_seven_days_does(asked, alice):
    follow_ups = Task.objects.count()  # the closing's call-back
    response_submit(invitation=asked, score=1)
    assert Task.objects.count() == follow_ups

    response_submit(invitation=asked, score=0)

    assert Task.objects.count() == follow_ups + 1


@pytest.mark.parametrize("score", ["2", "-1", "yes"])
def test_an_answer_other_than_yes_or_no_is_a_field_error(asked, score):
    response = Client().post(links.answer_path(asked), {"score": score})

    assert response.status_code == 422
    assert not Response.objects.exists()


def test_the_reports_count_confirmations_apart_from_csat_and_nps(asked, admin_user):
    response_submit(invitation=asked, score=1)

    rate = survey_report(admin_user, ReportFilters()).response_rate

    assert (rate["confirm_sent"], rate["confirm_answered"]) == (1, 1)
    assert (rate["csat_sent"], rate["nps_sent"]) == (0, 0)
