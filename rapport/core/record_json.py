"""A record's columns as a JSON-ready dict, for the `serialize` of a registered record type.

Every concrete column under its attribute name (a foreign key as `owner_id`), amounts as
strings (so no precision is lost on the way to another system), dates and times in ISO 8601,
JSON fields as stored. The owning app adds what the columns do not say (an order's lines, the
currency of a payment).
"""

import datetime
import decimal
import uuid
from typing import Any

from django.db import models


def plain_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def record_columns(record: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        if field.name in exclude or field.attname in exclude:
            continue
        data[field.attname] = plain_value(getattr(record, field.attname))
    return data


def follow_path(record: models.Model, path: str) -> Any:
    """The object at a record type's `person_field` / `company_field` / `owner_field`, which may
    be a lookup path through a relation (a payment's person is `"order__person"`); None when a
    link on the way is empty or the path is ""."""
    if not path:
        return None
    value: Any = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value
