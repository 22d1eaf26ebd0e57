"""Create-or-update by another system's keys: PUT /{kind}/by-external/{system}/{id}."""

from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.integration.models import Change, ExternalId
from rapport.sales.models import Order, Payment


def test_same_body_twice_creates_once_and_changes_nothing_the_second_time(as_alice):
    body = {"full_name": "张伟", "region": "Shanghai"}

    first = as_alice.put("/persons/by-external/erp/C-1", body)
    changes = Change.objects.count()
    second = as_alice.put("/persons/by-external/erp/C-1", body)

    assert (first.status_code, first.json()["status"]) == (201, "created")
    assert (second.status_code, second.json()["status"]) == (200, "unchanged")
    assert second.json()["id"] == first.json()["id"]
    assert Person.objects.count() == 1
    assert Change.objects.count() == changes


def test_a_different_body_updates_the_fields_that_differ(as_alice):
    as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟", "region": "Shanghai"})

    response = as_alice.put(
        "/persons/by-external/erp/C-1", {"full_name": "张伟", "region": "Beijing"}
    )

    assert (response.status_code, response.json()["status"]) == (200, "updated")
    assert response.json()["record"]["region"] == "Beijing"
    last = Change.objects.order_by("-id").first()
    assert (last.operation, last.changed_fields) == ("updated", ["region"])


def test_order_names_customer_and_products_by_their_external_ids_and_payment_its_order(
    as_alice, as_admin
):
    as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟"})
    as_admin.put(
        "/products/by-external/erp/P-1", {"sku": "TEA-1", "name": "龙井", "unit_price": "388.00"}
    )

    order = as_alice.put(
        "/orders/by-external/erp/SO-1",
        {"person_external_id": "C-1", "lines": [{"product_external_id": "P-1", "quantity": 2}]},
    )
    payment = as_alice.put(
        "/payments/by-external/erp/PAY-1", {"order_external_id": "SO-1", "amount": "776.00"}
    )

    assert order.status_code == 201, order.json()
    assert order.json()["record"]["total"] == "776.00"
    assert payment.status_code == 201, payment.json()
    assert Order.objects.get().status == "paid"
    assert Payment.objects.get().order_id == order.json()["id"]


def test_unknown_reference_is_a_422_naming_the_field(as_alice):
    response = as_alice.put(
        "/orders/by-external/erp/SO-1",
        {
            "person_external_id": "nobody",
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "1.00"}],
        },
    )

    assert response.status_code == 422
    assert "person_external_id" in response.json()["details"]


def test_a_recorded_payment_cannot_be_changed(as_alice):
    as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟"})
    as_alice.put(
        "/orders/by-external/erp/SO-1",
        {
            "person_external_id": "C-1",
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "10.00"}],
        },
    )
    as_alice.put("/payments/by-external/erp/PAY-1", {"order_external_id": "SO-1", "amount": "5.00"})

    response = as_alice.put(
        "/payments/by-external/erp/PAY-1", {"order_external_id": "SO-1", "amount": "6.00"}
    )

    assert (response.status_code, response.json()["code"]) == (409, "payment_recorded")


def test_another_teams_record_answers_404(as_alice, as_charlie):
    as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟"})

    response = as_charlie.put("/persons/by-external/erp/C-1", {"full_name": "Someone else"})

    assert response.status_code == 404
    assert as_charlie.get("/persons/by-external/erp/C-1").status_code == 404
    assert Person.objects.get().full_name == "张伟"


def test_external_ids_are_set_listed_and_unique_per_system(alice, as_alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    other = person_create(actor=alice, data={"full_name": "王芳"})

    as_alice.put(f"/persons/{person.pk}/external-ids/erp", {"external_id": "C-9"})
    taken = as_alice.put(f"/persons/{other.pk}/external-ids/erp", {"external_id": "C-9"})
    listed = as_alice.get(f"/persons/{person.pk}/external-ids")
    found = as_alice.get("/persons/by-external/erp/C-9")

    assert (taken.status_code, taken.json()["code"]) == (409, "external_id_taken")
    assert listed.json() == {"external_ids": {"erp": "C-9"}}
    assert found.json()["id"] == person.pk


def test_deleting_a_record_frees_its_external_id(alice, as_alice):
    created = as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟"}).json()

    as_alice.client.delete(f"/api/v1/persons/{created['id']}")

    assert not ExternalId.objects.exists()
    again = as_alice.put("/persons/by-external/erp/C-1", {"full_name": "张伟"})
    assert again.status_code == 201


def test_bad_system_name_is_a_422(as_alice):
    response = as_alice.put("/persons/by-external/ERP SYSTEM/C-1", {"full_name": "张伟"})

    assert response.status_code == 422
