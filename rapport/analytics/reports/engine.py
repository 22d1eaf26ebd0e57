"""The report builder's query engine: a registry of subjects, a report definition checked against
it, and one run that groups the subject's visible rows by up to three dimensions.

A definition is plain JSON (what a saved report stores and the API takes)::

    {"subject": "orders",
     "dimensions": ["placed_at:month", "province"],     # up to three
     "measures": ["count", "sum:total"],                # at least one
     "filters": {"status": ["paid", "received"]},       # dimension key -> accepted values
     "date_field": "placed_at", "start": "2026-01-01", "end": "2026-06-30",
     "sort": "", "limit": null, "chart": "bar"}

Every run starts from the subject's `*_visible_to(user)` selector, so a report counts only what
its reader may see, whoever saved it. The grouping is one `values().annotate()` query with
`Trunc` for the time dimensions. A money measure is always grouped by currency as well (amounts
in different currencies are never added; `rapport.sales.selectors.money`), and stays an exact
Decimal. Medians: PostgreSQL's `percentile_cont`; SQLite has none, so there the values of each
group are read in one ordered query and the median taken in Python (`stats.median`), which is
the same definition (linear interpolation).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Expression,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.core.errors import ValidationFailed

MAX_DIMENSIONS = 3
MAX_MEASURES = 6
MAX_FILTER_VALUES = 200
# A pivot of more groups than this is no longer readable; the run says it was cut.
MAX_GROUPS = 5000
MAX_LIMIT = 1000

DAY, WEEK, MONTH, QUARTER, YEAR = "day", "week", "month", "quarter", "year"
GRAINS = {
    DAY: gettext_lazy("Day"),
    WEEK: gettext_lazy("Week"),
    MONTH: gettext_lazy("Month"),
    QUARTER: gettext_lazy("Quarter"),
    YEAR: gettext_lazy("Year"),
}

CHARTS = {
    "bar": gettext_lazy("Bars"),
    "line": gettext_lazy("Lines"),
    "stacked": gettext_lazy("Stacked bars"),
    "pie": gettext_lazy("Pie"),
    "heatmap": gettext_lazy("Heat map"),
    "funnel": gettext_lazy("Funnel"),
    "pareto": gettext_lazy("Pareto chart"),
    "map": gettext_lazy("Map of China"),
}
# The dimension a map is drawn by (every subject with customers has it).
MAP_DIMENSION = "province"

COUNT, CUSTOMERS, SUM, AVG, MEDIAN = "count", "customers", "sum", "avg", "median"
AGGREGATES = {
    SUM: gettext_lazy("Sum of %(field)s"),
    AVG: gettext_lazy("Average of %(field)s"),
    MEDIAN: gettext_lazy("Median of %(field)s"),
}
CURRENCY_KEY = "currency"
CENT = Decimal("0.01")


# --- What a subject offers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """Something rows are grouped or filtered by.

    `expression` is a field path or an expression over the subject's model. `labels` turns the
    values found into what a reader sees (one query for all of them, for records); a value it
    does not name shows as itself. `values` are the choices a filter offers (None: typed).
    """

    key: str
    label: Any
    expression: Any
    labels: Callable[[Iterable[Any]], dict] | None = None
    choices: Callable[[], list[tuple[Any, str]]] | None = None
    integer: bool = False


@dataclass(frozen=True)
class DateDimension:
    """A date or datetime field, offered by day, week, month, quarter and year."""

    key: str
    label: Any
    path: str = ""
    is_datetime: bool = True

    def __post_init__(self):
        if not self.path:
            object.__setattr__(self, "path", self.key)


@dataclass(frozen=True)
class Amount:
    """A number measures add, average or take the median of.

    Money (`currency` is the path of its currency) is summed per currency; a duration
    (`duration=(start, end)`) is shown in `unit` ("hours" or "days").
    """

    key: str
    label: Any
    path: str = ""
    currency: str = ""
    duration: tuple[str, str] | None = None
    unit: str = ""
    aggregates: tuple[str, ...] = (SUM, AVG, MEDIAN)
    # An expression over the row when the amount is no single field (an order's revenue).
    computed: Any = None

    @property
    def is_money(self) -> bool:
        return bool(self.currency)

    def expression(self):
        if self.computed is not None:
            return self.computed
        if self.duration:
            start, end = self.duration
            return F(end) - F(start)
        return F(self.path)


@dataclass(frozen=True)
class Subject:
    key: str
    label: Any
    base: Callable[[User], QuerySet]
    count_label: Any
    dimensions: tuple[Dimension, ...] = ()
    dates: tuple[DateDimension, ...] = ()
    amounts: tuple[Amount, ...] = ()
    # The expression naming the customer a row belongs to (for "distinct customers"), if any.
    customer: Any = None
    # Dimensions read when the subject is asked for (custom fields administrators add).
    extra: Callable[[], list[Dimension]] | None = None

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def date(self, key: str) -> DateDimension | None:
        return next((d for d in self.dates if d.key == key), None)

    def amount(self, key: str) -> Amount | None:
        return next((a for a in self.amounts if a.key == key), None)

    def measure_choices(self) -> list[tuple[str, str]]:
        found = [(COUNT, str(self.count_label))]
        if self.customer is not None:
            found.append((CUSTOMERS, str(_("Distinct customers"))))
        for amount in self.amounts:
            for aggregate in amount.aggregates:
                found.append(
                    (f"{aggregate}:{amount.key}", AGGREGATES[aggregate] % {"field": amount.label})
                )
        return found

    def dimension_choices(self) -> list[tuple[str, str]]:
        found = []
        for date in self.dates:
            for grain, grain_label in GRAINS.items():
                found.append(
                    (
                        f"{date.key}:{grain}",
                        _("%(field)s by %(grain)s")
                        % {"field": date.label, "grain": str(grain_label).lower()},
                    )
                )
        found.extend((d.key, str(d.label)) for d in self.dimensions)
        return found


_SUBJECTS: dict[str, Subject] = {}
# Dimensions other apps add to a subject (a value tier, a churn band) after it is registered.
_EXTRA_DIMENSIONS: dict[str, list[Dimension]] = defaultdict(list)


def register_subject(subject: Subject) -> None:
    _SUBJECTS[subject.key] = subject


def register_dimension(subject_key: str, dimension: Dimension) -> None:
    """Add a dimension to a subject (for apps above the domains, from their `ready()`)."""
    _EXTRA_DIMENSIONS[subject_key].append(dimension)


def subjects() -> list[Subject]:
    return [subject_of(key) for key in _SUBJECTS]


def subject_of(key: str) -> Subject | None:
    """The subject with every dimension it has now (registered ones and custom fields)."""
    subject = _SUBJECTS.get(key)
    if subject is None:
        return None
    more = list(_EXTRA_DIMENSIONS.get(key, ()))
    if subject.extra is not None:
        more.extend(subject.extra())
    if not more:
        return subject
    known = {d.key for d in subject.dimensions}
    extra = tuple(d for d in more if d.key not in known)
    return Subject(**{**subject.__dict__, "dimensions": subject.dimensions + extra, "extra": None})


# --- A definition, checked ------------------------------------------------------------------------


@dataclass
class ReportDefinition:
    subject: str
    dimensions: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=lambda: [COUNT])
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_field: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    # "" (by the dimensions' values) or a measure key, largest first.
    sort: str = ""
    limit: int | None = None
    chart: str = "bar"

    def as_json(self) -> dict:
        return {
            "subject": self.subject,
            "dimensions": list(self.dimensions),
            "measures": list(self.measures),
            "filters": {k: list(v) for k, v in self.filters.items()},
            "date_field": self.date_field,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "sort": self.sort,
            "limit": self.limit,
            "chart": self.chart,
        }


def _as_list(value: Any) -> list | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _date(value: Any) -> datetime.date | bool | None:
    """A date, None for nothing, False for something that is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return False
    return False


def parse_definition(data: Any) -> ReportDefinition:
    """A `ReportDefinition` from JSON-like data, or ValidationFailed naming each wrong field."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("The report definition is not valid."),
            {"definition": [_("A report definition is an object.")]},
        )
    errors: dict[str, list[str]] = defaultdict(list)
    subject = subject_of(str(data.get("subject") or ""))
    if subject is None:
        raise ValidationFailed(
            _("The report definition is not valid."),
            {"subject": [_("Choose what to report on.")]},
        )

    dimensions = _as_list(data.get("dimensions"))
    if dimensions is None or not all(isinstance(d, str) for d in dimensions):
        errors["dimensions"].append(_("Dimensions are a list of names."))
        dimensions = []
    dimensions = [d for d in dimensions if d]
    if len(dimensions) > MAX_DIMENSIONS:
        errors["dimensions"].append(
            _("A report has at most %(count)d dimensions.") % {"count": MAX_DIMENSIONS}
        )
    if len(set(dimensions)) != len(dimensions):
        errors["dimensions"].append(_("A dimension is chosen twice."))
    for key in dimensions:
        if not _dimension_known(subject, key):
            errors["dimensions"].append(_("Unknown dimension: %(key)s") % {"key": key})

    measures = _as_list(data.get("measures"))
    if measures is None or not all(isinstance(m, str) for m in measures):
        errors["measures"].append(_("Measures are a list of names."))
        measures = []
    measures = list(dict.fromkeys(m for m in measures if m))
    known_measures = dict(subject.measure_choices())
    if not measures:
        errors["measures"].append(_("Choose at least one measure."))
    if len(measures) > MAX_MEASURES:
        errors["measures"].append(
            _("A report has at most %(count)d measures.") % {"count": MAX_MEASURES}
        )
    for key in measures:
        if key not in known_measures:
            errors["measures"].append(_("Unknown measure: %(key)s") % {"key": key})

    filters_in = data.get("filters") or {}
    filters: dict[str, list[str]] = {}
    if not isinstance(filters_in, dict):
        errors["filters"].append(_("Filters map a dimension to the values it keeps."))
    else:
        for key, values in filters_in.items():
            dimension = subject.dimension(str(key))
            values = _as_list(values)
            if dimension is None:
                errors["filters"].append(_("Unknown filter: %(key)s") % {"key": key})
            elif values is None or not all(isinstance(v, str | int) for v in values):
                errors["filters"].append(_("Filter values are a list of texts."))
            elif len(values) > MAX_FILTER_VALUES:
                errors["filters"].append(_("Too many values in one filter."))
            elif dimension.integer and not all(_is_record_number(v) for v in values):
                errors["filters"].append(
                    _("%(field)s takes record numbers.") % {"field": dimension.label}
                )
            elif values:
                filters[str(key)] = [str(v) for v in values]

    date_field = str(data.get("date_field") or "")
    if date_field and subject.date(date_field) is None:
        errors["date_field"].append(_("Unknown date: %(key)s") % {"key": date_field})
    start, end = _date(data.get("start")), _date(data.get("end"))
    if start is False:
        errors["start"].append(_("Enter a valid date."))
    if end is False:
        errors["end"].append(_("Enter a valid date."))
    if start and end and start > end:
        errors["end"].append(_("The end is before the start."))
    if (start or end) and not date_field:
        date_field = subject.dates[0].key if subject.dates else ""

    sort = str(data.get("sort") or "")
    if sort and sort not in measures:
        errors["sort"].append(_("Sort by one of the report's measures."))
    limit = data.get("limit")
    if limit in ("", None):
        limit = None
    elif isinstance(limit, bool) or not str(limit).isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        errors["limit"].append(_("Show between 1 and %(count)d rows.") % {"count": MAX_LIMIT})
    else:
        limit = int(limit)
    chart = str(data.get("chart") or "bar")
    if chart not in CHARTS:
        errors["chart"].append(_("Unknown chart: %(key)s") % {"key": chart})
    elif chart == "map" and MAP_DIMENSION not in dimensions:
        errors["chart"].append(_("A map is drawn by province: choose it as a dimension."))

    if errors:
        raise ValidationFailed(_("The report definition is not valid."), dict(errors))
    return ReportDefinition(
        subject=subject.key,
        dimensions=dimensions,
        measures=measures,
        filters=filters,
        date_field=date_field,
        start=start or None,
        end=end or None,
        sort=sort,
        limit=limit,
        chart=chart,
    )


def _is_record_number(value: Any) -> bool:
    """An id (or minus one, for a company as a customer) the database can compare; "" is "none"."""
    text = str(value)
    if text == "":
        return True
    return text.lstrip("-").isdigit() and abs(int(text)) < 2**63


def _dimension_known(subject: Subject, key: str) -> bool:
    if ":" in key:
        date_key, grain = key.rsplit(":", 1)
        return subject.date(date_key) is not None and grain in GRAINS
    return subject.dimension(key) is not None


# --- Running it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # "dimension", "currency" or "measure"
    unit: str = ""
    money: bool = False


@dataclass
class Cell:
    """A dimension's value in a row: `key` is what it is (for filters and tests; ISO dates),
    `label` what a reader sees."""

    key: Any
    label: str


@dataclass
class ReportResult:
    definition: ReportDefinition
    subject: Subject
    dimension_columns: list[Column]
    measure_columns: list[Column]
    # One per group: the dimensions' cells, the currency ("" when no money is measured), and
    # the measures' values (int, Decimal for money, float for averages and durations; None for
    # nothing to measure).
    rows: list[tuple[list[Cell], str, list[Any]]]
    cut: bool = False

    @property
    def has_currency(self) -> bool:
        return any(c.money for c in self.measure_columns)

    @property
    def columns(self) -> list[Column]:
        currency = [Column(CURRENCY_KEY, _("Currency"), "currency")] if self.has_currency else []
        return [*self.dimension_columns, *currency, *self.measure_columns]

    def table(self) -> list[list[Any]]:
        """Rows as flat cells (labels, currency, values), for CSV, xlsx and the API."""
        return [
            [c.label for c in cells] + ([currency] if self.has_currency else []) + values
            for cells, currency, values in self.rows
        ]


class PercentileCont(Aggregate):
    """PostgreSQL's median: `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _local_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _time_expression(date: DateDimension, grain: str) -> Expression:
    if date.is_datetime:
        return Trunc(
            date.path, grain, output_field=DateField(), tzinfo=timezone.get_current_timezone()
        )
    return Trunc(date.path, grain, output_field=DateField())


def time_label(day: datetime.date | None, grain: str) -> str:
    if day is None:
        return _("(none)")
    if grain == DAY:
        return date_format(day, "SHORT_DATE_FORMAT")
    if grain == WEEK:
        return _("Week of %(day)s") % {"day": date_format(day, "SHORT_DATE_FORMAT")}
    if grain == MONTH:
        return date_format(day, "YEAR_MONTH_FORMAT")
    if grain == QUARTER:
        return _("Q%(quarter)d %(year)d") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
    return str(day.year)


def _key_of(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _measure_aggregate(subject: Subject, key: str, *, postgres: bool):
    if key == COUNT:
        return Count("pk")
    if key == CUSTOMERS:
        return Count(subject.customer, distinct=True)
    aggregate, amount_key = key.split(":", 1)
    amount = subject.amount(amount_key)
    expression = amount.expression()
    output = DurationField() if amount.duration else DecimalField(max_digits=30, decimal_places=10)
    if aggregate == SUM:
        return Sum(expression, output_field=output)
    if aggregate == AVG:
        return Avg(expression, output_field=output)
    if postgres:
        return PercentileCont(expression, output_field=output)
    return None  # computed in Python (`_python_medians`)


def _measure_value(subject: Subject, key: str, value: Any) -> Any:
    if key in (COUNT, CUSTOMERS):
        return value or 0
    if value is None:
        return None
    amount = subject.amount(key.split(":", 1)[1])
    if amount.duration:
        if isinstance(value, int | float):  # SQLite's microseconds
            value = datetime.timedelta(microseconds=value)
        seconds = value.total_seconds()
        return round(seconds / (86400 if amount.unit == "days" else 3600), 1)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _measure_column(subject: Subject, key: str) -> Column:
    label = dict(subject.measure_choices())[key]
    if key in (COUNT, CUSTOMERS):
        return Column(key, label, "measure")
    amount = subject.amount(key.split(":", 1)[1])
    unit = ""
    if amount.unit == "days":
        unit = _("days")
    elif amount.unit == "hours":
        unit = _("hours")
    return Column(key, label, "measure", unit=unit, money=amount.is_money)


def _filtered(subject: Subject, definition: ReportDefinition, queryset: QuerySet) -> QuerySet:
    for n, (key, values) in enumerate(definition.filters.items()):
        dimension = subject.dimension(key)
        name = f"_f{n}"
        given = [v for v in values if v != ""]
        accepted = [int(v) for v in given] if dimension.integer else given
        # "" stands for "none" too: a customer without a region, a record without an owner.
        condition = Q(**{f"{name}__in": accepted})
        if "" in values:
            condition |= Q(**{f"{name}__isnull": True})
            if not dimension.integer:
                condition |= Q(**{name: ""})
        queryset = queryset.alias(**{name: _expression(dimension.expression)}).filter(condition)
    if definition.date_field and (definition.start or definition.end):
        date = subject.date(definition.date_field)
        if date.is_datetime:
            if definition.start:
                queryset = queryset.filter(**{f"{date.path}__gte": _local_start(definition.start)})
            if definition.end:
                following = definition.end + datetime.timedelta(days=1)
                queryset = queryset.filter(**{f"{date.path}__lt": _local_start(following)})
        else:
            if definition.start:
                queryset = queryset.filter(**{f"{date.path}__gte": definition.start})
            if definition.end:
                queryset = queryset.filter(**{f"{date.path}__lte": definition.end})
    return queryset


def _expression(expression: Any) -> Any:
    return F(expression) if isinstance(expression, str) else expression


def report_run(user: User, definition: ReportDefinition, *, use_facts: bool = True) -> ReportResult:
    """Run `definition` as `user`: only the rows `user` may see are grouped and measured.

    What the facts can answer (orders counted and their revenue; lines of orders not cancelled
    nor returned: see `facts_route`) is read from them; the rest from the subject's rows.
    `use_facts=False` always reads the rows (to check one against the other)."""
    subject = subject_of(definition.subject)
    postgres = connection.vendor == "postgresql"
    queryset = _filtered(subject, definition, subject.base(user))

    group_names, dimension_columns, grains = [], [], []
    annotations = {}
    for n, key in enumerate(definition.dimensions):
        name = f"_d{n}"
        group_names.append(name)
        if ":" in key:
            date_key, grain = key.rsplit(":", 1)
            date = subject.date(date_key)
            annotations[name] = _time_expression(date, grain)
            dimension_columns.append(
                Column(
                    key,
                    _("%(field)s (%(grain)s)")
                    % {"field": date.label, "grain": str(GRAINS[grain]).lower()},
                    "dimension",
                )
            )
            grains.append(grain)
        else:
            dimension = subject.dimension(key)
            annotations[name] = _expression(dimension.expression)
            dimension_columns.append(Column(key, str(dimension.label), "dimension"))
            grains.append(None)
    measure_columns = [_measure_column(subject, key) for key in definition.measures]
    money = [subject.amount(c.key.split(":", 1)[1]) for c in measure_columns if c.money]
    if money:
        currencies = {amount.currency for amount in money}
        # Every money field of a subject shares its currency (an order's, a deal's).
        annotations["_cur"] = F(currencies.pop())
        group_names.append("_cur")

    rows = None
    if use_facts:
        from rapport.analytics.reports.facts_route import facts_rows

        rows = facts_rows(user, definition, money=bool(money))
    if rows is None:
        rows = _database_rows(subject, definition, queryset, annotations, group_names, postgres)
    cut = len(rows) > MAX_GROUPS
    rows = rows[:MAX_GROUPS]

    labels = _labels(subject, definition, rows, grains)
    result_rows = []
    for group, values in rows:
        cells = []
        for n, grain in enumerate(grains):
            value = group[n]
            if grain:
                cells.append(Cell(_key_of(value), time_label(value, grain)))
            else:
                cells.append(Cell(_key_of(value), labels[n].get(value, _plain_label(value))))
        currency = group[-1] if money else ""
        result_rows.append((cells, currency or "", values))
    return ReportResult(
        definition=definition,
        subject=subject,
        dimension_columns=dimension_columns,
        measure_columns=measure_columns,
        rows=result_rows,
        cut=cut,
    )


def _database_rows(subject, definition, queryset, annotations, group_names, postgres) -> list:
    """(group values, measure values) per group, grouped by the database."""
    aggregates, python_medians = {}, []
    for n, key in enumerate(definition.measures):
        aggregate = _measure_aggregate(subject, key, postgres=postgres)
        if aggregate is None:
            python_medians.append((n, key))
        else:
            aggregates[f"_m{n}"] = aggregate

    grouped = queryset.annotate(**annotations) if annotations else queryset
    if group_names:
        grouped = grouped.values(*group_names).annotate(**aggregates)
    else:
        grouped = [grouped.aggregate(**aggregates)] if aggregates else [{}]
    if definition.sort and group_names:
        index = definition.measures.index(definition.sort)
        if f"_m{index}" in aggregates:
            grouped = grouped.order_by(f"-_m{index}", *group_names)
        else:
            grouped = grouped.order_by(*group_names)
    elif group_names:
        grouped = grouped.order_by(*group_names)
    cap = definition.limit if definition.limit and not python_medians else MAX_GROUPS + 1
    found = list(grouped[:cap]) if group_names else grouped

    medians = _python_medians(subject, queryset, annotations, group_names, python_medians)
    rows = []
    for row in found:
        group = tuple(row.get(name) for name in group_names)
        values = []
        for n, key in enumerate(definition.measures):
            raw = medians[n].get(group) if (n, key) in python_medians else row.get(f"_m{n}")
            values.append(_measure_value(subject, key, raw))
        rows.append((group, values))
    if definition.sort and python_medians:
        index = definition.measures.index(definition.sort)
        rows.sort(key=lambda r: (r[1][index] is None, -(r[1][index] or 0)))
        if definition.limit:
            rows = rows[: definition.limit]
    return rows


def _plain_label(value: Any) -> str:
    if value in (None, ""):
        return _("(none)")
    return str(value)


def _labels(subject, definition, rows, grains) -> list[dict]:
    found = []
    for n, key in enumerate(definition.dimensions):
        if grains[n]:
            found.append({})
            continue
        dimension = subject.dimension(key)
        values = {group[n] for group, _values in rows if group[n] not in (None, "")}
        if dimension.labels and values:
            found.append({k: str(v) for k, v in dimension.labels(values).items()})
        elif dimension.choices:
            found.append({k: str(v) for k, v in dimension.choices()})
        else:
            found.append({})
    return found


def _python_medians(subject, queryset, annotations, group_names, medians) -> dict:
    """Each group's median of each amount asked for, on a database without `percentile_cont`:
    one query per amount reading (group, value) in group order."""
    found: dict[int, dict] = {}
    for n, key in medians:
        amount = subject.amount(key.split(":", 1)[1])
        values = queryset.annotate(
            **annotations,
            _v=amount.expression(),
        ).filter(_v__isnull=False)
        by_group: dict[tuple, list] = defaultdict(list)
        for row in values.values_list(*group_names, "_v").order_by():
            value = row[-1]
            if isinstance(value, datetime.timedelta):
                value = value.total_seconds() * 1_000_000
            by_group[tuple(row[:-1])].append(value)
        found[n] = {}
        found[n] = {group: _median(group_values) for group, group_values in by_group.items()}
    return found


def _median(values: list) -> Any:
    """The median as `stats.median` takes it, exact for Decimals (money)."""
    if not values or not isinstance(values[0], Decimal):
        return stats.median(values)
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
