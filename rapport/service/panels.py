"""Panels that apps above service add to the ticket page.

Service sits below the apps that have something to say about a ticket (surveys: its CSAT and
complaint confirmation answers), so it cannot import them. Instead each registers a callable in
its `AppConfig.ready()`; the ticket page asks every one, in the order registered, and includes
the template each returns. A callable gets the reader and the ticket (already checked to be
visible to the reader) and returns a `TicketPanel`, or None to show nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from rapport.accounts.models import User
from rapport.service.models import Ticket


@dataclass(frozen=True)
class TicketPanel:
    template: str
    context: dict = field(default_factory=dict)


PanelSource = Callable[[User, Ticket], TicketPanel | None]

_sources: list[PanelSource] = []


def register_ticket_panel(source: PanelSource) -> PanelSource:
    """Add a panel to the ticket page; registering the same callable again does nothing (a
    second `ready()` in tests). Usable as a decorator."""
    if source not in _sources:
        _sources.append(source)
    return source


def ticket_panels(user: User, ticket: Ticket) -> list[TicketPanel]:
    panels = []
    for source in _sources:
        panel = source(user, ticket)
        if panel is not None:
            panels.append(panel)
    return panels
