"""A task or deal one may see does not show a customer one may not (issue 10).

Tasks are visible by their assignee, deals by their owner; when their person has gone to another
team since, the link reads as empty instead of showing that team's customer's name.
"""

import pytest
from django.urls import reverse

from rapport.activities.task_services import task_create
from rapport.customers.services import person_create, person_update
from rapport.sales.services.deals import deal_create


@pytest.fixture
def person_handed_to_west(admin_user, alice):
    """alice's customer, with her task and deal, then handed to charlie (West)."""
    person = person_create(actor=alice, data={"full_name": "吕国强"})
    task = task_create(actor=alice, data={"title": "Send the quote", "person_id": person.pk})
    deal = deal_create(actor=alice, data={"title": "Annual tea order", "person_id": person.pk})
    return person, task, deal


def _hand_to_charlie(admin_user, charlie, person):
    person_update(actor=admin_user, person=person, data={"owner_id": charlie.pk}, version=None)


def test_rep_sees_own_task_without_the_name_of_other_team_person(
    as_alice, admin_user, charlie, person_handed_to_west
):
    # Given alice's task about a customer since handed to West
    person, task, _deal = person_handed_to_west
    _hand_to_charlie(admin_user, charlie, person)

    # When she reads her task and her task list
    detail = as_alice.get(f"/tasks/{task.pk}")
    listing = as_alice.get("/tasks")

    # Then the task is hers to do, but the customer is not shown
    assert detail.status_code == 200
    assert detail.json()["person"] is None
    assert "吕国强" not in listing.content.decode()


def test_rep_sees_own_deal_without_the_name_of_other_team_person(
    as_alice, admin_user, charlie, person_handed_to_west
):
    person, _task, deal = person_handed_to_west
    _hand_to_charlie(admin_user, charlie, person)

    detail = as_alice.get(f"/deals/{deal.pk}")
    listing = as_alice.get("/deals")

    assert detail.status_code == 200
    assert detail.json()["person"] is None
    assert "吕国强" not in listing.content.decode()


def test_deal_and_task_pages_leave_out_the_name_of_other_team_person(
    client, alice, admin_user, charlie, person_handed_to_west
):
    person, task, deal = person_handed_to_west
    _hand_to_charlie(admin_user, charlie, person)
    client.force_login(alice)

    pages = [
        reverse("sales:deal_detail", args=[deal.pk]),
        reverse("sales:deal_list"),
        reverse("activities:task_detail", args=[task.pk]),
        reverse("activities:task_list"),
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "吕国强" not in response.content.decode(), page


def test_links_to_visible_customers_still_show(as_alice, person_handed_to_west):
    person, task, deal = person_handed_to_west

    assert as_alice.get(f"/tasks/{task.pk}").json()["person"]["id"] == person.pk
    assert as_alice.get(f"/deals/{deal.pk}").json()["person"]["id"] == person.pk
