"""A user's calendar feed (iCalendar, RFC 5545): their tasks with a due time and their meetings.

Calendar programs subscribe to the feed's private address (`activities:calendar_feed`, the
user's `calendar_token`) and read it again every hour or so, without signing in. Choices made so
that Outlook, Apple Calendar and Google Calendar all show everything:

- tasks are VEVENTs, not VTODOs: Google Calendar and Outlook's subscribed calendars ignore
  VTODO. A task is a 30-minute event ending at its due time, marked "Task:" in the summary;
- meetings are the interactions of the meeting channel the user logged with a time still
  ahead, or up to 30 days past (so a meeting does not vanish from the calendar once it starts);
  the interaction has no length of its own, so an hour is assumed;
- every time is written in UTC ("…Z"): no VTIMEZONE to get wrong, and each program shows the
  time in its own zone;
- UIDs are stable ("task-12@host", "meeting-34@host"): a change or a reschedule updates the
  event in place instead of adding a second one; an event that leaves the feed is removed.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from rapport.accounts.models import User
from rapport.activities.models import Channel, Interaction, Task, TaskStatus

TASK_LENGTH = datetime.timedelta(minutes=30)
MEETING_LENGTH = datetime.timedelta(hours=1)
PAST_WINDOW = datetime.timedelta(days=30)
# A calendar program reads the whole feed at each refresh: keep it bounded.
MAX_EVENTS = 1000


def _uid_host() -> str:
    return urlsplit(settings.RAPPORT_BASE_URL).hostname or "rapport"


def _absolute(path: str) -> str:
    return settings.RAPPORT_BASE_URL.rstrip("/") + path


def calendar_tasks(user: User, *, now: datetime.datetime):
    """The user's open tasks with a due time, from 30 days back on."""
    return (
        Task.objects.filter(assignee=user, status=TaskStatus.OPEN, due_at__gte=now - PAST_WINDOW)
        .order_by("due_at", "pk")
        .only("pk", "title", "description", "due_at", "subject_label", "updated_at", "created_at")[
            :MAX_EVENTS
        ]
    )


def calendar_meetings(user: User, *, now: datetime.datetime):
    """The meetings the user logged, planned ahead or held in the last 30 days."""
    return (
        Interaction.objects.filter(
            logged_by=user, channel=Channel.MEETING, occurred_at__gte=now - PAST_WINDOW
        )
        .select_related("person", "company")
        .order_by("occurred_at", "pk")[:MAX_EVENTS]
    )


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _meeting_url(meeting: Interaction) -> str:
    if meeting.person_id:
        return reverse("customers:person_detail", args=[meeting.person_id])
    if meeting.company_id:
        return reverse("customers:company_detail", args=[meeting.company_id])
    return reverse("activities:interaction_list")


def calendar_feed(user: User, *, now: datetime.datetime | None = None) -> bytes:
    """The user's feed as iCalendar bytes (CRLF lines, folded at 75 octets), in their language."""
    now = now or timezone.now()
    host = _uid_host()
    with translation.override(user.language):
        calendar = Calendar()
        calendar.add("prodid", "-//Rapport//Rapport CRM//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = _("Rapport: %(name)s") % {"name": user.get_full_name() or user.username}
        calendar.add("x-wr-calname", name)
        # How often programs that read these hints (Apple, Outlook) fetch the feed again.
        calendar.add(
            "refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", "PT1H")
        for task in calendar_tasks(user, now=now):
            event = Event()
            event.add("uid", f"task-{task.pk}@{host}")
            event.add("dtstamp", _utc(task.updated_at))
            event.add("last-modified", _utc(task.updated_at))
            event.add("created", _utc(task.created_at))
            event.add("dtstart", _utc(task.due_at - TASK_LENGTH))
            event.add("dtend", _utc(task.due_at))
            event.add("summary", _("Task: %(title)s") % {"title": task.title})
            url = _absolute(reverse("activities:task_detail", args=[task.pk]))
            lines = [line for line in (task.subject_label, task.description, url) if line]
            event.add("description", "\n\n".join(lines))
            event.add("url", url)
            event.add("categories", [_("Task")])
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
        for meeting in calendar_meetings(user, now=now):
            event = Event()
            event.add("uid", f"meeting-{meeting.pk}@{host}")
            event.add("dtstamp", _utc(meeting.updated_at))
            event.add("last-modified", _utc(meeting.updated_at))
            event.add("created", _utc(meeting.created_at))
            event.add("dtstart", _utc(meeting.occurred_at))
            event.add("dtend", _utc(meeting.occurred_at + MEETING_LENGTH))
            event.add("summary", meeting.subject)
            with_whom = ", ".join(str(r) for r in (meeting.person, meeting.company) if r)
            url = _absolute(_meeting_url(meeting))
            lines = [line for line in (with_whom, meeting.content, url) if line]
            event.add("description", "\n\n".join(lines))
            event.add("url", url)
            event.add("categories", [_("Meeting")])
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()
