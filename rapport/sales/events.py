"""Domain events the sales app announces; other parts (orders, automation) subscribe."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class DealWon(Event):
    """A deal was won (by a move to its pipeline's won stage); orders may offer to turn it into
    an order. Published inside the winning transaction."""

    deal_id: int
    actor_id: int


@dataclass(frozen=True)
class LeadScoringRulesChanged(Event):
    """The lead scoring rules were changed; every open lead's score is to be recomputed. The
    sales jobs subscribe and queue the recomputation after the change commits."""
