"""Reads of interactions, timelines and notifications (tasks: `task_selectors`).

Interactions and timelines are scoped through the customers' visibility rule, as records linked
to a person and/or a company (`linked_records_q`); notifications are only ever their recipient's.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import linked_records_q
from rapport.accounts.models import User
from rapport.activities.models import Interaction, Notification, TimelineEntry
from rapport.core.errors import NotFound
from rapport.core.pagination import Page, keyset_page
from rapport.customers.models import Company, Person


def interactions_visible_to(user: User) -> QuerySet[Interaction]:
    """Interactions the user may see: those with a visible person, and those logged with a
    visible company alone (`linked_records_q`)."""
    return Interaction.objects.filter(linked_records_q(user))


def get_interaction_for_user(user: User, interaction_id: int) -> Interaction:
    interaction = (
        interactions_visible_to(user)
        .select_related("person", "company", "logged_by")
        .filter(pk=interaction_id)
        .first()
    )
    if interaction is None:
        raise NotFound(_("Interaction not found."))
    return interaction


def interactions_list(
    user: User,
    *,
    person_id: int | None = None,
    company_id: int | None = None,
    channel: str = "",
    direction: str = "",
    logged_by_id: int | None = None,
    q: str = "",
    occurred_from: datetime.date | None = None,
    occurred_until: datetime.date | None = None,
) -> QuerySet[Interaction]:
    """Visible interactions matching the filters; `occurred_from` / `occurred_until` are days
    (inclusive, in the installation's time zone)."""
    qs = interactions_visible_to(user)
    # Days beyond these bound nothing (and their midnight would not fit a datetime in UTC).
    if occurred_from and occurred_from > datetime.date(1900, 1, 1):
        qs = qs.filter(occurred_at__gte=_day_start(occurred_from))
    if occurred_until and occurred_until < datetime.date(9999, 1, 1):
        qs = qs.filter(occurred_at__lt=_day_start(occurred_until + datetime.timedelta(days=1)))
    if person_id:
        qs = qs.filter(person_id=person_id)
    if company_id:
        qs = qs.filter(company_id=company_id)
    if channel:
        qs = qs.filter(channel=channel)
    if direction:
        qs = qs.filter(direction=direction)
    if logged_by_id:
        qs = qs.filter(logged_by_id=logged_by_id)
    if q:
        qs = qs.filter(Q(subject__icontains=q))
    return qs.select_related("person", "company", "logged_by")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def timeline_for_person(person: Person, *, cursor: str | None = None, size: int = 20) -> Page:
    """The person's timeline, newest first; the caller has already checked visibility."""
    qs = TimelineEntry.objects.filter(person=person).select_related("actor")
    return keyset_page(qs, sort="-occurred_at", cursor=cursor, size=size)


def timeline_for_company(
    company: Company, *, viewer: User, cursor: str | None = None, size: int = 20
) -> Page:
    """The company's timeline, newest first; the caller has already checked the company.

    Entries about one of the company's people (an interaction logged on the person) show only
    if `viewer` may see that person: a visible company does not reveal another team's contacts.
    """
    qs = TimelineEntry.objects.filter(company=company).filter(linked_records_q(viewer))
    qs = qs.select_related("actor", "person")
    return keyset_page(qs, sort="-occurred_at", cursor=cursor, size=size)


def timeline_for_record(record: models.Model, *, cursor: str | None = None, size: int = 20) -> Page:
    """The timeline of a record of a higher app (a deal), newest first: the entries written
    about it (its moves, wins and losses) and the interactions logged on it, one range scan of
    the (about_type, about_id, occurred_at, id) index. The caller has already checked that the
    reader may see the record; what it says about the record's customer is the record's own."""
    qs = TimelineEntry.objects.filter(
        about_type=ContentType.objects.get_for_model(record), about_id=record.pk
    ).select_related("actor")
    return keyset_page(qs, sort="-occurred_at", cursor=cursor, size=size)


def timeline_entry_for_source(source_type: str, source_id: int) -> TimelineEntry | None:
    """The entry a module wrote for one of its records, e.g. ("interaction", 42)."""
    return (
        TimelineEntry.objects.filter(source_type=source_type, source_id=source_id)
        .select_related("actor", "person")
        .first()
    )


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications; the caller orders and pages them (newest first)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_notification_count(user: User) -> int:
    """One indexed COUNT over (recipient, read_at): the number on the bell."""
    return notifications_for(user, unread_only=True).count()
