"""Signed links inside e-mails: unsubscribe, the open pixel, tracked clicks.

Each carries the message's Message-ID (and, for a click, the target URL) signed with the secret
key, so the only URL a click link can redirect to is the one it was made for (no open
redirect), and nobody can unsubscribe or count an open for a message they did not receive.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_UNSUBSCRIBE = "messaging.unsubscribe"
_OPEN = "messaging.open"
_CLICK = "messaging.click"


def _absolute(path: str) -> str:
    return settings.RAPPORT_BASE_URL.rstrip("/") + path


def unsubscribe_url(message_id: str) -> str:
    token = signing.dumps(message_id, salt=_UNSUBSCRIBE, compress=True)
    return _absolute(reverse("messaging:unsubscribe", args=[token]))


def open_pixel_url(message_id: str) -> str:
    token = signing.dumps(message_id, salt=_OPEN, compress=True)
    return _absolute(reverse("messaging:open", args=[token]))


def click_url(message_id: str, url: str) -> str:
    token = signing.dumps([message_id, url], salt=_CLICK, compress=True)
    return _absolute(reverse("messaging:click", args=[token]))


def read_unsubscribe(token: str) -> str | None:
    try:
        return str(signing.loads(token, salt=_UNSUBSCRIBE))
    except signing.BadSignature:
        return None


def read_open(token: str) -> str | None:
    try:
        return str(signing.loads(token, salt=_OPEN))
    except signing.BadSignature:
        return None


def read_click(token: str) -> tuple[str, str] | None:
    try:
        message_id, url = signing.loads(token, salt=_CLICK)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not str(url).startswith(("http://", "https://")):
        return None
    return str(message_id), str(url)
