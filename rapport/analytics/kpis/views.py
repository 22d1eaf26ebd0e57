"""The KPI page and the cohort page: read the filters, call the selectors (which apply the
visibility rule of what they count), render."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapport.accounts.selectors import teams_for_filters
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.kpis import selectors
from rapport.analytics.kpis.selectors import add_months
from rapport.core.cleaning import parse_date_or
from rapport.core.htmx import int_or_none

# Dates outside these are ignored like a malformed one: a window before year 1 cannot be built.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def _date(value: str | None) -> datetime.date | None:
    day = parse_date_or(value)
    return day if day is not None and EARLIEST <= day <= LATEST else None


def _filters(request, *, default_start=None) -> DashboardFilters:
    get = request.GET
    end = _date(get.get("end"))
    start = _date(get.get("start"))
    if start is None and default_start is not None:
        start = default_start(end or timezone.localdate())
    return DashboardFilters.from_query(
        start=start, end=end, team_id=int_or_none(get.get("team_id")), period=get.get("by", "")
    )


def _orders_url(filters: DashboardFilters) -> str:
    """The order list showing the orders placed in the range (and team) the figures count."""
    query = {"placed_from": filters.start.isoformat(), "placed_until": filters.end.isoformat()}
    if filters.team_id is not None:
        query["team_id"] = str(filters.team_id)
    return f"{reverse('sales:order_list')}?{urlencode(query)}"


@login_required
@require_GET
def kpis(request):
    filters = _filters(request)
    source = selectors.kpi_source(request.user, filters)
    figures = {figure.__name__: figure(source) for figure in selectors.FIGURES}
    return render(
        request,
        "analytics_kpis/kpis.html",
        {
            "filters": filters,
            "teams": list(teams_for_filters(request.user)),
            "has_anything": source.has_anything,
            "f": figures,
            "orders_url": _orders_url(filters),
        },
    )


def _twelve_months_back(end: datetime.date) -> datetime.date:
    return add_months(end.replace(day=1), -11)


@login_required
@require_GET
def cohorts(request):
    filters = _filters(request, default_start=_twelve_months_back)
    rows = selectors.cohort_table(request.user, filters)
    currencies = sorted({c for row in rows for cell in row.cells for c in cell.revenue})
    return render(
        request,
        "analytics_kpis/cohorts.html",
        {
            "filters": filters,
            "teams": list(teams_for_filters(request.user)),
            "rows": rows,
            "offsets": list(range(selectors.COHORT_MONTHS + 1)),
            "currencies": currencies,
            "has_anything": any(row.customers for row in rows),
            "chart": selectors.cohort_chart(rows),
        },
    )
