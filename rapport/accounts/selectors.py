"""Reads of accounts: the audit log."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditEvent, User
from rapport.core.errors import PermissionDenied


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
