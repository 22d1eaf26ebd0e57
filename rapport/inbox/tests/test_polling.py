"""The poller against a real IMAP server (dovecot, see conftest.py): mail lands on the timeline,
threads with our messages, becomes leads, and each message is processed exactly once."""

import base64

import pytest

from rapport.activities.models import TimelineEntry
from rapport.core.events import _handlers, subscribe
from rapport.customers.services import person_create
from rapport.inbox.events import (
    InboundMailFromUnknownSender,
    InboundMailReceived,
    MessageReplied,
)
from rapport.inbox.models import InboundMessage, InboundOutcome, InboundStatus, MailboxCursor
from rapport.inbox.services import NO_SENDER, inbound_receive, mailbox_poll
from rapport.inbox.tests.conftest import SAMPLES
from rapport.messaging.models import Suppression
from rapport.messaging.services import email_send
from rapport.sales.models import Lead
from rapport.sales.models.leads import LeadEvent, LeadEventKind


def mail(
    *,
    sender: str = "Wang Fang <wang.fang@example.com>",
    subject: str = "Question",
    body: str = "Hello",
    headers: str = "",
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    head = f"From: {sender}\r\nTo: sales@rapport.example\r\nSubject: {subject}\r\n{headers}"
    if attachment is None:
        return (
            head + "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
        ).encode()
    name, content = attachment
    return (
        head + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
        "--b1\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(content).decode() + "\r\n"
        "--b1--\r\n"
    ).encode()


@pytest.fixture
def published():
    events = []
    kinds = (MessageReplied, InboundMailReceived, InboundMailFromUnknownSender)
    for kind in kinds:
        subscribe(kind)(events.append)
    yield events
    for kind in kinds:
        _handlers[kind].remove(events.append)


@pytest.fixture
def wang(alice):
    return person_create(
        actor=alice,
        data={"full_name": "王芳", "emails": [{"email": "Wang.Fang@Example.com"}]},
    )


def test_mail_from_a_known_address_lands_on_the_persons_timeline_with_its_attachment(
    mailbox, wang, published
):
    mailbox.deliver(
        mail(
            sender="WANG.FANG@EXAMPLE.COM",
            subject="=?utf-8?B?5oql5Lu3?=",
            body="Please see the drawing.",
            attachment=("drawing.pdf", b"%PDF-1.4 drawing"),
        )
    )

    result = mailbox_poll()

    assert (result.fetched, result.processed, result.failed) == (1, 1, 0)
    inbound = InboundMessage.objects.get()
    assert inbound.person == wang
    assert inbound.outcome == InboundOutcome.PERSON
    entry = TimelineEntry.objects.get(person=wang, kind="inbox.received")
    assert entry.display_title == "E-mail from wang.fang@example.com: 报价"
    assert entry.body == "Please see the drawing."
    assert [a["name"] for a in entry.data["attachments"]] == ["drawing.pdf"]
    assert bytes(inbound.attachments.get().content) == b"%PDF-1.4 drawing"
    assert published == [InboundMailReceived(inbound_id=inbound.pk, person_id=wang.pk)]
    assert mailbox.seen_count() == 1


def test_reply_is_threaded_with_our_message_and_announced(mailbox, wang, published, alice):
    ours = email_send(
        to_address="wang.fang@example.com",
        subject="Your quote",
        body_text="Here it is.",
        person=wang,
        send_key="quote-1",
    )
    # The customer answers from another address; the thread still says whose mail it is.
    mailbox.deliver(
        mail(
            sender="fang@home.example",
            subject="Re: Your quote",
            headers=f"In-Reply-To: <{ours.message_id}>\r\nReferences: <{ours.message_id}>\r\n",
        )
    )

    mailbox_poll()

    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, inbound.reply_to, inbound.person) == (InboundOutcome.REPLY, ours, wang)
    assert MessageReplied(message_id=ours.pk, person_id=wang.pk, inbound_id=inbound.pk) in published


def test_each_message_is_processed_once_across_polls_restarts_and_overlaps(mailbox, wang):
    mailbox.deliver(mail(subject="one"), mail(subject="two"))

    first = mailbox_poll()
    again = mailbox_poll()
    # A poll that started before the first one saved its cursor (or after a crash before it).
    MailboxCursor.objects.update(last_uid=0)
    overlapping = mailbox_poll()

    assert (first.processed, again.fetched, overlapping.fetched) == (2, 0, 2)
    assert overlapping.skipped == 2
    assert InboundMessage.objects.count() == 2
    assert TimelineEntry.objects.filter(person=wang, kind="inbox.received").count() == 2


def test_same_bytes_under_a_new_uidvalidity_are_not_processed_again(db):
    raw = mail(sender="someone@example.org")

    first = inbound_receive(mailbox="m", uidvalidity=1, uid=7, raw=raw)
    same_uid = inbound_receive(mailbox="m", uidvalidity=1, uid=7, raw=raw)
    renumbered = inbound_receive(mailbox="m", uidvalidity=2, uid=1, raw=raw)

    assert first is not None
    assert (same_uid, renumbered) == (None, None)


def test_unknown_sender_becomes_a_lead_and_a_second_mail_a_note_on_it(mailbox, published):
    mailbox.deliver(
        mail(sender="Chen Jing <chen@newco.example>", subject="Price list?", body="Send it."),
        mail(sender="chen@newco.example", subject="Still waiting", body="Hello?"),
    )

    mailbox_poll()

    lead = Lead.objects.get()
    assert (lead.full_name, lead.email, lead.source) == ("Chen Jing", "chen@newco.example", "email")
    assert lead.message == "Price list?\n\nSend it."
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.NOTE).get().body == (
        "Still waiting\n\nHello?"
    )
    assert {type(e) for e in published} == {InboundMailReceived, InboundMailFromUnknownSender}
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {
        InboundOutcome.UNKNOWN_SENDER
    }


def test_unknown_sender_makes_no_lead_when_configured_to_ignore(mailbox, settings):
    settings.RAPPORT_INBOUND_UNKNOWN_SENDER = "ignore"
    mailbox.deliver(mail(sender="chen@newco.example"))

    mailbox_poll()

    assert not Lead.objects.exists()
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED


def test_automatic_reply_from_unknown_sender_makes_no_lead(mailbox):
    mailbox.deliver(mail(sender="noreply@shop.example", headers="Auto-Submitted: auto-replied\r\n"))

    mailbox_poll()

    assert not Lead.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundOutcome.AUTOMATIC


def test_malformed_messages_are_kept_and_reported_and_the_next_ones_processed(mailbox, wang):
    huge_header = b"X-Junk: " + b"a" * 300_000 + b"\r\n"
    mailbox.deliver(
        b"Subject: no sender\r\n\r\nWho sent this?\r\n",
        huge_header + mail(subject="huge header"),
        # A GB2312 subject with a GBK character, raw Big5 bytes in an undeclared header.
        mail(subject="=?gb2312?B?" + base64.b64encode("朱镕基".encode("gbk")).decode() + "?="),
        b"From: wang.fang@example.com\r\nSubject: "
        + "報價單".encode("big5")
        + b"\r\nContent-Type: text/plain; charset=big5\r\n\r\n"
        + "請報價".encode("big5"),
        # A multipart message whose boundary never comes, with broken base64.
        b"From: wang.fang@example.com\r\nSubject: broken\r\n"
        b'Content-Type: multipart/mixed; boundary="never"\r\n\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@@\r\n",
        mail(subject="after the bad ones"),
    )

    result = mailbox_poll()

    assert (result.fetched, result.processed, result.failed) == (6, 5, 1)
    failed = InboundMessage.objects.get(status=InboundStatus.FAILED)
    assert failed.error == NO_SENDER
    assert bytes(failed.raw).startswith(b"Subject: no sender")
    subjects = set(InboundMessage.objects.filter(person=wang).values_list("subject", flat=True))
    assert subjects == {"huge header", "朱镕基", "報價單", "broken", "after the bad ones"}


def test_a_failing_subscriber_fails_only_its_message(mailbox, wang):
    def explode(event):
        raise RuntimeError("subscriber broke")

    subscribe(InboundMailReceived)(explode)
    try:
        mailbox.deliver(mail(subject="first"), mail(sender="chen@newco.example", subject="second"))
        result = mailbox_poll()
    finally:
        _handlers[InboundMailReceived].remove(explode)

    assert (result.fetched, result.failed) == (2, 2)
    inbound = InboundMessage.objects.order_by("uid").first()
    assert inbound.error == "RuntimeError: subscriber broke"
    # Everything the failed processing did was rolled back.
    assert not TimelineEntry.objects.filter(kind="inbox.received").exists()
    assert not inbound.attachments.exists()
    assert not Lead.objects.exists()


def test_bounce_suppresses_the_address_and_is_not_a_reply(mailbox, published, alice):
    gone = person_create(
        actor=alice, data={"full_name": "Gone", "emails": [{"email": "gone@example.com"}]}
    )
    ours = email_send(
        to_address="gone@example.com", subject="Hi", body_text="x", person=gone, send_key="b-1"
    )
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: sales@rapport.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"In-Reply-To: <{ours.message_id}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{ours.message_id}>\r\nSubject: Hi\r\n\r\n--R--\r\n"
    ).encode()
    mailbox.deliver(dsn)

    mailbox_poll()

    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, inbound.reply_to, inbound.person) == (
        InboundOutcome.BOUNCE,
        ours,
        None,
    )
    assert Suppression.objects.get(address="gone@example.com").reason == "hard_bounce"
    assert not TimelineEntry.objects.filter(kind="inbox.received").exists()
    assert not Lead.objects.exists()
    assert published == []


def test_complaint_report_suppresses_the_address_and_is_not_a_reply(mailbox, published, alice):
    li = person_create(
        actor=alice, data={"full_name": "Li Lei", "emails": [{"email": "li.lei@example.com"}]}
    )
    ours = email_send(
        to_address="li.lei@example.com", subject="Offer", body_text="x", person=li, send_key="c-1"
    )
    # A feedback loop's report (RFC 5965) with the recipient redacted, as providers send it.
    report = (
        "From: <fbl@mail.example.net>\r\nTo: sales@rapport.example\r\n"
        "Subject: complaint about message from 192.0.2.1\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n\r\n"
        "--F\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: sales@rapport.example\r\nTo: redacted\r\nMessage-ID: <{ours.message_id}>\r\n"
        "\r\n--F--\r\n"
    ).encode()
    mailbox.deliver(report)

    mailbox_poll()

    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, inbound.reply_to, inbound.person) == (
        InboundOutcome.COMPLAINT,
        ours,
        None,
    )
    assert Suppression.objects.get(address="li.lei@example.com").reason == "complaint"
    assert not TimelineEntry.objects.filter(kind="inbox.received").exists()
    assert not Lead.objects.exists()
    assert published == []


def test_real_world_samples_never_crash_the_poller(mailbox):
    samples = sorted((SAMPLES / "python-stdlib").glob("msg_*.txt"))
    mailbox.deliver(*(path.read_bytes() for path in samples))

    result = mailbox_poll()

    assert result.fetched == len(samples) == InboundMessage.objects.count()
    failed = InboundMessage.objects.filter(status=InboundStatus.FAILED)
    # Only the messages that have no sender at all fail, each with that reason.
    assert set(failed.values_list("error", flat=True)) == {NO_SENDER}
    assert set(
        InboundMessage.objects.filter(status=InboundStatus.PROCESSED, from_address="").values_list(
            "outcome", flat=True
        )
    ) <= {InboundOutcome.BOUNCE}
    # The delivery reports among them that name a failed recipient are bounces, not leads.
    bounces = InboundMessage.objects.filter(outcome=InboundOutcome.BOUNCE)
    assert set(bounces.values_list("subject", flat=True)) >= {
        "Delivery Notification: Delivery has failed",
        "Banned file: auto__mail.python.bat in mail from you",
    }


def test_nothing_configured_means_no_polling(settings, db):
    settings.RAPPORT_IMAP_URL = ""

    assert mailbox_poll().configured is False
