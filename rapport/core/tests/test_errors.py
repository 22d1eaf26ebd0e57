"""The one error type and its kinds, each with the HTTP status the API answers."""

import pytest

from rapport.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ApplicationError("invalid_cursor", "bad"), "invalid_cursor", 400),
        (ValidationFailed("bad", {"name": ["Enter a name."]}), "validation_error", 422),
        (NotFound("gone"), "not_found", 404),
        (Conflict("stale", {"current_version": 2}), "conflict", 409),
        (PermissionDenied("no"), "permission_denied", 403),
    ],
)
def test_each_error_kind_carries_its_code_and_status(error, code, status):
    assert isinstance(error, ApplicationError)
    assert (error.code, error.status) == (code, status)
    assert str(error) == error.message


def test_details_default_to_an_empty_dict():
    assert ApplicationError("x", "y").details == {}
    assert ValidationFailed("bad", {"name": ["Enter a name."]}).details == {
        "name": ["Enter a name."]
    }
