"""An agent's reply with files reaches the customer (real SMTP) with them as MIME attachments;
an internal note's files are never mailed."""

import email
from email import policy

from rapport.messaging.models import Message
from rapport.messaging.services import messages_deliver
from rapport.messaging.transport import build_mime
from rapport.service.services import AttachmentData, ticket_note, ticket_reply

PHOTO = b"\xff\xd8\xff\xe0 a photo"


def test_a_reply_with_files_is_sent_with_them_attached(ticket, sam, smtp_server):
    ticket_reply(
        actor=sam,
        ticket=ticket,
        body="The manual and a photo of the cable.",
        attachments=[
            AttachmentData("manual 说明书.pdf", "application/pdf", b"%PDF-1.4 manual"),
            AttachmentData("cable.jpg", "image/jpeg", PHOTO),
        ],
    )

    messages_deliver()

    [(_recipients, raw)] = smtp_server.received
    mime = email.message_from_bytes(raw, policy=policy.default)
    files = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in mime.iter_attachments()
    ]
    assert files == [
        ("manual 说明书.pdf", "application/pdf", b"%PDF-1.4 manual"),
        ("cable.jpg", "image/jpeg", PHOTO),
    ]
    body = mime.get_body(preferencelist=("plain",)).get_content()
    assert "The manual and a photo of the cable." in body


def test_a_note_with_files_sends_nothing_and_a_reply_without_files_has_no_attachment(ticket, sam):
    ticket_note(
        actor=sam,
        ticket=ticket,
        body="Log from the customer's PC.",
        attachments=[AttachmentData("log.txt", "text/plain", b"driver crash")],
    )
    ticket_reply(actor=sam, ticket=ticket, body="Please restart.")

    assert list(build_mime(Message.objects.get()).iter_attachments()) == []
