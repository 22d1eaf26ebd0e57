"""HTML pages for automation rules: the list with the ready-made rules, the builder, a rule's page
with its dry run and its log of runs.

Rules are a shared setting that administrators manage (the services check it; these views check
it first to answer 403 before reading anything). Views stay thin: check, read through the
selectors, call one service, render.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Team
from rapport.automation import selectors, services
from rapport.automation.catalogue import (
    ACTION_TYPES,
    TRIGGER_TYPES,
    builder_catalogue,
    record_type_choices,
    record_type_label,
    subject_record_type,
)
from rapport.automation.forms import RuleForm
from rapport.automation.models import RunStatus
from rapport.automation.presets import PRESETS, preset_switch_on
from rapport.automation.wording import (
    Names,
    conditions_match_words,
    describe_action,
    describe_conditions,
    describe_cron,
    describe_trigger,
)
from rapport.core.errors import ApplicationError
from rapport.core.formats import format_date, format_datetime
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, is_htmx, page_or_first
from rapport.core.records import record_type as get_record_type
from rapport.customers.selectors import tags_all
from rapport.messaging.models import EmailTemplate
from rapport.sales.models import Stage

DRY_RUN_SAMPLE = 20

# Where a record of each type is shown; a type without a page is named without a link.
RECORD_PAGES = {
    "person": "customers:person_detail",
    "company": "customers:company_detail",
    "task": "activities:task_detail",
    "lead": "sales:lead_detail",
    "deal": "sales:deal_detail",
    "order": "sales:order_detail",
}


def record_url(record_type: str, record_id: int) -> str:
    name = RECORD_PAGES.get(record_type)
    if not name:
        return ""
    try:
        return reverse(name, args=[record_id])
    except NoReverseMatch:
        return ""


def _record_names(pairs) -> dict[tuple[str, int], str]:
    """The names of the records a page shows, one query per record type."""
    from django.apps import apps

    by_type: dict[str, set[int]] = {}
    for record_type, record_id in pairs:
        by_type.setdefault(record_type, set()).add(record_id)
    names = {}
    for key, ids in by_type.items():
        rt = get_record_type(key)
        if rt is None:
            continue
        for pk, record in apps.get_model(rt.model).objects.in_bulk(list(ids)).items():
            names[(key, pk)] = str(record)
    return names


def _rule_words(rule, names: Names) -> dict:
    record_type = subject_record_type(rule.trigger)
    return {
        "trigger": describe_trigger(rule.trigger, names),
        "match": conditions_match_words(rule.conditions),
        "conditions": describe_conditions(record_type, rule.conditions),
        "actions": [describe_action(record_type, a, names) for a in rule.actions or []],
    }


# --- The list and the ready-made rules ---------------------------------------------------------


@login_required
@require_GET
def rule_list(request):
    allowed_or_403(require_settings_manager, request.user)
    rules = list(selectors.rules_for_admin(request.user))
    names = Names.for_rules(rules)
    for rule in rules:
        rule.trigger_words = describe_trigger(rule.trigger, names)
    installed = selectors.presets_installed()
    presets = [{"preset": preset, "rule_id": installed.get(key)} for key, preset in PRESETS.items()]
    return render(request, "automation/rule_list.html", {"rules": rules, "presets": presets})


@login_required
@require_POST
def preset_enable(request, key: str):
    allowed_or_403(require_settings_manager, request.user)
    try:
        rule = found_or_404(preset_switch_on, actor=request.user, key=key)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("automation:rule_list")
    messages.success(request, _("“%(name)s” is switched on.") % {"name": rule.name})
    return redirect("automation:rule_detail", pk=rule.pk)


# --- The builder -------------------------------------------------------------------------------


def _builder_data(form: RuleForm) -> dict:
    user_model = get_user_model()
    return {
        "state": form.builder_state(),
        "errors": {key: list(messages) for key, messages in form.step_errors.items()},
        "catalogue": builder_catalogue(),
        "trigger_types": [[k, str(v)] for k, v in TRIGGER_TYPES.items()],
        "action_types": [[k, str(v)] for k, v in ACTION_TYPES.items()],
        "record_types": record_type_choices(),
        "stages": [
            [str(s.pk), f"{s.pipeline.name} · {s.name}"]
            for s in Stage.objects.select_related("pipeline").order_by(
                "pipeline__position", "pipeline_id", "position", "id"
            )
        ],
        "templates": [
            [str(pk), name]
            for pk, name in EmailTemplate.objects.order_by("name").values_list("pk", "name")
        ],
        "users": [
            [str(u.pk), str(u)]
            for u in user_model.objects.filter(is_active=True).order_by("username")
        ],
        "teams": [
            [str(pk), name] for pk, name in Team.objects.order_by("name").values_list("pk", "name")
        ],
    }


def _builder(request, form: RuleForm, rule=None):
    # Messages about a step as a whole ("actions": "Add at least one action.") are shown at
    # the top of that step; the others next to their inputs.
    step_messages = {step: form.step_errors.get(step, []) for step in RuleForm.STEPS}
    return render(
        request,
        "automation/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "builder": _builder_data(form),
            "step_messages": step_messages,
            "tags": tags_all().values_list("name", flat=True),
        },
        status=200 if not form.errors and not form.step_errors else 422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        rule = save_form(
            form, lambda: services.rule_create(actor=request.user, data=form.to_data())
        )
        if rule is not None:
            messages.success(request, _("Rule saved."))
            return redirect("automation:rule_detail", pk=rule.pk)
    return _builder(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_rule_for_admin, request.user, pk)
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.rule_update(
                actor=request.user,
                rule=rule,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Rule saved."))
            return redirect("automation:rule_detail", pk=rule.pk)
    return _builder(request, form, rule)


@login_required
@require_GET
def cron_preview(request):
    """The schedule typed in the builder, in words (an htmx fragment)."""
    allowed_or_403(require_settings_manager, request.user)
    cron = request.GET.get("trigger-cron", "")[:100]
    return render(
        request, "automation/_cron_preview.html", {"cron": cron, "words": describe_cron(cron)}
    )


# --- A rule's page -----------------------------------------------------------------------------


@login_required
@require_GET
def rule_detail(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_rule_for_admin, request.user, pk)
    status = request.GET.get("status", "")
    page = page_or_first(
        selectors.rule_runs(rule, status=status),
        sort="-started_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    names = Names.for_rules([rule])
    actions_words = [
        describe_action(subject_record_type(rule.trigger), a, names) for a in rule.actions or []
    ]
    record_names = _record_names((run.record_type, run.record_id) for run in page.items)
    runs = [
        {
            "run": run,
            "record_name": record_names.get((run.record_type, run.record_id))
            or f"{record_type_label(run.record_type)} #{run.record_id}",
            "record_url": record_url(run.record_type, run.record_id),
            "steps": [
                {
                    "step": step,
                    "words": describe_action(
                        run.record_type,
                        (run.actions[step.index] if step.index < len(run.actions) else {}),
                        names,
                    ),
                }
                for step in run.steps.all()
            ],
        }
        for run in page.items
    ]
    return render(
        request,
        "automation/rule_detail.html",
        {
            "rule": rule,
            "words": _rule_words(rule, names),
            "actions_words": actions_words,
            "figures": selectors.rule_figures(rule),
            "page": page,
            "runs": runs,
            "status": status,
            "statuses": RunStatus.choices,
            "preset": PRESETS.get(rule.preset),
        },
    )


@login_required
@require_GET
def rule_dry_run(request, pk: int):
    """How many and which records the rule would act on now (an htmx fragment, or the
    fragment alone as a page without script)."""
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_rule_for_admin, request.user, pk)
    error = ""
    try:
        result = services.rule_dry_run(actor=request.user, rule_or_data=rule, limit=DRY_RUN_SAMPLE)
    except ApplicationError as exc:
        result, error = None, exc.message
    sample = []
    if result is not None:
        sample = [
            {"name": str(record), "url": record_url(result.record_type, record.pk)}
            for record in result.sample
        ]
    moment_text = ""
    if result is not None and result.moment is not None:
        moment_text = (
            format_datetime(result.moment)
            if isinstance(result.moment, datetime.datetime)
            else format_date(result.moment)
        )
    template = "automation/_dry_run.html" if is_htmx(request) else "automation/dry_run.html"
    return render(
        request,
        template,
        {
            "rule": rule,
            "result": result,
            "sample": sample,
            "error": error,
            "moment_text": moment_text,
        },
    )


@login_required
@require_POST
def rule_toggle(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_rule_for_admin, request.user, pk)
    is_active = request.POST.get("is_active") == "on"
    services.rule_set_active(actor=request.user, rule=rule, is_active=is_active)
    if is_active:
        messages.success(request, _("“%(name)s” is switched on.") % {"name": rule.name})
    else:
        messages.success(request, _("“%(name)s” is switched off.") % {"name": rule.name})
    if request.POST.get("next") == "list":
        return redirect("automation:rule_list")
    return redirect("automation:rule_detail", pk=rule.pk)


@login_required
@require_POST
def rule_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rule = found_or_404(selectors.get_rule_for_admin, request.user, pk)
    services.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule deleted with its log of runs."))
    return redirect("automation:rule_list")
