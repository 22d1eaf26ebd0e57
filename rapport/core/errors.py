"""The one error type services raise for anything the caller did wrong.

The API turns it into a 4xx JSON body `{code, message, details}`; the web UI into form errors.
"""

from typing import Any


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
