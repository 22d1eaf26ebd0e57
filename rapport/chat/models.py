"""Web chat between a website visitor and an agent.

A visitor on a website that carries the widget opens a `ChatSession` with the site's key
(`behaviour.SiteKey`: its allowed origins also bound the chat). The visitor holds a random token
instead of a login; every public call carries it. Messages are plain text, read in id order
("after id" reads are what both sides' long polls make).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_MESSAGE_CHARS = 2000


def new_visitor_token() -> str:
    return secrets.token_urlsafe(32)


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
    ENDED = "ended", _("Ended")
    TICKET = "ticket", _("Became a ticket")


class ChatSession(models.Model):
    site_key = models.ForeignKey(
        "behaviour.SiteKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visitor_token = models.CharField(max_length=64, unique=True, default=new_visitor_token)
    visitor_name = models.CharField(_("name"), max_length=200, blank=True)
    visitor_email = models.CharField(_("e-mail"), max_length=254, blank=True)
    visitor_phone = models.CharField(_("phone"), max_length=40, blank=True)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question = models.CharField(_("question"), max_length=MAX_MESSAGE_CHARS)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChatStatus, default=ChatStatus.WAITING
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    taken_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            models.Index(fields=["status", "started_at"], name="chat_session_status_idx"),
            models.Index(fields=["agent", "status"], name="chat_session_agent_idx"),
        ]

    def __str__(self):
        return f"chat {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (ChatStatus.WAITING, ChatStatus.ACTIVE)


class ChatSender(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatMessage(models.Model):
    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=ChatSender)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Plain text as typed; pages escape it (the template engine, or textContent in the widget).
    text = models.TextField(max_length=MAX_MESSAGE_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["session", "id"], name="chat_message_after_idx")]

    def __str__(self):
        return f"{self.sender}: {self.text[:40]}"


class AgentPresence(models.Model):
    """When an agent's chat inbox last asked for news: an agent seen lately is online."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.user_id} seen {self.last_seen_at}"
