"""The settings pages of the public support forms (service.TicketWebForm): the list, a new form,
editing one, switching it off and on, and the snippets that embed it in a website.

Administrators' pages (403 for anyone else), like the lead forms' in sales, whose embed snippet
template draws this form's too. A form is switched off rather than deleted: its tickets keep
naming their channel, and a website still embedding it gets "not found", not someone else's form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404
from rapport.service import services
from rapport.service.forms_web_form import SupportFormSettingsForm, SupportFormSnippet
from rapport.service.selectors_web_forms import get_ticket_form, ticket_forms_all
from rapport.service.services.web_form import HONEYPOT_FIELD


@login_required
@require_http_methods(["GET", "POST"])
def support_form_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SupportFormSettingsForm(request.POST or None)
    if request.method == "POST":
        created = save_form(
            form, lambda: services.ticket_form_create(actor=request.user, data=form.to_data())
        )
        if created is not None:
            messages.success(
                request, _("Support form created. Copy the snippet onto your website.")
            )
            return redirect("service:support_form_embed", pk=created.pk)
    return render(
        request,
        "service/settings/support_forms.html",
        {"form": form, "support_forms": ticket_forms_all(), "tab": "support_forms"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_form_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    support_form = found_or_404(get_ticket_form, pk)
    form = SupportFormSettingsForm(request.POST or None, instance=support_form)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.ticket_form_update(
                actor=request.user, form=support_form, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Support form saved."))
            return redirect("service:support_form_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "record": support_form,
            "title": _("Edit support form"),
            "back": "service:support_form_list",
            "tab": "support_forms",
        },
    )


@login_required
@require_POST
def support_form_active(request, pk: int):
    """Switch a form off (its address answers "not found") or on again."""
    allowed_or_403(require_settings_manager, request.user)
    support_form = found_or_404(get_ticket_form, pk)
    active = request.POST.get("is_active") == "1"
    services.ticket_form_update(actor=request.user, form=support_form, data={"is_active": active})
    if active:
        messages.success(request, _("“%(name)s” takes submissions again.") % {"name": support_form})
    else:
        messages.success(
            request,
            _("“%(name)s” is off: it answers “not found” until you switch it on.")
            % {"name": support_form},
        )
    return redirect("service:support_form_list")


@login_required
@require_GET
def support_form_embed(request, pk: int):
    """The snippets to paste into a website: a plain HTML form, or a frame of the hosted one."""
    allowed_or_403(require_settings_manager, request.user)
    support_form = found_or_404(get_ticket_form, pk)
    url = request.build_absolute_uri(
        reverse("service_public:support_form_public", args=[support_form.public_key])
    )
    snippet = render_to_string(
        "sales/leads/_embed_snippet.html",
        {"url": url, "public_form": SupportFormSnippet(), "honeypot": HONEYPOT_FIELD},
    )
    return render(
        request,
        "service/settings/support_form_embed.html",
        {
            "support_form": support_form,
            "url": url,
            "snippet": snippet.strip(),
            "tab": "support_forms",
        },
    )
