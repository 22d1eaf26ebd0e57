"""The webhooks app's subscribers: every record change goes to the outbox of deliveries."""

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.webhooks.services import deliveries_queue_for_change


@subscribe(RecordChanged)
def queue_webhook_deliveries(event: RecordChanged) -> None:
    # In the change's transaction: rolled back with it (see services, "The outbox").
    deliveries_queue_for_change(event)


@subscribe(RecordsChanged)
def queue_webhook_deliveries_for_batch(event: RecordsChanged) -> None:
    # A delivery per record, as receivers expect one event per change; nothing is asked of
    # the database per record when no subscription wants the event type.
    for single in event.each():
        deliveries_queue_for_change(single)
