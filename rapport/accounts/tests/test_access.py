"""The visibility rule: who sees which customer record."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rapport.accounts.access import can_manage_settings, visible_records_q
from rapport.accounts.models import Role, User
from rapport.accounts.services import user_create
from rapport.customers.models import Person
from rapport.customers.services import person_create


@pytest.fixture
def records(alice, bob, charlie, admin_user):
    """One person owned by each of alice, bob (both East) and charlie (West)."""
    return {
        "alice": person_create(actor=alice, data={"full_name": "Alice's customer"}),
        "bob": person_create(actor=bob, data={"full_name": "Bob's customer"}),
        "charlie": person_create(actor=charlie, data={"full_name": "Charlie's customer"}),
    }


def _visible(user):
    return set(Person.objects.filter(visible_records_q(user)).values_list("full_name", flat=True))


def test_admin_sees_every_record(records, admin_user):
    assert _visible(admin_user) == {"Alice's customer", "Bob's customer", "Charlie's customer"}


def test_rep_sees_own_and_own_teams_records(records, alice):
    assert _visible(alice) == {"Alice's customer", "Bob's customer"}


def test_rep_cannot_see_other_teams_records(records, charlie):
    assert _visible(charlie) == {"Charlie's customer"}


def test_manager_sees_her_teams_records(records, diana):
    assert _visible(diana) == {"Alice's customer", "Bob's customer"}


def test_user_without_team_sees_only_own_records(records, alice):
    # Given a rep with no team who owns one record
    loner = user_create(username="loner", password="x", role=Role.SALES_REP, team=None)
    Person.objects.filter(pk=records["alice"].pk).update(owner=loner, team=None)

    # Then that is all they see
    assert _visible(loner) == {"Alice's customer"}


def test_record_owned_by_someone_else_but_in_my_team_is_visible(records, alice, charlie):
    # A West rep's record placed in East is East's to see.
    Person.objects.filter(pk=records["charlie"].pk).update(team=alice.team)
    assert "Charlie's customer" in _visible(alice)
    assert "Charlie's customer" in _visible(charlie)


def test_inactive_user_sees_nothing(records, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    alice.refresh_from_db()
    assert _visible(alice) == set()


def test_anonymous_visitor_sees_nothing(records):
    assert _visible(AnonymousUser()) == set()


def test_only_administrators_manage_settings(admin_user, alice, diana):
    assert can_manage_settings(admin_user)
    assert not can_manage_settings(alice)
    assert not can_manage_settings(diana)
    assert not can_manage_settings(AnonymousUser())
