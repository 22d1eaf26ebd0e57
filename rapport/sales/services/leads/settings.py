"""The administrators' lead settings: web-to-lead forms, scoring rules and assignment rules.

Only those who may manage settings change them (`PermissionDenied` for everyone else).
"""

import re
from typing import Any

from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Team, User
from rapport.core.cleaning import (
    FieldErrors,
    clean_choice,
    clean_flag,
    clean_int,
    clean_money,
    clean_text,
    parse_int,
    reject_unknown,
    too_long,
)
from rapport.customers.models import SourceChannel
from rapport.sales.models import (
    AssignmentMethod,
    LeadAssignmentRule,
    LeadForm,
    LeadScoringRule,
    Product,
    ScoringRuleKind,
)
from rapport.sales.services.leads.common import BUDGET_MONEY
from rapport.sales.services.leads.scoring import _recompute_scores_after_commit

# --- Web forms -----------------------------------------------------------------------------------

# Form field keys that fill a lead column, with the input type they always have.
FORM_COLUMN_TYPES = {
    "full_name": "text",
    "company_name": "text",
    "job_title": "text",
    "phone": "tel",
    "email": "email",
    "region": "text",
    "city": "text",
    "budget": "number",
    "message": "textarea",
}
FORM_FIELD_TYPES = ("text", "textarea", "email", "tel", "number", "checkbox", "select")
FORM_FIELDS_MAX = 30
# The hidden field people never see and bots fill in. Not a valid field key, so no real
# question can collide with it.
HONEYPOT_FIELD = "hp_website"
RESERVED_KEYS = {HONEYPOT_FIELD, "source", "campaign", "status", "data", "owner_id", "team_id"}
LEAD_FORM_KEYS = ("name", "fields", "thank_you_text", "source", "campaign", "team_id", "is_active")


def default_form_fields() -> list[dict]:
    """What a new form asks before the administrator changes it."""
    return [
        {"key": "full_name", "label": _("Name"), "type": "text", "required": True},
        {"key": "phone", "label": _("Phone"), "type": "tel", "required": False},
        {"key": "email", "label": _("Email"), "type": "email", "required": False},
        {"key": "company_name", "label": _("Company"), "type": "text", "required": False},
        {"key": "message", "label": _("Message"), "type": "textarea", "required": False},
    ]


def _clean_form_fields(raw: Any, errors: FieldErrors) -> list[dict]:
    if not isinstance(raw, list | tuple) or not all(isinstance(f, dict) for f in raw):
        errors.add("fields", _("Give a list of fields."))
        return []
    if len(raw) > FORM_FIELDS_MAX:
        errors.add("fields", _("At most %(count)d fields.") % {"count": FORM_FIELDS_MAX})
        return []
    cleaned, seen = [], set()
    for i, item in enumerate(raw):
        key = str(item.get("key") or "").strip().lower()
        kind = str(item.get("type") or "text").strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
            errors.add(
                f"fields.{i}.key",
                _("Use lower-case letters, digits and _, starting with a letter."),
            )
        elif key in RESERVED_KEYS:
            errors.add(f"fields.{i}.key", _("This key is reserved."))
        elif key in seen:
            errors.add(f"fields.{i}.key", _("Each key may appear once."))
        seen.add(key)
        label = clean_text(
            item.get("label"),
            f"fields.{i}.label",
            errors,
            limit=100,
            required=True,
            required_message=_("Enter a label."),
            coerce=True,
        )
        kind = FORM_COLUMN_TYPES.get(key, kind)
        if kind not in FORM_FIELD_TYPES:
            errors.add(
                f"fields.{i}.type", _("“%(value)s” is not a valid choice.") % {"value": kind}
            )
        required = item.get("required") is True or key == "full_name"
        field = {"key": key, "label": label, "type": kind, "required": required}
        if kind == "select":
            options = item.get("options") or []
            if isinstance(options, str):
                options = options.splitlines()
            options = [str(o).strip() for o in options if str(o).strip()]
            if not options:
                errors.add(f"fields.{i}.options", _("A choice field needs at least one choice."))
            elif len(options) != len(set(options)) or any(len(o) > 100 for o in options):
                errors.add(
                    f"fields.{i}.options", _("Each choice must appear once, in 100 characters.")
                )
            field["options"] = options
        cleaned.append(field)
    if "full_name" not in seen:
        errors.add("fields", _("A lead form must ask for the name (key full_name)."))
    if not {"phone", "email"} & seen:
        errors.add("fields", _("A lead form must ask for a phone or an e-mail address."))
    return cleaned


def _clean_lead_form(data: dict, *, instance: LeadForm | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, LEAD_FORM_KEYS, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or instance is None:
        cleaned["name"] = _clean_name(data, errors)
    if "fields" in data or instance is None:
        cleaned["fields"] = _clean_form_fields(data.get("fields", default_form_fields()), errors)
    if "thank_you_text" in data:
        cleaned["thank_you_text"] = clean_text(
            data["thank_you_text"], "thank_you_text", errors, limit=2000, coerce=True
        )
    if "source" in data:
        cleaned["source"] = clean_choice(
            data["source"],
            "source",
            errors,
            choices=SourceChannel.values,
            default=SourceChannel.WEB,
        )
    if "campaign" in data:
        cleaned["campaign"] = clean_text(
            data["campaign"], "campaign", errors, limit=100, coerce=True
        )
    if "team_id" in data:
        team_id = data.get("team_id")
        team = None
        if team_id not in (None, ""):
            team = Team.objects.filter(pk=parse_int(team_id) or 0).first()
            if team is None:
                errors.add("team_id", _("There is no such team."))
        cleaned["team"] = team
    if "is_active" in data:
        cleaned["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def lead_form_create(*, actor: User, data: dict) -> LeadForm:
    require_settings_manager(actor)
    cleaned = _clean_lead_form(data, instance=None)
    return LeadForm.objects.create(**cleaned, public_key=get_random_string(24), created_by=actor)


@transaction.atomic
def lead_form_update(*, actor: User, lead_form: LeadForm, data: dict) -> LeadForm:
    require_settings_manager(actor)
    for field, value in _clean_lead_form(data, instance=lead_form).items():
        setattr(lead_form, field, value)
    lead_form.save()
    return lead_form


@transaction.atomic
def lead_form_delete(*, actor: User, lead_form: LeadForm) -> None:
    """Delete the form; its leads stay (their `form` becomes empty)."""
    require_settings_manager(actor)
    lead_form.delete()


# --- Scoring and assignment rules (administrators) ------------------------------------------------

SCORING_RULE_KEYS = ("label", "kind", "field", "value", "points", "position", "is_active")
ASSIGNMENT_RULE_KEYS = (
    "name",
    "position",
    "region",
    "source",
    "product_id",
    "team_id",
    "method",
    "is_active",
)


def _clean_name(data: dict, errors: FieldErrors) -> str:
    return clean_text(
        data.get("name"),
        "name",
        errors,
        limit=100,
        required=True,
        required_message=_("Enter a name."),
        coerce=True,
    )


def _clean_position_and_active(data: dict, cleaned: dict, errors: FieldErrors) -> None:
    if "position" in data:
        cleaned["position"] = clean_int(
            data["position"],
            "position",
            errors,
            min_value=0,
            message=_("Enter a whole number of zero or more."),
        )
    if "is_active" in data:
        cleaned["is_active"] = clean_flag(data["is_active"], "is_active", errors)


def _clean_scoring_rule(data: dict, *, instance: LeadScoringRule | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, SCORING_RULE_KEYS, errors)
    cleaned: dict[str, Any] = {}
    if "label" in data or instance is None:
        cleaned["label"] = clean_text(
            data.get("label"),
            "label",
            errors,
            limit=100,
            required=True,
            required_message=_("Enter the reason people will read, e.g. budget confirmed."),
            coerce=True,
        )
    kind = data.get("kind", instance.kind if instance else None)
    if "kind" in data or instance is None:
        cleaned["kind"] = clean_choice(kind, "kind", errors, choices=ScoringRuleKind.values)
    field = str(data.get("field", instance.field if instance else "") or "").strip()
    value = str(data.get("value", instance.value if instance else "") or "").strip()
    if kind in (ScoringRuleKind.FIELD_EQUALS, ScoringRuleKind.FIELD_FILLED):
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,49}", field):
            errors.add("field", _("Name a lead field (e.g. region) or a web form question key."))
    else:
        field = ""
    if kind == ScoringRuleKind.FIELD_EQUALS and not value:
        errors.add("value", _("Enter the value to compare with."))
    elif kind == ScoringRuleKind.SOURCE_IS and value not in SourceChannel.values:
        errors.add("value", _("Choose a source channel."))
    elif kind == ScoringRuleKind.BUDGET_AT_LEAST:
        amount = clean_money(value, "value", errors, required=False, rules=BUDGET_MONEY)
        if amount is None and "value" not in errors:
            errors.add("value", _("Enter an amount."))
        value = str(amount) if amount is not None else value
    elif kind in (
        ScoringRuleKind.INTERACTIONS_AT_LEAST,
        ScoringRuleKind.NO_REPLY_DAYS,
        ScoringRuleKind.CREATED_WITHIN_DAYS,
    ):
        number = clean_int(
            value,
            "value",
            errors,
            min_value=0,
            max_value=3650,
            message=_("Enter a whole number from 0 to 3650."),
        )
        if number is not None:
            value = str(number)
    if len(value) > 200:
        errors.add("value", too_long(200, len(value)))
    cleaned["field"], cleaned["value"] = field, value
    if "points" in data or instance is None:
        cleaned["points"] = clean_int(
            data.get("points"),
            "points",
            errors,
            min_value=-100,
            max_value=100,
            message=_("Enter a whole number from -100 to 100."),
        )
    _clean_position_and_active(data, cleaned, errors)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def lead_scoring_rule_create(*, actor: User, data: dict) -> LeadScoringRule:
    require_settings_manager(actor)
    rule = LeadScoringRule.objects.create(**_clean_scoring_rule(data, instance=None))
    _recompute_scores_after_commit()
    return rule


@transaction.atomic
def lead_scoring_rule_update(*, actor: User, rule: LeadScoringRule, data: dict) -> LeadScoringRule:
    require_settings_manager(actor)
    for field, value in _clean_scoring_rule(data, instance=rule).items():
        setattr(rule, field, value)
    rule.save()
    _recompute_scores_after_commit()
    return rule


@transaction.atomic
def lead_scoring_rule_delete(*, actor: User, rule: LeadScoringRule) -> None:
    require_settings_manager(actor)
    rule.delete()
    _recompute_scores_after_commit()


def _clean_assignment_rule(data: dict, *, instance: LeadAssignmentRule | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, ASSIGNMENT_RULE_KEYS, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or instance is None:
        cleaned["name"] = _clean_name(data, errors)
    if "region" in data:
        cleaned["region"] = clean_text(data["region"], "region", errors, limit=64, coerce=True)
    if "source" in data:
        # Empty: the rule matches leads from any source.
        source = data["source"] or ""
        cleaned["source"] = (
            clean_choice(source, "source", errors, choices=SourceChannel.values) if source else ""
        )
    if "product_id" in data:
        product = None
        if data["product_id"] not in (None, ""):
            product = Product.objects.filter(pk=parse_int(data["product_id"]) or 0).first()
            if product is None:
                errors.add("product_id", _("There is no such product."))
        cleaned["product"] = product
    if "team_id" in data or instance is None:
        team = Team.objects.filter(pk=parse_int(data.get("team_id")) or 0).first()
        if team is None:
            errors.add("team_id", _("Choose the team whose members get the leads."))
        cleaned["team"] = team
    if "method" in data:
        cleaned["method"] = clean_choice(
            data["method"],
            "method",
            errors,
            choices=AssignmentMethod.values,
            default=AssignmentMethod.ROUND_ROBIN,
        )
    _clean_position_and_active(data, cleaned, errors)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def lead_assignment_rule_create(*, actor: User, data: dict) -> LeadAssignmentRule:
    require_settings_manager(actor)
    return LeadAssignmentRule.objects.create(**_clean_assignment_rule(data, instance=None))


@transaction.atomic
def lead_assignment_rule_update(
    *, actor: User, rule: LeadAssignmentRule, data: dict
) -> LeadAssignmentRule:
    require_settings_manager(actor)
    cleaned = _clean_assignment_rule(data, instance=rule)
    if "team" in cleaned and cleaned["team"].pk != rule.team_id:
        rule.last_assigned = None
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.save()
    return rule


@transaction.atomic
def lead_assignment_rule_delete(*, actor: User, rule: LeadAssignmentRule) -> None:
    require_settings_manager(actor)
    rule.delete()
