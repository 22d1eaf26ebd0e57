"""Helpers every HTML view uses: htmx detection, service errors to 404/403, safe pagination.

They sit in core, below the apps, so that every app's views may import them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from rapport.core import errors
from rapport.core.cleaning import parse_int
from rapport.core.pagination import Page, keyset_page


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def found_or_404(getter, *args, **kwargs):
    """Call a `get_<thing>_for_user` selector; a NotFound becomes Django's 404 page."""
    try:
        return getter(*args, **kwargs)
    except errors.NotFound as exc:
        raise Http404(exc.message) from exc


def allowed_or_403(check, *args, **kwargs):
    """Call an access check such as `require_settings_manager`; its PermissionDenied becomes
    Django's 403 page."""
    try:
        return check(*args, **kwargs)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc


def page_or_first(
    queryset, *, sort: str, cursor: str | None, size: int, partitions: list | None = None
) -> Page:
    """A keyset page; a tampered or outdated cursor shows the first page instead of an error."""
    try:
        return keyset_page(
            queryset, sort=sort, cursor=cursor or None, size=size, partitions=partitions
        )
    except errors.ApplicationError:
        return keyset_page(queryset, sort=sort, cursor=None, size=size, partitions=partitions)


def int_or_none(value) -> int | None:
    """A filter or id read from a query string; None when empty, not a whole number or beyond
    the database's 64-bit range (which would fail in the driver, not match nothing)."""
    return parse_int(value)
