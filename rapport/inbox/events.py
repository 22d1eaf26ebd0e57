"""Domain events of the inbox app; the apps above (sales, automation) subscribe to them."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class MessageReplied(Event):
    """An inbound e-mail answers one of our messages (threaded by In-Reply-To / References)."""

    message_id: int  # messaging.Message
    person_id: int
    inbound_id: int


@dataclass(frozen=True)
class InboundMailReceived(Event):
    """A message from the shared mailbox was processed (not a bounce); person None: unknown."""

    inbound_id: int
    person_id: int | None


@dataclass(frozen=True)
class InboundMailFromUnknownSender(Event):
    """A message from an address no person has (sales makes a lead of it when configured)."""

    inbound_id: int
    address: str
    name: str
    subject: str
