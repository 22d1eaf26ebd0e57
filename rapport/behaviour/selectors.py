"""Reads of the behaviour app, scoped by who asks."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.access import can_manage_settings
from rapport.accounts.models import User
from rapport.behaviour.models import Event, SiteKey, Visit
from rapport.core.errors import NotFound
from rapport.customers.selectors import persons_visible_to

VISIT_EVENTS_SHOWN = 500


def site_keys_all() -> QuerySet[SiteKey]:
    return SiteKey.objects.select_related("created_by").order_by("name", "id")


def get_site_key(pk: int) -> SiteKey:
    site_key = SiteKey.objects.filter(pk=pk).first()
    if site_key is None:
        raise NotFound(_("Site key not found."))
    return site_key


def get_active_site_key(key: str) -> SiteKey:
    """The key a web page sends; an unknown or switched-off one is not found."""
    site_key = (
        SiteKey.objects.select_related("created_by").filter(key=key, is_active=True).first()
        if isinstance(key, str) and len(key) <= 40
        else None
    )
    if site_key is None:
        raise NotFound(_("Site key not found."))
    return site_key


def events_recent(user: User, *, name: str = "", before: int | None = None) -> QuerySet[Event]:
    """The newest events first (administrators see every event; others none)."""
    if not can_manage_settings(user):
        return Event.objects.none()
    events = Event.objects.select_related("person").order_by("-id")
    if name:
        events = events.filter(name=name)
    if before is not None:
        events = events.filter(pk__lt=before)
    return events


def get_visit_for_user(user: User, pk: int) -> Visit:
    """A visit of a person `user` may see; an anonymous one only for administrators."""
    visit = Visit.objects.select_related("person", "site_key").filter(pk=pk).first()
    if visit is not None:
        if visit.person_id is None:
            allowed = can_manage_settings(user)
        else:
            allowed = persons_visible_to(user).filter(pk=visit.person_id).exists()
        if allowed:
            return visit
    raise NotFound(_("Visit not found."))


def visit_events(visit: Visit) -> QuerySet[Event]:
    return Event.objects.filter(visit=visit).order_by("occurred_at", "id")[:VISIT_EVENTS_SHOWN]


def event_person_id(event_id: int) -> int | None:
    return Event.objects.filter(pk=event_id).values_list("person_id", flat=True).first()
