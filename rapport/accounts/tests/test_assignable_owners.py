"""Who may be made a record's owner: one rule (`access.assignable_owners`), asked by every service,
form and endpoint that sets an owner or an assignee.

Before it was one rule, the copies disagreed on the cases below: a representative without a team
was offered only themselves by the list views, nobody by the forms, and the user or the team by a
selector; the lead form also left out users outside the sales roles.
"""

import pytest

from conftest import PASSWORD
from rapport.accounts.access import (
    assignable_owners,
    check_owner_assignable,
    clean_owner,
    may_own,
)
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.core.cleaning import FieldErrors
from rapport.core.errors import ValidationFailed
from rapport.customers.forms import PersonForm
from rapport.customers.services import person_create
from rapport.dataio.services.imports.jobs.defaults import clean_defaults
from rapport.sales.forms.deals import DealForm
from rapport.sales.forms.leads import LeadEditForm
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads import lead_create


@pytest.fixture
def erin(db):
    """A representative in no team."""
    return user_create(username="erin", password=PASSWORD, role=Role.SALES_REP, language="en")


@pytest.fixture
def frank(db):
    """A sales manager in no team."""
    return user_create(username="frank", password=PASSWORD, role=Role.SALES_MANAGER, language="en")


@pytest.fixture
def gina(east):
    """A marketing colleague in the East team (not a seller)."""
    return user_create(
        username="gina", password=PASSWORD, role=Role.MARKETING, team=east, language="en"
    )


@pytest.fixture
def retired(east):
    user = user_create(
        username="retired", password=PASSWORD, role=Role.SALES_REP, team=east, language="en"
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# --- The rule ------------------------------------------------------------------------------------


def test_rep_in_a_team_may_give_records_to_themselves_and_active_team_members(
    alice, bob, diana, charlie, retired
):
    assert set(assignable_owners(alice)) == {alice, bob, diana}


def test_rep_without_a_team_may_give_records_only_to_themselves(erin, alice):
    assert list(assignable_owners(erin)) == [erin]
    assert not may_own(erin, alice)


def test_manager_may_give_records_to_their_team_only(diana, alice, bob, charlie):
    assert set(assignable_owners(diana)) == {alice, bob, diana}
    assert not may_own(diana, charlie)


def test_manager_without_a_team_may_give_records_only_to_themselves(frank, alice):
    assert list(assignable_owners(frank)) == [frank]


def test_administrator_may_give_records_to_any_active_user(
    admin_user, alice, bob, charlie, diana, erin, retired
):
    assert set(assignable_owners(admin_user)) == {admin_user, alice, bob, charlie, diana, erin}
    assert not may_own(admin_user, retired)


def test_may_own_agrees_with_assignable_owners_for_every_pair(
    admin_user, alice, bob, charlie, diana, erin, frank, retired
):
    users = [admin_user, alice, bob, charlie, diana, erin, frank, retired]
    for actor in users:
        allowed = set(assignable_owners(actor))
        assert {u for u in users if may_own(actor, u)} == allowed, actor


def test_giving_a_record_to_another_team_is_refused_on_the_owner_field(alice, charlie):
    with pytest.raises(ValidationFailed) as exc:
        check_owner_assignable(alice, charlie)

    assert exc.value.details == {"owner_id": ["You can only give records to members of your team."]}


def test_putting_a_record_in_another_team_is_refused_on_the_team_field(alice, bob, west):
    with pytest.raises(ValidationFailed) as exc:
        check_owner_assignable(alice, bob, west)

    assert exc.value.details == {"team_id": ["You can only assign records to your own team."]}


def test_clean_owner_names_an_unknown_or_inactive_user_as_such(alice, retired):
    errors = FieldErrors()

    assert clean_owner(alice, retired.pk, errors) is None
    assert clean_owner(alice, "not a number", errors) is None
    assert errors == {"owner_id": ["There is no such active user."] * 2}


# --- Every copy now asks it ----------------------------------------------------------------------


def test_services_refuse_another_teams_owner_for_persons_deals_and_leads(alice, charlie):
    for create, data in (
        (person_create, {"full_name": "张伟"}),
        (deal_create, {"title": "Deal"}),
        (lead_create, {"full_name": "王芳"}),
    ):
        with pytest.raises(ValidationFailed) as exc:
            create(actor=alice, data={**data, "owner_id": charlie.pk})
        assert "owner_id" in exc.value.details, create.__name__


def test_services_let_a_rep_give_records_to_a_team_member(alice, bob):
    person = person_create(actor=alice, data={"full_name": "张伟", "owner_id": bob.pk})
    deal = deal_create(actor=alice, data={"title": "Deal", "owner_id": bob.pk})
    lead = lead_create(actor=alice, data={"full_name": "王芳", "owner_id": bob.pk})

    assert (person.owner, deal.owner, lead.owner) == (bob, bob, bob)


def test_services_refuse_a_rep_without_a_team_giving_records_away(erin, alice):
    for create, data in (
        (person_create, {"full_name": "张伟"}),
        (deal_create, {"title": "Deal"}),
        (lead_create, {"full_name": "王芳"}),
    ):
        with pytest.raises(ValidationFailed):
            create(actor=erin, data={**data, "owner_id": alice.pk})


def test_import_defaults_refuse_an_owner_of_another_team(alice, charlie):
    errors = FieldErrors()

    clean_defaults(alice, {"owner": charlie.username}, errors, target="persons")

    assert errors == {"defaults.owner": ["You can only give records to members of your team."]}


def _offered(form) -> set[str]:
    field = form.fields.get("owner_id")
    return {value for value, _label in field.choices if value} if field else set()


def test_forms_offer_a_rep_themselves_and_their_team(alice, bob, diana, gina):
    expected = {str(u.pk) for u in (alice, bob, diana, gina)}

    assert _offered(PersonForm(actor=alice)) == expected
    assert _offered(DealForm(actor=alice)) == expected
    assert _offered(LeadEditForm(actor=alice)) == expected


def test_forms_offer_a_rep_without_a_team_no_one_else(erin, alice):
    assert _offered(PersonForm(actor=erin)) == set()
    assert _offered(DealForm(actor=erin)) == set()
    assert _offered(LeadEditForm(actor=erin)) == {str(erin.pk)}


def test_forms_offer_an_administrator_every_active_user(admin_user, alice, charlie, retired):
    expected = {str(u.pk) for u in (admin_user, alice, charlie)}

    assert _offered(PersonForm(actor=admin_user)) == expected
    assert _offered(DealForm(actor=admin_user)) == expected
