"""Writes of the messaging app: sending, delivery, templates, consent and suppression.

Sending is in two steps. `email_send` writes the `Message` row (status "queued", or "skipped"
with the reason) under its caller's unique `send_key` and publishes `MessageQueued`; the
delivery job (`messages_deliver`) claims each queued row with one conditional UPDATE (status
"sending") BEFORE talking to the mail server, and marks it "sent" after. So a retried job, a
second worker or a replayed rule never sends a message twice; a row a killed worker left in
"sending" is marked "interrupted" by `messages_recover_interrupted` and is resent only when an
administrator says so (docs/decisions.md).
"""

import datetime
import logging
import smtplib
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.cleaning import FieldErrors
from rapport.core.errors import Conflict, ValidationFailed, check_version
from rapport.core.events import publish
from rapport.customers.models import Person
from rapport.messaging import links
from rapport.messaging.events import (
    MessageClicked,
    MessageOpened,
    MessageQueued,
    MessageSent,
)
from rapport.messaging.merge_fields import merge_sources
from rapport.messaging.models import (
    Channel,
    ConsentChange,
    ConsentStatus,
    EmailTemplate,
    Message,
    MessageKind,
    MessageStatus,
    MessageTracking,
    SkipReason,
    Suppression,
    SuppressionReason,
    TrackingKind,
)
from rapport.messaging.rendering import (
    html_from_text,
    render_subject,
    render_text,
    template_problems,
)
from rapport.messaging.selectors import (
    consent_status,
    message_by_message_id,
    person_language,
    suppression_for,
)
from rapport.messaging.transport import SmtpConnection, build_mime, smtp_config

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A message still "sending" after this long was being sent by a worker that died.
INTERRUPTED_AFTER = datetime.timedelta(minutes=10)


def _new_message_id() -> str:
    domain = settings.RAPPORT_BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"{uuid.uuid4().hex}@{domain or 'rapport.localhost'}"


def _refusal(*, address: str, person: Person | None, kind: str) -> str:
    """Why this message must not go out ("" if it may), by the consent and suppression rules.

    Marketing mail never goes to a suppressed address or a person who opted out of e-mail (nor,
    with RAPPORT_MARKETING_REQUIRES_OPT_IN, to one who never opted in). Transactional mail
    (a reminder, a receipt, a ticket reply) goes regardless, except to an address that hard
    bounced: it does not exist, and mailing it again only hurts the sender's reputation.
    """
    if not address:
        return SkipReason.NO_ADDRESS
    suppression = suppression_for(address)
    if kind == MessageKind.MARKETING:
        if suppression is not None:
            return SkipReason.SUPPRESSED
        status = consent_status(person, Channel.EMAIL) if person is not None else None
        if status == ConsentStatus.OPTED_OUT:
            return SkipReason.OPTED_OUT
        if settings.RAPPORT_MARKETING_REQUIRES_OPT_IN and status != ConsentStatus.OPTED_IN:
            return SkipReason.NO_OPT_IN
    elif suppression is not None and suppression.reason == SuppressionReason.HARD_BOUNCE:
        return SkipReason.SUPPRESSED
    return ""


def email_send(
    *,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    person: Person | None = None,
    kind: str = MessageKind.TRANSACTIONAL,
    send_key: str,
    actor: User | None = None,
    origin: str = "",
    template: EmailTemplate | None = None,
    headers: Mapping[str, str] | None = None,
    language: str = "",
    message_id: str = "",
) -> Message:
    """Queue one e-mail for delivery, once per `send_key`; returns its `Message`.

    Asking again with a key already used returns the first message unchanged and sends nothing.
    A message consent or the suppression list forbids is still written, with status "skipped"
    and the reason, so the outbox shows why it did not go.
    """
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    existing = Message.objects.filter(send_key=send_key).first()
    if existing is not None:
        return existing
    address = (to_address or "").strip()
    reason = _refusal(address=address.lower(), person=person, kind=kind)
    message_id = message_id or _new_message_id()
    headers = dict(headers or {})
    if kind == MessageKind.MARKETING and not reason:
        # RFC 8058 one-click unsubscribe: mail clients POST to this URL, no login needed.
        headers["List-Unsubscribe"] = f"<{links.unsubscribe_url(message_id)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    try:
        with transaction.atomic():
            message = Message.objects.create(
                to_address=address,
                person=person,
                from_address=settings.DEFAULT_FROM_EMAIL,
                subject=" ".join(subject.split())[:300],
                body_text=body_text,
                body_html=body_html,
                headers=headers,
                kind=kind,
                status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                skip_reason=reason,
                send_key=send_key[:200],
                message_id=message_id,
                template=template,
                language=language,
                origin=origin[:100],
                actor=actor,
            )
    except IntegrityError:
        # Another request wrote the same key between our look and our insert.
        return Message.objects.get(send_key=send_key[:200])
    if not reason:
        publish(MessageQueued(message_id=message.pk))
    return message


# --- Templates ------------------------------------------------------------------------------


def _template_language(template: EmailTemplate, language: str) -> str:
    """The language to send in: the person's, unless the template is not written in it."""
    if language == "en":
        return "en" if (template.subject_en or template.body_en) else "zh-hans"
    return "zh-hans" if (template.subject_zh or template.body_zh) else "en"


def merge_context(
    *, person: Person | None, records: Mapping[str, object] | None = None, message_id: str = ""
) -> dict:
    """The plain values a template is rendered with: every source that has a record."""
    context: dict = {}
    for name, source in merge_sources().items():
        record = (records or {}).get(name)
        if record is None and person is not None and source.from_person is not None:
            record = source.from_person(person)
        if record is not None:
            context[name] = source.build(record)
    context["unsubscribe_url"] = links.unsubscribe_url(message_id) if message_id else ""
    return context


def template_render(
    *,
    template: EmailTemplate,
    person: Person | None,
    records: Mapping[str, object] | None = None,
    language: str | None = None,
    message_id: str = "",
    tracking: bool = False,
) -> dict:
    """Subject, text and HTML of a template for one person (a preview or a message)."""
    language = _template_language(
        template, language or (person_language(person) if person else translation.get_language())
    )
    subject_source, body_source = (
        (template.subject_en, template.body_en)
        if language == "en"
        else (template.subject_zh, template.body_zh)
    )
    with translation.override(language):  # amounts and dates in the message's language
        context = merge_context(person=person, records=records, message_id=message_id)
    subject = render_subject(subject_source, context)
    text = render_text(body_source, context)
    kind = template.kind
    if kind == MessageKind.MARKETING and message_id and "unsubscribe_url" not in body_source:
        with translation.override(language):
            text = (
                text.rstrip()
                + "\n\n"
                + _("Unsubscribe: %(url)s") % {"url": context["unsubscribe_url"]}
            )
    link = pixel = None
    if tracking and message_id:
        unsubscribe = context["unsubscribe_url"]

        def link(url: str) -> str:
            return url if url == unsubscribe else links.click_url(message_id, url)

        pixel = links.open_pixel_url(message_id)
    html = html_from_text(text, link=link, pixel_url=pixel or "")
    return {"subject": subject, "text": text, "html": html, "language": language}


def email_send_template(
    *,
    template: EmailTemplate,
    person: Person,
    send_key: str,
    kind: str | None = None,
    actor: User | None = None,
    origin: str = "",
    records: Mapping[str, object] | None = None,
    to_address: str | None = None,
) -> Message:
    """Send `template` to `person` in their language, once per `send_key`."""
    existing = Message.objects.filter(send_key=send_key).first()
    if existing is not None:
        return existing
    message_id = _new_message_id()
    rendered = template_render(
        template=template,
        person=person,
        records=records,
        message_id=message_id,
        tracking=settings.RAPPORT_EMAIL_TRACKING,
    )
    return email_send(
        to_address=person.primary_email if to_address is None else to_address,
        subject=rendered["subject"],
        body_text=rendered["text"],
        body_html=rendered["html"],
        person=person,
        kind=kind or template.kind,
        send_key=send_key,
        actor=actor,
        origin=origin,
        template=template,
        language=rendered["language"],
        message_id=message_id,
    )


def _clean_template(data: dict) -> dict:
    errors = FieldErrors()
    cleaned = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors.add("name", _("Please give the template a name."))
    elif len(name) > 100:
        errors.add("name", _("At most 100 characters."))
    cleaned["name"] = name
    cleaned["description"] = str(data.get("description") or "").strip()[:300]
    kind = data.get("kind") or MessageKind.TRANSACTIONAL
    if kind not in MessageKind.values:
        errors.add("kind", _("Choose transactional or marketing."))
    cleaned["kind"] = kind
    for field in ("subject_zh", "subject_en"):
        value = " ".join(str(data.get(field) or "").split())
        if len(value) > 300:
            errors.add(field, _("At most 300 characters."))
        cleaned[field] = value
    for field in ("body_zh", "body_en"):
        cleaned[field] = str(data.get(field) or "").replace("\r\n", "\n").strip() + "\n"
        if cleaned[field] == "\n":
            cleaned[field] = ""
    if not (cleaned["subject_zh"] or cleaned["subject_en"]):
        errors.add("subject_zh", _("Write the template in at least one language."))
    for language in ("zh", "en"):
        subject, body = cleaned[f"subject_{language}"], cleaned[f"body_{language}"]
        if bool(subject) != bool(body):
            missing = f"body_{language}" if subject else f"subject_{language}"
            errors.add(missing, _("Write both the subject and the body in this language."))
    for field in ("subject_zh", "body_zh", "subject_en", "body_en"):
        for problem in template_problems(cleaned[field]):
            errors.add(
                field,
                _("Line %(line)s: %(problem)s")
                % {"line": problem.line, "problem": problem.message},
            )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def email_template_create(*, actor: User, data: dict) -> EmailTemplate:
    require_settings_manager(actor)
    cleaned = _clean_template(data)
    if EmailTemplate.objects.filter(name=cleaned["name"]).exists():
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"name": [_("A template with this name already exists.")]},
        )
    return EmailTemplate.objects.create(created_by=actor, **cleaned)


@transaction.atomic
def email_template_update(
    *, actor: User, template: EmailTemplate, data: dict, version: int | None = None
) -> EmailTemplate:
    require_settings_manager(actor)
    template = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    check_version(template, version)
    cleaned = _clean_template(data)
    if EmailTemplate.objects.filter(name=cleaned["name"]).exclude(pk=template.pk).exists():
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"name": [_("A template with this name already exists.")]},
        )
    for field, value in cleaned.items():
        setattr(template, field, value)
    template.version += 1
    template.save()
    return template


@transaction.atomic
def email_template_delete(*, actor: User, template: EmailTemplate) -> None:
    require_settings_manager(actor)
    template.delete()


def email_template_test_send(
    *, actor: User, template: EmailTemplate, person: Person | None
) -> Message:
    """Send the template, merged with `person` (or blank), to the acting user's own address."""
    require_settings_manager(actor)
    if not actor.email:
        raise ValidationFailed(
            _("Add an e-mail address to your profile to receive a test."),
            {"__all__": [_("Add an e-mail address to your profile to receive a test.")]},
        )
    message_id = _new_message_id()
    rendered = template_render(
        template=template, person=person, language=actor.language, message_id=message_id
    )
    return email_send(
        to_address=actor.email,
        subject=_("[Test] %(subject)s") % {"subject": rendered["subject"]},
        body_text=rendered["text"],
        body_html=rendered["html"],
        kind=MessageKind.TRANSACTIONAL,
        send_key=f"test:{message_id}",
        actor=actor,
        origin="test",
        template=template,
        language=rendered["language"],
        message_id=message_id,
    )


# --- Delivery -------------------------------------------------------------------------------


def _claim_next(now: datetime.datetime) -> Message | None:
    """Take the next due message for this worker: status "sending", committed before sending."""
    while True:
        candidate = (
            Message.objects.filter(status=MessageStatus.QUEUED)
            .exclude(next_attempt_at__gt=now)
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None:
            return None
        with transaction.atomic():
            claimed = Message.objects.filter(pk=candidate, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING,
                attempts=F("attempts") + 1,
                sending_started_at=now,
                updated_at=now,
            )
        if claimed:
            return Message.objects.get(pk=candidate)


def _sent_in_last_minute(now: datetime.datetime) -> list[datetime.datetime]:
    return list(
        Message.objects.filter(
            status=MessageStatus.SENT, sent_at__gt=now - datetime.timedelta(minutes=1)
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )


def throttle_wait(now: datetime.datetime | None = None) -> float:
    """Seconds until the next message may go to the server under RAPPORT_EMAIL_RATE_PER_MINUTE."""
    rate = settings.RAPPORT_EMAIL_RATE_PER_MINUTE
    if rate <= 0:
        return 0.0
    now = now or timezone.now()
    recent = _sent_in_last_minute(now)
    if len(recent) < rate:
        return 0.0
    oldest_counted = recent[len(recent) - rate]
    return max(0.0, (oldest_counted + datetime.timedelta(minutes=1) - now).total_seconds())


@transaction.atomic
def _delivered(message: Message, status: str, now: datetime.datetime) -> None:
    Message.objects.filter(pk=message.pk).update(
        status=status, sent_at=now, error="", next_attempt_at=None, updated_at=now
    )
    message.status, message.sent_at = status, now
    if message.person_id is not None:
        timeline_add(
            kind="email.sent",
            title="",
            person_id=message.person_id,
            occurred_at=now,
            source_type="messaging.message",
            source_id=message.pk,
            data={"subject": message.subject, "status": status, "message": message.pk},
        )
    publish(MessageSent(message_id=message.pk, person_id=message.person_id))


def _smtp_error(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {detail}"
    return str(exc) or exc.__class__.__name__


def _failed(message: Message, error: str, *, permanent: bool, now: datetime.datetime) -> None:
    if permanent or message.attempts >= MAX_ATTEMPTS:
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, error=error[:2000], updated_at=now
        )
        return
    delay = datetime.timedelta(minutes=2**message.attempts)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.QUEUED, error=error[:2000], next_attempt_at=now + delay, updated_at=now
    )


def messages_deliver(*, limit: int | None = None) -> dict:
    """Deliver queued messages one by one until none is due, `limit` is reached or the rate
    limit says wait. Returns {"delivered": n, "retry_in": seconds or None}.

    Each message is claimed (committed as "sending") before the mail server sees it, and marked
    after: a message is handed to the server at most once, whatever happens to this process.
    """
    config = smtp_config()
    connection = SmtpConnection(config) if config is not None else None
    delivered = 0
    retry_in = None
    try:
        while limit is None or delivered < limit:
            if connection is not None:
                wait = throttle_wait()
                if wait > 0:
                    retry_in = wait
                    break
            now = timezone.now()
            message = _claim_next(now)
            if message is None:
                break
            if connection is None:
                _delivered(message, MessageStatus.IN_OUTBOX, now)
                delivered += 1
                continue
            try:
                connection.send(build_mime(message))
            except smtplib.SMTPRecipientsRefused as exc:
                _failed(message, str(exc), permanent=True, now=timezone.now())
                continue
            except (
                smtplib.SMTPAuthenticationError,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPNotSupportedError,
            ) as exc:
                # The server refuses us, not this message (a wrong password, our sender address,
                # TLS it requires and the address does not ask for): every message would fail
                # alike, so this one waits for a retry and the rest stay queued until the
                # configuration is put right.
                connection.close()
                _failed(message, _smtp_error(exc), permanent=False, now=timezone.now())
                break
            except smtplib.SMTPResponseException as exc:
                connection.close()
                _failed(
                    message,
                    f"{exc.smtp_code} {exc.smtp_error!r}",
                    permanent=500 <= exc.smtp_code < 600,
                    now=timezone.now(),
                )
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The server is down or went away: this one and the rest wait for a retry.
                connection.close()
                _failed(
                    message, str(exc) or exc.__class__.__name__, permanent=False, now=timezone.now()
                )
                break
            _delivered(message, MessageStatus.SENT, timezone.now())
            delivered += 1
    finally:
        if connection is not None:
            connection.close()
    if retry_in is None:
        following = (
            Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__isnull=False)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if following is not None:
            retry_in = max(0.0, (following - timezone.now()).total_seconds())
    return {"delivered": delivered, "retry_in": retry_in}


def messages_recover_interrupted(*, now: datetime.datetime | None = None) -> int:
    """Mark messages a dead worker left "sending" as "interrupted"; returns how many.

    They may have reached the server before the worker died, so they are not resent by
    themselves (that could send twice); the outbox lists them and an administrator resends the
    ones the recipient did not get (`message_resend`).
    """
    now = now or timezone.now()
    return Message.objects.filter(
        status=MessageStatus.SENDING, sending_started_at__lt=now - INTERRUPTED_AFTER
    ).update(
        status=MessageStatus.INTERRUPTED,
        error=_("The worker stopped while sending; it may or may not have gone out."),
        updated_at=now,
    )


@transaction.atomic
def message_resend(*, actor: User, message: Message) -> Message:
    """Queue a failed or interrupted message again (an administrator's decision)."""
    require_settings_manager(actor)
    updated = Message.objects.filter(
        pk=message.pk, status__in=(MessageStatus.FAILED, MessageStatus.INTERRUPTED)
    ).update(status=MessageStatus.QUEUED, next_attempt_at=None, attempts=0)
    if not updated:
        raise Conflict(_("Only a failed or interrupted message can be sent again."))
    publish(MessageQueued(message_id=message.pk))
    message.refresh_from_db()
    return message


# --- Tracking -------------------------------------------------------------------------------


def message_opened(*, message_id: str) -> Message | None:
    """Count an open of the message with this Message-ID (the pixel was loaded)."""
    return _track(message_id, TrackingKind.OPEN, "")


def message_clicked(*, message_id: str, url: str) -> Message | None:
    return _track(message_id, TrackingKind.CLICK, url)


@transaction.atomic
def _track(message_id: str, kind: str, url: str) -> Message | None:
    message = message_by_message_id(message_id)
    if message is None:
        return None
    now = timezone.now()
    MessageTracking.objects.create(message=message, kind=kind, url=url[:2000])
    if kind == TrackingKind.OPEN:
        Message.objects.filter(pk=message.pk).update(open_count=F("open_count") + 1)
        Message.objects.filter(pk=message.pk, first_opened_at__isnull=True).update(
            first_opened_at=now
        )
        publish(MessageOpened(message_id=message.pk, person_id=message.person_id))
    else:
        # A click shows the message was opened, also when the pixel was blocked.
        Message.objects.filter(pk=message.pk).update(click_count=F("click_count") + 1)
        Message.objects.filter(pk=message.pk, first_clicked_at__isnull=True).update(
            first_clicked_at=now
        )
        Message.objects.filter(pk=message.pk, first_opened_at__isnull=True).update(
            first_opened_at=now
        )
        publish(MessageClicked(message_id=message.pk, person_id=message.person_id, url=url))
    return message


# --- Consent and suppression ----------------------------------------------------------------


def consent_set(
    *,
    person: Person,
    channel: str,
    status: str,
    source: str,
    actor: User | None = None,
    note: str = "",
) -> ConsentChange:
    """Record an opt-in or opt-out of `person` for `channel` (the history keeps every change)."""
    errors = FieldErrors()
    if channel not in Channel.values:
        errors.add("channel", _("Choose e-mail, SMS or phone."))
    if status not in ConsentStatus.values:
        errors.add("status", _("Choose opted in or opted out."))
    source = " ".join(str(source or "").split())[:100]
    if not source:
        errors.add("source", _("Say where the consent comes from."))
    errors.raise_if_any()
    return ConsentChange.objects.create(
        person=person,
        channel=channel,
        status=status,
        source=source,
        note=str(note or "").strip()[:300],
        actor=actor,
    )


def suppression_add(
    *, address: str, reason: str, source: str, actor: User | None = None
) -> Suppression:
    """Put an address on the suppression list (or give an existing entry the stronger reason).

    A hard bounce outranks the other reasons, since it also stops transactional mail.
    """
    address = (address or "").strip().lower()
    errors = FieldErrors()
    if not address or "@" not in address or len(address) > 254:
        errors.add("address", _("Enter a valid e-mail address."))
    if reason not in SuppressionReason.values:
        errors.add("reason", _("Choose a reason."))
    errors.raise_if_any()
    with transaction.atomic():
        suppression, created = Suppression.objects.select_for_update().get_or_create(
            address=address,
            defaults={"reason": reason, "source": str(source or "")[:200], "actor": actor},
        )
        if not created and reason == SuppressionReason.HARD_BOUNCE != suppression.reason:
            suppression.reason = reason
            suppression.source = str(source or "")[:200]
            suppression.save(update_fields=["reason", "source", "updated_at"])
    return suppression


def suppression_remove(*, actor: User, suppression: Suppression) -> None:
    require_settings_manager(actor)
    suppression.delete()


@transaction.atomic
def unsubscribe(*, message_id: str) -> Message | None:
    """The recipient of a message asked for no more marketing mail (the one-click link)."""
    message = message_by_message_id(message_id)
    if message is None:
        return None
    suppression_add(
        address=message.to_address,
        reason=SuppressionReason.UNSUBSCRIBE,
        source=_("Unsubscribe link of message %(id)s") % {"id": message.pk},
    )
    if message.person_id is not None:
        already = consent_status(message.person, Channel.EMAIL) == ConsentStatus.OPTED_OUT
        if not already:
            consent_set(
                person=message.person,
                channel=Channel.EMAIL,
                status=ConsentStatus.OPTED_OUT,
                source="unsubscribe link",
            )
    return message


def complaint_record(*, complaint, source: str = "") -> list[str]:
    """Suppress the addresses whose recipients reported our mail as spam (an ARF feedback
    report: `bounces.parse_complaint`); returns those addresses.

    A complaint stops marketing mail, not transactional mail (docs/decisions.md). Feedback that
    says nothing of the recipient's wishes (an authentication failure, "not spam") changes
    nothing. When the provider redacted the recipient but returned our Message-ID, the address
    is the one that message went to.
    """
    if not complaint.unwanted:
        return []
    addresses = list(complaint.addresses)
    original = message_by_message_id(complaint.original_message_id)
    if original is not None and original.to_address:
        addresses.append(original.to_address.lower())
    suppressed = []
    with transaction.atomic():
        for address in dict.fromkeys(addresses):
            suppression_add(
                address=address,
                reason=SuppressionReason.COMPLAINT,
                source=source or _("Complaint report"),
            )
            suppressed.append(address)
    return suppressed


def bounce_record(*, bounce, source: str = "") -> list[str]:
    """Suppress every address a DSN reports as hard-bounced; returns those addresses.

    `bounce` is what `bounces.parse_bounce` read. The message that bounced, when it is ours,
    is marked failed with the diagnostic, so the outbox shows why it did not arrive.
    """
    suppressed = []
    with transaction.atomic():
        for address in dict.fromkeys(bounce.hard_addresses):
            suppression_add(
                address=address,
                reason=SuppressionReason.HARD_BOUNCE,
                source=source or _("Bounce report"),
            )
            suppressed.append(address)
        original = message_by_message_id(bounce.original_message_id)
        if original is not None and bounce.hard:
            diagnostic = "; ".join(
                f"{r.address} {r.status} {r.diagnostic}".strip() for r in bounce.recipients
            )
            Message.objects.filter(pk=original.pk).update(
                status=MessageStatus.FAILED, error=diagnostic[:2000]
            )
    return suppressed
