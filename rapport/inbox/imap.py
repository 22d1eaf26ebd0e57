"""The shared mailbox over IMAP (Python's imaplib): where it is, and reading new messages.

RAPPORT_IMAP_URL is `imap://user:password@host:port/FOLDER` (plain, or STARTTLS when the server
offers it) or `imaps://…` (TLS from the start); user and password are percent-encoded, the
folder defaults to INBOX, the port to 143 / 993.
"""

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TIMEOUT = 30


@dataclass(frozen=True)
class MailboxConfig:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """What names the mailbox in the database: everything but the password."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:300]


def mailbox_config(url: str | None = None) -> MailboxConfig | None:
    """The configured mailbox, None when RAPPORT_IMAP_URL is empty; a bad URL fails loudly."""
    url = settings.RAPPORT_IMAP_URL if url is None else url
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImproperlyConfigured(
            "RAPPORT_IMAP_URL must look like imaps://user:password@host:993/INBOX"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured("RAPPORT_IMAP_URL has a bad port") from exc
    secure = parts.scheme == "imaps"
    return MailboxConfig(
        secure=secure,
        host=parts.hostname,
        port=port or (993 if secure else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


class MailboxSession:
    """One logged-in connection with the folder selected; use as a context manager."""

    def __init__(self, config: MailboxConfig):
        self.config = config
        self.connection: imaplib.IMAP4 | None = None
        self.uidvalidity = 0

    def __enter__(self) -> "MailboxSession":
        config = self.config
        if config.secure:
            connection = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
            )
        else:
            connection = imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT)
            if "STARTTLS" in connection.capabilities:
                connection.starttls(ssl.create_default_context())
        self.connection = connection
        connection.login(config.user, config.password)
        status, _ = connection.select(_quoted(config.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select {config.folder!r}")
        _, data = connection.response("UIDVALIDITY")
        self.uidvalidity = int(data[0]) if data and data[0] else 0
        return self

    def __exit__(self, *exc_info) -> None:
        if self.connection is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                self.connection.logout()

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above `last_uid`, oldest first ("N:*" also answers the last message when
        every UID is below N, hence the filter)."""
        status, data = self.connection.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        if status != "OK" or not data or not data[0]:
            return []
        return sorted(uid for uid in map(int, data[0].split()) if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes without setting \\Seen; None when it was expunged meanwhile."""
        status, data = self.connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if status != "OK":
            return None
        for item in data or []:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def mark_seen(self, uid: int) -> None:
        self.connection.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")

    def messages(self, after_uid: int, limit: int) -> Iterator[tuple[int, bytes | None]]:
        for uid in self.uids_after(after_uid)[:limit]:
            yield uid, self.fetch(uid)


def _quoted(folder: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9._/-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
