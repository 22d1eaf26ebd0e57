"""The one round robin / least loaded rule that leads, tickets and automation share."""

from rapport.accounts.assignment import least_loaded, next_in_turn, team_members
from rapport.accounts.models import Role
from rapport.accounts.services import user_create


def test_team_members_are_the_active_ones_of_the_roles_not_away(alice, bob, diana, east):
    marketer = user_create(
        username="mia", password="correct-horse-battery-staple", role=Role.MARKETING, team=east
    )
    diana.is_active = False
    diana.save()

    assert team_members(east.pk) == [alice, bob, marketer]
    assert team_members(east.pk, roles=(Role.MARKETING,)) == [marketer]
    assert team_members(east.pk, away=[bob.pk]) == [alice, marketer]


def test_round_robin_takes_the_next_by_id_and_wraps(alice, bob):
    members = [alice, bob]

    assert next_in_turn(members, None) == alice
    assert next_in_turn(members, alice.pk) == bob
    assert next_in_turn(members, bob.pk) == alice


def test_least_loaded_takes_the_fewest_and_the_lowest_id_on_a_tie(alice, bob):
    assert least_loaded([alice, bob], {alice.pk: 2, bob.pk: 1}) == bob
    assert least_loaded([alice, bob], {alice.pk: 1}) == bob
    assert least_loaded([alice, bob], {}) == alice
