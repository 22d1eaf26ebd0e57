"""Reads of the automation app: rules with their run figures, one rule, a rule's log of runs.

Rules are a shared setting that only administrators manage (see `services.rules`), so every
read checks that first; a rule that does not exist is a `NotFound` (404).
"""

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.automation.models import Rule, RuleRun, RuleRunStep, RunStatus, StepStatus
from rapport.core.errors import NotFound


def rules_for_admin(user: User) -> QuerySet[Rule]:
    """Every rule, with how often it ran, when it last ran and how many runs failed."""
    require_settings_manager(user)
    return Rule.objects.annotate(
        runs_count=Count("runs"),
        last_run_at=Max("runs__started_at"),
        failed_count=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
    ).order_by("name", "id")


def get_rule_for_admin(user: User, rule_id: int) -> Rule:
    require_settings_manager(user)
    rule = Rule.objects.select_related("created_by").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Rule not found."))
    return rule


def rule_figures(rule: Rule) -> dict:
    """The rule page's counts: runs, failed runs, runs waiting, steps retrying."""
    figures = RuleRun.objects.filter(rule=rule).aggregate(
        runs=Count("pk"),
        failed=Count("pk", filter=Q(status=RunStatus.FAILED)),
        waiting=Count("pk", filter=Q(status=RunStatus.WAITING)),
        last=Max("started_at"),
    )
    figures["retrying"] = RuleRunStep.objects.filter(
        run__rule=rule, status=StepStatus.RETRYING
    ).count()
    return figures


def rule_runs(rule: Rule, *, status: str = "") -> QuerySet[RuleRun]:
    """The rule's runs, newest first, each with its steps (for keyset pages on started_at)."""
    runs = RuleRun.objects.filter(rule=rule).prefetch_related(
        Prefetch("steps", queryset=RuleRunStep.objects.order_by("index"))
    )
    if status in RunStatus.values:
        runs = runs.filter(status=status)
    return runs


def presets_installed() -> dict[str, int]:
    """The ready-made rules already switched on: preset key -> rule id."""
    return dict(Rule.objects.exclude(preset="").values_list("preset", "pk"))
