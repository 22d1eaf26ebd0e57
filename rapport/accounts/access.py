"""Who may see which customer record: the one rule every selector applies.

- administrators see everything;
- everyone else sees the records they own and the records of their team
  (a sales manager leads a team, so this is the team's whole book; a representative sees
  their own plus their colleagues' so that the team can cover for each other).

Selectors in each app build their querysets with `visible_records_q`; nothing else decides.
A record that belongs to a person and/or a company (an interaction, a timeline entry) follows
them through `linked_records_q`.

Ownership is access (an owner sees the record, and so does the owner's team), so who may be made
a record's owner is decided here too, once: `assignable_owners` for the choices a form or a list
offers, `may_own` and `check_owner_assignable` / `clean_owner` for the checks of services.
"""

import functools
import operator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.core.cleaning import FieldErrors, parse_int
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


def assignable_owners(actor: User) -> QuerySet[User]:
    """Who `actor` may make a record's owner, or hand work (a task) to.

    The one rule: administrators any active user; sales managers and representatives themselves
    and the active members of their own team; a user without a team only themselves. Every
    service, form, view and endpoint that sets an owner or an assignee asks this (or `may_own`,
    its test for one user already loaded).
    """
    users = User.objects.filter(is_active=True)
    if not actor.is_authenticated or not actor.is_active:
        return users.none()
    if not actor.is_administrator:
        mine = Q(pk=actor.pk)
        users = users.filter(mine | Q(team_id=actor.team_id) if actor.team_id else mine)
    return users.order_by("first_name", "last_name", "username")


def may_own(actor: User, owner: User) -> bool:
    """`assignable_owners(actor)` contains `owner`, decided without a query."""
    if not (actor.is_authenticated and actor.is_active and owner.is_active):
        return False
    if actor.is_administrator or owner.pk == actor.pk:
        return True
    return actor.team_id is not None and owner.team_id == actor.team_id


def may_own_team(actor: User, team: Team) -> bool:
    """Whether `actor` may put a record in `team`: administrators any team, others their own."""
    return actor.is_administrator or (actor.team_id is not None and team.pk == actor.team_id)


def check_owner_assignable(
    actor: User,
    owner: User,
    team: Team | None = None,
    *,
    errors: FieldErrors | None = None,
    field: str = "owner_id",
) -> None:
    """Refuse to make `owner` (and `team`, when given) a record's owner unless `actor` may.

    The refusal is a message on `field` ("owner_id") and "team_id": added to `errors` when the
    caller collects a whole form's errors, else raised at once as `ValidationFailed`.
    """
    collected = FieldErrors() if errors is None else errors
    if not owner.is_active:
        collected.add(field, _("There is no such active user."))
    elif not may_own(actor, owner):
        collected.add(field, _("You can only give records to members of your team."))
    if team is not None and not may_own_team(actor, team):
        collected.add("team_id", _("You can only assign records to your own team."))
    if errors is None:
        collected.raise_if_any()


def clean_owner(
    actor: User, owner_id: Any, errors: FieldErrors, *, field: str = "owner_id"
) -> User | None:
    """The active user `owner_id` names, if `actor` may make them an owner; else None, with the
    reason added to `errors` on `field`."""
    pk = parse_int(owner_id)
    owner = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if owner is None:
        errors.add(field, _("There is no such active user."))
        return None
    if not may_own(actor, owner):
        errors.add(field, _("You can only give records to members of your team."))
        return None
    return owner


def clean_owner_team(actor: User, team_id: Any, errors: FieldErrors) -> Team | None:
    """The team `team_id` names, if `actor` may put records in it; else None, with the reason
    added to `errors` on "team_id"."""
    pk = parse_int(team_id)
    team = Team.objects.filter(pk=pk).first() if pk else None
    if team is None:
        errors.add("team_id", _("There is no such team."))
    elif not may_own_team(actor, team):
        errors.add("team_id", _("You can only assign records to your own team."))
        return None
    return team


def can_manage_settings(user: User) -> bool:
    """Custom field definitions, tags' colours, users and teams are administrators' work."""
    return user.is_authenticated and user.is_administrator


def require_settings_manager(user: User | None) -> None:
    """Raise PermissionDenied (403) unless `user` may change the shared settings."""
    if user is None or not can_manage_settings(user):
        raise PermissionDenied(_("Only administrators can change this."))
