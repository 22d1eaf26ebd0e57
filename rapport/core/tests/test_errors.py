"""The one error type and its kinds, each with the HTTP status the API answers."""

import pytest

from rapport.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    check_version,
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


class Versioned:
    version = 4


def test_a_stale_version_is_a_conflict_naming_both_versions():
    with pytest.raises(Conflict) as refused:
        check_version(Versioned(), 3)

    assert refused.value.details == {"current_version": 4, "your_version": 3}
    assert refused.value.message.startswith("Someone else changed this record")


def test_the_current_version_or_none_passes():
    check_version(Versioned(), 4)
    check_version(Versioned(), None)


def test_a_record_may_word_its_own_conflict():
    with pytest.raises(Conflict, match=r"^This deal changed\.$"):
        check_version(Versioned(), 1, "This deal changed.")
