"""Pages of the recommendations: the order form's suggestion slot (loaded by htmx with the
chosen customer; sales links to it by URL name, it does not import analytics)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.analytics.recommend.selectors import customer_recommendations_for_user
from rapport.core.errors import NotFound

SUGGESTIONS = 5


@login_required
@require_GET
def order_suggestions(request):
    """`?customer=person:12` (or `company:3`, the order form's customer value): the products to
    offer that customer. Empty for no customer, a malformed value or one the user may not see
    (the form's picker only offers customers the user sees)."""
    kind, _sep, pk = request.GET.get("customer", "").partition(":")
    recommendations = []
    if pk.isdigit() and len(pk) < 12:
        try:
            _customer, recommendations = customer_recommendations_for_user(
                request.user, kind, int(pk), limit=SUGGESTIONS
            )
        except NotFound:
            recommendations = []
    return render(
        request,
        "analytics_recommend/_order_suggestions.html",
        {"recommendations": recommendations},
    )
