"""HTML of the messaging app: the outbox, templates, suppression list and the person's consent
panel (administrators; the panel for whoever sees the person), and the public links inside
e-mails: one-click unsubscribe, the open pixel and tracked clicks, which need no login."""

import base64
import contextlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import can_manage_settings, require_settings_manager
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, int_or_none, page_or_first
from rapport.customers.selectors import get_person_for_user, persons_visible_to
from rapport.messaging import links
from rapport.messaging.forms import ConsentForm, EmailTemplateForm, SuppressionForm
from rapport.messaging.merge_fields import GLOBAL_FIELDS, merge_sources
from rapport.messaging.models import (
    Channel,
    ConsentStatus,
    MessageStatus,
    SuppressionReason,
)
from rapport.messaging.selectors import (
    consent_history,
    consent_status,
    get_message_for_admin,
    get_suppression_for_admin,
    get_template_for_admin,
    message_by_message_id,
    messages_for_admin,
    person_language,
    suppressions_for_admin,
    templates_for_admin,
)
from rapport.messaging.services import (
    consent_set,
    email_template_create,
    email_template_delete,
    email_template_test_send,
    email_template_update,
    message_clicked,
    message_opened,
    message_resend,
    suppression_add,
    suppression_remove,
    template_render,
    unsubscribe,
)

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

# --- Public links in e-mails ----------------------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    """GET shows a confirmation in the recipient's language; POST (the button, or a mail
    client's RFC 8058 one-click request) unsubscribes. No login, no CSRF token: the signed
    token is the proof the request comes from the recipient."""
    message_id = links.read_unsubscribe(token)
    message = message_by_message_id(message_id) if message_id else None
    if message is None:
        raise Http404(_("This link is not valid."))
    language = message.language or (
        person_language(message.person) if message.person else settings.LANGUAGE_CODE
    )
    with translation.override(language):
        if request.method == "POST":
            unsubscribe(message_id=message_id)
            return render(request, "messaging/unsubscribe.html", {"done": True, "message": message})
        return render(request, "messaging/unsubscribe.html", {"done": False, "message": message})


@never_cache
@require_GET
def open_view(request, token: str):
    message_id = links.read_open(token)
    if message_id:
        message_opened(message_id=message_id)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click_view(request, token: str):
    """Count the click and go on to the URL the link was signed for, and only that one."""
    read = links.read_click(token)
    if read is None:
        raise Http404(_("This link is not valid."))
    message_id, url = read
    message_clicked(message_id=message_id, url=url)
    return HttpResponseRedirect(url)


# --- Outbox ---------------------------------------------------------------------------------


@login_required
@require_GET
def message_list(request):
    status = request.GET.get("status", "")
    status = status if status in MessageStatus.values else ""
    q = request.GET.get("q", "").strip()
    queryset = allowed_or_403(messages_for_admin, request.user, status=status, q=q)
    page = page_or_first(
        queryset,
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "messaging/message_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": MessageStatus.choices,
            "outbox_only": not settings.RAPPORT_EMAIL_URL and not settings.EMAIL_HOST,
        },
    )


@login_required
@require_GET
def message_detail(request, message_pk: int):
    allowed_or_403(require_settings_manager, request.user)
    message = found_or_404(get_message_for_admin, request.user, message_pk)
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
            "may_resend": message.status in (MessageStatus.FAILED, MessageStatus.INTERRUPTED),
        },
    )


@login_required
@require_POST
def message_resend_view(request, message_pk: int):
    allowed_or_403(require_settings_manager, request.user)
    message = found_or_404(get_message_for_admin, request.user, message_pk)
    # Already queued or sent again by someone else: the page shows its status.
    with contextlib.suppress(ApplicationError):
        message_resend(actor=request.user, message=message)
    return redirect("messaging:message_detail", message_pk=message.pk)


# --- Templates ------------------------------------------------------------------------------


def _merge_field_help() -> list[dict]:
    return [
        {
            "name": name,
            "label": source.label,
            "fields": [f"{{{{ {name}.{field} }}}}" for field in source.fields],
        }
        for name, source in merge_sources().items()
    ] + [
        {"name": field, "label": _("Unsubscribe link"), "fields": [f"{{{{ {field} }}}}"]}
        for field in GLOBAL_FIELDS
    ]


@login_required
@require_GET
def template_list(request):
    templates = allowed_or_403(templates_for_admin, request.user)
    return render(request, "messaging/template_list.html", {"templates": templates})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = EmailTemplateForm(request.POST or None)
    if request.method == "POST":
        template = save_form(
            form, lambda: email_template_create(actor=request.user, data=form.to_data())
        )
        if template is not None:
            return redirect("messaging:template_detail", template_pk=template.pk)
    return render(
        request,
        "messaging/template_form.html",
        {"form": form, "merge_fields": _merge_field_help(), "template": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_pk: int):
    allowed_or_403(require_settings_manager, request.user)
    template = found_or_404(get_template_for_admin, request.user, template_pk)
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: email_template_update(
                actor=request.user,
                template=template,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            return redirect("messaging:template_detail", template_pk=template.pk)
    return render(
        request,
        "messaging/template_form.html",
        {"form": form, "merge_fields": _merge_field_help(), "template": template},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request, template_pk: int):
    """The template with a preview on a person the user may see, and the test send."""
    allowed_or_403(require_settings_manager, request.user)
    template = found_or_404(get_template_for_admin, request.user, template_pk)
    person = None
    person_id = int_or_none(request.GET.get("person_id") or request.POST.get("person_id"))
    if person_id is not None:
        person = found_or_404(get_person_for_user, request.user, person_id)
    language = (
        request.GET.get("language") if request.GET.get("language") in ("en", "zh-hans") else None
    )
    sent = error = None
    if request.method == "POST":
        try:
            sent = email_template_test_send(actor=request.user, template=template, person=person)
        except ValidationFailed as exc:
            error = exc.message
    preview = template_render(template=template, person=person, language=language)
    people = persons_visible_to(request.user).order_by("-updated_at", "-id")[:50]
    return render(
        request,
        "messaging/template_detail.html",
        {
            "template": template,
            "preview": preview,
            "person": person,
            "people": people,
            "language": language or "",
            "sent": sent,
            "error": error,
        },
    )


@login_required
@require_POST
def template_delete(request, template_pk: int):
    allowed_or_403(require_settings_manager, request.user)
    template = found_or_404(get_template_for_admin, request.user, template_pk)
    email_template_delete(actor=request.user, template=template)
    return redirect("messaging:template_list")


# --- Suppression list -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suppression_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SuppressionForm(request.POST or None)
    if request.method == "POST":
        added = save_form(
            form,
            lambda: suppression_add(
                address=form.cleaned_data["address"],
                reason=SuppressionReason.MANUAL,
                source=form.cleaned_data.get("source") or _("Added by hand"),
                actor=request.user,
            ),
        )
        if added is not None:
            return redirect("messaging:suppression_list")
    q = request.GET.get("q", "").strip()
    page = page_or_first(
        suppressions_for_admin(request.user, q=q),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(request, "messaging/suppression_list.html", {"page": page, "q": q, "form": form})


@login_required
@require_POST
def suppression_delete(request, suppression_pk: int):
    allowed_or_403(require_settings_manager, request.user)
    suppression = found_or_404(get_suppression_for_admin, request.user, suppression_pk)
    suppression_remove(actor=request.user, suppression=suppression)
    return redirect("messaging:suppression_list")


# --- Consent panel on the person page -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_consent(request, person_pk: int):
    person = found_or_404(get_person_for_user, request.user, person_pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST":
        save_form(
            form,
            lambda: consent_set(
                person=person,
                channel=form.cleaned_data["channel"],
                status=form.cleaned_data["status"],
                source=form.cleaned_data["source"],
                note=form.cleaned_data.get("note", ""),
                actor=request.user,
            ),
        )
        if not form.errors:
            form = ConsentForm()
    current = {channel: consent_status(person, channel) for channel in Channel.values}
    return render(
        request,
        "messaging/_consent_panel.html",
        {
            "person": person,
            "form": form,
            "current": [
                (label, dict(ConsentStatus.choices).get(current[value]))
                for value, label in Channel.choices
            ],
            "history": consent_history(person)[:20],
            "is_admin": can_manage_settings(request.user),
            "panel_url": reverse("messaging:person_consent", args=[person.pk]),
        },
    )
