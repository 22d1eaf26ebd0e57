"""Schemas and list helpers every router of the API shares.

Input schemas forbid unknown fields, so a typo in a client is answered with a 422 naming the
field instead of being silently dropped. Output schemas describe exactly what a record exposes.
"""

from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field

from rapport.core.errors import ValidationFailed
from rapport.core.pagination import keyset_page


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


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
    """OpenAPI entries for the error bodies an endpoint may answer with (401 always applies)."""
    return dict.fromkeys(sorted({401, *statuses}), ErrorOut)


ItemT = TypeVar("ItemT")


class Page(Schema, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None
    prev_cursor: str | None


class Listing(Schema):
    """Query parameters every list endpoint takes."""

    sort: str | None = Field(
        None, description="A field name, descending with a leading `-`; default `-updated_at`."
    )
    cursor: str | None = Field(
        None, description="`next_cursor` or `prev_cursor` of the page you are on."
    )
    limit: int | None = Field(
        None, description="Records per page: default 25, at most RAPPORT_API_MAX_PAGE_SIZE."
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
