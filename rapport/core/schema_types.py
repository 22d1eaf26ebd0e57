"""Constrained types for API schemas, so every id, filter and list in a body has the same bounds.

The database stores ids and counts in 64-bit integers; a larger number in a query filter or a
body reaches the database driver and fails there (an OverflowError, that is a 500) instead of
being refused as input. Lists in a body are capped so one request cannot carry a million ids.
Pydantic reports a value out of range as `greater_than_equal` / `less_than_equal` and a list too
long as `too_long`; rapport.api.errors turns those into translated 422 messages.
"""

from typing import Annotated, Any

from pydantic import Field

from rapport.core.cleaning import INT64_MAX, INT64_MIN

# The most entries any list in an API body may hold (ids to mark read, lines, contacts…).
MAX_LIST_ITEMS = 1000
# The most tags one record may be given in one request.
MAX_TAG_IDS = 100

# A record id: a path or body id, or a filter naming a record (owner_id, team_id, tag_id…).
RecordId = Annotated[int, Field(ge=1, le=INT64_MAX)]
# Any other whole number stored in a 64-bit column (a position, a count, a version).
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]


def capped_list(item: Any, max_items: int = MAX_LIST_ITEMS) -> Any:
    """`list[item]` holding at most `max_items` entries, e.g. `capped_list(RecordId, 100)`."""
    return Annotated[list[item], Field(max_length=max_items)]


# Ids in a body: tags given to a record, and any other list of record ids.
TagIds = capped_list(RecordId, MAX_TAG_IDS)
RecordIds = capped_list(RecordId)
