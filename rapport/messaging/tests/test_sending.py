"""Sending: one message per send key, the outbox without a server, SMTP with one, retries."""

import email

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail

from rapport.activities.models import TimelineEntry
from rapport.activities.selectors import timeline_for_person
from rapport.core.events import subscribe
from rapport.messaging.events import MessageSent
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.selectors import message_by_message_id
from rapport.messaging.services import email_send, messages_deliver
from rapport.messaging.transport import parse_email_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    global _committed
    _committed = django_capture_on_commit_callbacks


def _send(person, key="welcome:1", **kwargs):
    # The delivery job is queued on commit; the test's transaction never commits, so run it.
    with _committed(execute=True):
        return email_send(
            to_address=person.primary_email,
            subject="Welcome",
            body_text="Hello",
            person=person,
            send_key=key,
            **kwargs,
        )


def test_without_a_mail_server_the_message_is_kept_in_the_outbox(outbox_only, person):
    message = _send(person)

    message.refresh_from_db()
    assert message.status == MessageStatus.IN_OUTBOX
    assert message.sent_at is not None


def test_the_same_send_key_sends_once(smtp_server, person):
    first = _send(person)
    second = _send(person)

    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert len(smtp_server.received) == 1


def test_a_message_goes_to_the_smtp_server_with_our_message_id(smtp_server, person):
    message = _send(person, body_html="<p>Hello</p>")

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    recipients, raw = smtp_server.received[0]
    parsed = email.message_from_bytes(raw)
    assert recipients == ["emily@example.com"]
    assert parsed["Message-ID"] == f"<{message.message_id}>"
    assert message_by_message_id(parsed["Message-ID"]) == message
    assert message_by_message_id(message.message_id) == message


def test_a_sent_message_is_on_the_persons_timeline(outbox_only, person, alice):
    message = _send(person)

    entry = TimelineEntry.objects.get(kind="email.sent", person=person)
    assert entry.source_id == message.pk
    assert "Welcome" in entry.display_title
    assert "email.sent" in [e.kind for e in timeline_for_person(person).items]


def test_message_sent_is_published_once(outbox_only, person):
    seen = []
    handler = subscribe(MessageSent)(seen.append)
    try:
        message = _send(person)
        _send(person)
        messages_deliver()
    finally:
        from rapport.core.events import _handlers

        _handlers[MessageSent].remove(handler)
    assert [event.message_id for event in seen] == [message.pk]


def test_djangos_send_mail_is_recorded_as_a_message(outbox_only, settings):
    settings.EMAIL_BACKEND = "rapport.messaging.backends.MessagingEmailBackend"

    with _committed(execute=True):
        send_mail("Reset your password", "Click here", None, ["diana@example.com"])

    message = Message.objects.get()
    assert (message.to_address, message.origin) == ("diana@example.com", "django")
    assert message.status == MessageStatus.IN_OUTBOX


def test_an_unreachable_server_keeps_the_message_queued_for_a_retry(settings, person):
    settings.RAPPORT_EMAIL_URL = "smtp://127.0.0.1:9"  # discard port: nothing listens

    message = _send(person)

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at is not None
    assert message.error


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.local", ("relay.local", 25, "", "", "")),
        (
            "smtp+tls://crm%40example.com:p%3Ass@smtp.example.com:587",
            ("smtp.example.com", 587, "starttls", "crm@example.com", "p:ss"),
        ),
        ("smtps://u:p@mail.example.com", ("mail.example.com", 465, "ssl", "u", "p")),
    ],
)
def test_rapport_email_url_names_host_port_security_and_login(url, expected):
    config = parse_email_url(url)

    assert (config.host, config.port, config.security, config.username, config.password) == (
        expected
    )


def test_a_malformed_email_url_is_refused_loudly():
    with pytest.raises(ImproperlyConfigured):
        parse_email_url("http://smtp.example.com")
