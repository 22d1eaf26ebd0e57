"""Announcements: who may write them, who reads them, and the banner every page shows.

Rules:

- administrators announce to everyone or to any one team; sales managers to their own team only;
  nobody else announces (`PermissionDenied`);
- an announcement shows from `published_at` (now unless given) until `expires_at` (if given) to
  its audience: everyone, or the members of its team. The author and administrators always see
  it; anyone else asking for it gets 404, as for any record they may not see;
- a reader marks it read once (an `AnnouncementReceipt`), which takes it off their banner; who
  has read it (names, count out of the audience) is shown to its author and to administrators;
- only the author or an administrator deletes one.

The banner (`announcement_banner`) is what base.html loads after each page: the reader's unread
current announcements, kept in the cache per user. A cache hit is one small read of the cache
table (the per-user entry and the announcements' version, fetched together); a miss adds one
indexed query. Publishing or deleting an announcement changes the version, which every cached
banner is checked against; marking one read drops the reader's entry. Entries live at most a
minute, so an announcement scheduled for later or expiring shows or goes within a minute.
"""

import datetime
import uuid

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, Team, User
from rapport.activities.models import Announcement, AnnouncementReceipt
from rapport.core.cleaning import FieldErrors, clean_datetime, clean_text, parse_int, reject_unknown
from rapport.core.errors import NotFound, PermissionDenied

ANNOUNCEMENT_FIELDS = ("title", "body", "team_id", "published_at", "expires_at")
TITLE_MAX = 200
BODY_MAX = 5000
BANNER_SIZE = 3
BANNER_CACHE_SECONDS = 60
VERSION_KEY = "announcements:version"


def _banner_key(user_id: int) -> str:
    return f"announcements:banner:{user_id}"


# --- Who may do what ----------------------------------------------------------------------------


def may_announce(user: User) -> bool:
    """Administrators, and sales managers who lead a team."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_administrator or (user.role == Role.SALES_MANAGER and user.team_id is not None)


def announcement_teams(user: User) -> QuerySet[Team]:
    """The teams `user` may announce to (besides everyone, for an administrator)."""
    if not may_announce(user):
        return Team.objects.none()
    if user.is_administrator:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk=user.team_id)


def may_see_receipts(user: User, announcement: Announcement) -> bool:
    return user.is_administrator or announcement.author_id == user.pk


# --- Reads --------------------------------------------------------------------------------------


def _audience_q(user: User) -> Q:
    """Announcements addressed to `user`: to everyone, or to their team."""
    if user.team_id:
        return Q(team__isnull=True) | Q(team_id=user.team_id)
    return Q(team__isnull=True)


def announcements_visible_to(user: User) -> QuerySet[Announcement]:
    """What the user may open: those addressed to them once published, their own (also those
    scheduled for later), and, for an administrator, all."""
    if not (user.is_authenticated and user.is_active):
        return Announcement.objects.none()
    qs = Announcement.objects.all()
    if not user.is_administrator:
        qs = qs.filter((_audience_q(user) & Q(published_at__lte=timezone.now())) | Q(author=user))
    return qs.annotate(
        is_read=Exists(AnnouncementReceipt.objects.filter(announcement=OuterRef("pk"), user=user))
    )


def get_announcement_for_user(user: User, announcement_id: int) -> Announcement:
    announcement = (
        announcements_visible_to(user)
        .select_related("author", "team")
        .filter(pk=announcement_id)
        .first()
    )
    if announcement is None:
        raise NotFound(_("Announcement not found."))
    return announcement


def announcements_unread_current(user: User, *, now: datetime.datetime | None = None):
    """The user's unread announcements showing now, newest first: one query over the audience
    index, each checked against the (announcement, user) receipt index."""
    now = now or timezone.now()
    return (
        Announcement.objects.filter(_audience_q(user), published_at__lte=now)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(Exists(AnnouncementReceipt.objects.filter(announcement=OuterRef("pk"), user=user)))
        .order_by("-published_at", "-pk")
    )


def announcement_banner(user: User) -> dict:
    """{"items": [...], "more": n}: what the banner shows `user`, from the cache when it can."""
    if not (user.is_authenticated and user.is_active):
        return {"items": [], "more": 0}
    key = _banner_key(user.pk)
    cached = cache.get_many([VERSION_KEY, key])
    version = cached.get(VERSION_KEY) or ""
    entry = cached.get(key)
    if entry is not None and entry.get("version") == version:
        return entry["banner"]
    rows = list(
        announcements_unread_current(user).values(
            "pk",
            "title",
            "body",
            "published_at",
            "author__first_name",
            "author__last_name",
            "author__username",
        )[: BANNER_SIZE + 10]
    )
    items = [
        {
            "id": row["pk"],
            "title": row["title"],
            "body": row["body"],
            "published_at": row["published_at"],
            "author": str(
                User(
                    first_name=row["author__first_name"],
                    last_name=row["author__last_name"],
                    username=row["author__username"],
                )
            ),
        }
        for row in rows[:BANNER_SIZE]
    ]
    banner = {"items": items, "more": max(len(rows) - BANNER_SIZE, 0)}
    cache.set(key, {"version": version, "banner": banner}, BANNER_CACHE_SECONDS)
    return banner


def announcement_audience(announcement: Announcement) -> QuerySet[User]:
    """The active users it is addressed to: everyone, or the members of its team."""
    users = User.objects.filter(is_active=True)
    if announcement.team_id:
        users = users.filter(team_id=announcement.team_id)
    return users


def audience_sizes() -> dict[int | None, int]:
    """How many active users each audience has: {team id: members, None: everyone}, one query."""
    rows = list(User.objects.filter(is_active=True).values("team_id").annotate(n=Count("pk")))
    sizes: dict[int | None, int] = {row["team_id"]: row["n"] for row in rows if row["team_id"]}
    sizes[None] = sum(row["n"] for row in rows)
    return sizes


def announcement_read_counts(announcements: list[Announcement]) -> dict[int, int]:
    """How many of its audience have read each announcement, in one query."""
    counts: dict[int, int] = {}
    rows = AnnouncementReceipt.objects.filter(
        announcement__in=announcements, user__is_active=True
    ).values_list("announcement_id", "announcement__team_id", "user__team_id")
    for announcement_id, team_id, user_team_id in rows:
        if team_id is None or team_id == user_team_id:
            counts[announcement_id] = counts.get(announcement_id, 0) + 1
    return counts


def announcement_receipts(announcement: Announcement) -> QuerySet[AnnouncementReceipt]:
    return announcement.receipts.select_related("user").order_by("read_at", "pk")


# --- Writes -------------------------------------------------------------------------------------


def _announcements_changed() -> None:
    # Every cached banner is checked against this version: a new value makes them all stale.
    # Set now and again after the commit, so that a banner cached in between (from the data
    # before the commit) is not kept.
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def _clean(actor: User, data: dict) -> dict:
    errors = FieldErrors()
    reject_unknown(data, ANNOUNCEMENT_FIELDS, errors)
    title = clean_text(data.get("title"), "title", errors, limit=TITLE_MAX, required=True)
    body = clean_text(data.get("body"), "body", errors, limit=BODY_MAX)
    team = None
    team_id = data.get("team_id")
    if team_id not in (None, ""):
        team = announcement_teams(actor).filter(pk=parse_int(team_id) or 0).first()
        if team is None:
            errors.add("team_id", _("You can only announce to your own team."))
    elif not actor.is_administrator:
        errors.add("team_id", _("Only administrators announce to everyone; choose your team."))
    now = timezone.now()
    published_at = clean_datetime(data.get("published_at"), "published_at", errors)
    published_at = published_at or now
    expires_at = clean_datetime(data.get("expires_at"), "expires_at", errors)
    if expires_at is not None and expires_at <= max(published_at, now):
        errors.add("expires_at", _("Choose a time after the announcement is published."))
    errors.raise_if_any()
    return {
        "title": title,
        "body": body,
        "team": team,
        "published_at": published_at,
        "expires_at": expires_at,
    }


@transaction.atomic
def announcement_create(*, actor: User, data: dict) -> Announcement:
    """Publish an announcement (see the module's rules); it shows on its audience's banner."""
    if not may_announce(actor):
        raise PermissionDenied(_("Only administrators and sales managers make announcements."))
    announcement = Announcement.objects.create(author=actor, **_clean(actor, data))
    _announcements_changed()
    return announcement


@transaction.atomic
def announcement_delete(*, actor: User, announcement: Announcement) -> None:
    if not may_see_receipts(actor, announcement):
        raise PermissionDenied(_("Only its author or an administrator can delete it."))
    announcement.delete()
    _announcements_changed()


def announcement_mark_read(*, actor: User, announcement: Announcement) -> bool:
    """Record that `actor` read it; True if this call did (reading twice is harmless)."""
    try:
        with transaction.atomic():
            _receipt, created = AnnouncementReceipt.objects.get_or_create(
                announcement=announcement, user=actor
            )
    except IntegrityError:
        created = False  # read at the same moment in another tab
    cache.delete(_banner_key(actor.pk))
    return created
