"""HTML pages for leads: list and queue, detail with history and actions, create and edit,
conversion, and the public web-to-lead form that any website embeds. The administrators'
settings (web forms, scoring and assignment rules) are in `lead_settings`.

Views stay thin: read input, get the lead through `get_lead_for_user` / `lead_detail` (another
team's lead is a 404), call one service, render.
"""

import json

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import assignable_owners, may_own
from rapport.accounts.models import Role, User
from rapport.accounts.saved_view_views import saved_views_state
from rapport.accounts.selectors import teams_for_filters, users_for_filters
from rapport.accounts.throttling import client_address
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.forms import save_form
from rapport.core.htmx import found_or_404, int_or_none, page_or_first
from rapport.customers.models import SourceChannel
from rapport.sales.forms.leads import (
    AssignForm,
    ConvertForm,
    DisqualifyForm,
    LeadEditForm,
    LeadEventForm,
    PublicLeadForm,
)
from rapport.sales.models import LeadStatus
from rapport.sales.selectors import leads as selectors
from rapport.sales.services import leads as services
from rapport.sales.views.timelines import lead_history_context


def _can_assign_by_rules(user: User) -> bool:
    return user.is_administrator or user.role == Role.SALES_MANAGER


# --- List and queue ------------------------------------------------------------------------------


def _filters(request) -> selectors.LeadFilters:
    get = request.GET
    status = get.get("status", "")
    return selectors.LeadFilters(
        q=get.get("q", "").strip(),
        status=status if status in ("open", *LeadStatus.values) else "",
        owner_id=int_or_none(get.get("owner_id")),
        team_id=int_or_none(get.get("team_id")),
        source=get.get("source", "") if get.get("source") in SourceChannel.values else "",
        campaign=get.get("campaign", "").strip(),
        unassigned=get.get("unassigned") == "1",
        created_from=parse_date_or(get.get("created_from")),
        created_until=parse_date_or(get.get("created_until")),
    )


@login_required
@require_GET
def lead_list(request):
    user = request.user
    saved_views = saved_views_state(request, "leads")
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    filters = _filters(request)
    sort = request.GET.get("sort")
    if sort not in selectors.LEAD_SORTS:
        sort = "-score"
    page = page_or_first(
        selectors.leads_list(user, filters),
        sort=sort,
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
        partitions=selectors.lead_list_partitions(user, filters),
    )
    return render(
        request,
        "sales/leads/list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "owners": users_for_filters(user),
            "teams": teams_for_filters(user),
            "statuses": [("open", _("Open")), *LeadStatus.choices],
            "sources": SourceChannel.choices,
            "sort_choices": [
                ("-score", _("Highest score")),
                ("score", _("Lowest score")),
                ("-created_at", _("Newest")),
                ("created_at", _("Oldest")),
                ("-updated_at", _("Recently updated")),
            ],
            "tab": "queue" if filters.unassigned else "leads",
            **saved_views.context(),
        },
    )


# --- Create, edit, delete ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request):
    actor = request.user
    form = LeadEditForm(request.POST or None, actor=actor)
    if request.method == "POST":
        lead = save_form(form, lambda: services.lead_create(actor=actor, data=form.to_data()))
        if lead is not None:
            messages.success(request, _("Lead created."))
            return redirect("sales:lead_detail", pk=lead.pk)
    return render(request, "sales/leads/form.html", {"form": form, "tab": "leads"})


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk: int):
    actor = request.user
    lead = found_or_404(selectors.lead_detail, actor, pk)
    if lead.status == LeadStatus.CONVERTED:
        messages.error(request, _("This lead was converted; it can no longer be changed."))
        return redirect("sales:lead_detail", pk=lead.pk)
    form = LeadEditForm(request.POST or None, actor=actor, instance=lead)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.lead_update(
                actor=actor,
                lead=lead,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:lead_detail", pk=lead.pk)
    return render(request, "sales/leads/form.html", {"form": form, "lead": lead, "tab": "leads"})


@login_required
@require_POST
def lead_delete(request, pk: int):
    lead = found_or_404(selectors.get_lead_for_user, request.user, pk)
    services.lead_delete(actor=request.user, lead=lead)
    messages.success(request, _("Lead deleted."))
    return redirect("sales:lead_list")


# --- Detail and actions --------------------------------------------------------------------------


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else f"−{-points}" if points < 0 else "0"


def _deal_url(lead) -> str | None:
    if lead.converted_deal_id is None:
        return None
    try:
        return reverse("sales:deal_detail", args=[lead.converted_deal_id])
    except NoReverseMatch:
        return None


def _detail(request, lead, *, status: int = 200, **forms):
    user = request.user
    context = {
        "lead": lead,
        "score_lines": [
            {"points": _signed(r.get("points", 0)), "reason": r.get("reason", "")}
            for r in lead.score_reasons
        ],
        "deal_url": _deal_url(lead),
        **lead_history_context(lead),
        "tasks": list(selectors.lead_tasks(lead)),
        "is_open": lead.status in selectors.OPEN_STATUSES,
        "can_assign_by_rules": _can_assign_by_rules(user),
        "can_take": lead.owner_id != user.pk and may_own(user, user),
        "event_form": forms.get("event_form") or LeadEventForm(),
        "disqualify_form": forms.get("disqualify_form") or DisqualifyForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(actor=user, initial={"owner_id": lead.owner_id}),
        "tab": "leads",
    }
    return render(request, "sales/leads/detail.html", context, status=status)


@login_required
@require_GET
def lead_detail_page(request, pk: int):
    lead = found_or_404(selectors.lead_detail, request.user, pk)
    return _detail(request, lead)


@login_required
@require_POST
def lead_event_add(request, pk: int):
    actor = request.user
    lead = found_or_404(selectors.lead_detail, actor, pk)
    form = LeadEventForm(request.POST)
    saved = save_form(
        form,
        lambda: services.lead_event_add(
            actor=actor,
            lead=lead,
            kind=form.cleaned_data["kind"],
            channel=form.cleaned_data["channel"],
            body=form.cleaned_data["body"],
        ),
    )
    if saved is None:
        return _detail(request, lead, event_form=form)
    messages.success(request, _("Added to the lead's history."))
    return redirect(reverse("sales:lead_detail", args=[lead.pk]) + "#history")


@login_required
@require_POST
def lead_assign(request, pk: int):
    actor = request.user
    lead = found_or_404(selectors.lead_detail, actor, pk)
    action = request.POST.get("action", "owner")
    if action == "rules":
        try:
            lead = services.lead_assign(lead=lead, actor=actor)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if lead.owner_id:
                messages.success(request, _("Assigned to %(owner)s.") % {"owner": lead.owner})
            else:
                messages.info(request, _("No rule found an owner; the lead stays in the queue."))
        return redirect("sales:lead_detail", pk=pk)
    data = {"owner_id": str(actor.pk)} if action == "take" else request.POST
    form = AssignForm(data, actor=actor)

    def assign():
        # The form offered only assignable owners; the same rule reads the one chosen.
        owner = assignable_owners(actor).get(pk=int(form.cleaned_data["owner_id"]))
        return services.lead_assign_to(actor=actor, lead=lead, owner=owner)

    if save_form(form, assign) is None:
        return _detail(request, lead, assign_form=form)
    messages.success(request, _("Lead assigned."))
    return redirect("sales:lead_detail", pk=pk)


@login_required
@require_POST
def lead_disqualify(request, pk: int):
    actor = request.user
    lead = found_or_404(selectors.lead_detail, actor, pk)
    form = DisqualifyForm(request.POST)
    saved = save_form(
        form,
        lambda: services.lead_disqualify(
            actor=actor, lead=lead, reason=form.cleaned_data["reason"]
        ),
    )
    if saved is None:
        return _detail(request, lead, disqualify_form=form)
    messages.success(request, _("Lead disqualified."))
    return redirect("sales:lead_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request, pk: int):
    actor = request.user
    lead = found_or_404(selectors.lead_detail, actor, pk)
    if lead.status not in selectors.OPEN_STATUSES:
        messages.error(request, _("Only an open lead can be converted."))
        return redirect("sales:lead_detail", pk=pk)
    form = ConvertForm(request.POST or None, lead=lead)
    if request.method == "POST":
        converted = save_form(
            form,
            lambda: services.lead_convert(
                actor=actor,
                lead=lead,
                create_deal=form.cleaned_data["create_deal"],
                deal_data=form.deal_data(),
            ),
        )
        if converted is not None:
            messages.success(request, _("Lead converted."))
            return redirect("customers:person_detail", pk=converted.converted_person_id)
    return render(
        request,
        "sales/leads/convert.html",
        {
            "lead": lead,
            "form": form,
            "person": selectors.lead_matching_person(actor, lead),
            "company": selectors.lead_matching_company(actor, lead.company_name),
            "tab": "leads",
        },
    )


# --- The public form -----------------------------------------------------------------------------

CORS_HEADERS = {
    # Websites post from their own origin; nothing here uses cookies, so any origin may read
    # the answer.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.content_type == "application/json"
    )


def _json(status: int, body: dict) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for header, value in CORS_HEADERS.items():
        response[header] = value
    return response


def _json_error(status: int, code: str, message: str, details: dict | None = None):
    return _json(status, {"code": code, "message": str(message), "details": details or {}})


def _submitted(request) -> dict | None:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None
    return {key: request.POST.get(key) for key in request.POST}


def _thank_you(lead_form) -> str:
    return lead_form.thank_you_text or _("Thank you! We will be in touch soon.")


# Websites embed the hosted form in an iframe: any page may frame it (X-Frame-Options off, and the
# Content-Security-Policy's frame-ancestors widened from 'none').
EMBEDDABLE = {"frame-ancestors": ["*"]}


@csrf_exempt
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_http_methods(["GET", "POST", "OPTIONS"])
def lead_form_public(request, public_key: str):
    """The form a website embeds: GET shows it, POST takes a submission (HTML or JSON).

    No sign-in and no CSRF token (the page posting is on another site); spam is kept out by the
    honeypot field and the per-IP rate limit in `lead_capture_from_form`. JSON callers (an
    `Accept: application/json` header or a JSON body) get `{code, message, details}` errors
    like the API's, and CORS headers so a website's script can read the answer.
    """
    wants_json = _wants_json(request)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response
    try:
        lead_form = selectors.get_public_lead_form(public_key)
    except NotFound as exc:
        if wants_json:
            return _json_error(404, "not_found", exc.message)
        raise Http404(exc.message) from exc
    if request.method == "GET":
        return render(
            request,
            "sales/leads/public_form.html",
            {"lead_form": lead_form, "form": PublicLeadForm(lead_form=lead_form)},
        )

    data = _submitted(request)
    if data is None:
        return _json_error(400, "malformed_json", _("The request body is not valid JSON."))
    try:
        services.lead_capture_from_form(form=lead_form, data=data, ip=client_address(request))
    except services.RateLimited as exc:
        if wants_json:
            return _json_error(429, exc.code, exc.message)
        return render(
            request,
            "sales/leads/public_message.html",
            {"lead_form": lead_form, "message": exc.message},
            status=429,
        )
    except ValidationFailed as exc:
        if wants_json:
            return _json_error(422, exc.code, exc.message, exc.details)
        form = PublicLeadForm(request.POST, lead_form=lead_form)
        form.is_valid()
        form.apply_service_errors(exc.details)
        return render(
            request,
            "sales/leads/public_form.html",
            {"lead_form": lead_form, "form": form},
            status=422,
        )
    if wants_json:
        return _json(201, {"ok": True, "message": _thank_you(lead_form)})
    return redirect("sales:lead_form_thanks", public_key=lead_form.public_key)


@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_GET
def lead_form_thanks(request, public_key: str):
    lead_form = found_or_404(selectors.get_public_lead_form, public_key)
    return render(
        request,
        "sales/leads/public_message.html",
        {"lead_form": lead_form, "message": _thank_you(lead_form), "thanks": True},
    )
