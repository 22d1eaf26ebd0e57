"""The interaction pages show what the API shows: not another team's contact's calls."""

import pytest
from django.urls import reverse

from rapport.activities.selectors import interactions_visible_to
from rapport.activities.services import interaction_create
from rapport.customers.services import company_create, person_create


@pytest.fixture
def west_call_at_east_company(admin_user, alice, charlie):
    company = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    person = person_create(
        actor=admin_user,
        data={
            "full_name": "吕国强",
            "owner_id": charlie.pk,
            "employments": [{"company_id": company.pk, "is_primary": True}],
        },
    )
    return interaction_create(
        actor=charlie,
        person=person,
        data={"channel": "call", "subject": "West-only call", "content": "West pricing"},
    )


def test_interaction_list_page_hides_other_team_person_at_visible_company(
    client, alice, west_call_at_east_company
):
    client.force_login(alice)

    response = client.get(reverse("activities:interaction_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "West-only call" not in body
    assert "吕国强" not in body


def test_interaction_list_page_filtered_by_company_hides_other_team_person(
    client, alice, west_call_at_east_company
):
    client.force_login(alice)

    response = client.get(
        reverse("activities:interaction_list"), {"company_id": west_call_at_east_company.company_id}
    )

    assert "West-only call" not in response.content.decode()


def test_company_timeline_page_hides_other_team_person_at_visible_company(
    client, alice, west_call_at_east_company
):
    client.force_login(alice)

    response = client.get(
        reverse("activities:company_timeline", args=[west_call_at_east_company.company_id])
    )

    assert response.status_code == 200
    assert "West-only call" not in response.content.decode()


def test_interactions_visible_to_follows_the_person_not_the_company(
    alice, charlie, west_call_at_east_company
):
    assert not interactions_visible_to(alice).filter(pk=west_call_at_east_company.pk).exists()
    assert interactions_visible_to(charlie).filter(pk=west_call_at_east_company.pk).exists()
