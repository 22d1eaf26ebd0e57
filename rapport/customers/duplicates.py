"""Entry-time duplicate warnings: where a new person is checked against the existing ones.

How likely duplicates are found belongs to `dataio` (its scoring is shared with the full
scan), which sits above `customers`; it registers its check here at start-up, like the apps
that word timeline entries register their titles with `activities.timeline_kinds`. Without a
registered check there is simply no warning.
"""

from collections.abc import Callable
from typing import Any, Protocol


class LikelyDuplicate(Protocol):
    person: Any
    score: int
    reasons: list[str]


DuplicateCheck = Callable[..., list[LikelyDuplicate]]
_checks: list[DuplicateCheck] = []


def register_duplicate_check(check: DuplicateCheck) -> DuplicateCheck:
    """Add `check(actor, data, *, exclude_id=None)`; registering the same one twice is a no-op."""
    if check not in _checks:
        _checks.append(check)
    return check


def likely_duplicates(actor, data: dict, *, exclude_id: int | None = None) -> list[LikelyDuplicate]:
    """Persons `actor` may see that the person described by `data` (the input of
    `services.person_create`) likely duplicates, from every registered check."""
    return [found for check in _checks for found in check(actor, data, exclude_id=exclude_id)]
