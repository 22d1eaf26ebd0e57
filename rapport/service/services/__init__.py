"""Writes of the service app, one module per part; import them from here."""

from rapport.service.services.assignment import (
    agent_profile_set,
    assignment_rule_create,
    assignment_rule_delete,
    assignment_rule_update,
    available_agents,
    matching_rule,
    ticket_auto_assign,
)
from rapport.service.services.configuration import (
    canned_reply_create,
    canned_reply_delete,
    canned_reply_update,
    category_create,
    category_delete,
    category_update,
)
from rapport.service.services.conversation import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentData,
    canned_reply_render,
    sanitize_html,
    ticket_note,
    ticket_reply,
)
from rapport.service.services.inbound import (
    is_service_mail,
    ticket_customer_message,
    ticket_from_inbound,
)
from rapport.service.services.tickets import (
    TicketMerged,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_merge,
    ticket_update,
    tickets_assign_bulk,
    tickets_follow_customer,
    tickets_refresh_customer_owner,
)
from rapport.service.services.web_form import (
    RateLimited,
    ticket_capture_from_form,
    ticket_form_create,
    ticket_form_update,
)

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "AttachmentData",
    "RateLimited",
    "TicketMerged",
    "agent_profile_set",
    "assignment_rule_create",
    "assignment_rule_delete",
    "assignment_rule_update",
    "available_agents",
    "canned_reply_create",
    "canned_reply_delete",
    "canned_reply_render",
    "canned_reply_update",
    "category_create",
    "category_delete",
    "category_update",
    "is_service_mail",
    "matching_rule",
    "sanitize_html",
    "ticket_assign",
    "ticket_auto_assign",
    "ticket_capture_from_form",
    "ticket_change_status",
    "ticket_create",
    "ticket_customer_message",
    "ticket_form_create",
    "ticket_form_update",
    "ticket_from_inbound",
    "ticket_merge",
    "ticket_note",
    "ticket_reply",
    "ticket_update",
    "tickets_assign_bulk",
    "tickets_follow_customer",
    "tickets_refresh_customer_owner",
]
