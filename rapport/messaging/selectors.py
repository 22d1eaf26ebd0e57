"""Reads of the messaging app. The outbox, templates and suppression list are administrators'
pages; a person's consent is shown to whoever may see the person."""

import re

from django.db.models import QuerySet

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.customers.models import Person
from rapport.messaging.models import (
    ConsentChange,
    EmailTemplate,
    Message,
    Suppression,
)

_CJK = re.compile(r"[\u3400-\u9fff]")


def message_by_message_id(message_id: str) -> Message | None:
    """The message we sent with this Message-ID header value (with or without the <>)."""
    value = (message_id or "").strip().strip("<>").strip()
    if not value:
        return None
    return Message.objects.select_related("person").filter(message_id=value).first()


def person_language(person: Person) -> str:
    """The language to write to a person in: "language" among their custom values when set
    ("en" or "zh-hans"), else Chinese for a name written in Chinese characters, else English."""
    chosen = str((person.custom or {}).get("language") or "").lower()
    if chosen in ("en", "zh-hans"):
        return chosen
    if chosen in ("zh", "zh-cn", "zh_hans", "chinese", "中文"):
        return "zh-hans"
    return "zh-hans" if _CJK.search(person.full_name or "") else "en"


def suppression_for(address: str) -> Suppression | None:
    return Suppression.objects.filter(address=(address or "").strip().lower()).first()


def consent_status(person: Person, channel: str) -> str | None:
    """The consent in force (the latest change) for one person and channel, None if never set."""
    return (
        ConsentChange.objects.filter(person=person, channel=channel)
        .order_by("-id")
        .values_list("status", flat=True)
        .first()
    )


def consent_history(person: Person) -> QuerySet[ConsentChange]:
    return ConsentChange.objects.filter(person=person).select_related("actor").order_by("-id")


def messages_for_admin(user: User, *, status: str = "", q: str = "") -> QuerySet[Message]:
    require_settings_manager(user)
    messages = Message.objects.select_related("person", "template").order_by("-created_at", "-id")
    if status:
        messages = messages.filter(status=status)
    if q:
        messages = messages.filter(to_address__icontains=q.strip()) | messages.filter(
            subject__icontains=q.strip()
        )
    return messages


def get_message_for_admin(user: User, message_pk: int) -> Message:
    require_settings_manager(user)
    message = (
        Message.objects.select_related("person", "template", "actor").filter(pk=message_pk).first()
    )
    if message is None:
        raise NotFound("Message not found.")
    return message


def templates_for_admin(user: User) -> QuerySet[EmailTemplate]:
    require_settings_manager(user)
    return EmailTemplate.objects.order_by("name")


def get_template_for_admin(user: User, template_pk: int) -> EmailTemplate:
    require_settings_manager(user)
    template = EmailTemplate.objects.filter(pk=template_pk).first()
    if template is None:
        raise NotFound("Template not found.")
    return template


def suppressions_for_admin(user: User, *, q: str = "") -> QuerySet[Suppression]:
    require_settings_manager(user)
    suppressions = Suppression.objects.select_related("actor").order_by("-created_at", "-id")
    if q:
        suppressions = suppressions.filter(address__icontains=q.strip().lower())
    return suppressions


def get_suppression_for_admin(user: User, suppression_pk: int) -> Suppression:
    require_settings_manager(user)
    suppression = Suppression.objects.filter(pk=suppression_pk).first()
    if suppression is None:
        raise NotFound("Suppressed address not found.")
    return suppression
