"""Keeping customer values fresh: a change of an order, a payment, a ticket or a reply, or of a
customer's owner, queues the recomputation of the customers concerned once the change is
committed. Subscribed to single and batch announcements alike (an import, a bulk action or a
merge announces a batch). The handlers run no query: which customers a record concerns is
looked up by the job."""

from django.db import transaction

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged

# The customer's owner and team are copied onto the value row (its visibility).
OWNER_FIELDS = {"owner", "team"}
TICKET_FIELDS = {"person", "company"}


def _concerns_values(record_type: str, operation: str, changed) -> bool:
    if record_type in ("order", "payment"):
        return True
    if record_type == "ticket":
        return operation == "created" or bool(TICKET_FIELDS & set(changed))
    if record_type == "ticket_message":
        return operation == "created"
    if record_type in ("person", "company"):
        # A deleted customer's value row goes with it.
        return operation == "updated" and bool(OWNER_FIELDS & set(changed))
    return False


def _queue(record_type: str, ids, operation: str, changed) -> None:
    if not _concerns_values(record_type, operation, changed):
        return
    from rapport.analytics.value.tasks import recompute_values_of_records

    ids = sorted({int(i) for i in ids})
    transaction.on_commit(lambda: recompute_values_of_records(record_type, ids))


def value_record_changed(event: RecordChanged) -> None:
    _queue(event.record_type, [event.record_id], event.operation, event.changed_fields)


def value_records_changed(event: RecordsChanged) -> None:
    _queue(event.record_type, event.record_ids, event.operation, event.changed_fields)


def register() -> None:
    subscribe(RecordChanged)(value_record_changed)
    subscribe(RecordsChanged)(value_records_changed)
