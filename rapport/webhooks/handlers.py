"""The webhooks app's subscribers: every record change goes to the outbox of deliveries."""

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged
from rapport.webhooks.services import deliveries_queue_for_change


@subscribe(RecordChanged)
def queue_webhook_deliveries(event: RecordChanged) -> None:
    # In the change's transaction: rolled back with it (see services, "The outbox").
    deliveries_queue_for_change(event)
