"""Every error the API answers is JSON `{code, message, details}`, with a translated message.

- `ApplicationError` (raised by services and selectors) keeps its code and status;
- request validation (wrong types, unknown fields, missing fields) is 422 `validation_error`
  with `details` mapping each field, dotted like `phones.0.number`, to its messages;
- a body that is not JSON is 400 `malformed_json`;
- authentication is 401, CSRF and permissions 403, unknown records and URLs 404, wrong methods 405;
- anything unexpected is logged and answered 500 `server_error`, never with a traceback.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from rapport.api.auth import CsrfFailed
from rapport.core.errors import ApplicationError

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"code": code, "message": str(message), "details": details or {}}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, details),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def not_found_response() -> JsonResponse:
    return error_response(404, "not_found", _("Not found."))


def method_not_allowed_response(allowed: list[str]) -> JsonResponse:
    response = error_response(405, "method_not_allowed", _("This method is not allowed here."))
    response["Allow"] = ", ".join(sorted(allowed))
    return response


def _field_message(error: dict) -> str:
    """A translated message for one pydantic error (its English text is not for users)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return _("Enter a number.")
    if kind == "string_type":
        return _("Enter text.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Give a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Give an object.")
    if kind.startswith("date_") and not kind.startswith("datetime"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind.startswith("datetime_"):
        return _("Enter a date and time, e.g. 2026-05-01T14:30:00+08:00.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_too_long":
        return _("Use at most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind == "too_long":
        return _("Give at most %(limit)s entries.") % {"limit": ctx.get("max_length")}
    if kind == "greater_than_equal":
        return _("Enter a number of at least %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number of at most %(limit)s.") % {"limit": ctx.get("le")}
    return _("Enter a valid value.")


def _field_name(loc: tuple) -> str:
    # ninja prefixes the source ("body", "query", "path") and, for a body, the parameter name.
    parts = list(loc[1:])
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    # A body that is missing as a whole is reported under "body".
    return ".".join(str(p) for p in parts) or str(loc[0] if loc else "body")


def validation_details(errors: list[dict]) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for error in errors:
        details.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(
            _field_message(error)
        )
    return details


def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        422,
        "validation_error",
        _("Please correct the errors below."),
        validation_details(exc.errors),
    )


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        401,
        "not_authenticated",
        _("Give a valid API key (Authorization: Bearer <key> or X-API-Key) or sign in."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, CsrfFailed):
        return error_response(
            403, "csrf_failed", _("The CSRF token is missing or wrong. Reload the page.")
        )
    if isinstance(exc, Throttled):
        return error_response(429, "throttled", _("Too many requests. Try again later."))
    if exc.status_code == 400 and exc.__cause__ is not None:
        # ninja raises HttpError(400) from the parser's exception when the body is not JSON.
        return error_response(400, "malformed_json", _("The request body is not valid JSON."))
    codes = {
        401: ("not_authenticated", _("Authentication is required.")),
        403: ("permission_denied", _("You do not have permission to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
    }
    code, message = codes.get(exc.status_code, ("bad_request", _("The request is not valid.")))
    return error_response(exc.status_code, code, message)


def _request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413, "request_too_large", _("The request body is too large."))


def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found_response()


def _django_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "permission_denied", _("You do not have permission to do this."))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        500,
        "server_error",
        _("Something went wrong on our side. The error has been logged."),
    )


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(Exception, _unexpected)
    api.add_exception_handler(ApplicationError, _application_error)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(AuthenticationError, _authentication_error)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _http404)
    api.add_exception_handler(RequestDataTooBig, _request_too_big)
    api.add_exception_handler(DjangoPermissionDenied, _django_permission_denied)
