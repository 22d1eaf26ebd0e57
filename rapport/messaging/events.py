"""Domain events of the messaging app; the apps above (automation, inbox) subscribe to them."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class MessageQueued(Event):
    """A message waits for delivery; the app's tasks module queues the job on commit."""

    message_id: int


@dataclass(frozen=True)
class MessageSent(Event):
    """A message was handed to the mail server (or kept in the outbox when none is configured)."""

    message_id: int
    person_id: int | None


@dataclass(frozen=True)
class MessageOpened(Event):
    message_id: int
    person_id: int | None


@dataclass(frozen=True)
class MessageClicked(Event):
    message_id: int
    person_id: int | None
    url: str
