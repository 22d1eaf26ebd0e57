"""The rule builder's form: three steps (trigger, conditions, actions), each a set of inputs, read
into the rule definition `rule_create` / `rule_update` take (var/interfaces-15.md).

The page's script (static/js/automation.js) draws the inputs from `builder_state()` and names
them so that a plain POST carries the whole rule:

- trigger-type, trigger-record_type, trigger-fields (repeated), trigger-stage_id,
  trigger-template_id, trigger-event_name, trigger-field, trigger-offset_days,
  trigger-direction ("before"/"after"), trigger-yearly, trigger-of, trigger-days, trigger-cron;
- conditions-match; per condition cond-<i>-kind ("row"/"group"), cond-<i>-field, cond-<i>-op,
  cond-<i>-value; a group's cond-<i>-match and its rows cond-<i>-<j>-field, -op, -value;
- per action action-<i>-type and its own inputs (action-<i>-template_id, -title, …).

Only the keys a trigger or action type takes are sent (the services refuse unknown keys). The
services check everything else and answer with messages by path ("actions.1.template_id"),
which go back next to the input they are about.
"""

import re
from collections import defaultdict

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.automation.catalogue import fields_for, subject_record_type
from rapport.core.forms import ServiceErrorsMixin

MAX_ROWS = 50

TRIGGER_KEYS = {
    "record_created": ("record_type",),
    "record_updated": ("record_type", "fields"),
    "stage_reached": ("stage_id",),
    "email_opened": ("template_id",),
    "email_clicked": ("template_id",),
    "email_replied": ("template_id",),
    "event_received": ("event_name",),
    "date_reached": ("record_type", "field", "offset_days", "yearly"),
    "inactivity": ("of", "days"),
    "schedule": ("cron", "record_type"),
}

ACTION_KEYS = {
    "send_email": ("template_id",),
    "create_task": ("title", "due_in_days", "assignee"),
    "assign": ("team_id", "method"),
    "set_field": ("field", "value"),
    "add_tag": ("tag",),
    "remove_tag": ("tag",),
    "notify": ("users", "message"),
    "webhook": ("url", "secret"),
    "wait": (),  # by its wait_mode
    "stop": (),
}

_COND = re.compile(r"^cond-(\d+)-(kind|field|op|value|match)$")
_SUBCOND = re.compile(r"^cond-(\d+)-(\d+)-(field|op|value)$")
_ACTION = re.compile(r"^action-(\d+)-([a-z_]+)$")


def _int_or_text(value: str):
    value = (value or "").strip()
    if re.fullmatch(r"-?\d{1,18}", value):
        return int(value)
    return value


def _number(value: str):
    text = (value or "").strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 10**15:
        return int(number)
    return number


def _field_kinds(record_type: str) -> dict[str, str]:
    return {f.key: f.kind for f in fields_for(record_type)}


def _condition_value(kind: str, op: str, raw: str):
    if op in ("is_empty", "is_not_empty"):
        return None
    if op in ("in", "not_in"):
        items = [part.strip() for part in re.split(r"[,，\n]", raw or "") if part.strip()]
        return [_number(i) for i in items] if kind == "number" else items
    if kind == "number":
        return _number(raw)
    if kind == "bool":
        return (raw or "").strip().lower() in ("true", "1", "yes", "on")
    return (raw or "").strip()


def _condition(kinds: dict[str, str], row: dict) -> dict:
    field, op = (row.get("field") or "").strip(), (row.get("op") or "").strip()
    item = {"field": field, "op": op}
    value = _condition_value(kinds.get(field, "text"), op, row.get("value", ""))
    if value is not None:
        item["value"] = value
    return item


def conditions_from_post(data, record_type: str) -> dict:
    kinds = _field_kinds(record_type)
    top: dict[int, dict] = defaultdict(dict)
    subs: dict[int, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    for key in data:
        if match := _COND.match(key):
            top[int(match[1])][match[2]] = data.get(key)
        elif match := _SUBCOND.match(key):
            subs[int(match[1])][int(match[2])][match[3]] = data.get(key)
    items = []
    for index in sorted(top)[:MAX_ROWS]:
        row = top[index]
        if row.get("kind") == "group":
            inner = [_condition(kinds, subs[index][j]) for j in sorted(subs[index])[:MAX_ROWS]]
            items.append({"match": "any" if row.get("match") == "any" else "all", "items": inner})
        else:
            items.append(_condition(kinds, row))
    match = "any" if data.get("conditions-match") == "any" else "all"
    return {"match": match, "items": items}


def trigger_from_post(data) -> dict:
    kind = (data.get("trigger-type") or "").strip()
    trigger: dict = {"type": kind}
    for key in TRIGGER_KEYS.get(kind, ()):
        if key == "fields":
            trigger["fields"] = [f for f in data.getlist("trigger-fields") if f]
        elif key == "yearly":
            trigger["yearly"] = data.get("trigger-yearly") in ("on", "true", "1")
        elif key == "offset_days":
            days = _int_or_text(data.get("trigger-offset_days") or "0")
            if isinstance(days, int) and data.get("trigger-direction") == "before":
                days = -abs(days)
            trigger["offset_days"] = days
        elif key in ("stage_id", "days"):
            trigger[key] = _int_or_text(data.get(f"trigger-{key}", ""))
        elif key == "template_id":
            value = _int_or_text(data.get("trigger-template_id", ""))
            trigger["template_id"] = value if value != "" else None
        else:
            trigger[key] = (data.get(f"trigger-{key}") or "").strip()
    return trigger


def _action(index: int, raw: dict, data) -> dict:
    kind = (raw.get("type") or "").strip()
    action: dict = {"type": kind}
    if kind == "wait":
        mode = raw.get("wait_mode") or "days"
        if mode in ("days", "hours"):
            action[mode] = _int_or_text(raw.get("amount", ""))
        elif mode == "until_field":
            action["until_field"] = (raw.get("until_field") or "").strip()
        elif mode == "until_event":
            action["until_event"] = (raw.get("until_event") or "").strip()
            action["timeout_days"] = _int_or_text(raw.get("timeout_days", ""))
        return action
    for key in ACTION_KEYS.get(kind, ()):
        if key in ("template_id", "team_id", "due_in_days"):
            action[key] = _int_or_text(raw.get(key, ""))
        elif key == "assignee":
            action[key] = _int_or_text(raw.get(key) or "owner")
        elif key == "users":
            mode = raw.get("users_mode") or "owner"
            if mode == "chosen":
                ids = data.getlist(f"action-{index}-user_ids")
                action["users"] = [_int_or_text(i) for i in ids if i]
            else:
                action["users"] = mode
        elif key == "secret":
            secret = (raw.get("secret") or "").strip()
            if secret:
                action["secret"] = secret
        elif key == "method":
            action[key] = raw.get(key) or "round_robin"
        else:
            action[key] = (raw.get(key) or "").strip()
    return action


def actions_from_post(data) -> list[dict]:
    rows: dict[int, dict] = defaultdict(dict)
    for key in data:
        if match := _ACTION.match(key):
            rows[int(match[1])][match[2]] = data.get(key)
    return [_action(i, rows[i], data) for i in sorted(rows)[:MAX_ROWS] if rows[i].get("type")]


class RuleForm(ServiceErrorsMixin, forms.Form):
    """Name, description and active flag as ordinary fields; the three steps read from the
    posted rows. Messages about the steps are kept in `step_errors` by their path."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    STEPS = ("trigger", "conditions", "actions")

    def __init__(self, *args, rule=None, **kwargs):
        self.rule = rule
        if rule is not None and not kwargs.get("data") and not (args and args[0]):
            kwargs.setdefault(
                "initial",
                {
                    "name": rule.name,
                    "description": rule.description,
                    "is_active": rule.is_active,
                    "version": rule.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.step_errors: dict[str, list[str]] = defaultdict(list)

    def apply_service_error(self, key: str, message: str) -> None:
        if key.split(".")[0] in self.STEPS:
            self.step_errors[key].append(message)
            return
        super().apply_service_error(key, message)

    def definition(self) -> dict:
        """The trigger, conditions and actions as posted (also when the form is invalid, so
        the builder shows them again)."""
        trigger = trigger_from_post(self.data)
        return {
            "trigger": trigger,
            "conditions": conditions_from_post(self.data, subject_record_type(trigger)),
            "actions": actions_from_post(self.data),
        }

    def to_data(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "is_active": self.cleaned_data["is_active"],
            **self.definition(),
        }

    def builder_state(self) -> dict:
        """The three steps as the builder's script starts from them: the posted ones after a
        refusal, the rule's when editing, an empty rule otherwise."""
        if self.is_bound:
            definition = self.definition()
        elif self.rule is not None:
            definition = {
                "trigger": self.rule.trigger,
                "conditions": self.rule.conditions,
                "actions": self.rule.actions,
            }
        else:
            definition = {
                "trigger": {"type": "record_created", "record_type": "person"},
                "conditions": {"match": "all", "items": []},
                "actions": [],
            }
        return state_from_definition(definition)


# --- From a definition to the builder's state ------------------------------------------------

_EMPTY_ACTION = {
    "type": "send_email",
    "template_id": "",
    "title": "",
    "due_in_days": "1",
    "assignee": "owner",
    "team_id": "",
    "method": "round_robin",
    "field": "",
    "value": "",
    "tag": "",
    "users_mode": "owner",
    "user_ids": [],
    "message": "",
    "url": "",
    "secret": "",
    "wait_mode": "days",
    "amount": "1",
    "until_field": "",
    "until_event": "",
    "timeout_days": "7",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _row_state(item: dict) -> dict:
    return {
        "kind": "row",
        "field": _text(item.get("field")),
        "op": _text(item.get("op")) or "eq",
        "value": _text(item.get("value")),
    }


def _action_state(action: dict) -> dict:
    state = dict(_EMPTY_ACTION, user_ids=[])
    state["type"] = _text(action.get("type")) or "send_email"
    for key in (
        "template_id",
        "title",
        "due_in_days",
        "team_id",
        "method",
        "field",
        "tag",
        "message",
        "url",
        "secret",
        "until_field",
        "until_event",
        "timeout_days",
    ):
        if key in action:
            state[key] = _text(action[key])
    if "value" in action:
        state["value"] = _text(action["value"])
    if "assignee" in action:
        state["assignee"] = _text(action["assignee"]) or "owner"
    users = action.get("users")
    if isinstance(users, list):
        state["users_mode"] = "chosen"
        state["user_ids"] = [_text(u) for u in users]
    elif users in ("owner", "team_managers"):
        state["users_mode"] = users
    for mode in ("days", "hours"):
        if mode in action:
            state["wait_mode"], state["amount"] = mode, _text(action[mode])
    if action.get("until_field"):
        state["wait_mode"] = "until_field"
    if action.get("until_event"):
        state["wait_mode"] = "until_event"
    return state


def state_from_definition(definition: dict) -> dict:
    trigger = definition.get("trigger") or {}
    offset = trigger.get("offset_days") or 0
    offset = offset if isinstance(offset, int) else 0
    conditions = definition.get("conditions") or {}
    items = []
    for item in conditions.get("items") or []:
        if not isinstance(item, dict):
            continue
        if "items" in item:
            items.append(
                {
                    "kind": "group",
                    "match": "any" if item.get("match") == "any" else "all",
                    "items": [_row_state(i) for i in item["items"] if isinstance(i, dict)],
                }
            )
        else:
            items.append(_row_state(item))
    return {
        "trigger": {
            "type": _text(trigger.get("type")) or "record_created",
            "record_type": _text(trigger.get("record_type")) or "person",
            "fields": [_text(f) for f in trigger.get("fields") or []],
            "stage_id": _text(trigger.get("stage_id")),
            "template_id": _text(trigger.get("template_id")),
            "event_name": _text(trigger.get("event_name")),
            "field": _text(trigger.get("field")),
            "offset_days": str(abs(offset)),
            "direction": "before" if offset < 0 else "after",
            "yearly": bool(trigger.get("yearly")),
            "of": _text(trigger.get("of")) or "order",
            "days": _text(trigger.get("days")) or "30",
            "cron": _text(trigger.get("cron")) or "0 9 * * 1",
        },
        "conditions": {
            "match": "any" if conditions.get("match") == "any" else "all",
            "items": items,
        },
        "actions": [
            _action_state(a) for a in definition.get("actions") or [] if isinstance(a, dict)
        ],
        "empty_action": dict(_EMPTY_ACTION),
    }
