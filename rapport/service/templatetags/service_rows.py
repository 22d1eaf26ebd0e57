"""The cells of a ticket row (the ticket list, my tickets, the team's queue) and the ticket
page's badges, rendered in Python.

A page of 50 rows rendered these cells as four `{% include %}`s a row, asking Django for each
status's and priority's label (`get_FOO_display` hashes every choice of the field, translating
each, on every call) and reversing each ticket's and customer's URL; the templates were three
quarters of "my tickets"'s CPU at a million tickets (docs/benchmarks.md, "Service at scale").
Here each field's labels are translated once per language and each URL pattern is reversed once,
then filled in with the row's id.
"""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from rapport.core.reversing import url_for_id
from rapport.service.models import Ticket

register = template.Library()

_labels: dict[tuple[str | None, type, str], dict[str, str]] = {}


def choice_labels(model: type, field: str) -> dict[str, str]:
    """The labels of a model field's choices in the active language, value → label."""
    key = (get_language(), model, field)
    labels = _labels.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in model._meta.get_field(field).flatchoices}
        _labels[key] = labels
    return labels


@register.filter
def choice_label(instance, field: str) -> str:
    """`instance.get_<field>_display()`: `{{ ticket|choice_label:"type" }}`."""
    value = getattr(instance, field)
    return choice_labels(type(instance), field).get(value, value)


@register.simple_tag
def ticket_url(pk: int) -> str:
    return url_for_id("service:ticket_detail", pk)


@register.simple_tag
def ticket_status(ticket: Ticket) -> str:
    return format_html(
        '<span class="stage ticket-status" data-status="{}" data-testid="ticket-status">{}</span>',
        ticket.status,
        choice_labels(Ticket, "status").get(ticket.status, ticket.status),
    )


@register.simple_tag
def ticket_priority(ticket: Ticket) -> str:
    return format_html(
        '<span class="ticket-priority" data-priority="{}">{}</span>',
        ticket.priority,
        choice_labels(Ticket, "priority").get(ticket.priority, ticket.priority),
    )


@register.simple_tag
def ticket_customer(ticket: Ticket) -> str:
    """The customer a row names: the person or company as a link when the user may open it
    (`selectors.customers_visible_on` marked the row), else who wrote in, else a dash."""
    if ticket.person_id and ticket.person_visible:
        return format_html(
            '<a href="{}">{}</a>',
            url_for_id("customers:person_detail", ticket.person_id),
            ticket.person.full_name,
        )
    if ticket.company_id and ticket.company_visible:
        return format_html(
            '<a href="{}">{}</a>',
            url_for_id("customers:company_detail", ticket.company_id),
            ticket.company.name,
        )
    if ticket.requester_name or ticket.requester_email:
        return format_html("{}", ticket.requester_name or ticket.requester_email)
    return mark_safe('<span class="muted">—</span>')


@register.simple_tag
def ticket_sla_due(ticket: Ticket) -> str:
    """When the nearest running service-level target falls due, in red once it has passed."""
    if not ticket.sla_due_at:
        return mark_safe('<span class="muted">—</span>')
    due = template_localtime(ticket.sla_due_at)
    if ticket.sla_is_breached:
        return format_html(
            '<time datetime="{}" class="danger-text" title="{}" data-testid="sla-due">{}</time>',
            date_format(due, "c"),
            gettext("Overdue"),
            date_format(due, "SHORT_DATETIME_FORMAT"),
        )
    return format_html(
        '<time datetime="{}" data-testid="sla-due">{}</time>',
        date_format(due, "c"),
        date_format(due, "SHORT_DATETIME_FORMAT"),
    )
