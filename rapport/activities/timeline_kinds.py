"""How generated timeline entries are worded, in the reader's language, at read time.

An app that adds entries of its own kinds (sales' "order.paid", service's "ticket.opened", …)
registers a function that words them from the entry's `data`; the timeline asks here when it
renders. Registering keeps activities from importing the apps above it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rapport.activities.models import TimelineEntry

_titles: dict[str, Callable[["TimelineEntry"], str]] = {}


def register_title(kind: str, title: Callable[["TimelineEntry"], str]) -> None:
    """Word entries of `kind` with `title(entry)`; call it from an AppConfig.ready()."""
    _titles[kind] = title


def title_for(entry: "TimelineEntry") -> str | None:
    title = _titles.get(entry.kind)
    return None if title is None else str(title(entry))
