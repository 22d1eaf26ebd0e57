"""Keyset pagination: pages stay as fast at row 5,000,000 as at row 1.

A cursor carries the sort value and id of the last row shown; the next page is the rows after
that pair in (sort field, id) order. No OFFSET, and no COUNT(*) over the table.

A queryset whose rows are a union ("my records OR my team's") can name the parts of that union:
each part is then read in index order up to one page, and the page is the first rows of those
few candidates. Without it SQLite answers the OR by collecting every matching row and sorting
them all, which at a team of 200,000 customers takes seconds for a page of 25.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import ApplicationError


@dataclass
class Page:
    items: list
    next_cursor: str | None
    prev_cursor: str | None


def _encode(value: Any, pk: int, direction: str) -> str:
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        # Money sorts exactly: carried as its decimal text, never through a float.
        value = str(value)
    raw = json.dumps([value, pk, direction], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, field) -> tuple[Any, int, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk, direction = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if direction not in ("next", "prev") or not isinstance(pk, int):
            raise ValueError
        return field.to_python(value), pk, direction
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApplicationError(
            "invalid_cursor", _("The page cursor is not valid."), {"cursor": [cursor]}
        ) from exc
    except Exception as exc:  # a field's to_python raises ValidationError on a bad value
        raise ApplicationError(
            "invalid_cursor", _("The page cursor is not valid."), {"cursor": [cursor]}
        ) from exc


def _after(field: str, value: Any, pk: int, descending: bool) -> Q:
    # Written as `f <= v AND (f < v OR id < pk)` rather than an OR of two ranges, so both
    # SQLite and PostgreSQL bound the index scan on the sort field.
    if descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=pk))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))


def keyset_page(
    queryset: QuerySet,
    *,
    sort: str,
    cursor: str | None = None,
    size: int = 25,
    partitions: list[Q] | None = None,
) -> Page:
    """One page of `queryset` ordered by `sort` ("name" or "-name") then id.

    The sort field must be non-null. Returns cursors for the next and previous pages (None at
    either end). `partitions`, when given, are conditions whose union is every row of
    `queryset` (e.g. `visible_records_parts(user)`); see the module's docstring.
    """
    descending = sort.startswith("-")
    field_name = sort.lstrip("-")
    field = queryset.model._meta.get_field(field_name)
    direction = "next"
    if cursor:
        value, pk, direction = _decode(cursor, field)
        # Going back means reading the rows before the cursor in the opposite order.
        scan_descending = descending if direction == "next" else not descending
        queryset = queryset.filter(_after(field_name, value, pk, scan_descending))
    else:
        scan_descending = descending
    order = ("-" if scan_descending else "") + field_name
    order_pk = "-pk" if scan_descending else "pk"
    if partitions and len(partitions) > 1:
        # The first size+1 rows of the union are among the first size+1 of some part; the
        # database orders the candidates, so its collation decides, as on a plain page.
        candidates = set()
        for part in partitions:
            candidates.update(
                queryset.filter(part)
                .order_by(order, order_pk)
                .values_list("pk", flat=True)[: size + 1]
            )
        queryset = queryset.filter(pk__in=candidates)
    rows = list(queryset.order_by(order, order_pk)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if direction == "prev":
        rows.reverse()
    if not rows:
        return Page(items=[], next_cursor=None, prev_cursor=None)

    def cursor_for(row, to: str) -> str:
        return _encode(getattr(row, field_name), row.pk, to)

    if direction == "next":
        next_cursor = cursor_for(rows[-1], "next") if has_more else None
        prev_cursor = cursor_for(rows[0], "prev") if cursor else None
    else:
        next_cursor = cursor_for(rows[-1], "next")
        prev_cursor = cursor_for(rows[0], "prev") if has_more else None
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)
