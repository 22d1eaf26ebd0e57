"""The home page (each role's working overview) and the global search page."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.customers.selectors import CustomerFilters, companies_list, persons_list
from rapport.sales.views.deals import chart_amount_label, forecast_chart, forecast_money_notes
from rapport.web.selectors import Home, home_for

SEARCH_RESULTS_SHOWN = 20


def _chart_money(value) -> str:
    # ECharts plots numbers; the JSON carries the exact decimal as text, parsed for drawing only.
    return f"{value:.2f}"


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _stages_chart(home: Home) -> dict:
    """Open deals per stage: the amount converted into the reporting currency (the label says
    which currencies have no rate and are left out) and the number of deals; a click on a bar
    opens the deal list of that stage."""
    deal_list = reverse("sales:deal_list")
    scope = home.scope.filter_params
    stages = home.deals.stages
    return {
        "labels": [row.label for row in stages],
        "amounts": [_chart_money(row.total.converted) for row in stages],
        "counts": [row.count for row in stages],
        "links": [
            f"{deal_list}?{_query({'status': 'open', 'stage_id': row.stage.pk, **scope})}"
            for row in stages
        ],
        "names": {
            "amount": chart_amount_label(home.deals.total.currency, home.deals.total.missing),
            "count": _("Deals"),
        },
    }


def _activity_chart(home: Home) -> dict:
    # Most active at the top: ECharts draws a category axis's first entry at the bottom.
    rows = list(reversed(home.activity.rows))
    return {
        "labels": [str(row.user) for row in rows],
        "counts": [row.count for row in rows],
        "name": _("Interactions"),
    }


@login_required
@require_GET
def home(request):
    """Each role's working overview (see `rapport.web.selectors`)."""
    result = home_for(request.user)
    charts = {}
    if result.deals is not None and result.deals.count:
        charts["stages"] = _stages_chart(result)
    if result.forecast is not None:
        charts["forecast"] = forecast_chart(result.forecast)
    if result.activity is not None and result.activity.total:
        charts["activity"] = _activity_chart(result)
    forecast_params = {}
    if result.scope.filter_params.get("team_id"):
        forecast_params = {"team_id": result.scope.filter_params["team_id"]}
    return render(
        request,
        "web/home.html",
        {
            "home": result,
            "charts": charts,
            "forecast_rows": (
                list(zip(result.forecast.quarters, result.forecast.total, strict=True))
                if result.forecast
                else []
            ),
            "forecast_notes": forecast_money_notes(result.forecast) if result.forecast else "",
            "scope_query": _query(result.scope.filter_params),
            "forecast_query": _query(forecast_params),
        },
    )


@login_required
@require_GET
def search(request):
    """Persons and companies matching `q` (Chinese, pinyin, initials, phone tail, e-mail)."""
    q = request.GET.get("q", "").strip()
    persons = companies = []
    if q:
        filters = CustomerFilters(q=q)
        persons = list(
            persons_list(request.user, filters).order_by("-updated_at", "-pk")[
                :SEARCH_RESULTS_SHOWN
            ]
        )
        companies = list(
            companies_list(request.user, filters).order_by("-updated_at", "-pk")[
                :SEARCH_RESULTS_SHOWN
            ]
        )
    return render(
        request,
        "web/search.html",
        {"q": q, "global_q": q, "persons": persons, "companies": companies},
    )
