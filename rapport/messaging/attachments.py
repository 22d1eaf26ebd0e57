"""Files an e-mail carries, read when it is delivered from the app that keeps them.

A `Message` stores no files: an app above messaging that mails attachments (service, for an
agent's reply to a ticket) registers a source for the send keys it uses, and delivery asks that
source for the files as it builds the MIME message (`transport.build_mime`). The files stay
stored once, where they belong, and messaging imports no app above it. A retried delivery reads
them again, so a message sent twice (never, by its send key) would carry the same files.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes


# Send key prefix → the source of the files of the messages with such a key.
_sources: dict[str, Callable[[object], Iterable[MailAttachment]]] = {}


def register_attachment_source(
    send_key_prefix: str, source: Callable[[object], Iterable[MailAttachment]]
) -> None:
    """`source(message)` gives the files of a `Message` whose send key starts with the prefix."""
    _sources[send_key_prefix] = source


def attachments_of(message) -> list[MailAttachment]:
    send_key = getattr(message, "send_key", "") or ""
    for prefix, source in _sources.items():
        if send_key.startswith(prefix):
            return list(source(message))
    return []
