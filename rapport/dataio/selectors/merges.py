"""Reads of merges: the ones a user may see."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.customers.selectors import companies_visible_to, persons_visible_to
from rapport.dataio.models import Merge


def merges_visible_to(user: User) -> QuerySet[Merge]:
    """Merges whose survivor `user` may see, and their own (also once the survivor is gone)."""
    qs = Merge.objects.select_related("actor", "undone_by", "survivor_person", "survivor_company")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_administrator:
        return qs
    return qs.filter(
        Q(actor_id=user.pk)
        | Q(survivor_person__in=persons_visible_to(user))
        | Q(survivor_company__in=companies_visible_to(user))
    )


def get_merge_for_user(user: User, merge_id: int) -> Merge:
    merge = merges_visible_to(user).filter(pk=merge_id).first()
    if merge is None:
        raise NotFound(_("There is no such merge."))
    return merge
