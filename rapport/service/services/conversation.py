"""The conversation of a ticket: messages, attachments, replies by e-mail and internal notes.

- a public reply is sent as a transactional e-mail through messaging, once per message (its
  `send_key` is the message's id, so a retried request or a crash mid-send never mails twice),
  threaded on the customer's last e-mail (In-Reply-To / References) and with the ticket number in
  the subject, so the customer's answer comes back to the ticket (`ticket_by_email_thread`, or
  "[T-000123]" in the subject);
- the files of a public reply go with its e-mail as MIME attachments: delivery reads them from
  the reply (`_reply_attachments`, registered with messaging for the "ticket-reply:" send keys);
- the first public reply records the ticket's first response time;
- an internal note is never mailed; the colleagues it @mentions are notified if they may see the
  ticket (activities' `mentions_notify`);
- text is stored as written and shown escaped; HTML (from an e-mail) is cleaned with nh3 before
  it is stored; attachments are at most MAX_ATTACHMENT_BYTES each, MAX_ATTACHMENTS per message.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.mentions import mentions_notify
from rapport.core.cleaning import FieldErrors, clean_text
from rapport.core.errors import NotFound, PermissionDenied
from rapport.core.records import record_changed
from rapport.customers.models import Person
from rapport.messaging.attachments import MailAttachment, register_attachment_source
from rapport.messaging.models import Message
from rapport.messaging.models import MessageKind as EmailKind
from rapport.messaging.rendering import render_text
from rapport.messaging.selectors import person_language
from rapport.messaging.services import email_send, merge_context
from rapport.service.access import may_see_ticket, may_work_on_ticket
from rapport.service.models import (
    CannedReply,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from rapport.service.services.common import announce, locked, ticket_url, timeline

MAX_BODY = 50_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
# The send key of a public reply's e-mail: this prefix and the reply's id.
REPLY_SEND_KEY = "ticket-reply:"
# Statuses a ticket leaves when an agent answers: it is being worked on now.
_WAITING_FOR_AGENT = (TicketStatus.NEW, TicketStatus.REOPENED)


@dataclass(frozen=True)
class AttachmentData:
    filename: str
    content_type: str
    content: bytes


def sanitize_html(html: str) -> str:
    """HTML from outside (an e-mail) made safe to show: no scripts, styles, event handlers or
    javascript: links; links open with rel="noopener noreferrer"."""
    return nh3.clean(html or "", link_rel="noopener noreferrer")


def clean_attachments(items: Iterable, errors: FieldErrors, *, field: str = "attachments"):
    """`AttachmentData` from uploaded files (name, content_type, read()) or AttachmentData."""
    cleaned: list[AttachmentData] = []
    items = list(items or ())
    if len(items) > MAX_ATTACHMENTS:
        errors.add(field, _("Attach at most %(count)d files.") % {"count": MAX_ATTACHMENTS})
        return []
    for item in items:
        if isinstance(item, AttachmentData):
            data = item
        else:
            size = getattr(item, "size", None)
            if size is not None and size > MAX_ATTACHMENT_BYTES:
                data = AttachmentData(getattr(item, "name", "") or "file", "", b"")
                _too_large(data, errors, field)
                continue
            data = AttachmentData(
                filename=getattr(item, "name", "") or "file",
                content_type=getattr(item, "content_type", "") or "application/octet-stream",
                content=item.read(),
            )
        if len(data.content) > MAX_ATTACHMENT_BYTES:
            _too_large(data, errors, field)
            continue
        name = re.sub(r"[\x00-\x1f/\\]", "_", data.filename).strip()[:255] or "file"
        cleaned.append(
            AttachmentData(
                name, (data.content_type or "application/octet-stream")[:100], data.content
            )
        )
    return cleaned


def _too_large(data: AttachmentData, errors: FieldErrors, field: str) -> None:
    errors.add(
        field,
        _("“%(name)s” is larger than %(limit)d MB.")
        % {"name": data.filename, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
    )


def add_message(
    ticket: Ticket,
    *,
    kind: str,
    body: str,
    author_user: User | None = None,
    author_person: Person | None = None,
    body_html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    inbound_id: int | None = None,
    attachments: list[AttachmentData] = (),
) -> TicketMessage:
    """Write one message with its attachments (already cleaned) and announce it."""
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=kind,
        body=body,
        body_html=sanitize_html(body_html) if body_html else "",
        author_user=author_user,
        author_person=author_person,
        message_id=message_id[:250],
        in_reply_to=in_reply_to[:250],
        inbound_id=inbound_id,
    )
    if attachments:
        TicketAttachment.objects.bulk_create(
            TicketAttachment(
                message=message,
                filename=a.filename,
                content_type=a.content_type,
                size=len(a.content),
                content=a.content,
            )
            for a in attachments
        )
    record_changed("ticket_message", message.pk, "created", actor=author_user)
    return message


def _clean_body(body, errors: FieldErrors) -> str:
    return clean_text(body, "body", errors, limit=MAX_BODY, required=True)


def _require_worker(actor: User, ticket: Ticket) -> None:
    if not may_work_on_ticket(actor, ticket):
        if may_see_ticket(actor, ticket):
            raise PermissionDenied(_("Only the ticket's team and assignee can do this."))
        raise NotFound(_("Ticket not found."))


def _reply_address(ticket: Ticket) -> str:
    if ticket.person_id is not None and ticket.person.primary_email:
        return ticket.person.primary_email
    return ticket.requester_email


def _reply_language(ticket: Ticket) -> str:
    if ticket.language in ("en", "zh-hans"):
        return ticket.language
    if ticket.person_id is not None:
        return person_language(ticket.person)
    return settings.LANGUAGE_CODE


def reply_subject(ticket: Ticket) -> str:
    """ "Re: <subject> [T-000123]": the number lets a reply that lost its headers find the
    ticket again."""
    return f"Re: {ticket.subject} [{ticket.number}]"[:300]


def reply_signature(actor: User) -> str:
    """What signs the agent's public replies: the signature they set on their service profile,
    else their name and team. The reply form shows it under the text. One query: the profile's
    signature and the team's name together."""
    signature, team_name = (
        User.objects.filter(pk=actor.pk)
        .values_list("agent_profile__signature", "team__name")
        .first()
    ) or (None, None)
    if signature:
        return signature
    lines = [str(actor)]
    if actor.team_id is not None and team_name is not None:
        lines.append(team_name)
    return "\n".join(lines)


def _signature(actor: User) -> str:
    return "\n-- \n" + reply_signature(actor)


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    ids = list(
        TicketMessage.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("created_at", "id")
        .values_list("message_id", "kind")
    )
    headers: dict[str, str] = {}
    if ids:
        customer = [m for m, kind in ids if kind == MessageKind.CUSTOMER_MESSAGE]
        headers["In-Reply-To"] = f"<{(customer or [ids[-1][0]])[-1]}>"
        headers["References"] = " ".join(f"<{m}>" for m, _kind in ids[-20:])
    if settings.RAPPORT_SUPPORT_ADDRESS:
        headers["Reply-To"] = settings.RAPPORT_SUPPORT_ADDRESS
    return headers


@transaction.atomic
def ticket_reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    attachments: Iterable = (),
) -> TicketMessage:
    """Answer the customer: the message on the ticket and an e-mail to the customer (the
    person's primary address, else the requester's; with neither it is recorded as skipped in
    the outbox). A new or reopened ticket becomes open; the first reply sets
    `first_responded_at`. The attachments stay on the ticket and go with the e-mail."""
    errors = FieldErrors()
    text = _clean_body(body, errors)
    files = clean_attachments(attachments, errors)
    errors.raise_if_any()
    ticket = locked(ticket)
    _require_worker(actor, ticket)
    if ticket.merged_into_id is not None:
        raise PermissionDenied(_("This ticket was merged into another; reply there."))
    now = timezone.now()
    message = add_message(
        ticket, kind=MessageKind.PUBLIC_REPLY, body=text, author_user=actor, attachments=files
    )
    headers = _thread_headers(ticket)
    language = _reply_language(ticket)
    email = email_send(
        to_address=_reply_address(ticket),
        subject=reply_subject(ticket),
        body_text=text + _signature(actor),
        person=ticket.person,
        kind=EmailKind.TRANSACTIONAL,
        send_key=f"{REPLY_SEND_KEY}{message.pk}",
        actor=actor,
        origin=f"ticket:{ticket.pk}",
        headers=headers,
        language=language,
    )
    message.email = email
    message.message_id = email.message_id
    message.in_reply_to = headers.get("In-Reply-To", "").strip("<>")[:250]
    message.save(update_fields=["email", "message_id", "in_reply_to"])
    changed = []
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        changed.append("first_responded_at")
    if ticket.status in _WAITING_FOR_AGENT:
        ticket.status = TicketStatus.OPEN
        changed.append("status")
    ticket.version += 1
    ticket.save()
    timeline(
        ticket,
        kind="ticket.reply",
        actor_id=actor.pk,
        when=now,
        body=text,
        data={"message_id": message.pk},
    )
    announce(ticket, "updated", actor=actor, changed=changed or ["messages"])
    return message


def _reply_attachments(email: Message) -> list[MailAttachment]:
    """The files of the reply `email` was sent for, read when it is delivered."""
    files = TicketAttachment.objects.filter(message__email=email).order_by("id")
    return [MailAttachment(f.filename, f.content_type, bytes(f.content)) for f in files]


# On import: the service's handlers import this module from `ServiceConfig.ready()`.
register_attachment_source(REPLY_SEND_KEY, _reply_attachments)


@transaction.atomic
def ticket_note(
    *, actor: User, ticket: Ticket, body: str, attachments: Iterable = ()
) -> TicketMessage:
    """An internal note (never sent to the customer); notifies the colleagues it @mentions who
    may see the ticket. Whoever sees the ticket may add one (a complaint's customer owner too)."""
    errors = FieldErrors()
    text = _clean_body(body, errors)
    files = clean_attachments(attachments, errors)
    errors.raise_if_any()
    ticket = locked(ticket)
    if not may_see_ticket(actor, ticket):
        raise NotFound(_("Ticket not found."))
    message = add_message(
        ticket, kind=MessageKind.INTERNAL_NOTE, body=text, author_user=actor, attachments=files
    )
    ticket.version += 1
    ticket.save()
    mentions_notify(
        actor=actor,
        text=text,
        source_type="ticket_message",
        source_id=message.pk,
        title=str(ticket)[:200],
        url=ticket_url(ticket),
        may_see=lambda user: may_see_ticket(user, ticket),
    )
    announce(ticket, "updated", actor=actor, changed=["messages"])
    return message


def canned_reply_render(*, reply: CannedReply, ticket: Ticket) -> str:
    """The canned reply's text for this ticket: its merge fields ({{ person.full_name }}, …)
    filled in the sandbox e-mail templates use, in the ticket's language."""
    with translation.override(_reply_language(ticket)):
        context = merge_context(
            person=ticket.person, records={"order": ticket.order} if ticket.order_id else None
        )
    return render_text(reply.body, context)
