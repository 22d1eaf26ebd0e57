"""Reads of the inbox app. The inbound list is the administrators'; an attachment is for whoever
may see the message's person (administrators also for mail that reached no person)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.access import can_manage_settings, require_settings_manager
from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.customers.selectors import persons_visible_to
from rapport.inbox.models import InboundAttachment, InboundMessage, InboundStatus

# The list shows headers only; the raw bytes and text are read on the detail page.
_LIST_DEFERRED = ("raw", "body_text", "references", "to")


def inbound_for_admin(user: User, *, status: str = "") -> QuerySet[InboundMessage]:
    require_settings_manager(user)
    queryset = InboundMessage.objects.select_related("person").defer(*_LIST_DEFERRED)
    if status in InboundStatus.values:
        queryset = queryset.filter(status=status)
    return queryset


def get_inbound_for_admin(user: User, inbound_pk: int) -> InboundMessage:
    require_settings_manager(user)
    inbound = (
        InboundMessage.objects.select_related("person", "reply_to").filter(pk=inbound_pk).first()
    )
    if inbound is None:
        raise NotFound(_("Message not found."))
    return inbound


def inbound_attachments(inbound: InboundMessage) -> QuerySet[InboundAttachment]:
    return inbound.attachments.defer("content")


def get_attachment_for_user(user: User, attachment_pk: int) -> InboundAttachment:
    """The attachment if `user` may see its message's person; NotFound otherwise (also for
    another team's person, so the id tells nothing)."""
    attachment = (
        InboundAttachment.objects.select_related("message")
        .defer("message__raw", "message__body_text")
        .filter(pk=attachment_pk)
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    if can_manage_settings(user):
        return attachment
    person_id = attachment.message.person_id
    if person_id is None or not persons_visible_to(user).filter(pk=person_id).exists():
        raise NotFound(_("Attachment not found."))
    return attachment


def inbound_text(inbound_id: int) -> str:
    """The text of an inbound message (for the apps that act on one, such as sales' lead)."""
    return (
        InboundMessage.objects.filter(pk=inbound_id).values_list("body_text", flat=True).first()
        or ""
    )
