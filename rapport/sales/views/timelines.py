"""The timelines of a deal and a lead, and the deal's log form (htmx fragments).

A deal's timeline is the activities app's timeline of a record: what sales wrote about the deal
(created, moves, won, lost) and the interactions logged on it, which also go to the deal's
person's and company's timelines. A lead's timeline is its own history (`LeadEvent`), which
conversion copies to the customer's. Each view first gets the record through the selector that
decides who may see it, so another team's deal or lead answers 404.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from rapport.activities.views import record_log_interaction, record_timeline
from rapport.core.errors import ApplicationError
from rapport.core.htmx import found_or_404
from rapport.core.pagination import Page, keyset_page
from rapport.sales.models import Lead
from rapport.sales.selectors.deals import get_deal_for_user
from rapport.sales.selectors.leads import get_lead_for_user, lead_events

LEAD_HISTORY_PAGE = 20


@login_required
@require_GET
def deal_timeline(request, pk: int):
    deal = found_or_404(get_deal_for_user, request.user, pk)
    return record_timeline(request, deal, more_url=reverse("sales:deal_timeline", args=[deal.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def deal_log_interaction(request, pk: int):
    # The deal's person and company as the reader may see them (`visible_customer_links`): a
    # call is not written onto the timeline of a customer its author cannot open.
    deal = found_or_404(get_deal_for_user, request.user, pk)
    return record_log_interaction(
        request,
        deal,
        person=deal.person,
        company=deal.company,
        action_url=reverse("sales:deal_log_interaction", args=[deal.pk]),
        back_url=reverse("sales:deal_detail", args=[deal.pk]),
    )


@login_required
@require_GET
def lead_history(request, pk: int):
    """The next page of a lead's history (its one timeline: the lead page shows the first)."""
    lead = found_or_404(get_lead_for_user, request.user, pk)
    return render(
        request,
        "sales/leads/_history_entries.html",
        lead_history_context(lead, request.GET.get("cursor")),
    )


def lead_history_context(lead: Lead, cursor: str | None = None) -> dict:
    """One page of the lead's history, newest first, and the URL of the next (keyset)."""
    page = _history_page(lead, cursor)
    next_url = None
    if page.next_cursor:
        query = urlencode({"cursor": page.next_cursor})
        next_url = reverse("sales:lead_history", args=[lead.pk]) + "?" + query
    return {"events": page.items, "next_url": next_url}


def _history_page(lead: Lead, cursor: str | None) -> Page:
    try:
        return keyset_page(
            lead_events(lead), sort="-occurred_at", cursor=cursor or None, size=LEAD_HISTORY_PAGE
        )
    except ApplicationError:  # a cursor from an old or edited link: start again
        return keyset_page(lead_events(lead), sort="-occurred_at", size=LEAD_HISTORY_PAGE)
