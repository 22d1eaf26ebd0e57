"""Transport-level faults in a request's text are refused here, before any view sees them.

One walk over the query string, a urlencoded form post and a JSON body refuses:

- a NUL character: PostgreSQL cannot store or even compare a text containing one, so a search,
  a filter or a saved field with it would end in a database error, that is a 500;
- a lone surrogate (U+D800–U+DFFF, only possible through a JSON escape such as "\\ud800"): no
  UTF-8 encoder takes it, so the database driver fails on it;
- a JSON body nested deeper than `MAX_JSON_DEPTH`: Python's parsers and every function walking
  the data recurse once per level, and a few kilobytes of brackets exhaust the stack. The depth is
  measured by a flat scan of the bytes before anything parses them.

No person types these; they come from broken clients or probing, so one check here is simpler
than one in every form, filter and service. The API (and anyone posting JSON) is answered in the
API's JSON error format, the pages with a 400 page. Multipart bodies (uploads) are left to the
form fields, which refuse NUL themselves; imports and jobs do not pass here and clean their text
with `rapport.core.cleaning.clean_text`.
"""

import json
import re
from itertools import accumulate

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from rapport.api.auth import use_key_user_language
from rapport.api.errors import error_response
from rapport.core.cleaning import FORBIDDEN_CHARACTERS, NUL_MESSAGE, SURROGATE_MESSAGE

# Real records nest a few levels (a person's phones, a custom field's choices); 64 is generous.
MAX_JSON_DEPTH = 64

SURROGATE = re.compile("[\ud800-\udfff]")
# How a NUL or a lone surrogate can be written in a UTF-8 JSON text: as an escape, or (for a
# surrogate) as its three UTF-8 bytes, which Python's JSON parser decodes with "surrogatepass".
FORBIDDEN_IN_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]")
# A JSON string literal, unrolled so that a long string is matched without backtracking.
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
NOT_BRACKETS = bytes(b for b in range(256) if b not in BRACKET_STEP)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BodyTooDeep(Exception):
    pass


def json_depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest, without parsing (or recursing).

    Brackets inside strings do not count. A malformed text gets some number; the parser that
    reads it afterwards refuses it.
    """
    brackets = JSON_STRING.sub(b"", body).translate(None, NOT_BRACKETS)
    return max(accumulate(BRACKET_STEP[b] for b in brackets), default=0)


def _bad_text_message(text: str) -> Promise | None:
    """Lazy: the API's language is only known once the middleware has found the key's user."""
    match = FORBIDDEN_CHARACTERS.search(text)
    if match is None:
        return None
    return NUL_MESSAGE if match.group() == "\x00" else SURROGATE_MESSAGE


def _printable(name: str) -> str:
    """A field name that can be encoded in the answer (a lone surrogate cannot)."""
    return SURROGATE.sub("", name)


def _fault_in_pairs(pairs) -> tuple[str, str] | None:
    for key, values in pairs:
        for text in (key, *values):
            message = _bad_text_message(text)
            if message:
                return FORBIDDEN_CHARACTERS.sub("", key), message
    return None


def _fault_in_json(data) -> tuple[str, str] | None:
    """(dotted path, message) of the first string or key holding a forbidden character.

    Walked with a stack, not recursion (the depth was checked before parsing anyway); numbers
    and other scalars are skipped without building their paths, so a long list of ids is cheap.
    """
    stack: list[tuple[tuple, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            message = _bad_text_message(value)
            if message:
                return ".".join(map(str, path)) or "body", message
        elif isinstance(value, dict):
            for key in value:
                message = _bad_text_message(str(key))
                if message:
                    return _printable(".".join(map(str, (*path, key)))), message
            stack.extend(
                ((*path, key), item)
                for key, item in reversed(value.items())
                if isinstance(item, str | dict | list)
            )
        elif isinstance(value, list):
            stack.extend(
                ((*path, index), item)
                for index, item in reversed(list(enumerate(value)))
                if isinstance(item, str | dict | list)
            )
    return None


def _may_hold_forbidden_characters(body: bytes) -> bool:
    """False when a JSON text cannot decode to a NUL or lone surrogate, so it need not be parsed.

    A body with NUL bytes may be UTF-16 or UTF-32, which the parser also reads: that one is
    always looked at whole.
    """
    return b"\x00" in body or FORBIDDEN_IN_JSON.search(body) is not None


def _body_is_json(request: HttpRequest) -> bool:
    """JSON by its content type (parameters such as charset are already split off), or any
    non-form body sent to the API, whose parser reads every body as JSON."""
    content_type = (request.content_type or "").lower()
    if content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    ):
        return True
    return request.path.startswith("/api/") and content_type not in FORM_TYPES


def _fault(request: HttpRequest) -> tuple[str, str] | None:
    """(field, message) of the first forbidden text in the request, else None.

    Raises BodyTooDeep for a JSON body nested too deeply.
    """
    fault = _fault_in_pairs(request.GET.lists())
    if fault or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return fault
    if request.content_type == "application/x-www-form-urlencoded":
        return _fault_in_pairs(request.POST.lists())
    if _body_is_json(request) and request.body:
        if json_depth(request.body) > MAX_JSON_DEPTH:
            raise BodyTooDeep
        if not _may_hold_forbidden_characters(request.body):
            return None
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            return None  # malformed JSON (or not UTF-8) is answered by the view's own parser
        return _fault_in_json(data)
    return None


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or _body_is_json(request)


class RefuseNulCharactersMiddleware:
    """Refuses NUL, lone surrogates and over-deep JSON (the module docstring says why)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            fault = _fault(request)
        except RequestDataTooBig:
            fault = None  # the view answers an oversized body with its own 413
        except BodyTooDeep:
            return self._refuse_deep_body(request)
        if fault is None:
            return self.get_response(request)
        field, lazy_message = fault
        if request.path.startswith("/api/"):
            # The API answers in its key user's language; the view would pick it at sign-in.
            use_key_user_language(request)
        message = str(lazy_message)
        if _wants_json(request):
            return error_response(
                422, "validation_error", _("Please correct the errors below."), {field: [message]}
            )
        return render(request, "400.html", {"message": message}, status=400)

    def _refuse_deep_body(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            use_key_user_language(request)
        message = _("The request body is nested more than %(limit)d levels deep.") % {
            "limit": MAX_JSON_DEPTH
        }
        if _wants_json(request):
            return error_response(400, "malformed_json", message)
        return render(request, "400.html", {"message": message}, status=400)
