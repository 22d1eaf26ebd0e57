"""Tags of the ticket page's own panels."""

from django import template

from rapport.service.forms_ticket_fields import TicketFieldsForm
from rapport.service.services.conversation import reply_signature

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_fields_form(context):
    """The tags and custom fields form: the one posted (with its errors) or a fresh one. The
    ticket page's views build the page's other forms; this one is made where it is shown, so
    that those views need not know it."""
    return context.get("fields_form") or TicketFieldsForm(ticket=context["ticket"])


@register.simple_tag
def reply_signature_of(user) -> str:
    """The signature the reply form shows under the text: what the e-mail will carry."""
    return reply_signature(user)
