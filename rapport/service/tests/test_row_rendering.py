"""The ticket rows' cells and the ticket page's selects are rendered without per-cell and
per-option includes (issue 16, "Service at scale"); they must write the same HTML as Django's
own widgets and `get_FOO_display`, in every language."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from rapport.service.forms import FlatCheckboxSelectMultiple, FlatSelect
from rapport.service.models import (
    MessageKind,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from rapport.service.templatetags.service_rows import (
    choice_label,
    ticket_customer,
    ticket_priority,
    ticket_sla_due,
    ticket_status,
    ticket_url,
    url_for_id,
)

CHOICES = [
    ("", "—"),
    ("1", "Washing machines"),
    ("2", "\u2003Front loader <A&B>"),
    ("Kitchen", [("3", "Rice cooker"), ("4", 'Oven "XL"')]),
]


@pytest.mark.parametrize("value", ["", "2", "4", ["1", "3"]])
def test_flat_select_writes_what_django_select_writes(value):
    attrs = {"data-testid": "field-category", "id": "id_category_id"}
    flat = FlatSelect(attrs=attrs, choices=CHOICES).render("category_id", value)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("category_id", value)
    assert flat == django


@pytest.mark.parametrize("value", [[], ["2"], ["1", "4"]])
def test_flat_checkboxes_write_what_django_checkboxes_write(value):
    attrs = {"data-testid": "field-ticket-tags", "id": "id_tag_ids"}
    flat = FlatCheckboxSelectMultiple(attrs=attrs, choices=CHOICES).render("tag_ids", value)
    django = forms.CheckboxSelectMultiple(attrs=attrs, choices=CHOICES).render("tag_ids", value)
    assert flat == django


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_choice_labels_are_the_display_values_in_each_language(language):
    ticket = Ticket(
        status=TicketStatus.WAITING_CUSTOMER,
        priority=TicketPriority.URGENT,
        type=TicketType.COMPLAINT,
        channel=TicketChannel.PHONE,
    )
    message = TicketMessage(kind=MessageKind.INTERNAL_NOTE)
    with translation.override(language):
        assert choice_label(ticket, "status") == ticket.get_status_display()
        assert choice_label(ticket, "priority") == ticket.get_priority_display()
        assert choice_label(ticket, "type") == ticket.get_type_display()
        assert choice_label(ticket, "channel") == ticket.get_channel_display()
        assert choice_label(message, "kind") == message.get_kind_display()


def test_an_unknown_choice_shows_its_value_like_get_display():
    ticket = Ticket(status="archived")
    assert choice_label(ticket, "status") == ticket.get_status_display() == "archived"


def test_urls_filled_in_from_one_reversal_are_the_reversed_urls():
    assert ticket_url(7) == reverse("service:ticket_detail", args=[7])
    assert url_for_id("customers:person_detail", 12345) == reverse(
        "customers:person_detail", args=[12345]
    )


def test_status_and_priority_badges():
    ticket = Ticket(status=TicketStatus.OPEN, priority=TicketPriority.HIGH)
    with translation.override("en"):
        assert ticket_status(ticket) == (
            '<span class="stage ticket-status" data-status="open" data-testid="ticket-status">'
            f"{ticket.get_status_display()}</span>"
        )
        assert ticket_priority(ticket) == (
            '<span class="ticket-priority" data-priority="high">'
            f"{ticket.get_priority_display()}</span>"
        )


def test_customer_cell_names_a_hidden_customer_by_the_requester_escaped():
    ticket = Ticket(person_id=5, requester_name="", requester_email="<ann>@shop.example")
    ticket.person_visible = False
    ticket.company_visible = False
    assert ticket_customer(ticket) == "&lt;ann&gt;@shop.example"
    assert ticket_customer(Ticket()) == '<span class="muted">—</span>'


def test_sla_due_is_red_once_past():
    past = Ticket(sla_due_at=timezone.now() - datetime.timedelta(hours=1))
    future = Ticket(sla_due_at=timezone.now() + datetime.timedelta(hours=1))
    with translation.override("en"):
        assert 'class="danger-text" title="Overdue"' in ticket_sla_due(past)
        assert "danger-text" not in ticket_sla_due(future)
        assert 'data-testid="sla-due"' in ticket_sla_due(future)
    assert ticket_sla_due(Ticket()) == '<span class="muted">—</span>'
