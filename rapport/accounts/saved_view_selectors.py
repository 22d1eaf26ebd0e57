"""Reads of saved views and list preferences: who sees which view, and who may change it.

A private view is its owner's alone; a view shared with a team is visible to that team's members
(and its owner) only, whatever their role, administrators included, so another team's view
answers 404 everywhere; a view shared with everyone (only administrators make those) is visible to
all. Tabs are user preferences, not records: the visibility rule of customer records does not
apply to them.

Who may change a view: its owner; the sales manager of the team a view is shared with; an
administrator, any shared view they can see. Changing who a view is shared with is for its owner.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import ListPreference, Role, SavedView, SavedViewVisibility, User
from rapport.core.errors import NotFound

# Tabs shown above one list; more views than this are still reachable through the API.
TABS_SHOWN = 50


def saved_views_visible_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    visible = Q(owner_id=user.pk) | Q(visibility=SavedViewVisibility.EVERYONE)
    if user.team_id:
        visible |= Q(visibility=SavedViewVisibility.TEAM, team_id=user.team_id)
    return visible


def saved_views_visible_to(user: User, list_key: str | None = None) -> QuerySet[SavedView]:
    """The views `user` may see (of one list when given): their own first, then shared ones."""
    views = SavedView.objects.filter(saved_views_visible_q(user))
    if list_key is not None:
        views = views.filter(list_key=list_key)
    return views.order_by("position", "name", "id")


def get_saved_view_for_user(user: User, view_id: int) -> SavedView:
    view = SavedView.objects.filter(saved_views_visible_q(user), pk=view_id).first()
    if view is None:
        raise NotFound(_("Saved view not found."))
    return view


def may_manage_saved_view(user: User, view: SavedView) -> bool:
    """Whether `user` may rename, update or delete `view` (which they can see)."""
    if view.owner_id == user.pk:
        return True
    if view.visibility == SavedViewVisibility.PRIVATE:
        return False
    if user.is_administrator:
        return True
    return (
        view.visibility == SavedViewVisibility.TEAM
        and user.role == Role.SALES_MANAGER
        and user.team_id is not None
        and view.team_id == user.team_id
    )


def list_preference(user: User, list_key: str) -> ListPreference | None:
    return ListPreference.objects.filter(user=user, list_key=list_key).first()


def saved_views_with_default_flag(user: User, list_key: str | None = None) -> QuerySet[SavedView]:
    """`saved_views_visible_to`, each view annotated `is_default_for_me` in the same query."""
    defaults = ListPreference.objects.filter(
        user=user, list_key=OuterRef("list_key"), default_view=OuterRef("pk")
    )
    return saved_views_visible_to(user, list_key).annotate(is_default_for_me=Exists(defaults))


def is_default_view(user: User, view: SavedView) -> bool:
    return ListPreference.objects.filter(
        user=user, list_key=view.list_key, default_view=view
    ).exists()
