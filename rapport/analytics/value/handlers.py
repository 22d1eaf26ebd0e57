"""Keeping customer values fresh: a change of an order, a payment, a ticket or a reply, or of a
customer's owner, queues the recomputation of the customers concerned once the change is
committed. Subscribed to single and batch announcements alike (an import, a bulk action or a
merge announces a batch)."""

from django.db import transaction

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.sales.models import Payment
from rapport.service.models import TicketMessage

# The customer's owner and team are copied onto the value row (its visibility).
OWNER_FIELDS = {"owner", "team"}
TICKET_FIELDS = {"person", "company"}


def _customers(record_type: str, ids: list[int], operation: str, changed) -> tuple[list, list]:
    from rapport.analytics.value.services.values import customers_of_orders, customers_of_tickets

    if record_type == "order":
        return customers_of_orders(ids)
    if record_type == "payment":
        order_ids = Payment.objects.filter(pk__in=ids).values_list("order_id", flat=True)
        return customers_of_orders(list(order_ids))
    if record_type == "ticket" and (operation == "created" or TICKET_FIELDS & set(changed)):
        return customers_of_tickets(ids)
    if record_type == "ticket_message" and operation == "created":
        ticket_ids = TicketMessage.objects.filter(pk__in=ids).values_list("ticket_id", flat=True)
        return customers_of_tickets(list(ticket_ids))
    if operation == "updated" and OWNER_FIELDS & set(changed):
        if record_type == "person":
            return ids, []
        if record_type == "company":
            return [], ids
    return [], []


def _queue(record_type: str, ids, operation: str, changed) -> None:
    if operation == "deleted" and record_type in ("person", "company"):
        return  # the value row went with the customer
    persons, companies = _customers(record_type, list(ids), operation, changed)
    if not persons and not companies:
        return
    from rapport.analytics.value.tasks import recompute_customer_values

    persons, companies = sorted(set(persons)), sorted(set(companies))
    transaction.on_commit(lambda: recompute_customer_values(persons, companies))


WATCHED = {"order", "payment", "ticket", "ticket_message", "person", "company"}


def value_record_changed(event: RecordChanged) -> None:
    if event.record_type in WATCHED:
        _queue(event.record_type, [event.record_id], event.operation, event.changed_fields)


def value_records_changed(event: RecordsChanged) -> None:
    if event.record_type in WATCHED:
        _queue(event.record_type, event.record_ids, event.operation, event.changed_fields)


def register() -> None:
    subscribe(RecordChanged)(value_record_changed)
    subscribe(RecordsChanged)(value_records_changed)
