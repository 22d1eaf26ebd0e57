"""The service app's record types, registered from `ServiceConfig.ready()` (see
`rapport.core.records`).

A ticket is the agent's work: its "owner" for rules is the assignee. A ticket message is about
its ticket's customer; its owner is the ticket's assignee.
"""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import record_columns
from rapport.core.records import RecordType, register_record_type


def ticket_json(ticket) -> dict:
    data = record_columns(ticket)
    data["number"] = ticket.number
    data["tag_ids"] = sorted(tag.pk for tag in ticket.tags.all())
    return data


def ticket_message_json(message) -> dict:
    return record_columns(message)


def register() -> None:
    for record_type in (
        RecordType(
            key="ticket",
            model="service.Ticket",
            label=_("Ticket"),
            serialize=ticket_json,
            date_fields=("created_at", "first_responded_at", "resolved_at", "closed_at"),
            person_field="person",
            company_field="company",
            owner_field="assignee",
        ),
        RecordType(
            key="ticket_message",
            model="service.TicketMessage",
            label=_("Ticket message"),
            serialize=ticket_message_json,
            date_fields=("created_at",),
            person_field="ticket__person",
            company_field="ticket__company",
            owner_field="ticket__assignee",
        ),
    ):
        register_record_type(record_type)
