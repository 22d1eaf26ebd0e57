"""The owners and teams a list's filter bar offers, the same on every list."""

from rapport.accounts.models import Role, User
from rapport.accounts.selectors import teams_for_filters, users_for_filters
from rapport.accounts.services import user_create


def _names(users) -> list[str]:
    return [user.username for user in users]


def test_an_administrator_may_filter_by_every_active_user_and_team(
    admin_user, alice, bob, charlie, east, west
):
    gone = user_create(username="gone", password="x", role=Role.SALES_REP, team=east)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    assert _names(users_for_filters(admin_user)) == ["admin", "alice", "bob", "charlie"]
    assert list(teams_for_filters(admin_user)) == [east, west]


def test_a_representative_may_filter_by_the_members_of_their_team_only(alice, bob, charlie, diana):
    assert _names(users_for_filters(alice)) == ["alice", "bob", "diana"]
    assert list(teams_for_filters(alice)) == []


def test_a_user_without_a_team_may_filter_by_themselves_only(alice, charlie):
    loner = user_create(username="loner", password="x", role=Role.SALES_REP)

    assert _names(users_for_filters(loner)) == ["loner"]
    assert list(teams_for_filters(loner)) == []
