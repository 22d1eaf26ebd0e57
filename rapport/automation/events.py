"""Events the automation app announces."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class RulesChanged(Event):
    """A rule was created, changed, switched on or off, or deleted."""

    rule_id: int
