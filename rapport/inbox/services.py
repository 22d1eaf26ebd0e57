"""Writes of the inbox app: reading the shared mailbox and acting on each message once.

A message goes through `inbound_receive`, which stores its raw bytes and processes it in one
transaction: the row, unique per (mailbox, UIDVALIDITY, UID), is the proof it was handled, so a
restart, a crash mid-poll or two overlapping polls never act on a message twice (the second
insert fails on the constraint and that poller goes on). Processing runs in a savepoint: a
message that cannot be read or acted on is rolled back to a FAILED row with the reason, the raw
bytes kept for "process again", and the poller goes on with the next one.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.errors import ApplicationError, Conflict
from rapport.core.events import publish
from rapport.customers.models import Person, PersonEmail
from rapport.inbox.claims import claimed
from rapport.inbox.events import (
    InboundMailFromUnknownSender,
    InboundMailReceived,
    MessageReplied,
)
from rapport.inbox.imap import MailboxConfig, MailboxSession, mailbox_config
from rapport.inbox.models import (
    InboundAttachment,
    InboundMessage,
    InboundOutcome,
    InboundStatus,
    MailboxCursor,
)
from rapport.inbox.parsing import ParsedMail, parse_mail
from rapport.messaging.bounces import parse_bounce, parse_complaint
from rapport.messaging.models import Message
from rapport.messaging.selectors import message_by_message_id
from rapport.messaging.services import bounce_record, complaint_record

logger = logging.getLogger(__name__)

# Messages read per poll; the rest wait for the next minute.
POLL_LIMIT = 200
TIMELINE_BODY_MAX = 5000
# Reasons stored in `InboundMessage.error` that the pages word in the reader's language.
NO_SENDER = "no_sender"
NOT_PROCESSED = "not_processed"


class InboundFailure(Exception):
    """A message the inbox cannot act on; `code` is stored as the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class PollResult:
    configured: bool = True
    fetched: int = 0
    processed: int = 0
    failed: int = 0
    skipped: int = 0


# --- Polling -----------------------------------------------------------------------------------


def mailbox_poll(*, config: MailboxConfig | None = None, limit: int = POLL_LIMIT) -> PollResult:
    """Read the new messages of the shared mailbox (RAPPORT_IMAP_URL) and process each once.

    Messages stay in the mailbox (the mail server remains the archive) and are flagged \\Seen
    once stored; what was read is decided by the stored UIDs, not by the flag, so a person
    reading the mailbox in a mail client changes nothing. Connection errors raise (the job
    runs again next minute); a bad message never does.
    """
    config = config or mailbox_config()
    if config is None:
        return PollResult(configured=False)
    result = PollResult()
    with MailboxSession(config) as session:
        cursor, _ = MailboxCursor.objects.get_or_create(mailbox=config.key)
        after = cursor.last_uid if cursor.uidvalidity == session.uidvalidity else 0
        for uid, raw in session.messages(after, limit):
            result.fetched += 1
            with transaction.atomic():
                inbound = None
                if raw is not None:
                    inbound = inbound_receive(
                        mailbox=config.key, uidvalidity=session.uidvalidity, uid=uid, raw=raw
                    )
                _cursor_advance(config.key, session.uidvalidity, uid)
            if inbound is None:
                result.skipped += 1
            elif inbound.status == InboundStatus.FAILED:
                result.failed += 1
            else:
                result.processed += 1
            if raw is not None:
                session.mark_seen(uid)
    return result


def _cursor_advance(mailbox: str, uidvalidity: int, uid: int) -> None:
    MailboxCursor.objects.filter(mailbox=mailbox).filter(
        ~Q(uidvalidity=uidvalidity) | Q(last_uid__lt=uid)
    ).update(uidvalidity=uidvalidity, last_uid=uid, updated_at=timezone.now())


@transaction.atomic
def inbound_receive(
    *, mailbox: str, uidvalidity: int, uid: int, raw: bytes
) -> InboundMessage | None:
    """Store one message read from the mailbox and process it; None when it was stored before
    (the same UID, or the same bytes under an earlier UIDVALIDITY of the folder)."""
    sha = hashlib.sha256(raw).hexdigest()
    seen_before = (
        InboundMessage.objects.filter(mailbox=mailbox, raw_sha256=sha)
        .exclude(uidvalidity=uidvalidity)
        .exists()
    )
    if seen_before:
        return None
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                raw=raw,
                raw_sha256=sha,
                size=len(raw),
                status=InboundStatus.FAILED,
                error=NOT_PROCESSED,
            )
    except IntegrityError:
        return None
    _process_or_fail(inbound)
    return inbound


def inbound_reprocess(*, actor: User, inbound: InboundMessage) -> InboundMessage:
    """An administrator's "process again" of a message that failed (after a fix, or once the
    sender became a person)."""
    require_settings_manager(actor)
    with transaction.atomic():
        inbound = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if inbound.status != InboundStatus.FAILED:
            raise Conflict(_("This message was processed already."))
        _process_or_fail(inbound)
    return inbound


# --- Processing --------------------------------------------------------------------------------


def _process_or_fail(inbound: InboundMessage) -> None:
    inbound.attempts += 1
    try:
        with transaction.atomic():
            _process(inbound)
            inbound.status = InboundStatus.PROCESSED
            inbound.error = ""
            inbound.processed_at = timezone.now()
            inbound.save()
    except Exception as exc:  # any failure is kept and shown, never raised
        if not isinstance(exc, InboundFailure):
            logger.exception("Inbound message %s could not be processed", inbound.pk)
        inbound.status = InboundStatus.FAILED
        inbound.outcome = ""
        inbound.person = None
        inbound.reply_to = None
        inbound.error = _failure_text(exc)[:2000]
        inbound.save()


def _failure_text(exc: Exception) -> str:
    if isinstance(exc, InboundFailure):
        return exc.code
    if isinstance(exc, ApplicationError):
        details = f" {exc.details}" if exc.details else ""
        return f"{type(exc).__name__}: {exc.message}{details}"
    return f"{type(exc).__name__}: {exc}"


def _process(inbound: InboundMessage) -> None:
    parsed = parse_mail(bytes(inbound.raw))
    _copy_headers(inbound, parsed)
    if _handle_bounce(inbound, parsed):
        return
    if not parsed.from_address:
        raise InboundFailure(NO_SENDER)
    inbound.reply_to = _thread_message(parsed)
    person = _person_for(parsed.from_address, inbound.reply_to)
    inbound.person = person
    inbound.save()
    attachments = [
        InboundAttachment.objects.create(
            message=inbound,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=len(attachment.content),
            content=attachment.content,
        )
        for attachment in parsed.attachments
    ]
    if person is None:
        inbound.outcome = (
            InboundOutcome.AUTOMATIC if parsed.automatic else InboundOutcome.UNKNOWN_SENDER
        )
        publish(InboundMailReceived(inbound_id=inbound.pk, person_id=None))
        if not parsed.automatic:
            publish(
                InboundMailFromUnknownSender(
                    inbound_id=inbound.pk,
                    address=parsed.from_address,
                    name=parsed.from_name,
                    subject=parsed.subject,
                )
            )
        return
    if not claimed(inbound):  # the claiming app (a ticket) puts it on the timeline itself
        _timeline_add(inbound, person, attachments)
    publish(InboundMailReceived(inbound_id=inbound.pk, person_id=person.pk))
    if inbound.reply_to is not None:
        inbound.outcome = InboundOutcome.REPLY
        publish(
            MessageReplied(
                message_id=inbound.reply_to.pk, person_id=person.pk, inbound_id=inbound.pk
            )
        )
    else:
        inbound.outcome = InboundOutcome.PERSON


def _copy_headers(inbound: InboundMessage, parsed: ParsedMail) -> None:
    inbound.message_id = parsed.message_id
    inbound.in_reply_to = parsed.in_reply_to
    inbound.references = " ".join(parsed.references)
    inbound.from_address = parsed.from_address
    inbound.from_name = parsed.from_name
    inbound.to = parsed.to
    inbound.subject = parsed.subject
    inbound.sent_at = parsed.sent_at
    inbound.body_text = parsed.body_text


def _handle_bounce(inbound: InboundMessage, parsed: ParsedMail) -> bool:
    """A delivery status notification suppresses the hard-bounced addresses, a complaint report
    (a mailbox provider's feedback loop) the complaining ones; neither is anybody's reply, so
    it goes on no timeline and makes no lead."""
    bounce = parse_bounce(parsed.message)
    if bounce is not None:
        bounce_record(bounce=bounce)
        inbound.reply_to = message_by_message_id(bounce.original_message_id)
        inbound.outcome = InboundOutcome.BOUNCE
        return True
    complaint = parse_complaint(parsed.message)
    if complaint is not None:
        complaint_record(complaint=complaint)
        inbound.reply_to = message_by_message_id(complaint.original_message_id)
        inbound.outcome = InboundOutcome.COMPLAINT
        return True
    return False


def _thread_message(parsed: ParsedMail) -> Message | None:
    """Our message this one answers: In-Reply-To first, then References from the newest."""
    candidates = parsed.in_reply_to.split() + list(reversed(parsed.references))
    for message_id in dict.fromkeys(candidates):
        message = message_by_message_id(message_id)
        if message is not None:
            return message
    return None


def _person_for(address: str, reply_to: Message | None) -> Person | None:
    """Whose timeline the message goes on.

    A reply to one of our messages goes to the person we wrote to (a customer answering from
    another address stays in the conversation). Otherwise the person with the sender's address;
    when several persons share it (a shared office address, a duplicate not merged yet), the
    one recorded first, so the same address always lands on the same person.
    """
    if reply_to is not None and reply_to.person_id is not None:
        return reply_to.person
    # Addresses are stored lower-cased, as `address` is.
    person_id = (
        PersonEmail.objects.filter(email=address)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .first()
    )
    return Person.objects.filter(pk=person_id).first() if person_id else None


def _timeline_add(inbound: InboundMessage, person: Person, attachments) -> None:
    now = timezone.now()
    occurred_at = inbound.sent_at if inbound.sent_at and inbound.sent_at <= now else now
    timeline_add(
        kind="inbox.received",
        title=inbound.subject or "—",
        person_id=person.pk,
        occurred_at=occurred_at,
        body=inbound.body_text[:TIMELINE_BODY_MAX],
        source_type="inbound_message",
        source_id=inbound.pk,
        data={
            "from": inbound.from_address,
            "from_name": inbound.from_name,
            "subject": inbound.subject,
            "reply_to_message": inbound.reply_to_id,
            "attachments": [
                {
                    "name": attachment.filename,
                    "size": attachment.size,
                    "url": reverse("inbox:attachment_download", args=[attachment.pk]),
                }
                for attachment in attachments
            ],
        },
    )
