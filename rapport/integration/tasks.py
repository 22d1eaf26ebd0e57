"""The integration app's jobs (scheduled in config/schedules.py)."""

from rapport.integration.feed import changes_sequence
from rapport.integration.middleware import idempotency_keys_purge


def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()


def sequence_changes() -> int:
    """Number the committed changes, so the feed's readers find them numbered already."""
    return changes_sequence()
