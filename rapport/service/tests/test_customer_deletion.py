"""A person or company that a ticket names cannot be deleted, and the 409 says tickets too."""

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create
from rapport.service.services import ticket_create


def test_deleting_a_person_with_a_ticket_answers_409_naming_tickets(ticket, emily, alice):
    response = client_for(alice).delete(f"/persons/{emily.pk}")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "in_use"
    assert "tickets" in body["message"]
    assert Person.objects.filter(pk=emily.pk).exists()


def test_deleting_a_company_with_a_ticket_answers_409_naming_tickets(admin_user, alice, support):
    company = company_create(actor=alice, data={"name": "Acme"})
    ticket_create(
        actor=admin_user,
        data={
            "subject": "Broken",
            "body": "It broke.",
            "company_id": company.pk,
            "team_id": support.pk,
        },
    )

    response = client_for(alice).delete(f"/companies/{company.pk}")

    assert response.status_code == 409
    assert "tickets" in response.json()["message"]
    assert Company.objects.filter(pk=company.pk).exists()
