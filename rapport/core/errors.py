"""The one error type services raise for anything the caller did wrong.

The API turns it into a 4xx JSON body `{code, message, details}`; the web UI into form errors.
"""

from typing import Any

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    status = 400

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class ValidationFailed(ApplicationError):
    """Input did not pass validation; `details` maps field names to lists of messages."""

    status = 422

    def __init__(self, message: str, details: dict[str, list[str]]):
        super().__init__("validation_error", message, details)


class NotFound(ApplicationError):
    """The record does not exist or the actor may not see it: both answer the same."""

    status = 404

    def __init__(self, message: str):
        super().__init__("not_found", message)


class Conflict(ApplicationError):
    """Someone else changed the record since the actor loaded it."""

    status = 409

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__("conflict", message, details)


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str):
        super().__init__("permission_denied", message)


def check_version(record, version: int | None, message: str | None = None) -> None:
    """Refuse an edit made on a stale copy: optimistic locking on the record's `version`.

    `version` is the one the editor loaded (None: the caller did not send one, so nothing is
    checked). `message` replaces the default wording for records that name themselves (a deal,
    a lead, an order). Services call it after locking the row with `select_for_update`.
    """
    if version is not None and version != record.version:
        raise Conflict(
            str(message)
            if message is not None
            else _(
                "Someone else changed this record while you were editing it. Reload it to see "
                "their changes, then make yours again."
            ),
            {"current_version": record.version, "your_version": version},
        )
