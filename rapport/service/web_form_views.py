"""The public support form a website embeds: no sign-in, no CSRF token, spam kept out by the
service (honeypot, per-IP limit). HTML visitors get the page with field errors; JSON callers
(`Accept: application/json` or a JSON body) get `{code, message, details}` like the API's, with
CORS headers so a website's own script can read the answer."""

import json

from csp.decorators import csp_replace
from django import forms
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from rapport.accounts.throttling import client_address
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.forms import ServiceErrorsMixin
from rapport.core.htmx import found_or_404
from rapport.service.selectors import get_public_ticket_form
from rapport.service.services import RateLimited, ticket_capture_from_form
from rapport.service.services.web_form import HONEYPOT_FIELD

# Websites embed the hosted form in an iframe: any page may frame it.
EMBEDDABLE = {"frame-ancestors": ["*"]}
CORS_HEADERS = {
    # Nothing here uses cookies, so any origin may read the answer.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}


class SupportForm(ServiceErrorsMixin, forms.Form):
    """The visitor's inputs; the service checks them, so HTML and JSON posts share the rules."""

    name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=200)
    email = forms.CharField(
        label=gettext_lazy("Your e-mail"),
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    order_number = forms.CharField(
        label=gettext_lazy("Order number (if it is about an order)"), required=False
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), required=False)
    message = forms.CharField(
        label=gettext_lazy("How can we help?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    hp_website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def visible_inputs(self):
        return [field for field in self if field.name != HONEYPOT_FIELD]


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
    """The posted inputs; None for a JSON body that is not an object. A body over the request
    limit raises RequestDataTooBig."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None
    return {key: request.POST.get(key) for key in request.POST}


def _thank_you(support_form) -> str:
    return support_form.thank_you_text or _(
        "Thank you! We have received your message and will answer by e-mail."
    )


@csrf_exempt
@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_http_methods(["GET", "POST", "OPTIONS"])
def support_form_public(request, public_key: str):
    wants_json = _wants_json(request)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response
    try:
        support_form = get_public_ticket_form(public_key)
    except NotFound as exc:
        if wants_json:
            return _json_error(404, "not_found", exc.message)
        raise Http404(exc.message) from exc
    context = {"support_form": support_form}
    if request.method == "GET":
        return render(
            request, "service/public/support_form.html", {**context, "form": SupportForm()}
        )
    try:
        data = _submitted(request)
    except RequestDataTooBig:
        if wants_json:
            return _json_error(413, "request_too_large", _("The request body is too large."))
        raise  # Django answers its 400 page
    if data is None:
        return _json_error(400, "malformed_json", _("The request body is not valid JSON."))
    try:
        ticket_capture_from_form(form=support_form, data=data, ip=client_address(request))
    except RateLimited as exc:
        if wants_json:
            return _json_error(429, exc.code, exc.message)
        return render(
            request,
            "service/public/support_message.html",
            {**context, "message": exc.message},
            status=429,
        )
    except ValidationFailed as exc:
        if wants_json:
            return _json_error(422, exc.code, exc.message, exc.details)
        form = SupportForm(request.POST)
        form.is_valid()
        form.apply_service_errors(exc.details)
        return render(
            request, "service/public/support_form.html", {**context, "form": form}, status=422
        )
    if wants_json:
        return _json(201, {"ok": True, "message": _thank_you(support_form)})
    return redirect("service_public:support_form_thanks", public_key=support_form.public_key)


@xframe_options_exempt
@csp_replace(EMBEDDABLE)
@require_GET
def support_form_thanks(request, public_key: str):
    support_form = found_or_404(get_public_ticket_form, public_key)
    return render(
        request,
        "service/public/support_message.html",
        {"support_form": support_form, "message": _thank_you(support_form), "thanks": True},
    )
