"""The trigger and action types rules may use: one registry each, filled at start-up.

The automation app registers its own (`triggers.py`, `actions.py`) from `AppConfig.ready()`;
an app that brings a new kind of trigger or action registers it the same way
(`register_trigger(TriggerType(...))`, `register_action(ActionType(...))`). Record triggers need
no registration: every record type of `rapport.core.records` can be created or updated.

A trigger's `kind` says who fires it:
- "record": the handler of `RecordChanged` (created, updated, a stage reached);
- "event": a handler of another domain event, calling `engine.fire_for_records`;
- "date": the periodic job (`dates.py`), which asks `occurrences(rule, day_or_minute)`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rapport.automation.models import Rule, RuleRun, RuleRunStep
    from rapport.core.cleaning import FieldErrors


@dataclass(frozen=True)
class TriggerType:
    """`clean(params, errors, prefix) -> dict` validates the trigger's own keys (errors filed
    under `prefix` + key, e.g. "trigger.field") and returns them cleaned; `record_type(params)`
    names the record type its runs act on (conditions and dry runs are about that type)."""

    key: str
    label: Any
    kind: Literal["record", "event", "date"]
    clean: Callable[[dict, "FieldErrors", str], dict]
    record_type: Callable[[dict], str]
    # Date triggers: the extra filter a record must pass on `day` (a date) and the occurrence
    # key, as `(Q, annotations, key)`; schedule triggers fire for every matching record.
    occurrences: Callable[..., Any] | None = None
    # Record and event triggers: conditions the trigger itself adds (a stage reached is the deal
    # being in that stage): `(params) -> (Q, annotations)`.
    implied_condition: Callable[[dict], Any] | None = None


@dataclass
class ActionContext:
    rule: "Rule"
    run: "RuleRun"
    step: "RuleRunStep"
    params: dict
    record: Any
    record_type: str
    origin: str
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ActionType:
    """`clean(params, errors, prefix, record_type) -> dict` validates an action's keys;
    `run(context) -> dict` performs it and returns what to log as its result, raising
    `ActionFailed` (retried, then reported) or `ActionSkipped` (logged, the run goes on).

    A `transactional` action only writes this database: it runs in one transaction with the
    step's own update, so a worker killed midway leaves nothing behind and the retry does it
    once. Any other action (an e-mail, a webhook) must be idempotent on `context.step`'s key
    (`step_key(context)`), because after a crash it is run again."""

    key: str
    label: Any
    clean: Callable[[dict, "FieldErrors", str, str], dict]
    run: Callable[[ActionContext], dict]
    transactional: bool = True


class ActionFailed(Exception):
    """An action could not be done now (SMTP down, a webhook answered 500): retried later."""


class ActionSkipped(Exception):
    """An action does not apply to this record (no person to e-mail): logged, not retried."""


_triggers: dict[str, TriggerType] = {}
_actions: dict[str, ActionType] = {}


def register_trigger(trigger: TriggerType) -> None:
    _triggers[trigger.key] = trigger


def register_action(action: ActionType) -> None:
    _actions[action.key] = action


def trigger_types() -> dict[str, TriggerType]:
    return dict(_triggers)


def action_types() -> dict[str, ActionType]:
    return dict(_actions)


def trigger_type(key: str) -> TriggerType | None:
    return _triggers.get(key)


def action_type(key: str) -> ActionType | None:
    return _actions.get(key)


def step_key(context: ActionContext) -> str:
    """The key that makes an action idempotent across retries: the same run and step, the same
    key (an e-mail's send key, a webhook's event id)."""
    return f"automation:run:{context.run.pk}:step:{context.step.index}"
