"""Who in a team gets the next record a rule gives out: one rule for leads (sales), tickets
(service) and automation's "assign to a team member" action.

The candidates are a team's active members by id (optionally of some roles, without those who
are away); round robin gives the record to the member after the one who got the previous one
(by id, wrapping), least loaded to the member with the fewest records (ties: the lowest id).
Each caller keeps its own "last assigned" and counts its own load (open leads, open tickets).
"""

from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db.models import QuerySet

from rapport.accounts.models import User


def team_members(
    team_id: int, *, roles: Collection[str] | None = None, away: Iterable[int] | QuerySet = ()
) -> list[User]:
    """The team's active members by id, of `roles` if given, without the `away` user ids (a
    list, or a `values("user_id")` queryset to filter in the same query)."""
    members = User.objects.filter(team_id=team_id, is_active=True)
    if roles is not None:
        members = members.filter(role__in=roles)
    if isinstance(away, QuerySet) or away:
        members = members.exclude(pk__in=away)
    return list(members.order_by("pk"))


def next_in_turn(members: Sequence[User], last_assigned_id: int | None) -> User:
    """Round robin: the first member (by id) after `last_assigned_id`, else the first one.
    `members` is non-empty and ordered by id."""
    last = last_assigned_id or 0
    return next((member for member in members if member.pk > last), members[0])


def least_loaded(members: Sequence[User], loads: Mapping[int, int]) -> User:
    """The member with the smallest load (user id → count; absent is 0), ties by lowest id."""
    return min(members, key=lambda member: (loads.get(member.pk, 0), member.pk))
