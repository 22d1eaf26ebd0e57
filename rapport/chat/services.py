"""Writes of the chat app: a visitor starts a chat and writes; an agent takes, replies, ends.

The visitor is not signed in: the public views find the chat by its token and pass it here.
A chat nobody can take (no agent online when it starts, or none took it within
RAPPORT_CHAT_WAIT_SECONDS) becomes a ticket with the transcript as its first message
(`chat_to_ticket`); the visitor is told so in the chat. An ended chat's transcript goes on the
person's timeline when the visitor was identified.
"""

import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.behaviour.models import SiteKey
from rapport.chat.models import (
    MAX_MESSAGE_CHARS,
    AgentPresence,
    ChatMessage,
    ChatSender,
    ChatSession,
    ChatStatus,
)
from rapport.chat.selectors import agents_available_count
from rapport.core.cleaning import FieldError, FieldErrors, clean_text
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied
from rapport.customers.models import PersonEmail, PersonPhone
from rapport.customers.validation import normalize_email, normalize_phone
from rapport.knowledge.services import deflection_record
from rapport.service.models import TicketChannel
from rapport.service.services import ticket_create

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
# Chats the periodic job turns into tickets in one run; the next minute's run takes the rest.
CONVERT_BATCH = 500
# An agent's presence is written at most this often: the inbox polls every few seconds.
PRESENCE_WRITE_SECONDS = 10


class RateLimited(ApplicationError):
    status = 429

    def __init__(self) -> None:
        super().__init__("throttled", _("You are sending too fast. Wait a moment and try again."))


def rate_limit_hit(ip: str) -> bool:
    """Count one start or message from `ip` in the current minute; True when over the limit."""
    limit = settings.RAPPORT_CHAT_RATE_LIMIT
    if limit <= 0:
        return False
    key = f"rapport:chat:{ip}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        return False


def _clean_message(value, field: str, errors: FieldErrors) -> str:
    text = clean_text(
        value,
        field,
        errors,
        limit=MAX_MESSAGE_CHARS,
        required=True,
        required_message=_("Write a message."),
    )
    return text


def _find_person_id(email: str, phone: str) -> int | None:
    """The one existing person with this e-mail (else phone); never creates one."""
    if email:
        person_id = (
            PersonEmail.objects.filter(email=email)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .first()
        )
        if person_id is not None:
            return person_id
    if phone:
        return (
            PersonPhone.objects.filter(number=phone)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .first()
        )
    return None


def _clean_visitor(data: dict, errors: FieldErrors) -> dict:
    values = {"visitor_name": clean_text(data.get("name"), "name", errors, limit=200)}
    email = clean_text(data.get("email"), "email", errors, limit=254)
    phone = clean_text(data.get("phone"), "phone", errors, limit=40)
    try:
        values["visitor_email"] = normalize_email(email) if email else ""
    except FieldError as exc:
        errors.add("email", str(exc))
    try:
        values["visitor_phone"] = normalize_phone(phone) if phone else ""
    except FieldError as exc:
        errors.add("phone", str(exc))
    return values


def _system_message(session: ChatSession, text: str) -> ChatMessage:
    return ChatMessage.objects.create(session=session, sender=ChatSender.SYSTEM, text=text)


@transaction.atomic
def chat_start(*, site_key: SiteKey, data: dict, ip: str) -> ChatSession:
    """A visitor's new chat: `question` (required), optional `name`, `email`, `phone`,
    `language`. An e-mail or phone links the chat to the existing person who has it."""
    if rate_limit_hit(ip):
        raise RateLimited()
    errors = FieldErrors()
    question = _clean_message(data.get("question"), "question", errors)
    visitor = _clean_visitor(data, errors)
    errors.raise_if_any()
    language = data.get("language") if data.get("language") in LANGUAGES else ""
    session = ChatSession.objects.create(
        site_key=site_key,
        question=question,
        language=language,
        person_id=_find_person_id(visitor["visitor_email"], visitor["visitor_phone"]),
        started_at=timezone.now(),
        **visitor,
    )
    ChatMessage.objects.create(session=session, sender=ChatSender.VISITOR, text=question)
    if agents_available_count() == 0:
        session = chat_to_ticket(session=session)
    return session


def chat_visitor_send(*, session: ChatSession, text, ip: str) -> ChatMessage:
    if rate_limit_hit(ip):
        raise RateLimited()
    errors = FieldErrors()
    text = _clean_message(text, "text", errors)
    errors.raise_if_any()
    if not session.is_open:
        raise Conflict(_("This chat has ended."))
    return ChatMessage.objects.create(session=session, sender=ChatSender.VISITOR, text=text)


def chat_deflected(*, question, article_ids, site_key: SiteKey) -> None:
    """The visitor said a suggested article answered the question: no chat is started."""
    errors = FieldErrors()
    question = clean_text(question, "question", errors, limit=MAX_MESSAGE_CHARS, coerce=True)
    errors.raise_if_any()
    deflection_record(channel="chat", query=question, article_ids=article_ids)


def agent_seen(*, user: User) -> None:
    """The agent's chat inbox asked for news: they count as online for a while."""
    now = timezone.now()
    updated = AgentPresence.objects.filter(
        user=user, last_seen_at__lt=now - datetime.timedelta(seconds=PRESENCE_WRITE_SECONDS)
    ).update(last_seen_at=now)
    if not updated:
        AgentPresence.objects.get_or_create(user=user, defaults={"last_seen_at": now})


def agent_leave(*, user: User) -> None:
    AgentPresence.objects.filter(user=user).delete()


def _lock(session: ChatSession) -> ChatSession:
    return ChatSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def chat_take(*, actor: User, session: ChatSession) -> ChatSession:
    session = _lock(session)
    if session.status != ChatStatus.WAITING:
        raise Conflict(_("Another agent took this chat, or it has ended."))
    session.status = ChatStatus.ACTIVE
    session.agent = actor
    session.team = actor.team if getattr(actor, "team_id", None) else None
    session.taken_at = timezone.now()
    session.save(update_fields=["status", "agent", "team", "taken_at"])
    with override(session.language or None):
        _system_message(session, _("%(name)s joined the chat.") % {"name": _agent_name(actor)})
    return session


def _agent_name(user: User) -> str:
    return user.get_short_name() or user.get_username()


def _check_agent(actor: User, session: ChatSession) -> None:
    if session.agent_id != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Take the chat before you reply."))


def chat_agent_send(*, actor: User, session: ChatSession, text) -> ChatMessage:
    errors = FieldErrors()
    text = _clean_message(text, "text", errors)
    errors.raise_if_any()
    _check_agent(actor, session)
    if session.status != ChatStatus.ACTIVE:
        raise Conflict(_("This chat has ended."))
    return ChatMessage.objects.create(
        session=session, sender=ChatSender.AGENT, author=actor, text=text
    )


def transcript(session: ChatSession) -> str:
    names = {
        ChatSender.VISITOR: session.visitor_name or _("Visitor"),
        ChatSender.SYSTEM: "—",
    }
    lines = []
    for message in session.messages.select_related("author").order_by("id"):
        who = (
            _agent_name(message.author)
            if message.sender == ChatSender.AGENT and message.author
            else names.get(message.sender, _("Agent"))
        )
        stamp = timezone.localtime(message.created_at).strftime("%H:%M")
        lines.append(f"[{stamp}] {who}: {message.text}")
    return "\n".join(lines)


def _to_timeline(session: ChatSession) -> None:
    if session.person_id is None:
        return
    timeline_add(
        kind="chat.transcript",
        title=_("Web chat"),
        body=transcript(session),
        person_id=session.person_id,
        occurred_at=session.started_at,
        actor_id=session.agent_id,
        source_type="chat",
        source_id=session.pk,
    )


@transaction.atomic
def chat_end(*, session: ChatSession, actor: User | None = None) -> ChatSession:
    """End the chat (by its agent, or by the visitor when `actor` is None)."""
    session = _lock(session)
    if actor is not None:
        _check_agent(actor, session)
    if not session.is_open:
        return session
    session.status = ChatStatus.ENDED
    session.ended_at = timezone.now()
    session.save(update_fields=["status", "ended_at"])
    with override(session.language or None):
        _system_message(session, _("The chat has ended."))
    _to_timeline(session)
    return session


@transaction.atomic
def chat_to_ticket(*, session: ChatSession) -> ChatSession:
    """Nobody can take the chat: open a ticket (channel chat, the transcript as the customer's
    first message) and tell the visitor. Safe to call twice."""
    session = _lock(session)
    if session.status != ChatStatus.WAITING:
        return session
    data = {
        "subject": session.question[:200],
        "body": transcript(session),
        "language": session.language,
    }
    if session.person_id is not None:
        data["person_id"] = session.person_id
    if session.visitor_email:
        data["requester_email"] = session.visitor_email
    if session.visitor_name:
        data["requester_name"] = session.visitor_name
    ticket = ticket_create(actor=None, data=data, channel=TicketChannel.CHAT)
    session.status = ChatStatus.TICKET
    session.ticket = ticket
    session.ended_at = timezone.now()
    session.save(update_fields=["status", "ticket", "ended_at"])
    with override(session.language or None):
        if session.visitor_email:
            text = _(
                "No agent is free right now. We made your question request %(number)s and will "
                "answer by e-mail."
            ) % {"number": ticket.number}
        else:
            text = _(
                "No agent is free right now. We made your question request %(number)s; leave "
                "your e-mail or phone in a new chat so that we can answer."
            ) % {"number": ticket.number}
        _system_message(session, text)
    _to_timeline(session)
    return session


def chats_expire_waiting(*, now: datetime.datetime | None = None) -> int:
    """Turn every chat waiting longer than RAPPORT_CHAT_WAIT_SECONDS into a ticket."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.RAPPORT_CHAT_WAIT_SECONDS)
    expired = list(ChatSession.objects.filter(status=ChatStatus.WAITING, started_at__lt=cutoff))
    for session in expired:
        chat_to_ticket(session=session)
    return len(expired)


def chats_convert_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic job's pass, so that a chat becomes a ticket even when nobody polls: every
    chat waiting longer than RAPPORT_CHAT_WAIT_SECONDS and, while no agent is online, every
    waiting chat. One query on the (status, started_at) index finds them, whatever the number
    of chats; each becomes a ticket in its own transaction (`chat_to_ticket`, which skips a
    chat that was taken or converted in the meantime). Returns how many were converted."""
    due = ChatSession.objects.filter(status=ChatStatus.WAITING)
    if agents_available_count():
        now = now or timezone.now()
        cutoff = now - datetime.timedelta(seconds=settings.RAPPORT_CHAT_WAIT_SECONDS)
        due = due.filter(started_at__lt=cutoff)
    converted = 0
    for pk in due.order_by("started_at", "pk").values_list("pk", flat=True)[:CONVERT_BATCH]:
        converted += chat_to_ticket(session=ChatSession(pk=pk)).ticket_id is not None
    return converted
