"""The OpenAPI description states the limits the API enforces, and the API keeps to them.

A request the description allows must not be refused for a reason it does not state, and what
it refuses must be answered with a documented JSON error, never a 500 or an HTML page.
"""

import pytest
from django.test import Client

from rapport.customers.services import tag_create
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders.placing import order_create

BEYOND_64_BITS = str(2**63)


@pytest.fixture
def openapi(db):
    return Client().get("/api/v1/openapi.json").json()


def _query_parameter(openapi, path, name):
    parameters = openapi["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)["schema"]


def test_limit_bounds_are_in_the_description(openapi):
    limit = _query_parameter(openapi, "/api/v1/persons", "limit")

    assert limit["anyOf"][0] == {"maximum": 200, "minimum": 1, "type": "integer"}


@pytest.mark.parametrize("limit", ["0", "201", "-1"])
def test_limit_out_of_range_is_422(as_alice, limit):
    response = as_alice.get("/persons", {"limit": limit})

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"limit"}


def test_every_operation_documents_422_and_throttling(openapi):
    person = openapi["paths"]["/api/v1/persons/{person_id}"]

    assert {"401", "404", "422", "429"} <= set(person["get"]["responses"])
    assert {"400", "403", "409", "413", "422"} <= set(person["patch"]["responses"])
    assert "422" in openapi["paths"]["/api/v1/data-health"]["get"]["responses"]


def test_string_limits_come_from_the_columns(openapi):
    schemas = openapi["components"]["schemas"]

    assert schemas["TagIn"]["properties"]["name"]["maxLength"] == 50
    assert schemas["PersonIn"]["properties"]["full_name"]["anyOf"][0]["maxLength"] == 200


def test_text_longer_than_the_column_is_422_naming_the_field(as_admin):
    response = as_admin.post("/tags", {"name": "x" * 51})

    assert response.status_code == 422
    assert response.json()["details"] == {"name": ["Use at most 50 characters."]}


def test_mark_read_refuses_a_boolean_for_an_id(as_alice):
    response = as_alice.post("/notifications/mark-read", {"ids": [False]})

    assert response.status_code == 422
    assert response.json()["details"] == {"ids.0": ["Enter a whole number."]}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/persons", {"owner_id": BEYOND_64_BITS}),
        ("/companies", {"team_id": BEYOND_64_BITS}),
        ("/tasks", {"assignee_id": BEYOND_64_BITS}),
        ("/receivables", {"owner_id": BEYOND_64_BITS}),
        ("/persons/" + BEYOND_64_BITS, {}),
    ],
)
def test_ids_beyond_64_bits_are_422_not_500(as_alice, path, params):
    response = as_alice.get(path, params)

    assert response.status_code == 422


def test_tag_ids_beyond_64_bits_are_422(as_alice):
    response = as_alice.post("/persons", {"full_name": "张伟", "tag_ids": [2**63]})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["tag_ids.0"]


def test_a_huge_list_of_tag_ids_is_422(as_alice, admin_user):
    tag = tag_create(actor=admin_user, data={"name": "VIP"})

    response = as_alice.post("/persons", {"full_name": "张伟", "tag_ids": [tag.pk] * 101})

    assert response.status_code == 422
    assert response.json()["details"] == {"tag_ids": ["Give at most 100 entries."]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons/abc",
        "/api/v1/persons/1/x",
        "/api/v1/persons/%0A",
        "/api/v1/leads/%0A/assign",
        "/api/v1/persons/%00",
        "/api/v1//persons",
        "/api/v1/no-such-thing/",
    ],
)
def test_malformed_api_paths_answer_a_json_404(as_alice, path):
    response = as_alice.client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


# --- PATCH without version -----------------------------------------------------------------------


@pytest.fixture
def versioned_records(alice, east_person, east_company):
    lead = lead_create(actor=alice, data={"full_name": "王芳", "phone": "13900139000"})
    deal = deal_create(actor=alice, data={"title": "年度合同", "person_id": east_person.pk})
    order = order_create(
        actor=alice,
        data={
            "person_id": east_person.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "10"}],
        },
    )
    return {
        "persons": (east_person.pk, {"notes": "喜欢喝茶"}),
        "companies": (east_company.pk, {"industry": "贸易"}),
        "leads": (lead.pk, {"city": "杭州"}),
        "deals": (deal.pk, {"notes": "下周报价"}),
        "orders": (order.pk, {"notes": "送货前电话"}),
    }


@pytest.mark.parametrize("kind", ["persons", "companies", "leads", "deals", "orders"])
def test_patch_without_version_is_422(as_alice, versioned_records, kind):
    record_id, change = versioned_records[kind]

    response = as_alice.patch(f"/{kind}/{record_id}", change)

    assert response.status_code == 422
    assert response.json()["details"] == {"version": ["This field is required."]}


@pytest.mark.parametrize("kind", ["persons", "companies", "leads", "deals", "orders"])
def test_patch_with_the_loaded_version_changes_the_record(as_alice, versioned_records, kind):
    record_id, change = versioned_records[kind]
    version = as_alice.get(f"/{kind}/{record_id}").json()["version"]

    response = as_alice.patch(f"/{kind}/{record_id}", {**change, "version": version})

    assert response.status_code == 200
    assert response.json()["version"] == version + 1
