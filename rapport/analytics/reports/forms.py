"""Reading the builder's form (a query string) into a definition the engine checks.

The form names its fields `subject`, `dimension_1..3`, `measure` (repeated), `filter_1..3_key`
and `filter_1..3_values` (values separated by commas; a choice may be typed as its label),
`date_field`, `start`, `end`, `chart`, `sort` and `limit`. A dimension or measure the chosen
subject lacks is what the form held for the previous subject: it is dropped, not an error.
"""

import re

from django.http import QueryDict

from rapport.analytics.reports.engine import COUNT, MAX_DIMENSIONS, Subject, subject_of

FILTER_SLOTS = 3
DEFAULT = {
    "subject": "orders",
    "dimensions": ["placed_at:month"],
    "measures": [COUNT, "sum:total"],
    "chart": "bar",
}
VALUE_SEPARATORS = re.compile(r"\s*[,，、;；]\s*")


def _filter_values(subject: Subject, key: str, text: str) -> list[str]:
    values = [v for v in VALUE_SEPARATORS.split(text.strip()) if v]
    dimension = subject.dimension(key)
    if dimension is None or dimension.choices is None:
        return values
    by_label = {str(label).casefold(): value for value, label in dimension.choices()}
    return [by_label.get(v.casefold(), v) for v in values]


def definition_from_query(query: QueryDict) -> dict:
    """The definition the form describes (unchecked: `engine.parse_definition` checks it)."""
    if not query.get("subject"):
        return dict(DEFAULT)
    key = query.get("subject", "")
    subject = subject_of(key)
    if subject is None:
        return {"subject": key}
    dimension_keys = {k for k, _label in subject.dimension_choices()}
    measure_keys = {k for k, _label in subject.measure_choices()}
    dimensions = []
    for n in range(1, MAX_DIMENSIONS + 1):
        value = query.get(f"dimension_{n}", "")
        if value in dimension_keys and value not in dimensions:
            dimensions.append(value)
    measures = [m for m in query.getlist("measure") if m in measure_keys] or [COUNT]
    filters = {}
    for n in range(1, FILTER_SLOTS + 1):
        filter_key = query.get(f"filter_{n}_key", "")
        text = query.get(f"filter_{n}_values", "")
        if filter_key and text.strip() and subject.dimension(filter_key) is not None:
            filters.setdefault(filter_key, []).extend(_filter_values(subject, filter_key, text))
    date_field = query.get("date_field", "")
    if subject.date(date_field) is None:
        date_field = ""
    sort = query.get("sort", "")
    return {
        "subject": subject.key,
        "dimensions": dimensions,
        "measures": measures,
        "filters": filters,
        "date_field": date_field,
        "start": query.get("start", ""),
        "end": query.get("end", ""),
        "chart": query.get("chart", "bar"),
        "sort": sort if sort in measures else "",
        "limit": query.get("limit", ""),
    }


def query_of(definition: dict) -> dict:
    """The form's fields for a definition (to fill the form and build links)."""
    query = {
        "subject": definition.get("subject", ""),
        "measure": list(definition.get("measures") or []),
        "date_field": definition.get("date_field") or "",
        "start": definition.get("start") or "",
        "end": definition.get("end") or "",
        "chart": definition.get("chart") or "bar",
        "sort": definition.get("sort") or "",
        "limit": definition.get("limit") or "",
    }
    for n, key in enumerate(definition.get("dimensions") or [], start=1):
        query[f"dimension_{n}"] = key
    for n, (key, values) in enumerate((definition.get("filters") or {}).items(), start=1):
        query[f"filter_{n}_key"] = key
        query[f"filter_{n}_values"] = ", ".join(values)
    return query
