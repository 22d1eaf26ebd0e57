"""Pages of the behaviour app, and the public endpoint the website snippet sends events to."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.throttling import client_address
from rapport.behaviour import selectors, services
from rapport.behaviour.forms import SiteKeyForm
from rapport.behaviour.models import STANDARD_EVENT_NAMES
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, int_or_none

EVENTS_PAGE_SIZE = 100


# --- The public endpoint -------------------------------------------------------------------------


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


def _error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), "details": details or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def collect(request, key: str):
    """Events a web page sends with its site key: `{"events": [...]}`, up to 100.

    No cookie and no CSRF token (the page is on another site). Only the key's allowed origins
    may send (the browser's Origin header; CORS lets their scripts read the answer), and calls
    are rate-limited per client address. The body may come as text/plain, which is what
    `navigator.sendBeacon` sends without a CORS preflight. The answer says only how many events
    were kept and which were malformed: whether an e-mail belongs to a customer is not told.
    """
    origin = request.headers.get("Origin", "")
    try:
        site_key = selectors.get_active_site_key(key)
    except NotFound as exc:
        return _error(404, "not_found", exc.message)
    if origin not in site_key.allowed_origins:
        return _error(403, "origin_not_allowed", _("This website may not send events here."))
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _cors(
            _error(400, "malformed_json", _("The request body is not valid JSON.")), origin
        )
    events = body.get("events") if isinstance(body, dict) else None
    try:
        result = services.events_ingest_public(
            site_key=site_key, events=events, ip=client_address(request)
        )
    except ApplicationError as exc:
        return _cors(_error(exc.status, exc.code, exc.message, exc.details), origin)
    response = JsonResponse(
        {
            "accepted": result.accepted,
            "errors": [problem.as_dict() for problem in result.errors],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    return _cors(response, origin)


# --- Site keys (administrators) -------------------------------------------------------------------


def site_key_list(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "behaviour/site_key_list.html",
        {"site_keys": selectors.site_keys_all(), "tab": "site_keys"},
    )


def site_key_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SiteKeyForm(request.POST or None)
    if request.method == "POST":
        site_key = save_form(
            form, lambda: services.site_key_create(actor=request.user, data=form.to_data())
        )
        if site_key is not None:
            return redirect("behaviour:site_key_detail", pk=site_key.pk)
    return render(request, "behaviour/site_key_form.html", {"form": form, "tab": "site_keys"})


def _snippet(request, site_key) -> str:
    script = request.build_absolute_uri(static("js/rapport-track.js"))
    endpoint = request.build_absolute_uri(reverse("behaviour:collect", args=[site_key.key]))
    return (
        f'<script src="{script}" data-endpoint="{endpoint}" defer></script>\n'
        "<!-- rapport.track('added_to_cart', {sku: 'A-100', price: 99}); "
        "rapport.identify({email: 'customer@example.com'}); -->"
    )


def site_key_detail(request, pk: int):
    """Edit a site key and copy the snippet a website pastes before </body>."""
    allowed_or_403(require_settings_manager, request.user)
    site_key = found_or_404(selectors.get_site_key, pk)
    form = SiteKeyForm(request.POST or None, instance=site_key)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.site_key_update(
                actor=request.user, site_key=site_key, data=form.to_data()
            ),
        )
        if saved is not None:
            return redirect("behaviour:site_key_detail", pk=site_key.pk)
    return render(
        request,
        "behaviour/site_key_detail.html",
        {
            "site_key": site_key,
            "form": form,
            "snippet": _snippet(request, site_key),
            "tab": "site_keys",
        },
    )


@require_POST
def site_key_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    site_key = found_or_404(selectors.get_site_key, pk)
    services.site_key_delete(actor=request.user, site_key=site_key)
    return redirect("behaviour:site_key_list")


# --- Events and visits ----------------------------------------------------------------------------


def event_list(request):
    """The newest events first, filtered by name; older pages by `before` (an event id)."""
    allowed_or_403(require_settings_manager, request.user)
    name = request.GET.get("name", "").strip()[:64]
    before = int_or_none(request.GET.get("before"))
    events = list(
        selectors.events_recent(request.user, name=name, before=before)[: EVENTS_PAGE_SIZE + 1]
    )
    older = events[EVENTS_PAGE_SIZE - 1].pk if len(events) > EVENTS_PAGE_SIZE else None
    return render(
        request,
        "behaviour/event_list.html",
        {
            "events": events[:EVENTS_PAGE_SIZE],
            "name": name,
            "older": older,
            "standard_names": STANDARD_EVENT_NAMES,
            "tab": "events",
        },
    )


def visit_detail(request, pk: int):
    visit = found_or_404(selectors.get_visit_for_user, request.user, pk)
    return render(
        request,
        "behaviour/visit_detail.html",
        {
            "visit": visit,
            "events": selectors.visit_events(visit),
            "shown_limit": selectors.VISIT_EVENTS_SHOWN,
        },
    )
