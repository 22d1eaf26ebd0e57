"""Bad input of every kind answers 4xx with the field named in `details`, and saves nothing."""

import pytest

from rapport.activities.models import Interaction
from rapport.customers.models import Company, Person, Tag
from rapport.customers.services import custom_field_create


@pytest.fixture
def custom_fields(admin_user):
    for key, field_type, choices in (
        ("level", "choice", ["gold", "silver"]),
        ("budget", "number", []),
        ("since", "date", []),
    ):
        custom_field_create(
            actor=admin_user,
            data={
                "record_type": "person",
                "key": key,
                "label": key.title(),
                "field_type": field_type,
                "choices": choices,
            },
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "张伟", "phones": [{"number": "12345"}]}, "phones.0.number"),
        ({"full_name": "张伟", "phones": [{"number": "not a phone"}]}, "phones.0.number"),
        ({"full_name": "张伟", "emails": [{"email": "zhang@"}]}, "emails.0.email"),
        ({"full_name": "张伟", "birthday": "1990-13-45"}, "birthday"),
        ({"full_name": "张伟", "birthday": "yesterday"}, "birthday"),
        ({"full_name": "张伟", "gender": "robot"}, "gender"),
        ({"full_name": "张伟", "lifecycle_stage": "whale"}, "lifecycle_stage"),
        ({"full_name": "张伟", "source": "pigeon"}, "source"),
        (
            {"full_name": "张伟", "phones": [{"number": "13800138000", "label": "x"}]},
            "phones.0.label",
        ),
        ({"full_name": "张" * 201}, "full_name"),
        ({"full_name": "张伟", "region": "x" * 65}, "region"),
        ({"full_name": "张伟", "addresses": [{"street": "x" * 201}]}, "addresses.0.street"),
        (
            {"full_name": "张伟", "addresses": [{"country": "China", "city": "上海"}]},
            "addresses.0.country",
        ),
        ({"full_name": "张伟", "pet_name": "伟哥"}, "pet_name"),
        ({"full_name": "张伟", "birth_month": 2, "birth_day": 30}, "birth_day"),
        ({"full_name": "张伟", "birth_month": 13, "birth_day": 1}, "birth_month"),
        ({"full_name": "张伟", "birth_month": "7", "birth_day": 14}, "birth_month"),
        ({"full_name": "张伟", "phones": [{"number": "13800138000", "ext": "1"}]}, "phones.0.ext"),
        ({"full_name": 123}, "full_name"),
        ({"full_name": "张伟", "tag_ids": "vip"}, "tag_ids"),
        ({"full_name": "张伟", "tag_ids": ["vip"]}, "tag_ids.0"),
        ({"full_name": "张伟", "tag_ids": [999999]}, "tag_ids"),
        ({"full_name": "张伟", "owner_id": "alice"}, "owner_id"),
        ({"full_name": "张伟", "owner_id": 999999}, "owner_id"),
        ({"full_name": "张伟", "phones": {"number": "13800138000"}}, "phones"),
        (
            {"full_name": "张伟", "employments": [{"company_id": 999999}]},
            "employments.0.company_id",
        ),
        ({"full_name": "张伟", "custom": {"level": "bronze"}}, "custom.level"),
        ({"full_name": "张伟", "custom": {"budget": "lots"}}, "custom.budget"),
        ({"full_name": "张伟", "custom": {"since": "someday"}}, "custom.since"),
        ({"full_name": "张伟", "custom": {"shoe_size": 42}}, "custom.shoe_size"),
        ({"full_name": "张伟", "custom": ["level"]}, "custom"),
        ({}, "full_name"),
        ({"full_name": "   "}, "full_name"),
    ],
)
def test_invalid_person_is_422_naming_the_field_and_saves_nothing(
    as_alice, custom_fields, body, field
):
    response = as_alice.post("/persons", body)

    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["message"]
    assert field in error["details"], error["details"]
    assert all(isinstance(m, str) and m for m in error["details"][field])
    assert not Person.objects.exists()


def test_all_errors_are_reported_at_once(as_alice):
    response = as_alice.post(
        "/persons",
        {"full_name": "张伟", "phones": [{"number": "1"}], "emails": [{"email": "x"}]},
    )

    assert set(response.json()["details"]) == {"phones.0.number", "emails.0.email"}


def test_invalid_patch_changes_nothing(as_alice, east_person):
    response = as_alice.patch(
        f"/persons/{east_person.pk}",
        {"full_name": "李四", "emails": [{"email": "not-an-email"}]},
    )

    assert response.status_code == 422
    east_person.refresh_from_db()
    assert east_person.full_name == "张伟"
    assert east_person.version == 1


def test_patch_with_wrongly_typed_version_is_422(as_alice, east_person):
    response = as_alice.patch(f"/persons/{east_person.pk}", {"version": "latest"})

    assert response.status_code == 422
    assert "version" in response.json()["details"]


@pytest.mark.parametrize(
    "raw",
    [b'{"full_name": "\xe5\xbc\xa0', b"{full_name: 1}", b"\xff\xfe", b"[1, 2"],
)
def test_malformed_json_is_400(as_alice, raw):
    response = as_alice.post("/persons", raw)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert response.json()["details"] == {}
    assert not Person.objects.exists()


def test_empty_body_is_422_naming_the_body(as_alice):
    response = as_alice.post("/persons", b"")

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["body"]


@pytest.mark.parametrize("raw", ['"张伟"', "[1, 2]", "42", "null"])
def test_json_that_is_not_an_object_is_422(as_alice, raw):
    response = as_alice.post("/persons", raw)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "East", "email": "east@"}, "email"),
        ({"name": "East", "phone": "abc"}, "phone"),
        ({"name": "East", "website": "w" * 201}, "website"),
        ({"name": "East", "employees": 50}, "employees"),
        ({"name": ["East"]}, "name"),
    ],
)
def test_invalid_company_is_422(as_alice, body, field):
    response = as_alice.post("/companies", body)

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "pigeon", "subject": "Hi"}, "channel"),
        ({"channel": "call", "subject": ""}, "subject"),
        ({"channel": "call", "subject": "x" * 201}, "subject"),
        ({"channel": "call", "subject": "Hi", "occurred_at": "tomorrow"}, "occurred_at"),
        ({"channel": "call", "subject": "Hi", "occurred_at": "2999-01-01T00:00:00"}, "occurred_at"),
        ({"channel": "call", "subject": "Hi", "direction": "sideways"}, "direction"),
        ({"channel": "call", "subject": "Hi", "mood": "happy"}, "mood"),
        ({"subject": "Hi"}, "channel"),
    ],
)
def test_invalid_interaction_is_422(as_alice, east_person, body, field):
    response = as_alice.post("/interactions", {"person_id": east_person.pk, **body})

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert not Interaction.objects.exists()


def test_interaction_without_customer_is_422(as_alice):
    response = as_alice.post("/interactions", {"channel": "call", "subject": "Hi"})

    assert response.status_code == 422
    assert "person_id" in response.json()["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "VIP", "color": "red"}, "color"), ({}, "name")],
)
def test_invalid_tag_is_422(as_alice, body, field):
    response = as_alice.post("/tags", body)

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert not Tag.objects.exists()


def test_limit_above_the_maximum_is_422(as_alice, settings):
    settings.RAPPORT_API_MAX_PAGE_SIZE = 50

    response = as_alice.get("/persons", {"limit": 51})

    assert response.status_code == 422
    assert "limit" in response.json()["details"]


def test_non_numeric_limit_is_422(as_alice):
    response = as_alice.get("/persons", {"limit": "many"})

    assert response.status_code == 422
    assert "limit" in response.json()["details"]
