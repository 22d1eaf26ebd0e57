"""The automation app's subscriptions: record changes, e-mail and behaviour events.

Each handler runs in the request that caused the event, so it does at most one indexed query
(which active rules the event may concern) and queues the rest for the job workers after the
commit: conditions and actions never slow the request down, and a change rolled back starts
nothing.
"""

import importlib.util
import uuid

from django.db import transaction

from rapport.automation import engine, tasks
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged


@subscribe(RecordChanged)
def record_changed(event: RecordChanged) -> None:
    if not event.start_rules:
        return
    rule_ids = engine.rules_for_change(event)
    if not rule_ids:
        return
    info = {
        "type": event.operation,
        "fields": list(event.changed_fields),
        "actor_id": event.actor_id,
    }
    key = f"change:{uuid.uuid4()}"
    transaction.on_commit(
        lambda: tasks.start_rules(
            rule_ids, event.record_type, event.record_id, key, info, event.origin
        )
    )


@subscribe(RecordsChanged)
def records_changed(event: RecordsChanged) -> None:
    """A batch of changes (an import's, a merge's): one rule lookup for all of them, since which
    rules a change may start depends on its type, operation, fields and origin only."""
    if not event.start_rules or not event.record_ids:
        return
    rule_ids = engine.rules_for_change(next(event.each()))
    if not rule_ids:
        return
    info = {
        "type": event.operation,
        "fields": list(event.changed_fields),
        "actor_id": event.actor_id,
    }

    def start() -> None:
        # One job per `tasks.BATCH` records, each record with an event key of its own.
        starts = [(record_id, f"change:{uuid.uuid4()}") for record_id in event.record_ids]
        for chunk in tasks.chunks(starts):
            tasks.start_rules_batch(rule_ids, event.record_type, list(chunk), info, event.origin)

    transaction.on_commit(start)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def subscribe_channel_events() -> None:
    """Subscribe to the messaging, inbox and behaviour events that exist in this installation
    (called from AppConfig.ready())."""
    if _module_exists("rapport.messaging.events"):
        from rapport.messaging import events as messaging

        if hasattr(messaging, "MessageOpened"):

            @subscribe(messaging.MessageOpened)
            def message_opened(event) -> None:
                _queue_email("email_opened", event)

        if hasattr(messaging, "MessageClicked"):

            @subscribe(messaging.MessageClicked)
            def message_clicked(event) -> None:
                _queue_email("email_clicked", event, url=getattr(event, "url", ""))

    if _module_exists("rapport.inbox.events"):
        from rapport.inbox import events as inbox

        if hasattr(inbox, "MessageReplied"):

            @subscribe(inbox.MessageReplied)
            def message_replied(event) -> None:
                _queue_email("email_replied", event)

    if _module_exists("rapport.behaviour.events"):
        from rapport.behaviour import events as behaviour

        if hasattr(behaviour, "BehaviourEventsReceived"):

            @subscribe(behaviour.BehaviourEventsReceived)
            def behaviour_events(event) -> None:
                _behaviour_events(event)


def _queue_email(trigger_type: str, event, **extra) -> None:
    person_id = getattr(event, "person_id", None)
    if person_id is None:
        return
    rule_ids = engine.rules_for_event(trigger_type)
    if not rule_ids:
        return
    message_id = event.message_id

    def start():
        from rapport.messaging.models import Message

        template_id = (
            Message.objects.filter(pk=message_id).values_list("template_id", flat=True).first()
        )
        info = {"type": trigger_type, "message_id": message_id, "template_id": template_id, **extra}
        tasks.start_rules(
            rule_ids, "person", person_id, f"{trigger_type}:{message_id}:{uuid.uuid4()}", info
        )

    transaction.on_commit(start)


def _behaviour_events(event) -> None:
    by_name: dict[str, set[int]] = {}
    for _event_id, name, person_id in event.events:
        if person_id is not None:
            by_name.setdefault(name, set()).add(person_id)
    if not by_name:
        return
    # Waits for an event end when it arrives; then rules triggered by an event start.
    step_ids = [
        pk
        for name, persons in by_name.items()
        for pk in engine.waiting_steps_for_event(name, persons)
    ]
    if step_ids:
        transaction.on_commit(lambda: tasks.end_waits(step_ids, "event"))
    rule_ids = engine.rules_for_event("event_received")
    if not rule_ids:
        return
    first_event = {}
    for event_id, name, person_id in event.events:
        if person_id is not None:
            first_event.setdefault((name, person_id), event_id)
    for (name, person_id), event_id in first_event.items():
        info = {"type": "event_received", "event_name": name, "event_id": event_id}
        transaction.on_commit(
            lambda p=person_id, i=info, e=event_id: tasks.start_rules(
                rule_ids, "person", p, f"event:{e}", i
            )
        )
