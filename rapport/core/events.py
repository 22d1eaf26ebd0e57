"""Domain events: how a lower app announces a change without importing a higher one.

`customers` publishes `PersonCreated`; `activities` subscribes and writes the timeline entry.
Handlers run synchronously inside the publisher's transaction, so a failing handler rolls the
whole change back; anything slow belongs in a job enqueued with `transaction.on_commit`.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_handlers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)


@dataclass(frozen=True)
class Event:
    pass


def subscribe(event_type: type[Event]) -> Callable:
    def register(handler: Callable[[Any], None]) -> Callable[[Any], None]:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def publish(event: Event) -> None:
    for handler in _handlers[type(event)]:
        handler(event)
