"""The customer value API: expenses refused on bad input, invisible to another team; a
customer's value."""

import pytest

from rapport.analytics.value.services.expenses import expense_create
from rapport.analytics.value.services.values import customer_values_recompute_all
from rapport.analytics.value.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/value/expenses"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "travel", "amount": "0"}, "amount"),
        ({"kind": "travel", "amount": "12.345"}, "amount"),
        ({"kind": "bribes", "amount": "10.00"}, "kind"),
        ({"kind": "travel", "amount": "10.00", "spent_on": "2999-01-01"}, "spent_on"),
        ({"kind": "travel", "amount": "10.00", "currency": "yuan"}, "currency"),
    ],
)
def test_bad_expense_is_refused(client, alice, east_person, body, field):
    client.force_login(alice)

    response = client.post(
        URL, {**body, "person_id": east_person.pk}, content_type="application/json"
    )

    assert response.status_code in (400, 422)
    assert field in str(response.json()["details"])


def test_expense_needs_exactly_one_customer(client, alice, east_person, east_company):
    client.force_login(alice)

    response = client.post(
        URL,
        {"kind": "travel", "amount": "1.00", "person_id": east_person.pk,
         "company_id": east_company.pk},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 422
    assert "person_id" in response.json()["details"]


def test_expense_created_read_changed_and_deleted(client, alice, east_person):
    client.force_login(alice)

    created = client.post(
        URL,
        {"kind": "entertainment", "amount": "380.00", "person_id": east_person.pk},
        content_type="application/json",
    )
    expense_id = created.json()["id"]
    changed = client.patch(
        f"{URL}/{expense_id}", {"amount": "400.00"}, content_type="application/json"
    )
    value = client.get(f"/api/v1/persons/{east_person.pk}/customer-value")
    deleted = client.delete(f"{URL}/{expense_id}")

    assert created.status_code == 201
    assert changed.json()["amount"] == "400.00"
    assert value.json()["expenses"] == "400.00"
    assert deleted.status_code == 204


def test_charlie_sees_no_expense_or_value_of_alices_customer(
    client, alice, charlie, east_person, zhang_history
):
    expense = expense_create(
        actor=alice, data={"kind": "travel", "amount": "5.00", "person_id": east_person.pk}
    )
    customer_values_recompute_all(today=AS_OF)
    client.force_login(charlie)

    assert client.get(f"{URL}/{expense.pk}").status_code == 404
    assert client.get(URL).json()["items"] == []
    assert client.get(f"/api/v1/persons/{east_person.pk}/customer-value").status_code == 404
    assert client.get("/api/v1/analytics/value/concentration").json()["customers"] == 0
    response = client.post(
        URL,
        {"kind": "travel", "amount": "1.00", "person_id": east_person.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
