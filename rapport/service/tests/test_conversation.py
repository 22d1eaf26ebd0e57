"""A ticket's conversation: replies by e-mail (real SMTP), notes with @mentions, attachments,
canned replies, and customers writing again."""

import datetime
import email

import pytest
from django.utils import timezone

from rapport.activities.mentions import mention_token
from rapport.activities.models import Notification, TimelineEntry
from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import messages_deliver
from rapport.service.models import CannedReply, MessageKind, Ticket, TicketAttachment, TicketStatus
from rapport.service.services import (
    MAX_ATTACHMENT_BYTES,
    AttachmentData,
    canned_reply_create,
    canned_reply_render,
    sanitize_html,
    ticket_change_status,
    ticket_customer_message,
    ticket_note,
    ticket_reply,
)


def plain_text(mime) -> str:
    for part in mime.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def test_a_reply_reaches_the_customer_threaded_and_records_the_first_response(
    ticket, sam, emily, smtp_server, settings
):
    settings.RAPPORT_SUPPORT_ADDRESS = "support@rapport.example"
    ticket.messages.update(message_id="first@customer.example")

    message = ticket_reply(actor=sam, ticket=ticket, body="Please update the driver.")
    messages_deliver()

    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    assert ticket.status == TicketStatus.OPEN
    sent = Message.objects.get()
    assert (sent.status, sent.to_address, sent.person) == (
        MessageStatus.SENT,
        "emily@example.com",
        emily,
    )
    assert message.email == sent and message.message_id == sent.message_id
    [(recipients, raw)] = smtp_server.received
    mime = email.message_from_bytes(raw)
    assert recipients == ["emily@example.com"]
    assert mime["Subject"] == f"Re: The screen flickers [{ticket.number}]"
    assert mime["In-Reply-To"] == "<first@customer.example>"
    assert mime["Reply-To"] == "support@rapport.example"
    text = plain_text(mime)
    assert "Please update the driver." in text
    assert "Sam Lee" in text
    assert TimelineEntry.objects.filter(person=emily, kind="ticket.reply").count() == 1


def test_the_first_response_time_is_kept_from_the_first_reply(ticket, sam):
    ticket_reply(actor=sam, ticket=ticket, body="One.")
    first = Ticket.objects.get(pk=ticket.pk).first_responded_at

    ticket_reply(actor=sam, ticket=ticket, body="Two.")

    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == first
    # Each reply is its own e-mail, once.
    assert Message.objects.count() == 2


def test_html_in_a_reply_is_kept_as_text(ticket, sam):
    message = ticket_reply(actor=sam, ticket=ticket, body="<script>alert(1)</script> fixed")

    assert message.body == "<script>alert(1)</script> fixed"
    assert message.body_html == ""


def test_html_from_outside_is_cleaned():
    cleaned = sanitize_html(
        '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:x">l</a></p>'
    )

    assert "script" not in cleaned and "onclick" not in cleaned and "javascript" not in cleaned
    assert "<p>Hi" in cleaned


def test_an_empty_reply_or_an_oversized_attachment_is_refused_and_nothing_is_sent(ticket, sam):
    big = AttachmentData("video.mp4", "video/mp4", b"x" * (MAX_ATTACHMENT_BYTES + 1))

    with pytest.raises(ValidationFailed) as caught:
        ticket_reply(actor=sam, ticket=ticket, body="  ", attachments=[big])

    assert set(caught.value.details) == {"body", "attachments"}
    assert ticket.messages.count() == 1
    assert not Message.objects.exists()
    assert not TicketAttachment.objects.exists()


def test_another_teams_agent_cannot_reply(ticket, charlie):
    with pytest.raises(NotFound):
        ticket_reply(actor=charlie, ticket=ticket, body="Hello")
    assert not Message.objects.exists()


def test_a_note_is_not_sent_and_notifies_only_mentioned_colleagues_who_see_the_ticket(
    ticket, sam, sue, charlie
):
    text = f"{mention_token(sue)} and {mention_token(charlie)}: known driver bug?"

    note = ticket_note(
        actor=sam,
        ticket=ticket,
        body=text,
        attachments=[AttachmentData("log.txt", "text/plain", b"driver crash")],
    )

    assert note.kind == MessageKind.INTERNAL_NOTE
    assert not Message.objects.exists()
    assert Notification.objects.filter(recipient=sue, kind="mention").count() == 1
    assert not Notification.objects.filter(recipient=charlie).exists()
    assert Notification.objects.filter(recipient=sam, kind="mention.refused").count() == 1
    assert bytes(note.attachments.get().content) == b"driver crash"


def test_a_canned_reply_is_filled_with_the_customers_fields(ticket, admin_user):
    reply = canned_reply_create(
        actor=admin_user,
        data={"name": "Greeting", "body": "Dear {{ person.name }}, thank you for writing."},
    )

    assert canned_reply_render(reply=reply, ticket=ticket) == (
        "Dear Emily Carter, thank you for writing."
    )


def test_a_canned_reply_with_an_unknown_field_or_for_another_team_is_refused(sam, west):
    with pytest.raises(ValidationFailed) as caught:
        canned_reply_create(
            actor=sam, data={"name": "Hi", "body": "Dear {{ person.full_name }}", "team_id": None}
        )
    assert "body" in caught.value.details
    with pytest.raises(PermissionDenied):
        canned_reply_create(actor=sam, data={"name": "Hi", "body": "Hello", "team_id": west.pk})
    assert not CannedReply.objects.exists()


def test_a_customer_answer_moves_a_waiting_ticket_back_to_open(ticket, sam, emily):
    ticket_change_status(actor=sam, ticket=ticket, status="waiting_customer")

    same, message = ticket_customer_message(ticket=ticket, body="Did that, still flickers.")

    assert same.pk == ticket.pk
    assert same.status == TicketStatus.OPEN
    assert (message.kind, message.author_person) == (MessageKind.CUSTOMER_MESSAGE, emily)


def test_a_customer_reply_reopens_a_recently_resolved_ticket(ticket, sam, emily):
    ticket_change_status(actor=sam, ticket=ticket, status="resolved")

    same, _message = ticket_customer_message(ticket=ticket, body="It is back.")

    assert same.pk == ticket.pk and same.status == TicketStatus.REOPENED
    assert TimelineEntry.objects.filter(person=emily, kind="ticket.reopened").exists()


def test_a_customer_reply_long_after_resolution_opens_a_linked_ticket(ticket, sam, settings):
    settings.RAPPORT_TICKET_REOPEN_DAYS = 7
    ticket_change_status(actor=sam, ticket=ticket, status="resolved")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - datetime.timedelta(days=8)
    )

    follow_up, message = ticket_customer_message(ticket=ticket, body="It is back, again.")

    assert follow_up.pk != ticket.pk
    assert follow_up.reopened_from_id == ticket.pk
    assert (follow_up.status, follow_up.person_id) == (TicketStatus.NEW, ticket.person_id)
    assert message.body == "It is back, again."
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.RESOLVED
