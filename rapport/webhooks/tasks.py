"""Jobs of the webhooks app. Deliveries are sent once the change that wrote them commits; the
periodic `send_due` (config/schedules.py) sends the retries and anything a worker missed."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.core.events import subscribe
from rapport.webhooks import services
from rapport.webhooks.events import WebhookDeliveriesQueued


@db_task()
def send_deliveries(delivery_ids: list[int], manual: bool = False) -> int:
    """Make the first attempt of these deliveries; safe to run twice (each is claimed)."""
    sent = 0
    for delivery_id in delivery_ids:
        if services.delivery_send(delivery_id=delivery_id, manual=manual) is not None:
            sent += 1
    return sent


@subscribe(WebhookDeliveriesQueued)
def _send_after_commit(event: WebhookDeliveriesQueued) -> None:
    ids, manual = list(event.delivery_ids), event.manual
    transaction.on_commit(lambda: send_deliveries(ids, manual))


def send_due() -> int:
    services.subscriptions_switch_off_failing()
    return services.deliveries_send_due()


def purge_old_deliveries() -> int:
    return services.deliveries_purge()
