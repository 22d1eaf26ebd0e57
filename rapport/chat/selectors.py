"""Reads of the chat app, and the long poll both sides wait on for news.

Who sees a chat: administrators every chat; any other signed-in user the waiting chats (any of
them may take one) and the chats they took. Chats carry no owner or team before an agent takes
one, so the accounts visibility rule has nothing to scope them by until then.
"""

import datetime
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.chat.models import AgentPresence, ChatMessage, ChatSession, ChatStatus
from rapport.core.errors import NotFound
from rapport.customers.selectors import persons_visible_to
from rapport.service.models import AgentProfile

# How often a waiting poll looks for news: one indexed query on (session, id) per step, so a
# message written by the other side is seen within a quarter of a second.
POLL_STEP_SECONDS = 0.25
# Held polls per process (RAPPORT_CHAT_MAX_WAITING_POLLS); created on first use.
_held_polls: threading.BoundedSemaphore | None = None
_held_polls_lock = threading.Lock()


def agents_online_since() -> datetime.datetime:
    # The inbox asks at least once per long poll; a little slack for a slow network.
    return timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_CHAT_POLL_SECONDS + 15)


def agents_available_count() -> int:
    """Agents whose chat inbox is open (seen lately) and who are not marked away."""
    away = AgentProfile.objects.filter(is_away=True).values("user_id")
    return (
        AgentPresence.objects.filter(last_seen_at__gte=agents_online_since(), user__is_active=True)
        .exclude(user_id__in=away)
        .count()
    )


def chats_visible_to(user: User) -> QuerySet[ChatSession]:
    chats = ChatSession.objects.all()
    if user.is_administrator:
        return chats
    return chats.filter(Q(status=ChatStatus.WAITING) | Q(agent=user))


def get_chat_for_user(user: User, pk: int) -> ChatSession:
    chat = chats_visible_to(user).select_related("agent", "person").filter(pk=pk).first()
    if chat is None:
        raise NotFound(_("Chat not found."))
    return chat


def get_chat_for_visitor(token) -> ChatSession:
    """The visitor's chat by its token; a forged or unknown token is not found."""
    chat = (
        ChatSession.objects.select_related("agent").filter(visitor_token=token).first()
        if isinstance(token, str) and 20 <= len(token) <= 64
        else None
    )
    if chat is None:
        raise NotFound(_("Chat not found."))
    return chat


def chats_waiting() -> QuerySet[ChatSession]:
    return ChatSession.objects.filter(status=ChatStatus.WAITING).order_by("started_at", "id")


def chats_of_agent(user: User) -> QuerySet[ChatSession]:
    return ChatSession.objects.filter(agent=user, status=ChatStatus.ACTIVE).order_by(
        "taken_at", "id"
    )


def chats_recent(user: User, limit: int = 20) -> list[ChatSession]:
    chats = chats_visible_to(user).filter(status__in=[ChatStatus.ENDED, ChatStatus.TICKET])
    return list(chats.select_related("agent", "ticket").order_by("-started_at", "-id")[:limit])


def messages_after(session_id: int, after: int) -> list[ChatMessage]:
    return list(
        ChatMessage.objects.filter(session_id=session_id, id__gt=after)
        .select_related("author")
        .order_by("id")[:200]
    )


@dataclass
class News:
    status: str
    messages: list[ChatMessage]
    # True when the server held no poll for this call: the client asks again a second later.
    busy: bool = False


def _semaphore() -> threading.BoundedSemaphore:
    global _held_polls
    with _held_polls_lock:
        if _held_polls is None:
            _held_polls = threading.BoundedSemaphore(
                max(settings.RAPPORT_CHAT_MAX_WAITING_POLLS, 1)
            )
        return _held_polls


def _status_of(session_id: int) -> str:
    return ChatSession.objects.filter(pk=session_id).values_list("status", flat=True).first() or ""


def wait_for_news(session_id: int, *, after: int, known_status: str, wait: bool = True) -> News:
    """Messages after id `after`, and the chat's status, as soon as there is something new.

    Holds the request up to RAPPORT_CHAT_POLL_SECONDS while nothing changes. When this process
    already holds RAPPORT_CHAT_MAX_WAITING_POLLS polls it answers at once (`busy`), so the web
    threads stay free for pages: the client then polls again a second later.
    """
    messages = messages_after(session_id, after)
    status = _status_of(session_id)
    if messages or status != known_status or not wait:
        return News(status=status, messages=messages)
    semaphore = _semaphore()
    if not semaphore.acquire(blocking=False):
        return News(status=status, messages=[], busy=True)
    try:
        deadline = time.monotonic() + settings.RAPPORT_CHAT_POLL_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_STEP_SECONDS)
            messages = messages_after(session_id, after)
            status = _status_of(session_id)
            if messages or status != known_status:
                break
        return News(status=status, messages=messages)
    finally:
        semaphore.release()


def chats_list(user: User, *, status: str = "") -> QuerySet[ChatSession]:
    """The chats `user` sees (`chats_visible_to`), optionally of one status, with their agent,
    team and person loaded (the person only where the reader may see it: else None)."""
    chats = chats_visible_to(user)
    if status:
        chats = chats.filter(status=status)
    return chats.select_related("agent", "team").prefetch_related(
        Prefetch("person", queryset=persons_visible_to(user))
    )


def chat_with_messages(user: User, pk: int) -> ChatSession:
    """A chat `user` sees, as `chats_list` loads it, with `messages_list` (oldest first)."""
    chat = chats_list(user).filter(pk=pk).first()
    if chat is None:
        raise NotFound(_("Chat not found."))
    chat.messages_list = list(chat.messages.select_related("author").order_by("id"))
    return chat
