"""The lists whose filters, sort and columns a user may save as a view: each list's columns and
the query parameters its filter bar reads.

Each app registers its lists from its `AppConfig.ready()` (`customers.list_specs`,
`sales.list_specs`, `activities.list_specs`), so accounts, below them, validates a saved view
without importing them. A list's `params` mirror what its view reads from the query string; a
test of each app renders the filter bar and checks that every input it offers is known here.

An app above a list's own may add columns and filters to it (`register_list_extension`: the
customer value's segment on the person list), since the list's app may not import it. The list's
spec then knows them (saved views keep them), and the list's view, where it supports extensions
(the person and company lists), applies the filters and fills the columns.
"""

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from rapport.core.cleaning import FieldErrors, forbidden_character_message, parse_id, visible_text

# A cleaner takes a parameter's raw value and returns it normalised, or None when the list would
# not accept it.
ParamCleaner = Callable[[str], str | None]

# Parameters that carry the state of the page, not a filter: never saved, never refused.
PAGE_STATE_PARAMS = ("cursor", "view")
QUERY_LIMIT = 2000
TEXT_PARAM_LIMIT = 200


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: Any  # a lazy translation
    default: bool = True  # shown until the user chooses
    always: bool = False  # the key column (name, title, number): cannot be hidden


@dataclass(frozen=True)
class ListSpec:
    key: str  # "persons", "leads"…
    label: Any
    url_name: str  # the list page, for redirects after saving
    columns: tuple[ListColumn, ...]
    params: Mapping[str, ParamCleaner]
    # Families of parameters, by prefix: "cf_" + a custom field's key on persons and companies.
    prefixed_params: Mapping[str, ParamCleaner] = field(default_factory=dict)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def default_columns(self) -> list[str]:
        return [c.key for c in self.columns if c.default or c.always]

    def cleaner(self, name: str) -> ParamCleaner | None:
        if name in self.params:
            return self.params[name]
        for prefix, cleaner in self.prefixed_params.items():
            if name.startswith(prefix) and re.fullmatch(r"[a-z0-9_]{1,50}", name[len(prefix) :]):
                return cleaner
        return None


@dataclass(frozen=True)
class ExtraColumn:
    """A column an app above the list adds. `values(user, ids)` gives the cell of each row of a
    page by the row's id (one or two queries for the page, never one per row); a row it omits
    shows an empty cell. The key should start with the adding app's name (`value_segment`)."""

    key: str
    label: Any  # a lazy translation
    values: Callable[[Any, list[int]], Mapping[int, Any]]
    default: bool = False


@dataclass(frozen=True)
class ExtraFilter:
    """A filter parameter an app above the list adds. `apply(queryset, value)` narrows the list's
    queryset (of the list's model, already limited to what the user may see) by the value its
    `cleaner` accepted. With `choices` (a callable giving (value, label) pairs) the filter bar
    offers a select, else a text field."""

    param: str
    label: Any
    cleaner: ParamCleaner
    apply: Callable[[Any, str], Any]
    choices: Callable[[], Iterable[tuple[str, Any]]] | None = None


_LISTS: dict[str, ListSpec] = {}
_EXTRA_COLUMNS: dict[str, dict[str, ExtraColumn]] = {}
_EXTRA_FILTERS: dict[str, dict[str, ExtraFilter]] = {}


def register_list(spec: ListSpec) -> None:
    _LISTS[spec.key] = spec


def register_list_extension(
    list_key: str,
    *,
    columns: Iterable[ExtraColumn] = (),
    filters: Iterable[ExtraFilter] = (),
) -> None:
    """Add `columns` and `filters` to the list `list_key` (from an AppConfig.ready(); it may run
    before or after the list's own app registers the list). Registering a key again replaces it."""
    for column in columns:
        _EXTRA_COLUMNS.setdefault(list_key, {})[column.key] = column
    for extra in filters:
        _EXTRA_FILTERS.setdefault(list_key, {})[extra.param] = extra


def list_extra_columns(list_key: str) -> list[ExtraColumn]:
    return list(_EXTRA_COLUMNS.get(list_key, {}).values())


def list_extra_filters(list_key: str) -> list[ExtraFilter]:
    return list(_EXTRA_FILTERS.get(list_key, {}).values())


def list_spec(key: str) -> ListSpec | None:
    """The list's spec, with the columns and filter parameters other apps added to it."""
    spec = _LISTS.get(key)
    if spec is None or not (_EXTRA_COLUMNS.get(key) or _EXTRA_FILTERS.get(key)):
        return spec
    known = set(spec.column_keys)
    extra_columns = tuple(
        ListColumn(c.key, c.label, default=c.default)
        for c in list_extra_columns(key)
        if c.key not in known
    )
    params = dict(spec.params)
    for extra in list_extra_filters(key):
        params.setdefault(extra.param, extra.cleaner)
    return replace(spec, columns=spec.columns + extra_columns, params=params)


def list_keys() -> tuple[str, ...]:
    return tuple(_LISTS)


# --- Parameter cleaners --------------------------------------------------------------------------


def text_param(value: str) -> str | None:
    if forbidden_character_message(value):
        return None
    value = visible_text(value)
    return value if len(value) <= TEXT_PARAM_LIMIT else None


def id_param(value: str) -> str | None:
    number = parse_id(value)
    return None if number is None else str(number)


def date_param(value: str) -> str | None:
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def choice_param(values: Iterable[str]) -> ParamCleaner:
    allowed = frozenset(str(v) for v in values)
    return lambda value: value if value in allowed else None


def flag_param(value: str) -> str | None:
    return "1" if value == "1" else None


def id_or_choice_param(values: Iterable[str]) -> ParamCleaner:
    """A user id or one of a few words ("me", "all"), as the task list's assignee filter."""
    allowed = frozenset(values)
    return lambda value: value if value in allowed else id_param(value)


# --- Validation ----------------------------------------------------------------------------------


def clean_query(
    spec: ListSpec, query: str | QueryDict, errors: FieldErrors | None = None, field: str = "query"
) -> str:
    """The filters and sort of `query` as the list reads them, normalised: known parameters in the
    list's order, empty ones dropped, the last of repeated ones kept (as the lists read them).

    With `errors`, an unknown parameter or a value the list would ignore is reported there (a
    saved view must mean what it says); without, they are dropped (the page's current filters,
    whatever was typed into the address bar). Page state (`cursor`, `view`) is always dropped.
    """
    if isinstance(query, str):
        if len(query) > QUERY_LIMIT:
            if errors is not None:
                errors.add(field, _("The filters are too long to save."))
            return ""
        query = QueryDict(query.lstrip("?"))
    order = {name: index for index, name in enumerate(spec.params)}
    kept: dict[str, str] = {}
    for name in query:
        if name in PAGE_STATE_PARAMS:
            continue
        value = query.getlist(name)[-1] if query.getlist(name) else ""
        cleaner = spec.cleaner(name)
        if cleaner is None:
            if errors is not None:
                errors.add(field, _("Unknown filter “%(name)s”.") % {"name": name[:50]})
            continue
        if value == "":
            continue
        cleaned = cleaner(value)
        if cleaned is None:
            if errors is not None:
                errors.add(
                    field,
                    _("“%(value)s” is not a valid value for “%(name)s”.")
                    % {"value": value[:50], "name": name},
                )
            continue
        if cleaned != "":
            kept[name] = cleaned
    normalised = QueryDict(mutable=True)
    for name in sorted(kept, key=lambda n: (order.get(n, len(order)), n)):
        normalised[name] = kept[name]
    result = normalised.urlencode()
    if len(result) > QUERY_LIMIT:
        if errors is not None:
            errors.add(field, _("The filters are too long to save."))
        return ""
    return result


def clean_columns(
    spec: ListSpec, columns: Any, errors: FieldErrors | None = None, field: str = "columns"
) -> list[str]:
    """The columns to show, in the list's order, the key column always among them. With
    `errors`, anything that is not one of the list's columns is reported; without, dropped."""
    if not isinstance(columns, list | tuple) or not all(isinstance(c, str) for c in columns):
        if errors is not None:
            errors.add(field, _("Give the columns as a list of column keys."))
        return spec.default_columns
    known = spec.column_keys
    unknown = [c for c in columns if c not in known]
    if unknown and errors is not None:
        errors.add(
            field,
            _("Unknown column “%(name)s”; the columns are: %(columns)s.")
            % {"name": unknown[0][:50], "columns": ", ".join(known)},
        )
    chosen = set(columns)
    return [c.key for c in spec.columns if c.always or c.key in chosen]
