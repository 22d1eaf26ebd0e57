"""Jobs of the messaging app: delivering queued mail. Jobs are safe to run twice at once (each
message is claimed before it is sent); schedules live in config/schedules.py."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.core.events import subscribe
from rapport.messaging.events import MessageQueued
from rapport.messaging.services import messages_deliver, messages_recover_interrupted


@db_task()
def deliver_queued_messages() -> int:
    """Send what is queued; if the rate limit or a retry says wait, come back then."""
    result = messages_deliver()
    if result["retry_in"] is not None:
        deliver_queued_messages.schedule(delay=max(1, int(result["retry_in"]) + 1))
    return result["delivered"]


def recover_interrupted_messages() -> int:
    return messages_recover_interrupted()


@subscribe(MessageQueued)
def _deliver_after_commit(event: MessageQueued) -> None:
    transaction.on_commit(deliver_queued_messages)


def deliver_due_messages() -> int:
    """The periodic sweep: what a lost job or a retry's delay left queued goes out now."""
    return messages_deliver()["delivered"]
