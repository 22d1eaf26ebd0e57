"""Schemas and list helpers every router of the API shares.

Every app's `api.py` imports them from here, below the apps, so that no app imports the `api`
package that mounts it.

Input schemas forbid unknown fields, so a typo in a client is answered with a 422 naming the
field instead of being silently dropped. Output schemas describe exactly what a record exposes.
"""

from http import HTTPStatus
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, Strict

from rapport.core.cleaning import INT64_MAX, INT64_MIN
from rapport.core.errors import ValidationFailed
from rapport.core.pagination import keyset_page
from rapport.core.schema_types import MAX_LIST_ITEMS, MAX_TAG_IDS

# --- Bounded types for bodies --------------------------------------------------------------------
# rapport.core.schema_types bounds ids and lists for query strings and paths, whose values are
# text. In a JSON body a number must be a JSON number: `false` or "5" is refused with a 422
# rather than read as 0 or 5.

BodyId = Annotated[int, Strict(), Field(ge=1, le=INT64_MAX)]
# A whole number stored in a 64-bit column (a version, a position, a quantity).
BodyInt = Annotated[int, Strict(), Field(ge=INT64_MIN, le=INT64_MAX)]
# A position in an ordered list, stored in a PositiveIntegerField (32 bits on PostgreSQL).
BodyPosition = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
# The `version` a client loaded, required by every PATCH of a versioned record (docs/decisions.md).
BodyVersion = Annotated[
    int,
    Strict(),
    Field(
        ge=1,
        le=2**31 - 1,
        description="The `version` you loaded; 409 `conflict` if the record changed since.",
    ),
]
BodyIds = Annotated[list[BodyId], Field(max_length=MAX_LIST_ITEMS)]
BodyTagIds = Annotated[list[BodyId], Field(max_length=MAX_TAG_IDS)]


# A phone number as typed, before customers.validation normalises it to E.164, and an e-mail
# address (RFC 5321's limit, Django's EmailField's max_length).
PHONE_INPUT_MAX = 40
EMAIL_MAX = 254


def text(limit: int) -> Any:
    """A string of at most `limit` characters, the limit the service checks."""
    return Annotated[str, Field(max_length=limit)]


def column_text(model, field: str) -> Any:
    """A string no longer than the model's column, which is what its service allows."""
    return text(model._meta.get_field(field).max_length)


def items(item: Any, max_items: int = MAX_LIST_ITEMS) -> Any:
    """A list in a body (contacts, lines, choices…), capped like every other list."""
    return Annotated[list[item], Field(max_length=max_items)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


def service_input(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, as the plain `data` dict services take.

    Unsent fields are left out, so a PATCH changes only what it names; dates, decimals and enums
    become the strings a service also receives from a form.
    """
    return payload.model_dump(mode="json", exclude_unset=True)


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.get_full_name() or obj.username


class TeamRef(Schema):
    id: int
    name: str


class TagRef(Schema):
    id: int
    name: str
    color: str


class RecordRef(Schema):
    """A person or company named in another record (an interaction, a timeline entry)."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


def error_responses(*statuses: int) -> dict[int, type[Schema]]:
    """OpenAPI entries for the errors particular to an operation (403 for a permission, 404,
    409…). Those every operation of its shape may answer are added by `document_common_errors`."""
    return dict.fromkeys(sorted({401, *statuses}), ErrorOut)


def _common_errors(method: str, operation: dict) -> set[int]:
    """The error statuses any operation may answer, from its shape alone."""
    statuses = {401, 429}  # every operation needs a caller, and a key's requests are throttled
    if method not in ("get", "head", "options"):
        statuses.add(403)  # a signed-in browser session without its CSRF token
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if any(parameter["name"] == "cursor" for parameter in parameters):
        statuses.add(400)  # a cursor that is not one this API gave out: `invalid_cursor`
    if "requestBody" in operation:
        statuses.update((400, 413))  # not JSON; larger than DATA_UPLOAD_MAX_MEMORY_SIZE
    return statuses


def document_common_errors(schema: dict) -> dict:
    """Declare in the OpenAPI description every error an operation's shape lets it answer.

    One place instead of one list per endpoint, so a new endpoint cannot forget one. All are
    `ErrorOut` bodies; the API's error handlers answer nothing else.
    """
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_common_errors(method, operation)):
                if status not in responses and str(status) not in responses:
                    responses[status] = {
                        "description": HTTPStatus(status).phrase,
                        "content": error,
                    }
            operation["responses"] = dict(sorted(responses.items(), key=lambda r: int(r[0])))
    return schema


ItemT = TypeVar("ItemT")


class Page(Schema, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None
    prev_cursor: str | None


class PageQuery(Schema):
    """Query parameters of every list: which page, how long."""

    cursor: str | None = Field(
        None, description="`next_cursor` or `prev_cursor` of the page you are on."
    )
    limit: int | None = Field(
        None,
        ge=1,
        le=settings.RAPPORT_API_MAX_PAGE_SIZE,
        description="Records per page: default 25, at most RAPPORT_API_MAX_PAGE_SIZE "
        f"({settings.RAPPORT_API_MAX_PAGE_SIZE}).",
    )


class Listing(PageQuery):
    """Query parameters every list endpoint with a choice of order takes."""

    sort: str | None = Field(
        None, description="A field name, descending with a leading `-`; default `-updated_at`."
    )


def page_size(limit: int | None) -> int:
    maximum = settings.RAPPORT_API_MAX_PAGE_SIZE
    if limit is None:
        return min(settings.RAPPORT_PAGE_SIZE, maximum)
    if not 1 <= limit <= maximum:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"limit": [_("Enter a number from 1 to %(max)d.") % {"max": maximum}]},
        )
    return limit


def checked_sort(sort: str | None, allowed: tuple[str, ...], default: str) -> str:
    if not sort:
        return default
    if sort not in allowed:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"sort": [_("Sort by one of: %(choices)s.") % {"choices": ", ".join(allowed)}]},
        )
    return sort


def paginate(
    queryset: QuerySet,
    *,
    sort: str,
    cursor: str | None,
    limit: int | None,
    partitions: list[Q] | None = None,
) -> dict:
    """One keyset page as the API answers it: `{items, next_cursor, prev_cursor}`, no total."""
    page = keyset_page(
        queryset, sort=sort, cursor=cursor or None, size=page_size(limit), partitions=partitions
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
    }
