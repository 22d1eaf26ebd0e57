"""Reads for bulk actions: who may follow an action's progress and result."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.dataio.models import BulkAction


def bulk_actions_visible_to(user: User) -> QuerySet[BulkAction]:
    """Administrators see every bulk action (the audit log names them); everyone else their own."""
    qs = BulkAction.objects.select_related("actor")
    if user.is_administrator:
        return qs
    return qs.filter(actor=user)


def get_bulk_action_for_user(user: User, job_id: int) -> BulkAction:
    job = bulk_actions_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Bulk action not found."))
    return job
