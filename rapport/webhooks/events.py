"""Events of the webhooks app."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class WebhookDeliveriesQueued(Event):
    """Deliveries were written and should be sent once the transaction commits (`tasks.py`
    subscribes and queues the job, so services never import the jobs)."""

    delivery_ids: tuple[int, ...]
    # A test event or a re-send asked for by an administrator: sent even to a subscription
    # that is switched off.
    manual: bool = False
