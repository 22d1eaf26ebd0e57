"""The service's settings pages: the category tree, canned replies, assignment rules and agent
profiles (skills, languages, away).

Categories, rules and other agents' profiles are administrators' (403 for anyone else); canned
replies are managed by administrators for everyone and by an agent for their own team; every
agent sets their own profile (away, mostly). The services check the same rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404
from rapport.service import selectors, services
from rapport.service import selectors_pages as pages
from rapport.service.forms import (
    AgentProfileForm,
    AssignmentRuleForm,
    CannedReplyForm,
    CategoryForm,
)
from rapport.service.models import AssignmentRule, CannedReply, TicketCategory


def setting_or_not_found(model, pk: int, message: str):
    """The settings record `pk` of `model`, else NotFound with `message` (for `found_or_404`)."""
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise NotFound(message)
    return record


# --- Categories --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form, lambda: services.category_create(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Category added."))
            return redirect("service:category_list")
    return render(
        request,
        "service/settings/categories.html",
        {"form": form, "categories": pages.categories_all(), "tab": "categories"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    category = found_or_404(setting_or_not_found, TicketCategory, pk, _("Category not found."))
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.category_delete(actor=request.user, category=category)
            except ApplicationError as exc:
                form = CategoryForm(instance=category)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Category deleted."))
                return redirect("service:category_list")
        else:
            saved = save_form(
                form,
                lambda: services.category_update(
                    actor=request.user, category=category, data=form.to_data()
                ),
            )
            if saved is not None:
                messages.success(request, _("Category saved."))
                return redirect("service:category_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "record": category,
            "title": _("Edit category"),
            "back": "service:category_list",
            "deletable": True,
            "tab": "categories",
        },
    )


# --- Canned replies ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def canned_reply_list(request):
    form = CannedReplyForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        saved = save_form(
            form, lambda: services.canned_reply_create(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Canned reply added."))
            return redirect("service:canned_reply_list")
    return render(
        request,
        "service/settings/canned_replies.html",
        {
            "form": form,
            "replies": pages.canned_replies_managed_by(request.user),
            "may_add": request.user.is_administrator or request.user.team_id is not None,
            "tab": "canned",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def canned_reply_edit(request, pk: int):
    reply = found_or_404(_get_managed_reply, request.user, pk)
    form = CannedReplyForm(request.POST or None, actor=request.user, instance=reply)
    if request.method == "POST":
        if "delete" in request.POST:
            services.canned_reply_delete(actor=request.user, reply=reply)
            messages.success(request, _("Canned reply deleted."))
            return redirect("service:canned_reply_list")
        saved = save_form(
            form,
            lambda: services.canned_reply_update(
                actor=request.user, reply=reply, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Canned reply saved."))
            return redirect("service:canned_reply_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "record": reply,
            "title": _("Edit canned reply"),
            "back": "service:canned_reply_list",
            "deletable": True,
            "tab": "canned",
            "merge_fields_help": True,
        },
    )


def _get_managed_reply(user, pk: int) -> CannedReply:
    """A canned reply the user may manage; another team's answers 404."""
    reply = pages.canned_replies_managed_by(user).filter(pk=pk).first()
    if reply is None:
        raise NotFound(_("Canned reply not found."))
    return reply


# --- Assignment rules --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.assignment_rule_create(actor=request.user, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Assignment rule added."))
            return redirect("service:assignment_rule_list")
    return render(
        request,
        "service/settings/assignment_rules.html",
        {"form": form, "rules": pages.assignment_rules_all(), "tab": "rules"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(setting_or_not_found, AssignmentRule, pk, _("Assignment rule not found."))
    form = AssignmentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if "delete" in request.POST:
            services.assignment_rule_delete(actor=request.user, rule=rule)
            messages.success(request, _("Assignment rule deleted."))
            return redirect("service:assignment_rule_list")
        saved = save_form(
            form,
            lambda: services.assignment_rule_update(
                actor=request.user, rule=rule, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Assignment rule saved."))
            return redirect("service:assignment_rule_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "record": rule,
            "title": _("Edit assignment rule"),
            "back": "service:assignment_rule_list",
            "deletable": True,
            "tab": "rules",
        },
    )


# --- Agent profiles ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def agent_list(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "service/settings/agents.html",
        {"agents": pages.agents_with_profiles(), "tab": "agents"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request, user_id: int):
    """An agent's profile: an administrator edits anyone's, an agent their own."""
    if user_id != request.user.pk:
        allowed_or_403(require_settings_manager, request.user)
    agent = found_or_404(setting_or_not_found, User, user_id, _("User not found."))
    form = AgentProfileForm(request.POST or None, profile=selectors.agent_profile(agent))
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.agent_profile_set(actor=request.user, user=agent, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Profile saved."))
            if request.user.is_administrator and agent.pk != request.user.pk:
                return redirect("service:agent_list")
            return redirect("service:my_tickets")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "record": agent,
            "title": _("Service profile of %(name)s") % {"name": agent},
            "back": "service:agent_list" if request.user.is_administrator else "service:my_tickets",
            "deletable": False,
            "tab": "agents",
        },
    )


@login_required
@require_POST
def my_away_toggle(request):
    """The agent's "I'm away" switch on their tickets page: no new tickets while away."""
    profile = selectors.agent_profile(request.user)
    away = not (profile.is_away if profile else False)
    services.agent_profile_set(actor=request.user, user=request.user, data={"is_away": away})
    messages.success(
        request,
        _("You are away: the assignment rules give you no new tickets.")
        if away
        else _("You are back: the assignment rules give you tickets again."),
    )
    return redirect("service:my_tickets")
