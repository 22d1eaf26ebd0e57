"""Mail another app takes over: a higher app (service, for its support address and ticket
threads) registers a test, and the inbox's own default handling leaves alone the messages some
app claimed: no "e-mail received" timeline entry beside the claiming app's own (the ticket's),
and no lead of an unknown sender (sales). Registering keeps the inbox and sales from importing
the apps above them.
"""

from collections.abc import Callable

from rapport.inbox.models import InboundMessage

_claims: list[Callable[[InboundMessage], bool]] = []


def register_claim(claim: Callable[[InboundMessage], bool]) -> None:
    """Call from an AppConfig.ready(): `claim(inbound)` is True for the messages the app handles."""
    if claim not in _claims:
        _claims.append(claim)


def claimed(inbound: InboundMessage) -> bool:
    """Whether an app registered with `register_claim` handles this message (its headers read)."""
    return any(claim(inbound) for claim in _claims)


def is_claimed(inbound_id: int) -> bool:
    """Whether an app registered with `register_claim` handles this processed message."""
    if not _claims:
        return False
    inbound = InboundMessage.objects.defer("raw").filter(pk=inbound_id).first()
    return inbound is not None and claimed(inbound)
