import datetime

import pytest
from django.utils import timezone

from rapport.messaging.models import Message, MessageKind
from rapport.service.services import ticket_change_status, ticket_create
from rapport.surveys.models import Invitation, Survey, SurveyKind
from rapport.surveys.services import csat_invite_for_ticket

pytestmark = pytest.mark.django_db


def test_resolving_a_ticket_emails_its_customer_a_csat_invitation(resolved, emily):
    invitation = Invitation.objects.get(ticket=resolved)
    assert invitation.person == emily
    assert invitation.email == "emily@example.com"
    assert invitation.sent_at is not None
    message = invitation.message
    assert message.to_address == "emily@example.com"
    assert message.kind == MessageKind.TRANSACTIONAL
    assert message.send_key == f"survey-invitation:{invitation.pk}"
    assert "/s/" in message.body_text
    assert resolved.number in message.subject


def test_a_ticket_resolved_again_is_not_asked_twice(resolved, admin_user):
    ticket_change_status(actor=admin_user, ticket=resolved, status="reopened")
    ticket_change_status(actor=admin_user, ticket=resolved, status="resolved")
    ticket_change_status(actor=admin_user, ticket=resolved, status="closed")

    assert Invitation.objects.filter(ticket=resolved).count() == 1
    assert csat_invite_for_ticket(ticket_id=resolved.pk) is None
    assert Message.objects.filter(send_key__startswith="survey-invitation:").count() == 1


def test_a_customer_asked_within_the_quiet_period_is_not_asked_again(
    resolved, admin_user, emily, support
):
    second = ticket_create(
        actor=admin_user,
        data={"subject": "Another one", "body": "…", "person_id": emily.pk, "team_id": support.pk},
    )
    ticket_change_status(actor=admin_user, ticket=second, status="resolved")

    assert not Invitation.objects.filter(ticket=second).exists()


def test_after_the_quiet_period_the_customer_is_asked_again(resolved, admin_user, emily, support):
    Invitation.objects.filter(ticket=resolved).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    second = ticket_create(
        actor=admin_user,
        data={"subject": "Another one", "body": "…", "person_id": emily.pk, "team_id": support.pk},
    )
    ticket_change_status(actor=admin_user, ticket=second, status="resolved")

    assert Invitation.objects.filter(ticket=second).count() == 1


def test_no_invitation_while_the_csat_survey_is_paused(ticket, admin_user):
    Survey.objects.filter(kind=SurveyKind.CSAT).update(is_active=False)

    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")

    assert not Invitation.objects.filter(ticket=ticket).exists()


def test_a_requester_without_a_person_is_asked_at_their_address(admin_user, support):
    ticket = ticket_create(
        actor=admin_user,
        data={
            "subject": "Where is my parcel?",
            "body": "…",
            "requester_email": "Walk.In@example.com",
            "requester_name": "Walk In",
            "team_id": support.pk,
        },
    )
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")

    invitation = Invitation.objects.get(ticket=ticket)
    assert invitation.person is None
    assert invitation.email == "walk.in@example.com"
