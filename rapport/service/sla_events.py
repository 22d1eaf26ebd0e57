"""Keep tickets' SLA clocks in step with what happens to them.

The ticket services announce every change (`record_changed("ticket" | "ticket_message", …)`,
synchronously, inside their transaction and after their last save); these subscribers call
`services.sla.sla_sync` on the changes that move a clock, so no ticket service needs to know
about SLAs: a ticket created; its status, priority, type, customer or tags changed; a customer
message (`last_customer_message_at` changed); a public reply written; its queue changed (other
business hours).
"""

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.service.models import MessageKind, Ticket, TicketMessage
from rapport.service.services import sla

SYNCED_FIELDS = frozenset(
    {"status", "priority", "type", "person", "company", "tags", "merged_into", "resolved_at"}
)


def _ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.filter(pk=ticket_id).first()


def ticket_changed(event: RecordChanged) -> None:
    if sla.checking.get():
        return
    if event.record_type == "ticket_message":
        if event.operation != "created":
            return
        row = (
            TicketMessage.objects.filter(pk=event.record_id, kind=MessageKind.PUBLIC_REPLY)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if row is not None and (ticket := _ticket(row)) is not None:
            sla.sla_sync(ticket, event=sla.EVENT_REPLY)
        return
    if event.record_type != "ticket" or event.operation == "deleted":
        return
    changed = set(event.changed_fields)
    if event.operation == "created":
        event_name = ""
    elif "last_customer_message_at" in changed:
        event_name = sla.EVENT_CUSTOMER_MESSAGE
    elif changed & SYNCED_FIELDS:
        event_name = ""
    elif "team" in changed:
        sla.sla_reschedule(ticket_ids=[event.record_id])
        return
    else:
        return
    ticket = _ticket(event.record_id)
    if ticket is not None:
        sla.sla_sync(ticket, event=event_name)
        if "team" in changed:
            sla.sla_reschedule(ticket_ids=[ticket.pk])


def tickets_changed(event: RecordsChanged) -> None:
    """A batch of ticket changes (the queue's bulk assignment: a page of tickets at most), one by
    one: each ticket's clocks depend on its own state."""
    if event.record_type not in ("ticket", "ticket_message") or sla.checking.get():
        return
    for single in event.each():
        ticket_changed(single)


def register() -> None:
    subscribe(RecordChanged)(ticket_changed)
    subscribe(RecordsChanged)(tickets_changed)
    sla.register_wording()
