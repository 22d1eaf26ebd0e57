"""Jobs of the chat app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

When they run is decided in config/schedules.py, the one module declaring every periodic
schedule. Each is safe to run twice.
"""

import logging

from rapport.chat.services import chats_convert_due

logger = logging.getLogger(__name__)


def convert_due_chats() -> int:
    """Turn the chats nobody took in time (or that wait with no agent online) into tickets,
    whether or not anybody's page polls (`services.chats_convert_due`)."""
    converted = chats_convert_due()
    if converted:
        logger.info("Web chat: %d waiting chats became tickets", converted)
    return converted
