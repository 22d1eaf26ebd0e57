"""What the service's writes share: locking, the customer's owner, timeline entries, links."""

import datetime

from django.urls import NoReverseMatch, reverse

from rapport.activities.services import timeline_add
from rapport.core.records import record_changed
from rapport.service.models import Ticket


def ticket_url(ticket: Ticket) -> str:
    """The ticket's page (what notifications and tasks link to)."""
    try:
        return reverse("service:ticket_detail", args=[ticket.pk])
    except NoReverseMatch:
        # The pages are mounted later under this path (rapport/service/urls.py).
        return f"/service/tickets/{ticket.pk}/"


def locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for the rest of the transaction (not its related rows)."""
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


def customer_owner_id(ticket: Ticket) -> int | None:
    """Whose customer the ticket is about: the person's owner, else the company's."""
    if ticket.person_id is not None:
        return ticket.person.owner_id
    if ticket.company_id is not None:
        return ticket.company.owner_id
    return None


def timeline(
    ticket: Ticket,
    *,
    kind: str,
    actor_id: int | None,
    when: datetime.datetime | None = None,
    body: str = "",
    data: dict | None = None,
) -> None:
    """An entry on the ticket's customer's timeline; a ticket about no customer has none."""
    if ticket.person_id is None and ticket.company_id is None:
        return
    timeline_add(
        kind=kind,
        title=ticket.subject,
        person_id=ticket.person_id,
        company_id=ticket.company_id,
        occurred_at=when,
        body=body[:5000],
        actor_id=actor_id,
        source_type="ticket",
        source_id=ticket.pk,
        data={"number": ticket.number, "type": ticket.type, **(data or {})},
    )


def announce(ticket: Ticket, operation: str, *, actor=None, changed=()) -> None:
    record_changed("ticket", ticket.pk, operation, changed_fields=tuple(changed), actor=actor)
