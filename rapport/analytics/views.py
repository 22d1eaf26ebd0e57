"""Dashboard pages: read the filters, build the dashboard's widgets (which apply the visibility
rule of what they count), render. Every signed-in user has the dashboards of their role
(`catalogue.dashboards_for`); each counts only what they see."""

import contextlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Role
from rapport.accounts.selectors import teams_for_filters
from rapport.analytics import catalogue, services
from rapport.analytics.dashboards import Dashboard, DashboardFilters, dashboard_render_data
from rapport.analytics.panels import COMPANY, PERSON, customer_sections, deal_sections
from rapport.analytics.selectors.layouts import layout_of, role_layout
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import ValidationFailed
from rapport.core.htmx import allowed_or_403, found_or_404, int_or_none, is_htmx
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.selectors.deals import get_deal_for_user
from rapport.service.selectors_pages import queue_teams


def _filters(data) -> DashboardFilters:
    return DashboardFilters.from_query(
        start=parse_date_or(data.get("start")),
        end=parse_date_or(data.get("end")),
        team_id=int_or_none(data.get("team_id")),
        period=data.get("by", ""),
    )


def _dashboard_for(user, key: str) -> Dashboard:
    """The dashboard `key` if the user's role may open it; 404 otherwise."""
    for dashboard in catalogue.dashboards_for(user):
        if dashboard.key == key:
            return dashboard
    raise Http404(_("Dashboard not found."))


def _teams(user, dashboard: Dashboard) -> list:
    if not dashboard.team_label:
        return []
    if dashboard.key == "service":
        return list(queue_teams(user))
    return list(teams_for_filters(user))


def _dashboard_url(dashboard: Dashboard) -> str:
    if dashboard.key == "service":
        return reverse("analytics:service_dashboard")
    return reverse("analytics:dashboard", args=[dashboard.key])


def _render(request, dashboard: Dashboard, filters: DashboardFilters):
    arrangement = layout_of(request.user, dashboard)
    source, widgets = dashboard_render_data(
        dashboard, request.user, filters, widgets=arrangement.shown
    )
    others = [
        (d, _dashboard_url(d)) for d in catalogue.dashboards_for(request.user) if d.key != "service"
    ]
    return render(
        request,
        "analytics/dashboard.html",
        {
            "dashboard": dashboard,
            "dashboard_url": _dashboard_url(dashboard),
            "dashboards": others,
            "filters": filters,
            "teams": _teams(request.user, dashboard),
            "widgets": widgets,
            "hidden": arrangement.hidden,
            "own_layout": arrangement.own,
            "has_anything": getattr(source, "has_anything", True),
            "charts": any(shown.widget.chart for shown in widgets),
            "map": any(shown.widget.chart == "map" for shown in widgets),
        },
    )


@login_required
@require_GET
def dashboards_home(request):
    """Where the Dashboards link leads: the dashboard of the user's role."""
    return redirect(_dashboard_url(catalogue.dashboards_for(request.user)[0]))


@login_required
@require_GET
def dashboard(request, key: str):
    dashboard = _dashboard_for(request.user, key)
    if dashboard.key == "service":
        return redirect(reverse("analytics:service_dashboard"))
    return _render(request, dashboard, _filters(request.GET))


@login_required
@require_GET
def service_dashboard(request):
    return _render(request, catalogue.SERVICE, _filters(request.GET))


@login_required
@require_POST
def layout_change(request, key: str):
    """Move a widget up or down, hide or show it, or go back to the role's default; then the
    dashboard again, with the same filters."""
    dashboard = _dashboard_for(request.user, key)
    filters = _filters(request.POST)
    action = request.POST.get("action", "")
    if action == "reset":
        services.layout_reset(actor=request.user, dashboard=dashboard)
    else:
        # A stale or forged button changes nothing: the dashboard as it is.
        with contextlib.suppress(ValidationFailed):
            services.layout_change(
                actor=request.user,
                dashboard=dashboard,
                widget=request.POST.get("widget", ""),
                action=action,
            )
    if is_htmx(request):
        # The page loads again rather than swapping the dashboard in: htmx here inserts no
        # <script> (rapport.js), and the charts' data travels in json_script elements.
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect(f"{_dashboard_url(dashboard)}?{urlencode(filters.as_query())}")


@login_required
@require_http_methods(["GET", "POST"])
def layout_settings(request):
    """Administrators: each role's default arrangement of each dashboard."""
    allowed_or_403(require_settings_manager, request.user)
    role = request.GET.get("role") if request.GET.get("role") in Role.values else Role.SALES_REP
    key = request.GET.get("dashboard", "")
    choices = [catalogue.DASHBOARDS[k] for k in catalogue.ROLE_DASHBOARDS[role]]
    dashboard = next((d for d in choices if d.key == key), choices[0])
    error = ""
    if request.method == "POST":
        positions = []
        hidden = []
        for index, widget in enumerate(dashboard.widgets):
            position = int_or_none(request.POST.get(f"position-{widget.key}"))
            positions.append((position if position is not None else index + 1, index, widget.key))
            if request.POST.get(f"shown-{widget.key}") != "1":
                hidden.append(widget.key)
        order = [key for _position, _index, key in sorted(positions)]
        try:
            services.role_layout_save(
                actor=request.user, role=role, dashboard=dashboard, order=order, hidden=hidden
            )
        except ValidationFailed as exc:
            error = exc.message
        else:
            query = urlencode({"role": role, "dashboard": dashboard.key, "saved": "1"})
            return redirect(f"{reverse('analytics:layout_settings')}?{query}")
    arrangement = role_layout(role, dashboard)
    rows = [(w, True) for w in arrangement.shown] + [(w, False) for w in arrangement.hidden]
    return render(
        request,
        "analytics/layout_settings.html",
        {
            "roles": Role.choices,
            "role": role,
            "choices": choices,
            "dashboard": dashboard,
            "rows": rows,
            "error": error,
            "saved": request.GET.get("saved") == "1",
        },
        status=422 if error else 200,
    )


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


@login_required
@require_GET
def deal_insights(request, pk: int):
    """The insights slot of a deal's page (404 for a deal the user may not see)."""
    deal = found_or_404(get_deal_for_user, request.user, pk)
    sections = deal_sections(request.user, deal)
    return render(
        request,
        "analytics/_customer_insights.html",
        {"sections": [(key, section.template, section.context) for key, section in sections]},
    )
