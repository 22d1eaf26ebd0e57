"""A crash mid-send never sends a reply twice (issue 16): the worker dies after the SMTP server
took the reply and before the message is marked sent; whatever runs next (the delivery job
again, the sweep for interrupted sends, the reply's own send key asked again) sends nothing
more. The customer gets exactly one e-mail at the real SMTP server (aiosmtpd)."""

import datetime

import pytest
from django.utils import timezone

from rapport.messaging import services as messaging
from rapport.messaging.models import Message, MessageStatus
from rapport.service.services import ticket_reply


class WorkerKilled(BaseException):
    """The process ending under the job (a deploy, the OOM killer): no handler catches it."""


def crash_after_the_smtp_send(monkeypatch) -> None:
    """Make the next delivery die between the SMTP server's 250 and marking the message sent."""

    def killed(message, status, now):
        raise WorkerKilled

    monkeypatch.setattr(messaging, "_delivered", killed)


def resume_after_the_crash(monkeypatch) -> None:
    """A new worker: deliveries work again, the regular jobs run, then the sweep that finds what
    a dead worker left "sending"."""
    monkeypatch.undo()
    messaging.messages_deliver()
    later = timezone.now() + messaging.INTERRUPTED_AFTER + datetime.timedelta(minutes=1)
    assert messaging.messages_recover_interrupted(now=later) == 1
    messaging.messages_deliver()


def test_a_crash_after_the_smtp_send_never_sends_a_reply_twice(
    ticket, sam, smtp_server, monkeypatch
):
    reply = ticket_reply(actor=sam, ticket=ticket, body="Please restart it.")
    crash_after_the_smtp_send(monkeypatch)

    with pytest.raises(WorkerKilled):
        messaging.messages_deliver()
    resume_after_the_crash(monkeypatch)
    # The reply's send key asked again (a retried request) returns the same message
    reply.refresh_from_db()
    again = messaging.email_send(
        to_address="emily@example.com",
        subject="Re: again",
        body_text="Please restart it.",
        person=ticket.person,
        kind="transactional",
        send_key=f"ticket-reply:{reply.pk}",
    )
    messaging.messages_deliver()

    assert len(smtp_server.received) == 1
    assert smtp_server.received[0][0] == ["emily@example.com"]
    assert again.pk == reply.email_id
    message = Message.objects.get()
    # Not resent by itself: it may have gone out; the outbox shows it for a person to judge.
    assert message.status == MessageStatus.INTERRUPTED
