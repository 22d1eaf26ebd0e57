"""The e-mail channel against the real IMAP server (dovecot) and SMTP server (aiosmtpd): mail to
the support address opens a ticket, a reply continues it, and no lead is made of it."""

import email

import pytest

from rapport.activities.models import TimelineEntry
from rapport.inbox.models import InboundMessage, InboundStatus
from rapport.inbox.services import mailbox_poll
from rapport.inbox.tests.test_polling import mail
from rapport.messaging.services import messages_deliver
from rapport.sales.models import Lead
from rapport.service.models import MessageKind, Ticket, TicketChannel, TicketStatus
from rapport.service.services import (
    assignment_rule_create,
    ticket_change_status,
    ticket_from_inbound,
    ticket_reply,
)

SUPPORT = "support@rapport.example"


@pytest.fixture
def support_mailbox(mailbox, settings):
    settings.RAPPORT_SUPPORT_ADDRESS = SUPPORT
    settings.RAPPORT_INBOUND_UNKNOWN_SENDER = "lead"
    return mailbox


def support_mail(**kwargs) -> bytes:
    return mail(**kwargs).replace(b"To: sales@rapport.example", f"To: {SUPPORT}".encode())


def test_mail_to_support_opens_an_assigned_ticket_for_the_known_sender(
    support_mailbox, emily, admin_user, support, sam
):
    assignment_rule_create(
        actor=admin_user, data={"name": "E-mail", "channel": "email", "team_id": support.pk}
    )
    support_mailbox.deliver(
        support_mail(
            sender="Emily Carter <EMILY@example.com>",
            subject="Screen flickers",
            body="My screen flickers since the update.",
            attachment=("photo.jpg", b"\xff\xd8 photo"),
        )
    )

    mailbox_poll()

    ticket = Ticket.objects.get()
    assert (ticket.person, ticket.channel, ticket.subject) == (emily, "email", "Screen flickers")
    assert (ticket.team, ticket.assignee) == (support, sam)
    message = ticket.messages.get()
    assert message.kind == MessageKind.CUSTOMER_MESSAGE
    assert message.body == "My screen flickers since the update."
    assert message.inbound == InboundMessage.objects.get()
    assert bytes(message.attachments.get().content) == b"\xff\xd8 photo"
    assert TimelineEntry.objects.filter(person=emily, kind="ticket.created").exists()


def test_mail_from_a_stranger_to_support_opens_a_ticket_and_no_lead(support_mailbox):
    support_mailbox.deliver(
        support_mail(sender="Li Lei <li.lei@example.net>", subject="Warranty?", body="How long?")
    )

    mailbox_poll()

    ticket = Ticket.objects.get()
    assert ticket.person is None
    assert (ticket.requester_email, ticket.requester_name) == ("li.lei@example.net", "Li Lei")
    assert not Lead.objects.exists()
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED


def test_mail_to_another_address_still_makes_a_lead_and_no_ticket(support_mailbox):
    support_mailbox.deliver(mail(sender="buyer@example.net", subject="Price list?"))

    mailbox_poll()

    assert not Ticket.objects.exists()
    assert Lead.objects.count() == 1


def test_the_customers_answer_to_our_reply_continues_the_ticket(
    support_mailbox, smtp_server, emily, admin_user, support, sam
):
    support_mailbox.deliver(support_mail(sender="emily@example.com", subject="Broken", body="Hi"))
    mailbox_poll()
    ticket = Ticket.objects.get()
    ticket_reply(actor=admin_user, ticket=ticket, body="Please restart it.")
    messages_deliver()
    [(_, raw)] = smtp_server.received
    ours = email.message_from_bytes(raw)["Message-ID"]

    # The customer answers from her phone, with her mail program's threading headers.
    support_mailbox.deliver(
        mail(
            sender="emily.mobile@example.org",
            subject="Re: Broken",
            body="Restarted, works now.",
            headers=f"In-Reply-To: {ours}\r\nReferences: {ours}\r\n",
        )
    )
    mailbox_poll()

    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("id").last()
    assert (last.kind, last.body) == (MessageKind.CUSTOMER_MESSAGE, "Restarted, works now.")
    assert not Lead.objects.exists()


def test_the_ticket_number_in_the_subject_continues_the_ticket_only_for_its_customer(
    support_mailbox, emily, admin_user, sam
):
    support_mailbox.deliver(support_mail(sender="emily@example.com", subject="Broken", body="Hi"))
    mailbox_poll()
    ticket = Ticket.objects.get()
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")

    support_mailbox.deliver(
        support_mail(
            sender="emily@example.com", subject=f"Again [{ticket.number}]", body="It is back."
        ),
        support_mail(
            sender="mallory@example.net", subject=f"Hi [{ticket.number}]", body="Let me in."
        ),
    )
    mailbox_poll()

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.messages.filter(body="It is back.").exists()
    stranger = Ticket.objects.exclude(pk=ticket.pk).get()
    assert (stranger.requester_email, stranger.channel) == (
        "mallory@example.net",
        TicketChannel.EMAIL,
    )


def test_handling_the_same_mail_again_adds_nothing(support_mailbox):
    support_mailbox.deliver(support_mail(sender="li@example.net", subject="Q", body="?"))
    mailbox_poll()

    again = ticket_from_inbound(inbound_id=InboundMessage.objects.get().pk)

    assert again == Ticket.objects.get()
    assert again.messages.count() == 1
