"""Requests carrying a NUL character are refused before any view sees them.

PostgreSQL cannot store or even compare a text containing NUL ("\\x00"): a search, a filter or a
saved field with one would end in a database error, that is a 500. No person types a NUL; it
only comes from broken clients or probing, so one check here is simpler than one in every form,
filter and service. The API answers in its JSON error format, the pages with a 400 page.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.api.auth import use_key_user_language
from rapport.api.errors import error_response

NUL = "\x00"


def _nul_path(value, path: str = "") -> str | None:
    """The JSON path of the first string (or key) holding a NUL in `value`, else None."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = _nul_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _where_nul(request: HttpRequest) -> str | None:
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "")
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH"):
        if content_type == "application/json" and request.body:
            try:
                data = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return None  # malformed JSON is answered by the API's own parser
            return _nul_path(data)
        if content_type == "application/x-www-form-urlencoded":
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in v for v in values):
                    return key.replace(NUL, "")
    return None


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _where_nul(request)
        except RequestDataTooBig:
            field = None  # the view answers an oversized body with its own 413
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # The API answers in its key user's language; the view would pick it at sign-in.
            use_key_user_language(request)
        message = _("Text may not contain the NUL character.")
        if request.path.startswith("/api/"):
            return error_response(
                422, "validation_error", _("Please correct the errors below."), {field: [message]}
            )
        return render(request, "400.html", {"message": message}, status=400)
