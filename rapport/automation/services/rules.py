"""Writes to rules: create, update, delete, switch on and off, and the dry run.

Rules are a shared setting: only administrators manage them (`require_settings_manager`), and
their actions run as the rule's creator. `data` has the keys name, description, is_active,
trigger, conditions, actions; everything is validated before anything is saved, with one
message per field under a path-like key ("trigger.field", "conditions.items.0.value",
"actions.1.template_id"): unknown record types, fields, templates, tags, users and teams are
refused.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.automation import registry
from rapport.automation.conditions import clean_conditions, compile_conditions
from rapport.automation.events import RulesChanged
from rapport.automation.models import Rule
from rapport.core.cleaning import FieldErrors, clean_flag, clean_text, reject_unknown
from rapport.core.errors import check_version
from rapport.core.events import publish
from rapport.core.records import record_type

RULE_FIELDS = ("name", "description", "is_active", "trigger", "conditions", "actions")
MAX_ACTIONS = 20


def _clean_trigger(raw: Any, errors: FieldErrors) -> tuple[dict, str]:
    """The trigger cleaned (with its "type"), and the record type its runs act on."""
    if not isinstance(raw, dict):
        errors.add("trigger", _("Choose a trigger."))
        return {}, ""
    trigger = registry.trigger_type(raw.get("type"))
    if trigger is None:
        errors.add("trigger.type", _("Choose a trigger."))
        return {}, ""
    params = trigger.clean(raw, errors, "trigger.")
    return {"type": trigger.key, **params}, trigger.record_type(params)


def _clean_actions(raw: Any, record_type_key: str, errors: FieldErrors) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors.add("actions", _("Add at least one action."))
        return []
    if len(raw) > MAX_ACTIONS:
        errors.add("actions", _("Use at most %(limit)d actions.") % {"limit": MAX_ACTIONS})
        return []
    cleaned = []
    for index, item in enumerate(raw):
        prefix = f"actions.{index}."
        action = registry.action_type(item.get("type")) if isinstance(item, dict) else None
        if action is None:
            errors.add(f"{prefix}type", _("Choose an action."))
            continue
        cleaned.append({"type": action.key, **action.clean(item, errors, prefix, record_type_key)})
    return cleaned


def clean_rule(data: dict, *, instance: Rule | None = None) -> dict:
    """Validate a whole rule (`data` holds every key for a new rule, those changed for an
    edit); raises `ValidationFailed` with every message at once."""
    errors = FieldErrors()
    if not isinstance(data, dict):
        errors.add("trigger", _("Give the rule as an object."))
        errors.raise_if_any()
    reject_unknown(data, RULE_FIELDS, errors)

    def given(key):
        return key in data or instance is None

    cleaned: dict[str, Any] = {}
    if given("name"):
        cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=200, required=True)
    if given("description"):
        cleaned["description"] = clean_text(
            data.get("description"), "description", errors, limit=2000
        )
    if given("is_active"):
        cleaned["is_active"] = (
            clean_flag(data["is_active"], "is_active", errors) if "is_active" in data else False
        )

    def current(key):
        return data[key] if key in data else (getattr(instance, key) if instance else None)

    trigger, record_type_key = _clean_trigger(current("trigger"), errors)
    conditions_raw = current("conditions")
    actions_raw = current("actions")
    # Conditions and actions are about the trigger's record type: checked again when it changes.
    cleaned["trigger"] = trigger
    cleaned["conditions"] = clean_conditions(conditions_raw, record_type_key, errors, "conditions.")
    cleaned["actions"] = _clean_actions(actions_raw, record_type_key, errors)
    cleaned["trigger_type"] = trigger.get("type", "")
    cleaned["trigger_record_type"] = record_type_key
    errors.raise_if_any()
    return cleaned


def _announce(rule: Rule) -> None:
    publish(RulesChanged(rule_id=rule.pk))


def _audit(actor: User, action: str, rule: Rule, **data) -> None:
    """A rule acts on records by itself: who made, changed or removed which one is audited."""
    audit_record(
        actor=actor,
        action=action,
        target_type="rule",
        target_id=rule.pk,
        summary=rule.name,
        data={"trigger": rule.trigger_type, "is_active": rule.is_active, **data},
    )


@transaction.atomic
def rule_create(*, actor: User, data: dict, preset: str = "") -> Rule:
    require_settings_manager(actor)
    cleaned = clean_rule(data)
    rule = Rule.objects.create(created_by=actor, preset=preset, **cleaned)
    _audit(actor, AuditAction.RULE_CREATED, rule, preset=preset)
    _announce(rule)
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: Rule, data: dict, version: int | None = None) -> Rule:
    """Apply the keys present in `data`; `version` is the one the editor loaded (409 when
    someone saved in between). Runs already started keep the actions they started with."""
    require_settings_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    check_version(
        rule,
        version,
        _(
            "Someone else changed this rule while you were editing it. Reload it to see their "
            "changes, then make yours again."
        ),
    )
    cleaned = clean_rule(data, instance=rule)
    for key, value in cleaned.items():
        setattr(rule, key, value)
    rule.version += 1
    if rule.is_active and "trigger" in data:
        # A new date or schedule trigger starts from now, not from the old one's last day.
        rule.evaluated_through = None
    rule.save()
    _audit(actor, AuditAction.RULE_CHANGED, rule, fields=sorted(data))
    _announce(rule)
    return rule


@transaction.atomic
def rule_set_active(*, actor: User, rule: Rule, is_active: bool) -> Rule:
    require_settings_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active != is_active:
        rule.is_active = is_active
        rule.version += 1
        if is_active:
            rule.evaluated_through = None
        rule.save(update_fields=["is_active", "version", "evaluated_through", "updated_at"])
        _audit(actor, AuditAction.RULE_CHANGED, rule, fields=["is_active"])
        _announce(rule)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule) -> None:
    """Delete a rule with its log of runs; a run waiting or retrying ends with it."""
    require_settings_manager(actor)
    pk = rule.pk
    _audit(actor, AuditAction.RULE_DELETED, rule)
    rule.delete()
    publish(RulesChanged(rule_id=pk))


# --- Dry run ---------------------------------------------------------------------------------


@dataclass
class DryRun:
    """How many records the rule would act on now, and the first of them."""

    count: int
    sample: list = field(default_factory=list)
    record_type: str = ""
    # For date rules: the day (or minute) whose occurrences were counted.
    moment: Any = None


def rule_dry_run(
    *, actor: User, rule_or_data: Rule | dict, limit: int = 50, now: datetime.datetime | None = None
) -> DryRun:
    """The records the rule would act on now, without doing anything.

    For a record or event trigger: the records of its type matching the conditions (what it
    would act on if each were saved now). For a date or inactivity trigger: today's
    occurrences; for a schedule, the records matching at its next time. Records already acted
    on for that occurrence are left out. One COUNT and one page of records (plus, for date
    triggers, the matching ids), all in the database.
    """
    require_settings_manager(actor)
    if isinstance(rule_or_data, Rule):
        rule = rule_or_data
        cleaned = {
            "trigger": rule.trigger,
            "conditions": rule.conditions,
            "trigger_record_type": rule.trigger_record_type,
        }
    else:
        rule = None
        cleaned = clean_rule(rule_or_data)
    # Imported here: the engine module imports this app's services' neighbours at load time.
    from rapport.automation.engine import base_queryset, local_today

    trigger = registry.trigger_type(cleaned["trigger"].get("type"))
    key = cleaned["trigger_record_type"]
    if trigger is None or record_type(key) is None:
        return DryRun(count=0, record_type=key)
    queryset = base_queryset(cleaned["trigger"], cleaned["conditions"], key)
    limit = max(1, min(limit, 200))
    if trigger.kind != "date":
        return DryRun(
            count=queryset.count(),
            sample=list(queryset.order_by("pk")[:limit]),
            record_type=key,
        )
    now = now or timezone.now()
    moment: Any = local_today(now)
    if trigger.key == "schedule":
        from rapport.automation.dates import next_schedule_time

        moment = next_schedule_time(cleaned["trigger"]["cron"], now)
    ids = [pk for pk, _key in trigger.occurrences(cleaned["trigger"], queryset, moment)]
    if rule is not None and rule.pk and ids and trigger.key != "schedule":
        occurrences = apps.get_model("automation.RuleOccurrence").objects.filter(rule=rule)
        done = set(
            occurrences.filter(record_type=key, record_id__in=ids[:10000]).values_list(
                "record_id", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in done]
    model = queryset.model
    sample = list(model.objects.filter(pk__in=sorted(ids)[:limit]).order_by("pk"))
    return DryRun(count=len(ids), sample=sample, record_type=key, moment=moment)


__all__ = [
    "DryRun",
    "clean_rule",
    "compile_conditions",
    "rule_create",
    "rule_delete",
    "rule_dry_run",
    "rule_set_active",
    "rule_update",
]
