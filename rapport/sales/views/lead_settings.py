"""HTML pages for the administrators' lead settings: scoring rules, assignment rules and the
web-to-lead forms (the designer and the snippets that embed a form in a website).

Every page is for those who may manage settings (403 for everyone else). Views stay thin: check
that, get the rule or form (a missing one is a 404), call one service, render.
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
from rapport.sales.forms.leads import (
    FIELD_TYPE_LABELS,
    AssignmentRuleForm,
    LeadFormDesignForm,
    PublicLeadForm,
    ScoringRuleForm,
)
from rapport.sales.selectors import leads as selectors
from rapport.sales.services import leads as services

# --- Settings: scoring rules ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = ScoringRuleForm(request.POST or None)
    if request.method == "POST":
        rule = save_form(
            form,
            lambda: services.lead_scoring_rule_create(actor=request.user, data=form.to_data()),
        )
        if rule is not None:
            messages.success(request, _("Scoring rule added. Open leads are being rescored."))
            return redirect("sales:lead_scoring_rule_list")
    return render(
        request,
        "sales/leads/scoring_rules.html",
        {"form": form, "rules": selectors.scoring_rules_all(), "tab": "scoring"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_scoring_rule, pk)
    form = ScoringRuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.lead_scoring_rule_update(
                actor=request.user, rule=rule, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Scoring rule saved. Open leads are being rescored."))
            return redirect("sales:lead_scoring_rule_list")
    return render(
        request,
        "sales/leads/rule_form.html",
        {"form": form, "rule": rule, "kind": "scoring", "tab": "scoring"},
    )


@login_required
@require_POST
def scoring_rule_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_scoring_rule, pk)
    services.lead_scoring_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Scoring rule deleted."))
    return redirect("sales:lead_scoring_rule_list")


# --- Settings: assignment rules ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST":
        rule = save_form(
            form,
            lambda: services.lead_assignment_rule_create(actor=request.user, data=form.to_data()),
        )
        if rule is not None:
            messages.success(request, _("Assignment rule added."))
            return redirect("sales:lead_assignment_rule_list")
    return render(
        request,
        "sales/leads/assignment_rules.html",
        {"form": form, "rules": selectors.assignment_rules_all(), "tab": "assignment"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_assignment_rule, pk)
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.lead_assignment_rule_update(
                actor=request.user, rule=rule, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Assignment rule saved."))
            return redirect("sales:lead_assignment_rule_list")
    return render(
        request,
        "sales/leads/rule_form.html",
        {"form": form, "rule": rule, "kind": "assignment", "tab": "assignment"},
    )


@login_required
@require_POST
def assignment_rule_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_assignment_rule, pk)
    services.lead_assignment_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Assignment rule deleted."))
    return redirect("sales:lead_assignment_rule_list")


# --- Settings: web forms -------------------------------------------------------------------------


@login_required
@require_GET
def lead_form_list(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "sales/leads/form_list.html",
        {"lead_forms": selectors.lead_forms_all(), "tab": "forms"},
    )


def _designer(request, form, lead_form=None):
    return render(
        request,
        "sales/leads/form_design.html",
        {
            "form": form,
            "lead_form": lead_form,
            "designer": {
                "fields": form.rows,
                "errors": form.row_errors,
                "types": list(FIELD_TYPE_LABELS.items()),
                "columns": list(services.FORM_COLUMN_TYPES),
            },
            "type_labels": {k: str(v) for k, v in FIELD_TYPE_LABELS.items()},
            "tab": "forms",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_form_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = LeadFormDesignForm(request.POST or None, initial_fields=services.default_form_fields())
    if request.method == "POST":
        lead_form = save_form(
            form, lambda: services.lead_form_create(actor=request.user, data=form.to_data())
        )
        if lead_form is not None:
            messages.success(request, _("Form created. Copy the snippet onto your website."))
            return redirect("sales:lead_form_embed", pk=lead_form.pk)
    return _designer(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def lead_form_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    lead_form = found_or_404(selectors.get_lead_form, pk)
    form = LeadFormDesignForm(request.POST or None, instance=lead_form)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.lead_form_update(
                actor=request.user, lead_form=lead_form, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Form saved."))
            return redirect("sales:lead_form_embed", pk=lead_form.pk)
    return _designer(request, form, lead_form)


@login_required
@require_POST
def lead_form_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    lead_form = found_or_404(selectors.get_lead_form, pk)
    services.lead_form_delete(actor=request.user, lead_form=lead_form)
    messages.success(request, _("Form deleted. Its leads are kept."))
    return redirect("sales:lead_form_list")


@login_required
@require_GET
def lead_form_embed(request, pk: int):
    """The snippets to paste into a website: a plain HTML form, or an iframe of the hosted one."""
    allowed_or_403(require_settings_manager, request.user)
    lead_form = found_or_404(selectors.get_lead_form, pk)
    url = request.build_absolute_uri(reverse("sales:lead_form_public", args=[lead_form.public_key]))
    snippet = render_to_string(
        "sales/leads/_embed_snippet.html",
        {
            "lead_form": lead_form,
            "url": url,
            "public_form": PublicLeadForm(lead_form=lead_form),
            "honeypot": services.HONEYPOT_FIELD,
        },
    )
    return render(
        request,
        "sales/leads/form_embed.html",
        {"lead_form": lead_form, "url": url, "snippet": snippet.strip(), "tab": "forms"},
    )
