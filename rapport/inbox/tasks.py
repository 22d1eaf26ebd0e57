"""Jobs of the inbox app, scheduled in config/schedules.py."""

import logging

from rapport.inbox.services import mailbox_poll

logger = logging.getLogger(__name__)


def poll_mailbox() -> None:
    """Read the shared mailbox once; nothing to do when RAPPORT_IMAP_URL is empty."""
    result = mailbox_poll()
    if result.fetched:
        logger.info(
            "Inbound mail: %s read, %s processed, %s failed, %s already stored",
            result.fetched,
            result.processed,
            result.failed,
            result.skipped,
        )
