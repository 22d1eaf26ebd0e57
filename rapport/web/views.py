"""The home dashboard and the global search page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.customers.selectors import CustomerFilters, companies_list, persons_list
from rapport.web.selectors import RECENT_DAYS, dashboard_for

SEARCH_RESULTS_SHOWN = 20


@login_required
@require_GET
def home(request):
    return render(
        request,
        "web/home.html",
        {"dashboard": dashboard_for(request.user), "recent_days": RECENT_DAYS},
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
