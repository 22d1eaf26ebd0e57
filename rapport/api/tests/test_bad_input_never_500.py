"""No input makes the API answer 500: every operation in the OpenAPI document, fed bad values.

The operations come from the served document, so an endpoint added later is covered without
touching this file. Each is called by an administrator (who may reach every code path) with:
ids that do not exist, do not fit in a database integer, or are not numbers; bodies that are not
objects; and, for each documented body property, values of the wrong kind (a list, an object, a
huge string, a negative or enormous number, an impossible date). The answer must be a 4xx JSON
error `{code, message, details}` or a success; a 5xx is a bug.
"""

import itertools
import re

import pytest

from rapport.api.api import api
from rapport.api.tests.conftest import client_for

HUGE_ID = "99999999999999999999999"
BAD_VALUES = [
    None,
    [],
    {},
    "x" * 100_000,
    -1,
    -(10**30),
    10**30,
    1.5,
    "2026-02-30",
    "not a number",
    "\x00",
    "<script>alert(1)</script>",
]


def _operations():
    schema = api.get_openapi_schema(path_prefix="")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            yield path, method, body, schema


def _properties(body_schema, schema) -> list[str]:
    if not body_schema:
        return []
    ref = body_schema.get("$ref")
    if ref:
        body_schema = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return sorted(body_schema.get("properties", {}))


def _paths(path: str) -> list[str]:
    if "{" not in path:
        return [path]
    return [re.sub(r"\{[^}]+\}", value, path) for value in ("1", HUGE_ID, "abc", "-5")]


def _cases():
    for path, method, body, schema in _operations():
        properties = _properties(body, schema)
        for concrete in _paths(path):
            if method in ("get", "delete"):
                yield method, concrete, None
                continue
            yield method, concrete, "{not json"
            yield method, concrete, []
            yield method, concrete, {}
            if concrete == _paths(path)[0]:
                # Ids that may exist (and paths without ids): each bad value in each property
                # alone, so that one property's error does not hide another's 500.
                for prop, value in itertools.product(properties, BAD_VALUES):
                    yield method, concrete, {prop: value}
            elif properties:
                # Ids that cannot exist (too large, not numbers, negative): each bad value in
                # every property at once. The view answers 404 or 422 before it reads the
                # body; one body per value still reaches it with every property of that kind,
                # at a twelfth of the requests (the module took a sixth of the suite's time).
                for value in BAD_VALUES:
                    yield method, concrete, dict.fromkeys(properties, value)


CASES = list(_cases())


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)


def _assert_client_error_or_success(response, method, path, body):
    assert response.status_code < 500, (method, path, body, response.content[:300])
    if response.status_code >= 400:
        error = response.json()
        assert {"code", "message", "details"} <= set(error), (method, path, error)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted({(m, p) for m, p, _ in CASES}),
    ids=lambda v: v,
)
def test_no_bad_input_makes_an_operation_answer_500(as_admin, alice, method, path):
    # Given records with id 1 may or may not exist; whatever the database holds
    # When each bad body (or none) is sent to the operation
    for case_method, case_path, body in CASES:
        if (case_method, case_path) != (method, path):
            continue
        send = getattr(as_admin, method)
        response = send(case_path) if body is None else send(case_path, body)
        # Then the answer is a success or a 4xx JSON error, never a 500
        _assert_client_error_or_success(response, method, case_path, body)
