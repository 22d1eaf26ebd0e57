"""Domain events of the behaviour app; the apps above (automation) subscribe to them."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class BehaviourEventsReceived(Event):
    """A batch of events was accepted: one announcement per batch, not per event.

    `events` holds (event id, event name, person id or None) for every event kept. Published
    inside the transaction that stored them.
    """

    events: tuple[tuple[int, str, int | None], ...]
