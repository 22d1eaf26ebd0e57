"""A visible company does not reveal what another team's contact at it said (issue 10).

An interaction with a person is visible only when that person is; one with a company alone
follows the company (`rapport.accounts.access.linked_records_q`).
"""

import pytest

from rapport.activities.models import Interaction
from rapport.activities.services import interaction_create
from rapport.customers.services import company_create, person_create

SECRET = "West pricing: 8% off"


@pytest.fixture
def east_company_with_west_contact(admin_user, alice, charlie):
    """An East company (alice's) where West's contact works; charlie logged a call with him."""
    company = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    person = person_create(
        actor=admin_user,
        data={
            "full_name": "吕国强",
            "owner_id": charlie.pk,
            "employments": [{"company_id": company.pk, "is_primary": True}],
        },
    )
    call = interaction_create(
        actor=charlie,
        person=person,
        data={"channel": "call", "subject": "West call", "content": SECRET},
    )
    return company, person, call


def test_rep_cannot_read_interaction_of_other_team_person_at_visible_company(
    as_alice, east_company_with_west_contact
):
    # Given a call West logged with its contact, filed under alice's company
    company, person, call = east_company_with_west_contact
    assert call.company_id == company.pk

    # When alice asks for it
    response = as_alice.get(f"/interactions/{call.pk}")

    # Then it answers like the person does: not found
    assert response.status_code == 404
    assert as_alice.get(f"/persons/{person.pk}").status_code == 404


@pytest.mark.parametrize("path", ["/interactions", "/companies/{company}/interactions"])
def test_interaction_lists_leave_out_other_team_person_at_visible_company(
    as_alice, east_company_with_west_contact, path
):
    company, _person, _call = east_company_with_west_contact

    response = as_alice.get(path.format(company=company.pk))

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert "吕国强" not in response.content.decode()
    assert SECRET not in response.content.decode()


def test_rep_cannot_change_interaction_of_other_team_person_at_visible_company(
    as_alice, east_company_with_west_contact
):
    _company, _person, call = east_company_with_west_contact

    patched = as_alice.patch(f"/interactions/{call.pk}", {"subject": "mine now"})
    deleted = as_alice.delete(f"/interactions/{call.pk}")

    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert Interaction.objects.get(pk=call.pk).subject == "West call"


def test_interaction_with_company_alone_follows_the_company(as_alice, as_charlie, alice):
    # Given a meeting alice logged with her company, no person
    company = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    meeting = interaction_create(
        actor=alice, company=company, data={"channel": "meeting", "subject": "Kick-off"}
    )

    # Then her team sees it and West does not
    assert as_alice.get(f"/interactions/{meeting.pk}").status_code == 200
    assert as_charlie.get(f"/interactions/{meeting.pk}").status_code == 404


def test_colleague_reads_interaction_of_visible_person_at_other_team_company(
    admin_user, as_bob, alice, charlie
):
    # Given alice's contact who works at a West company, and a call alice logged with him
    west_company = company_create(actor=charlie, data={"name": "西部物流"})
    person = person_create(
        actor=admin_user,
        data={
            "full_name": "王芳",
            "owner_id": alice.pk,
            "employments": [{"company_id": west_company.pk, "is_primary": True}],
        },
    )
    call = interaction_create(
        actor=alice, person=person, data={"channel": "call", "subject": "报价"}
    )

    # When bob (East) reads it, the person decides, not the company
    response = as_bob.get(f"/interactions/{call.pk}")

    assert response.status_code == 200
    assert response.json()["person"]["id"] == person.pk


def test_administrator_reads_every_interaction(as_admin, east_company_with_west_contact):
    _company, _person, call = east_company_with_west_contact

    assert as_admin.get(f"/interactions/{call.pk}").status_code == 200
