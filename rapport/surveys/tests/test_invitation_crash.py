"""A crash mid-send never sends a survey twice (issue 16): the worker dies after the SMTP server
took the CSAT invitation and before it is marked sent; the delivery job run again, the sweep for
interrupted sends, the invitation asked again and the ticket resolved again send nothing more.
The customer gets exactly one invitation at the real SMTP server (aiosmtpd)."""

import pytest

from rapport.messaging import services as messaging
from rapport.messaging.models import MessageStatus
from rapport.messaging.tests.conftest import smtp_server  # noqa: F401 -- fixture
from rapport.service.services import ticket_change_status
from rapport.service.tests.test_reply_crash import (
    WorkerKilled,
    crash_after_the_smtp_send,
    resume_after_the_crash,
)
from rapport.surveys.models import Invitation
from rapport.surveys.services import csat_invite_for_ticket


def test_a_crash_after_the_smtp_send_never_sends_a_survey_twice(
    ticket,
    admin_user,
    smtp_server,  # noqa: F811 -- the fixture imported above
    monkeypatch,
):
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")
    crash_after_the_smtp_send(monkeypatch)

    with pytest.raises(WorkerKilled):
        messaging.messages_deliver()
    resume_after_the_crash(monkeypatch)
    # The invitation job retried, and the ticket reopened and resolved again, ask nothing more
    assert csat_invite_for_ticket(ticket_id=ticket.pk) is None
    ticket_change_status(actor=admin_user, ticket=ticket, status="reopened")
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")
    messaging.messages_deliver()

    assert len(smtp_server.received) == 1
    recipients, raw = smtp_server.received[0]
    assert recipients == ["emily@example.com"]
    invitation = Invitation.objects.get()
    assert b"/s/" in raw
    assert invitation.message.status == MessageStatus.INTERRUPTED
