"""The calendar feed: read by calendar programs at its private address, without signing in."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from rapport.accounts.services import user_for_calendar_token
from rapport.activities.calendar import calendar_feed as build_calendar_feed
from rapport.core.errors import NotFound


@require_GET
def calendar_feed(request, token: str):
    """The user's tasks and meetings as iCalendar; an unknown or switched-off address is 404."""
    try:
        user = user_for_calendar_token(token)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(build_calendar_feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    # The address is a secret: no shared cache keeps a copy, and no page links out with it.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
