"""Who may see which customer record: the one rule every selector applies.

- administrators see everything;
- everyone else sees the records they own and the records of their team
  (a sales manager leads a team, so this is the team's whole book; a representative sees
  their own plus their colleagues' so that the team can cover for each other).

Selectors in each app build their querysets with `visible_records_q`; nothing else decides.
A record that belongs to a person and/or a company (an interaction, a timeline entry) follows
them through `linked_records_q`.
"""

import functools
import operator

from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import PermissionDenied


def visible_records_q(user: User, *, owner_field: str = "owner", team_field: str = "team") -> Q:
    parts = visible_records_parts(user, owner_field=owner_field, team_field=team_field)
    if not parts:
        return Q(pk__in=[])
    # Not a fold starting from an empty Q: `Q() | x` is `x`, which would narrow the admin's Q().
    return functools.reduce(operator.or_, parts[1:], parts[0])


def visible_records_parts(
    user: User, *, owner_field: str = "owner", team_field: str = "team"
) -> list[Q]:
    """The same rule as `visible_records_q`, as the parts whose union it is.

    Each part is a single indexed condition (own records, team records), so a list page can read
    each part in index order and merge them (see `rapport.core.pagination.keyset_page`) instead
    of asking the database to sort everything the OR matches.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_administrator:
        return [Q()]
    parts = [Q(**{f"{owner_field}_id": user.pk})]
    if user.team_id:
        parts.append(Q(**{f"{team_field}_id": user.team_id}))
    return parts


def linked_records_q(
    user: User, *, person_field: str = "person", company_field: str = "company"
) -> Q:
    """Which records about a person and/or a company `user` may see.

    A record about a person is visible only when that person is: a visible company does not
    reveal another team's contact (nor what was said with them). A record about a company alone
    follows the company. Every module that shows another module's records linked to customers
    (interactions, timelines, search, exports, reports) filters them with this.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_administrator:
        return Q()
    person_visible = visible_records_q(
        user, owner_field=f"{person_field}__owner", team_field=f"{person_field}__team"
    )
    company_visible = visible_records_q(
        user, owner_field=f"{company_field}__owner", team_field=f"{company_field}__team"
    )
    return person_visible | (Q(**{f"{person_field}__isnull": True}) & company_visible)


def can_manage_settings(user: User) -> bool:
    """Custom field definitions, tags' colours, users and teams are administrators' work."""
    return user.is_authenticated and user.is_administrator


def require_settings_manager(user: User | None) -> None:
    """Raise PermissionDenied (403) unless `user` may change the shared settings."""
    if user is None or not can_manage_settings(user):
        raise PermissionDenied(_("Only administrators can change this."))
