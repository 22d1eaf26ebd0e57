"""`reverse()` remembered, for addresses a page builds many times (menus, list rows).

A URL's address changes only with the URL configuration and the script prefix, so both are part
of every key: a test that overrides `ROOT_URLCONF`, or a deployment under a sub-path, gets its
own entries.
"""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has, replaced by the row's own in the reversed URL.
_ID_MARK = 987654321

_plain: dict[tuple, str] = {}
_with_id: dict[tuple, tuple[str, str]] = {}


def _key(name: str) -> tuple:
    return (name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def url_for(name: str) -> str:
    """`reverse(name)` for a URL without arguments, reversed once."""
    key = _key(name)
    url = _plain.get(key)
    if url is None:
        url = _plain[key] = reverse(name)
    return url


def url_for_id(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a URL whose only argument is an id, reversed once."""
    key = _key(name)
    parts = _with_id.get(key)
    if parts is None:
        head, _mark, tail = reverse(name, args=[_ID_MARK]).partition(str(_ID_MARK))
        parts = _with_id[key] = (head, tail)
    return f"{parts[0]}{pk}{parts[1]}"
