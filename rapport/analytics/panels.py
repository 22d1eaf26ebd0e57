"""The insights side of a person's or company's 360° page: one htmx-loaded slot that shows a
section from each analytics app that has something to say (customer value, lifetime value,
churn risk, recommendations).

The page (in `customers`, which may not import analytics) loads the slot from
`views.person_insights`; each analytics app registers its section here from its
`AppConfig.ready()`. A section is a function `(user, customer) -> CustomerSection | None`; the
customer is a Person or a Company the user may see (the view checked), and the section reads
what it shows through its own visibility rule. None means "nothing to show here" (no section).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSON = "person"
COMPANY = "company"


@dataclass(frozen=True)
class CustomerSection:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Registered:
    key: str
    order: int
    kinds: frozenset[str]
    section: Callable[[Any, Any], CustomerSection | None]


_SECTIONS: dict[str, _Registered] = {}


def register_customer_section(
    key: str,
    section: Callable[[Any, Any], CustomerSection | None],
    *,
    order: int,
    kinds: tuple[str, ...] = (PERSON, COMPANY),
) -> None:
    """Show `section` on the pages of `kinds`, sorted by `order`; registering a key again
    replaces it (so `ready()` may run twice in tests)."""
    _SECTIONS[key] = _Registered(key, order, frozenset(kinds), section)


def customer_sections(user, customer, kind: str) -> list[tuple[str, CustomerSection]]:
    """The sections to show on `customer`'s page, as (key, section), in order."""
    shown = []
    for registered in sorted(_SECTIONS.values(), key=lambda r: (r.order, r.key)):
        if kind not in registered.kinds:
            continue
        section = registered.section(user, customer)
        if section is not None:
            shown.append((registered.key, section))
    return shown


# --- The deal page --------------------------------------------------------------------------------
# The same pattern on a deal's page (`sales` loads `views.deal_insights` into its slot): a section
# is `(user, deal) -> CustomerSection | None`, the deal one the user may see.

_DEAL_SECTIONS: dict[str, _Registered] = {}


def register_deal_section(
    key: str, section: Callable[[Any, Any], CustomerSection | None], *, order: int
) -> None:
    """Show `section` on deals' pages, sorted by `order`; registering a key again replaces it."""
    _DEAL_SECTIONS[key] = _Registered(key, order, frozenset(), section)


def deal_sections(user, deal) -> list[tuple[str, CustomerSection]]:
    """The sections to show on `deal`'s page, as (key, section), in order."""
    shown = []
    for registered in sorted(_DEAL_SECTIONS.values(), key=lambda r: (r.order, r.key)):
        section = registered.section(user, deal)
        if section is not None:
            shown.append((registered.key, section))
    return shown
