"""The sales side of a person's or company's 360° page: its deal, lead and order panels.

The page (in `customers`, which may not import sales) loads them with htmx from here. The view
first gets the customer through the selector that decides who may see it (another team's
customer answers 404); `customer_sales` then reads each part through its own visibility rule.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.core.htmx import found_or_404
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.selectors.customer_sales import customer_sales


def _panels(request, *, person=None, company=None):
    sales = customer_sales(request.user, person=person, company=company)
    scope = {"person_id": person.pk} if person is not None else {"company_id": company.pk}
    return render(
        request,
        "sales/deals/_customer_sales.html",
        {
            "sales": sales,
            "query": urlencode(scope),
            "new_deal_query": urlencode(
                {**scope, "company_id": sales.deal_company_id} if sales.deal_company_id else scope
            ),
            "orders_query": urlencode({**scope, "open_only": "1"}),
            "leads_query": urlencode({"q": sales.lead_search, "status": "open"}),
        },
    )


@login_required
@require_GET
def person_sales(request, pk: int):
    return _panels(request, person=found_or_404(get_person_for_user, request.user, pk))


@login_required
@require_GET
def company_sales(request, pk: int):
    return _panels(request, company=found_or_404(get_company_for_user, request.user, pk))
