"""Dashboard pages: read the filters, build the dashboard's widgets (which apply the visibility
rule of what they count), render. Every signed-in user has one; it counts only what they see."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.analytics import catalogue
from rapport.analytics.dashboards import Dashboard, DashboardFilters, dashboard_render_data
from rapport.analytics.panels import COMPANY, PERSON, customer_sections
from rapport.core.cleaning import parse_date_or
from rapport.core.htmx import found_or_404, int_or_none
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.service.selectors_pages import queue_teams


def _filters(request) -> DashboardFilters:
    get = request.GET
    return DashboardFilters.from_query(
        start=parse_date_or(get.get("start")),
        end=parse_date_or(get.get("end")),
        team_id=int_or_none(get.get("team_id")),
        period=get.get("by", ""),
    )


def _render(request, dashboard: Dashboard, *, teams):
    filters = _filters(request)
    source, widgets = dashboard_render_data(dashboard, request.user, filters)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "dashboard": dashboard,
            "filters": filters,
            "teams": teams,
            "widgets": widgets,
            "has_anything": getattr(source, "has_anything", True),
            "charts": any(shown.widget.chart for shown in widgets),
        },
    )


@login_required
@require_GET
def service_dashboard(request):
    return _render(request, catalogue.SERVICE, teams=list(queue_teams(request.user)))


def _insights(request, customer, kind: str):
    sections = customer_sections(request.user, customer, kind)
    return render(
        request,
        "analytics/_customer_insights.html",
        {"sections": [(key, section.template, section.context) for key, section in sections]},
    )


@login_required
@require_GET
def person_insights(request, pk: int):
    """The insights slot of a person's page (404 for a person the user may not see)."""
    return _insights(request, found_or_404(get_person_for_user, request.user, pk), PERSON)


@login_required
@require_GET
def company_insights(request, pk: int):
    return _insights(request, found_or_404(get_company_for_user, request.user, pk), COMPANY)
