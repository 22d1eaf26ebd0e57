"""Tags of the ticket page's own panels."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from rapport.activities.mentions import render_mentions
from rapport.core.reversing import url_for_id
from rapport.service.forms_ticket_fields import TicketFieldsForm
from rapport.service.models import MessageKind, TicketMessage
from rapport.service.services.conversation import reply_signature
from rapport.service.templatetags.service_rows import choice_labels

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_fields_form(context):
    """The tags and custom fields form: the one posted (with its errors) or a fresh one. The
    ticket page's views build the page's other forms; this one is made where it is shown, so
    that those views need not know it."""
    detail = context.get("detail")
    return context.get("fields_form") or TicketFieldsForm(
        ticket=context["ticket"], tags=detail.all_tags if detail is not None else None
    )


@register.simple_tag
def reply_signature_of(user) -> str:
    """The signature the reply form shows under the text: what the e-mail will carry."""
    return reply_signature(user)


def _when(value, fmt: str, use_tz: bool) -> str:
    return conditional_escape(date_filter(template_localtime(value, use_tz), fmt))


@register.simple_tag(takes_context=True)
def conversation_messages(context) -> str:
    """The conversation's messages as the page shows them, written in Python: a template loop
    of 20 messages took about 6 ms of the page's CPU (docs/benchmarks.md, "Service at scale",
    fifth round). The HTML is the one the loop wrote (the tests compare them)."""
    esc = conditional_escape
    ticket = context["ticket"]
    person_visible = context["detail"].person_visible
    use_tz = context.use_tz
    kinds = choice_labels(TicketMessage, "kind")
    customer = None
    html = []
    for message in context["conversation"]:
        if message.kind == MessageKind.CUSTOMER_MESSAGE:
            if message.author_person and person_visible:
                author = esc(message.author_person.full_name)
            else:
                if customer is None:
                    customer = esc(
                        ticket.requester_name or ticket.requester_email or gettext("Customer")
                    )
                author = customer
            if message.author_user:
                recorded = gettext("recorded by %(name)s") % {"name": esc(message.author_user)}
                author += f' <span class="muted small">({recorded})</span>'
        else:
            author = esc(message.author_user or "Rapport")
        kind = esc(message.kind)
        if message.body_html:
            body = f'<div class="body html" data-testid="message-body">{message.body_html}</div>'
            body += "\n          "
        elif message.kind == MessageKind.INTERNAL_NOTE:
            body = f'<div class="body" data-testid="message-body">{esc(render_mentions(message.body))}</div>'  # noqa: E501
            body += "\n          "
        else:
            body = f'<div class="body" data-testid="message-body">{esc(message.body)}</div>'
        files = list(message.attachments.all())
        listed = ""
        if files:
            listed = (
                '<ul class="attachments">'
                + "".join(
                    f'<li><a href="{url_for_id("service:attachment_download", file.pk)}" '
                    f'download data-testid="attachment-link">📎 {esc(file.filename)}</a> '
                    f'<span class="muted small">{esc(filesizeformat(file.size))}</span></li>'
                    for file in files
                )
                + "</ul>"
            )
        html.append(
            f'\n        <article class="ticket-message kind-{kind}" data-testid="ticket-message"'
            f' data-kind="{kind}">\n          <header>\n            <strong>{author}</strong>\n'
            f'            <span class="kind-label">{esc(kinds.get(message.kind, message.kind))}'
            f'</span>\n            <time class="muted small" datetime="'
            f'{_when(message.created_at, "c", use_tz)}">'
            f"{_when(message.created_at, 'DATETIME_FORMAT', use_tz)}</time>\n"
            f"          </header>\n          {body}\n          {listed}\n        </article>\n      "
        )
    return mark_safe("".join(html))  # noqa: S308 -- every value above is escaped
