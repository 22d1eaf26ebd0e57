"""Hostile requests are refused at the root with a 4xx, never a 500 (issue 10, items 2 to 4).

The request middleware refuses JSON nested too deeply and text the database cannot store; the
shared integer parser refuses numbers beyond 64 bits in every list filter.
"""

import json

import pytest
from django.urls import reverse

from rapport.api.tests.conftest import ApiClient, client_for
from rapport.core.htmx import int_or_none
from rapport.customers.models import Person
from rapport.web.middleware import MAX_JSON_DEPTH, json_depth


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- Deep nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_a_deeply_nested_body_posted_to_the_sign_in_page_is_a_400(client, db, content_type):
    body = nested(1100)  # 2.2 KB, the reproducer
    assert len(body) == 2200

    response = client.post(reverse("accounts:login"), body, content_type=content_type)

    # Whoever posts JSON is answered in JSON, as the API would.
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_a_deeply_nested_body_to_the_api_is_refused_before_sign_in(db):
    # No key and no session: the answer is in the language the client asks for.
    response = ApiClient(**{"Accept-Language": "en"}).post("/persons", nested(1100))

    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_json",
        "message": f"The request body is nested more than {MAX_JSON_DEPTH} levels deep.",
        "details": {},
    }


def test_a_deeply_nested_field_is_refused_and_nothing_is_saved(alice):
    body = '{"full_name": "张伟", "custom": {"k": ' + nested(1100) + "}}"

    response = client_for(alice).post("/persons", body)

    assert response.status_code == 400
    assert not Person.objects.exists()


def test_nesting_up_to_the_limit_reaches_the_api_validation(alice):
    api = client_for(alice)

    at_limit = api.post("/persons", nested(MAX_JSON_DEPTH))
    beyond = api.post("/persons", nested(MAX_JSON_DEPTH + 1))

    assert (at_limit.status_code, at_limit.json()["code"]) == (422, "validation_error")
    assert (beyond.status_code, beyond.json()["code"]) == (400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b'{"a": "[[[[{{{{", "b": [[1]]}', 3),
        (b'["\\"[[[[", {"c": []}]', 3),
        (b'"just a string"', 0),
        (b"[[[", 3),  # malformed: the parser refuses it afterwards
    ],
)
def test_the_depth_scan_ignores_brackets_inside_strings(body, depth):
    assert json_depth(body) == depth


def test_a_name_full_of_brackets_is_saved(alice):
    response = client_for(alice).post("/persons", {"full_name": "[" * 150})

    assert response.status_code == 201


# --- Bodies that are not JSON, or JSON with parameters -------------------------------------------


@pytest.mark.parametrize("body", [b"\xff\xfe\xfa not utf-8", b"full_name=x", b'{"full_name": '])
def test_a_body_that_is_not_json_is_a_400_from_the_api(alice, body):
    response = client_for(alice).post("/persons", body)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/vnd.api+json", "text/plain"],
)
def test_nul_is_refused_whatever_the_content_type_says(alice, content_type):
    # The API's parser reads every body as JSON, so the middleware does too.
    api = client_for(alice)

    response = api.client.post(
        "/api/v1/persons", json.dumps({"full_name": "张\x00伟"}), content_type=content_type
    )

    assert response.status_code == 422
    assert response.json()["details"] == {"full_name": ["Text may not contain the NUL character."]}
    assert not Person.objects.exists()


# --- Lone surrogates -----------------------------------------------------------------------------

SURROGATE = "Text may not contain a lone surrogate character (U+D800 to U+DFFF)."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"full_name": "\\ud800x"}', "full_name"),  # the reproducer
        ('{"full_name": "x", "phones": [{"number": "\\uDFFF"}]}', "phones.0.number"),
        ('{"full_name": "x", "custom": {"k\\ud800": "v"}}', "custom.k"),
        (b'{"full_name": "\\udc00"}', "full_name"),
        (b'{"full_name": "\xed\xa0\x80"}', "full_name"),  # its UTF-8 bytes, read "surrogatepass"
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_refused_naming_the_field(alice, body, field):
    response = client_for(alice).post("/persons", body)

    assert response.status_code == 422
    assert response.json()["details"] == {field: [SURROGATE]}
    assert not Person.objects.exists()


def test_a_surrogate_pair_is_an_ordinary_character(alice):
    response = client_for(alice).post("/persons", '{"full_name": "\\ud83d\\ude00 张伟"}')

    assert response.status_code == 201
    assert Person.objects.get().full_name == "😀 张伟"


def test_a_lone_surrogate_posted_as_json_to_a_page_is_refused(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"), '{"full_name": "\\ud800"}', "application/json"
    )

    assert response.status_code == 422
    assert not Person.objects.exists()


# --- Integers beyond 64 bits in list filters ----------------------------------------------------


@pytest.mark.parametrize("value", ["9223372036854775808", "-9223372036854775809", "1" + "0" * 30])
def test_a_filter_beyond_64_bits_is_ignored_like_any_bad_filter(value):
    assert int_or_none(value) is None


@pytest.mark.parametrize("value", [("7", 7), ("9223372036854775807", 2**63 - 1), ("", None)])
def test_a_filter_within_64_bits_is_read(value):
    raw, expected = value
    assert int_or_none(raw) == expected


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("customers:person_list", {"owner_id": 2**63, "team_id": 2**63, "tag_id": 2**63}),
        ("customers:company_list", {"owner_id": -(2**63) - 1}),
        ("activities:task_list", {"assignee": 2**63, "person_id": 10**30}),
        ("activities:interaction_list", {"person_id": 2**63, "company_id": 2**63}),
        ("sales:deal_list", {"pipeline_id": 2**63, "stage_id": 2**63, "owner_id": 2**63}),
        ("sales:order_list", {"person_id": 2**63, "company_id": 2**63}),
        ("sales:lead_list", {"owner_id": 2**63, "team_id": 2**63}),
        ("accounts:audit_log", {"actor": 2**63}),
    ],
)
def test_list_pages_ignore_filters_beyond_64_bits(client, admin_user, url, params):
    client.force_login(admin_user)

    response = client.get(reverse(url), params)

    assert response.status_code == 200
