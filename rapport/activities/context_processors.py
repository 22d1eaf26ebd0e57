"""What base.html needs on every page from this app: the number on the notifications bell."""

import functools

from rapport.activities.selectors import unread_notification_count


def notifications(request) -> dict:
    """`unread_notification_count`, counted only if a template reads it, and at most once.

    Templates call a callable variable, so a page that does not show the number runs no query
    for it. base.html does not: its bell loads the number with htmx (`notification_bell`), so
    no page's own query count grows.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": functools.cache(lambda: unread_notification_count(user))}
