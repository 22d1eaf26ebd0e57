"""Order reports the daily facts answer (`rapport.analytics.facts`), read from them instead of
the orders, so that their cost follows the days asked for rather than the orders placed.

Routed: the orders subject, counted (`count` = the facts' `orders`, every order placed) and its
revenue (`sum:revenue` = the facts' `revenue`, `Order.net_value` summed), by at most one period
of `placed_at` and any of province, owner, team and currency, filtered by those same dimensions
(not by "none"). Anything else (distinct customers, medians, status, the order total) is read
from the orders. Both paths give the same rows (tests/test_facts_route.py).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.facts.selectors import FactFilters, order_facts
from rapport.analytics.reports.engine import COUNT, ReportDefinition

MEASURES = {COUNT: "orders", "sum:revenue": "revenue"}
DIMENSIONS = ("province", "owner", "team", "currency")
FILTERS = {"province": "provinces", "owner": "owners", "team": "teams", "currency": "currencies"}
INTEGER_FILTERS = ("owner", "team")
# Before any order a Rapport installation could hold; the facts are read by day range.
EARLIEST = datetime.date(1900, 1, 1)


def _routable(definition: ReportDefinition) -> bool:
    if definition.subject != "orders" or definition.date_field not in ("", "placed_at"):
        return False
    periods = [d for d in definition.dimensions if d.startswith("placed_at:")]
    others = [d for d in definition.dimensions if not d.startswith("placed_at:")]
    if len(periods) > 1 or any(d not in DIMENSIONS for d in others):
        return False
    if any(m not in MEASURES for m in definition.measures):
        return False
    return all(key in FILTERS and "" not in values for key, values in definition.filters.items())


def facts_rows(user: User, definition: ReportDefinition, *, money: bool) -> list | None:
    """(group values, measure values) per group as `engine` makes them, or None when the facts
    cannot answer this definition."""
    if not _routable(definition):
        return None
    keys = []
    for key in definition.dimensions:
        keys.append("period" if key.startswith("placed_at:") else key)
    group_by = [
        key.split(":", 1)[1] if key.startswith("placed_at:") else key
        for key in definition.dimensions
    ]
    filters = FactFilters(
        **{
            FILTERS[key]: tuple(int(v) for v in values) if key in INTEGER_FILTERS else tuple(values)
            for key, values in definition.filters.items()
        }
    )
    found = order_facts(
        user,
        start=definition.start or EARLIEST,
        end=definition.end or timezone.localdate(),
        group_by=group_by,
        filters=filters,
        # The count always, to leave out groups whose orders have all gone elsewhere.
        measures=sorted({"orders"} | {MEASURES[m] for m in definition.measures}),
    )
    # The facts are always per currency: without money the groups add their currencies up.
    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
    for row in found:
        group = tuple(row[k] for k in keys) + ((row["currency"],) if money else ())
        for measure in MEASURES.values():
            if measure in row:
                sums[group][measure] += row[measure]
    rows = []
    for group, measured in sums.items():
        if not measured["orders"]:
            continue
        values = []
        for key in definition.measures:
            value = measured[MEASURES[key]]
            values.append(int(value) if key == COUNT else Decimal(value).quantize(Decimal("0.01")))
        rows.append((group, values))
    rows.sort(key=lambda row: tuple(_sortable(v) for v in row[0]))
    if definition.sort:
        index = definition.measures.index(definition.sort)
        rows.sort(key=lambda row: -row[1][index])
    if definition.limit:
        rows = rows[: definition.limit]
    return rows


def _sortable(value) -> tuple:
    return (value is not None, value if value is not None else "")
