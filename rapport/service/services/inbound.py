"""What customers send: a message on a ticket (reopening it or opening a follow-up), and the
e-mail channel.

A customer's message on a ticket that is being worked on is added to it (a ticket waiting for
the customer or on hold becomes open again). On a ticket resolved at most
RAPPORT_TICKET_REOPEN_DAYS ago it reopens the ticket; on a closed ticket, or one resolved longer
ago, it opens a new ticket linked to the old one (`reopened_from`). A message on a ticket merged
into another goes to that one.

E-mail. A message in the shared mailbox belongs to the service (`is_service_mail`) when it
answers a ticket's e-mail (In-Reply-To / References), names a ticket in its subject
("[T-000123]") and comes from that ticket's customer, or is addressed to
RAPPORT_SUPPORT_ADDRESS. The first two continue the ticket; the last opens one. The sender is
the person inbox found by the address; a sender no person has is not made a person (a support
address gets spam and one-off questions): the ticket keeps the address and name, replies go
there, and an agent links a person when it matters. Such mail makes no lead (inbox's claims).
Automatic replies (out of office) open nothing.
"""

import datetime
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import ValidationFailed
from rapport.customers.models import Person, PersonEmail
from rapport.inbox.models import InboundAttachment, InboundMessage, InboundOutcome
from rapport.service.models import MessageKind, Ticket, TicketChannel, TicketMessage, TicketStatus
from rapport.service.selectors import ticket_by_email_thread
from rapport.service.services.common import announce, locked, timeline
from rapport.service.services.conversation import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentData,
    add_message,
)
from rapport.service.services.tickets import ticket_create

SUBJECT_NUMBER = re.compile(r"\[T-(\d{1,12})\]")
MAX_BODY = 50_000


def _follow_merges(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _reopen_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.RAPPORT_TICKET_REOPEN_DAYS)


@transaction.atomic
def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    person: Person | None = None,
    body_html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    inbound_id: int | None = None,
    attachments: list[AttachmentData] = (),
    channel: str = TicketChannel.EMAIL,
) -> tuple[Ticket, TicketMessage]:
    """Add the customer's message (see the module docstring); returns the ticket it went to
    (the same, or a new follow-up) and the message."""
    ticket = locked(_follow_merges(ticket))
    body = body[:MAX_BODY]
    now = timezone.now()
    resolved_recently = (
        ticket.status == TicketStatus.RESOLVED
        and ticket.resolved_at is not None
        and now - ticket.resolved_at <= _reopen_window()
    )
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.RESOLVED) and not resolved_recently:
        follow_up = ticket_create(
            actor=None,
            data={
                "subject": ticket.subject,
                "body": body,
                "type": ticket.type,
                "category_id": ticket.category_id,
                "priority": ticket.priority,
                "person_id": (person.pk if person else ticket.person_id),
                "company_id": ticket.company_id,
                "order_id": ticket.order_id,
                "product_id": ticket.product_id,
                "language": ticket.language,
                "requester_email": ticket.requester_email,
                "requester_name": ticket.requester_name,
            },
            channel=channel,
            attachments=attachments,
            message_id=message_id,
            inbound_id=inbound_id,
            body_html=body_html,
            reopened_from=ticket,
        )
        return follow_up, follow_up.messages.order_by("id").first()
    message = add_message(
        ticket,
        kind=MessageKind.CUSTOMER_MESSAGE,
        body=body,
        body_html=body_html,
        author_person=person or ticket.person,
        message_id=message_id,
        in_reply_to=in_reply_to,
        inbound_id=inbound_id,
        attachments=attachments,
    )
    changed = ["last_customer_message_at"]
    ticket.last_customer_message_at = now
    if ticket.status == TicketStatus.RESOLVED:
        ticket.status = TicketStatus.REOPENED
        ticket.resolved_at = None
        changed += ["status", "resolved_at"]
        timeline(ticket, kind="ticket.reopened", actor_id=None, when=now)
    elif ticket.status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.ON_HOLD):
        ticket.status = TicketStatus.OPEN
        changed.append("status")
    ticket.version += 1
    ticket.save()
    timeline(
        ticket,
        kind="ticket.customer_message",
        actor_id=None,
        when=now,
        body=body,
        data={"message_id": message.pk},
    )
    announce(ticket, "updated", changed=changed)
    return ticket, message


# --- E-mail ------------------------------------------------------------------------------------


def _addresses_of_ticket(ticket: Ticket) -> set[str]:
    addresses = {ticket.requester_email.lower()} - {""}
    if ticket.person_id is not None:
        addresses.update(
            PersonEmail.objects.filter(person_id=ticket.person_id).values_list("email", flat=True)
        )
    return addresses


def _thread_ids(inbound: InboundMessage) -> list[str]:
    return inbound.in_reply_to.split() + list(reversed(inbound.references.split()))


def ticket_of_inbound(inbound: InboundMessage) -> Ticket | None:
    """The ticket an inbound e-mail continues, if any (see the module docstring)."""
    ticket = ticket_by_email_thread(_thread_ids(inbound))
    if ticket is not None:
        return ticket
    match = SUBJECT_NUMBER.search(inbound.subject or "")
    if match is not None:
        ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
        # Only from the ticket's own customer: a number is easy to guess.
        if ticket is not None and inbound.from_address.lower() in _addresses_of_ticket(ticket):
            return ticket
    return None


def _to_support(inbound: InboundMessage) -> bool:
    address = settings.RAPPORT_SUPPORT_ADDRESS
    return bool(address) and address in (inbound.to or "").lower()


def _from_ourselves(inbound: InboundMessage) -> bool:
    sender = (inbound.from_address or "").lower()
    ours = {settings.RAPPORT_SUPPORT_ADDRESS, settings.DEFAULT_FROM_EMAIL.lower()}
    return bool(sender) and any(sender == a or f"<{sender}>" in a for a in ours if a)


def is_service_mail(inbound: InboundMessage) -> bool:
    """Whether the service acts on this message (and no other app should)."""
    if inbound.outcome in (InboundOutcome.BOUNCE, InboundOutcome.AUTOMATIC):
        return False
    if _from_ourselves(inbound):
        return False
    return _to_support(inbound) or ticket_of_inbound(inbound) is not None


def _attachments_of(inbound: InboundMessage) -> list[AttachmentData]:
    rows = InboundAttachment.objects.filter(message=inbound, size__lte=MAX_ATTACHMENT_BYTES)
    return [
        AttachmentData(a.filename or "file", a.content_type, bytes(a.content))
        for a in rows.order_by("id")[:MAX_ATTACHMENTS]
    ]


@transaction.atomic
def ticket_from_inbound(*, inbound_id: int) -> Ticket | None:
    """Open or continue a ticket from a processed inbound e-mail; None if it is not the
    service's. Runs in inbox's processing transaction: a failure marks the e-mail failed."""
    inbound = InboundMessage.objects.select_related("person").filter(pk=inbound_id).first()
    if inbound is None or not is_service_mail(inbound):
        return None
    # Idempotent: an e-mail processed again ("process again") is not added twice.
    already = TicketMessage.objects.filter(inbound_id=inbound.pk).select_related("ticket").first()
    if already is not None:
        return already.ticket
    person = inbound.person
    attachments = _attachments_of(inbound)
    ticket = ticket_of_inbound(inbound)
    if ticket is not None:
        ticket, _message = ticket_customer_message(
            ticket=ticket,
            body=inbound.body_text,
            person=person,
            message_id=inbound.message_id,
            in_reply_to=(inbound.in_reply_to.split() or [""])[0],
            inbound_id=inbound.pk,
            attachments=attachments,
        )
        return ticket
    subject = " ".join((inbound.subject or "").split())[:300] or _("(no subject)")
    data = {"subject": subject, "body": inbound.body_text[:MAX_BODY]}
    if person is not None:
        data["person_id"] = person.pk
    else:
        data["requester_email"] = inbound.from_address.lower()
        data["requester_name"] = inbound.from_name[:200]
    try:
        return ticket_create(
            actor=None,
            data=data,
            channel=TicketChannel.EMAIL,
            attachments=attachments,
            message_id=inbound.message_id,
            inbound_id=inbound.pk,
        )
    except ValidationFailed as exc:
        if "requester_email" not in exc.details:
            raise
        # An address mail servers accept but a form would not (".local"): kept as the name.
        data.pop("requester_email")
        data["requester_name"] = (inbound.from_name or inbound.from_address)[:200]
        return ticket_create(
            actor=None,
            data=data,
            channel=TicketChannel.EMAIL,
            attachments=attachments,
            message_id=inbound.message_id,
            inbound_id=inbound.pk,
        )
