"""Reads of accounts: the audit log, and the users and teams a list may be filtered by."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditEvent, Team, User
from rapport.core.errors import PermissionDenied


def users_for_filters(user: User) -> QuerySet[User]:
    """The owners a list's filter offers `user`: every active user to an administrator, else the
    active members of their team (themselves alone without a team), the owners of what they see."""
    users = User.objects.filter(is_active=True).order_by("username")
    if user.is_administrator:
        return users
    return users.filter(team_id=user.team_id) if user.team_id else users.filter(pk=user.pk)


def teams_for_filters(user: User) -> QuerySet[Team]:
    """The teams a list's filter offers `user`: all to an administrator; none to anyone else,
    whose lists hold only their own team's records."""
    return Team.objects.all() if user.is_administrator else Team.objects.none()


def audit_events_for(
    user: User,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log, for administrators only, narrowed by what is given."""
    if not user.is_administrator:
        raise PermissionDenied(_("Only administrators can read the audit log."))
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id is not None:
        events = events.filter(target_id=target_id)
    return events
