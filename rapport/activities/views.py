"""HTML for interactions: the list page, timelines (htmx partials) and the log form."""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from rapport.activities.forms import InteractionForm
from rapport.activities.models import Channel, Direction
from rapport.activities.selectors import (
    interactions_list,
    timeline_entry_for_source,
    timeline_for_company,
    timeline_for_person,
    timeline_for_record,
)
from rapport.activities.services import interaction_create
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.htmx import found_or_404, int_or_none, is_htmx, page_or_first
from rapport.customers.selectors import get_company_for_user, get_person_for_user

TIMELINE_PAGE_SIZE = 20
INTERACTION_SORTS = ("-occurred_at", "occurred_at")


def _filters(request) -> dict:
    """The list's filters as keyword arguments of `interactions_list` (also used by exports)."""
    get = request.GET
    return {
        "channel": get.get("channel", "") if get.get("channel") in Channel.values else "",
        "direction": get.get("direction", "") if get.get("direction") in Direction.values else "",
        "logged_by_id": request.user.pk if get.get("mine") == "1" else None,
        "q": get.get("q", "").strip(),
        "person_id": int_or_none(get.get("person_id")),
        "company_id": int_or_none(get.get("company_id")),
        "occurred_from": parse_date_or(get.get("occurred_from")),
        "occurred_until": parse_date_or(get.get("occurred_until")),
    }


@login_required
@require_GET
def interaction_list(request):
    get = request.GET
    mine = get.get("mine") == "1"
    filters = _filters(request)
    queryset = interactions_list(request.user, **filters)
    sort = get.get("sort") if get.get("sort") in INTERACTION_SORTS else "-occurred_at"
    page = page_or_first(
        queryset, sort=sort, cursor=get.get("cursor"), size=settings.RAPPORT_PAGE_SIZE
    )
    return render(
        request,
        "activities/interaction_list.html",
        {
            "page": page,
            "sort": sort,
            "channels": Channel.choices,
            "directions": Direction.choices,
            "q": get.get("q", ""),
            "channel": get.get("channel", ""),
            "direction": get.get("direction", ""),
            "mine": mine,
            "occurred_from": filters["occurred_from"],
            "occurred_until": filters["occurred_until"],
        },
    )


def _timeline_context(page, *, more_url: str, show_person: bool, on_record: bool = False) -> dict:
    return {
        "entries": page.items,
        "next_url": f"{more_url}?cursor={page.next_cursor}" if page.next_cursor else None,
        "show_person": show_person,
        "on_record": on_record,
        "channel_labels": dict(Channel.choices),
        "direction_labels": dict(Direction.choices),
    }


@login_required
@require_GET
def person_timeline(request, pk: int):
    person = found_or_404(get_person_for_user, request.user, pk)
    page = page_or_first_timeline(timeline_for_person, person, request.GET.get("cursor"))
    url = reverse("activities:person_timeline", args=[person.pk])
    return render(
        request,
        "activities/_timeline_entries.html",
        _timeline_context(page, more_url=url, show_person=False),
    )


@login_required
@require_GET
def company_timeline(request, pk: int):
    company = found_or_404(get_company_for_user, request.user, pk)
    page = page_or_first_timeline(
        functools.partial(timeline_for_company, viewer=request.user),
        company,
        request.GET.get("cursor"),
    )
    url = reverse("activities:company_timeline", args=[company.pk])
    return render(
        request,
        "activities/_timeline_entries.html",
        _timeline_context(page, more_url=url, show_person=True),
    )


def page_or_first_timeline(selector, record, cursor):
    try:
        return selector(record, cursor=cursor or None, size=TIMELINE_PAGE_SIZE)
    except ApplicationError:
        return selector(record, cursor=None, size=TIMELINE_PAGE_SIZE)


def record_timeline(request, record, *, more_url: str):
    """The timeline entries of a record of a higher app (a deal), for that app's view to return
    once it has checked that the reader may see the record."""
    page = page_or_first_timeline(timeline_for_record, record, request.GET.get("cursor"))
    return render(
        request,
        "activities/_timeline_entries.html",
        # Not the entries' person: the record's page shows its customer as far as the reader
        # may see them; the entries' own link could name another team's contact.
        _timeline_context(page, more_url=more_url, show_person=False, on_record=True),
    )


def record_log_interaction(request, record, *, person, company, action_url: str, back_url: str):
    """The log form of a record of a higher app (a deal): the interaction is about the record
    and its person and company (as far as the reader may see them), so it shows on all three
    timelines. For that app's view to return once it has checked the record."""
    return _log_interaction(
        request,
        person=person,
        company=company,
        about=record,
        action_url=action_url,
        back_url=back_url,
    )


def _log_interaction(
    request, *, person=None, company=None, about=None, action_url: str, back_url: str
):
    """GET: the empty form. POST: log it; htmx gets the new entry plus a fresh form."""
    if request.method == "GET":
        return render(
            request,
            "activities/_log_form.html",
            {"form": InteractionForm(), "action_url": action_url},
        )
    form = InteractionForm(request.POST)
    interaction = None
    if form.is_valid():
        try:
            interaction = interaction_create(
                actor=request.user,
                data=form.to_data(),
                person=person,
                company=company,
                about=about,
            )
        except ValidationFailed as exc:
            form.apply_service_errors(exc.details)
    if interaction is None:
        context = {"form": form, "action_url": action_url}
        if not is_htmx(request):
            return render(
                request, "activities/log_interaction.html", {**context, "back_url": back_url}
            )
        response = render(request, "activities/_log_form.html", context)
        # The form posts into the timeline; on error, put the form with its messages back instead.
        response["HX-Retarget"] = "#log-interaction-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    if not is_htmx(request):
        return redirect(back_url)
    entry = timeline_entry_for_source("interaction", interaction.pk)
    return render(
        request,
        "activities/_log_success.html",
        {
            "entry": entry,
            "form": InteractionForm(),
            "action_url": action_url,
            "show_person": company is not None and person is None and about is None,
            "on_record": about is not None,
            "channel_labels": dict(Channel.choices),
            "direction_labels": dict(Direction.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_log_interaction(request, pk: int):
    person = found_or_404(get_person_for_user, request.user, pk)
    return _log_interaction(
        request,
        person=person,
        action_url=reverse("activities:person_log_interaction", args=[person.pk]),
        back_url=reverse("customers:person_detail", args=[person.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_log_interaction(request, pk: int):
    company = found_or_404(get_company_for_user, request.user, pk)
    return _log_interaction(
        request,
        company=company,
        action_url=reverse("activities:company_log_interaction", args=[company.pk]),
        back_url=reverse("customers:company_detail", args=[company.pk]),
    )
