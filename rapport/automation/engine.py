"""Running rules: from a trigger to a logged run whose actions are done once, retried, reported.

The request that saved a record only looks up (one indexed query, `rules_for_change`) which
active rules its change may concern and queues a job after the commit; conditions and actions
run in the job workers:

- `start_run` checks the loop guards (the same rule never acts twice on a record within one
  chain; chains end at `RAPPORT_AUTOMATION_MAX_DEPTH` rules deep), the conditions (one query),
  then writes the run and one step per action, once per triggering event (a unique key);
- `advance_run` does the steps in order. An action that only writes this database runs in one
  transaction with its step's update, so a worker killed midway leaves the step as it was and
  the retry does it once; an e-mail or webhook is claimed first (a lease) and is idempotent on
  its step's key, so a retry after a crash never sends twice;
- a failure is retried with exponential backoff by the periodic `resume_due`, then reported to
  the rule's creator; the triggering record is never touched by a failure;
- every run ends on the record's timeline.

Actions run inside `changes_caused_by("rule:<id>:chain:<uuid>:depth:<n>")`, so the changes they
cause carry the chain to the next rules.
"""

import datetime
import logging
import re
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities.services import notification_create, timeline_add
from rapport.automation import registry
from rapport.automation.actions import company_of, in_language, person_of, wait_until
from rapport.automation.conditions import compile_conditions, model_for
from rapport.automation.models import Rule, RuleRun, RuleRunStep, RunStatus, StepStatus
from rapport.core.records import RecordChanged, changes_caused_by, record_type

logger = logging.getLogger(__name__)

ORIGIN = re.compile(r"^rule:(\d+):chain:([0-9a-f-]{36}):depth:(\d+)$")
DONE_STEPS = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)


def max_depth() -> int:
    return getattr(settings, "RAPPORT_AUTOMATION_MAX_DEPTH", 5)


def max_attempts() -> int:
    return getattr(settings, "RAPPORT_AUTOMATION_MAX_ATTEMPTS", 5)


# A step claimed by a worker is its own for this long; a worker killed midway leaves it to the
# next `resume_due` after that.
LEASE = datetime.timedelta(minutes=5)
RETRY_BASE = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Origin:
    rule_id: int
    chain: str
    depth: int


def parse_origin(origin: str) -> Origin | None:
    match = ORIGIN.match(origin or "")
    if match is None:
        return None
    return Origin(int(match.group(1)), match.group(2), int(match.group(3)))


def run_origin(run: RuleRun) -> str:
    return f"rule:{run.rule_id}:chain:{run.chain}:depth:{run.depth}"


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now or timezone.now())


def base_queryset(trigger: dict, conditions: dict, record_type_key: str):
    """The records of `record_type_key` the rule's conditions (and its trigger's own, such as a
    deal's stage) let through, as one queryset."""
    model = model_for(record_type_key)
    queryset = compile_conditions(conditions, record_type_key).apply(model.objects.all())
    trigger_type = registry.trigger_type(trigger.get("type"))
    if trigger_type is not None and trigger_type.implied_condition is not None:
        q, annotations = trigger_type.implied_condition(trigger)
        queryset = queryset.annotate(**annotations).filter(q)
    return queryset


# --- From a change or an event to a run -------------------------------------------------------


def rules_for_change(event: RecordChanged) -> list[int]:
    """The active rules a record change may start: one indexed query, none for a deletion or
    a change already `max_depth()` rules deep."""
    if event.operation == "deleted":
        return []
    origin = parse_origin(event.origin)
    if origin is not None and origin.depth >= max_depth():
        return []
    types = (
        ("record_created",)
        if event.operation == "created"
        else (
            "record_updated",
            "stage_reached",
        )
    )
    changed = set(event.changed_fields)
    changed |= {name.removesuffix("_id") for name in changed}
    found = []
    for pk, trigger in Rule.objects.filter(
        is_active=True, trigger_record_type=event.record_type, trigger_type__in=types
    ).values_list("pk", "trigger"):
        kind = trigger.get("type")
        if (
            kind == "record_updated"
            and trigger.get("fields")
            and not changed & set(trigger["fields"])
        ):
            continue
        if kind == "stage_reached" and "stage" not in changed:
            continue
        found.append(pk)
    return found


def rules_for_event(trigger_type: str) -> list[int]:
    """The active rules of an e-mail or behaviour trigger (one indexed query)."""
    return list(
        Rule.objects.filter(
            is_active=True, trigger_record_type="person", trigger_type=trigger_type
        ).values_list("pk", flat=True)
    )


def _event_matches(trigger: dict, info: dict) -> bool:
    kind = trigger.get("type")
    if kind in ("email_opened", "email_clicked", "email_replied"):
        return not trigger.get("template_id") or trigger["template_id"] == info.get("template_id")
    if kind == "event_received":
        return trigger.get("event_name") == info.get("event_name")
    return True


def _new_steps(run: RuleRun, now: datetime.datetime) -> list[RuleRunStep]:
    return [
        RuleRunStep(
            run=run,
            index=index,
            action_type=action["type"],
            # The first step is the job's to do now; if no worker has done it within the
            # lease, `resume_due` will.
            next_attempt_at=now + LEASE if index == 0 else None,
        )
        for index, action in enumerate(run.actions)
    ]


def start_run(
    *,
    rule_id: int,
    record_type_key: str,
    record_id: int,
    event_key: str,
    trigger_info: dict,
    origin: str = "",
    now: datetime.datetime | None = None,
) -> RuleRun | None:
    """Start `rule` on one record if its guards and conditions let it; None otherwise (also
    when this event already started it)."""
    now = now or timezone.now()
    rule = Rule.objects.filter(pk=rule_id, is_active=True).first()
    if rule is None or rule.trigger_record_type != record_type_key:
        return None
    if not _event_matches(rule.trigger, trigger_info):
        return None
    parent = parse_origin(origin)
    chain = uuid.UUID(parent.chain) if parent else uuid.uuid4()
    depth = parent.depth + 1 if parent else 1
    if depth > max_depth():
        logger.info("rule %s: chain %s is %s deep, not started", rule.pk, chain, depth)
        return None
    if (
        parent
        and RuleRun.objects.filter(
            chain=chain, rule=rule, record_type=record_type_key, record_id=record_id
        ).exists()
    ):
        # The rule's own actions (or a rule it started) changed the record: a loop, cut here.
        return None
    if (
        not base_queryset(rule.trigger, rule.conditions, record_type_key)
        .filter(pk=record_id)
        .exists()
    ):
        return None
    try:
        with transaction.atomic():
            run = RuleRun.objects.create(
                rule=rule,
                record_type=record_type_key,
                record_id=record_id,
                trigger=trigger_info,
                event_key=event_key[:100],
                chain=chain,
                depth=depth,
                actions=rule.actions,
            )
            RuleRunStep.objects.bulk_create(_new_steps(run, now))
    except IntegrityError:
        return None  # this event already started the rule (a job run twice)
    return run


def create_runs_for_occurrences(rule: Rule, occurrences, now: datetime.datetime) -> list[int]:
    """Runs for date occurrences (in the caller's transaction, with the occurrences)."""
    runs = RuleRun.objects.bulk_create(
        [
            RuleRun(
                rule=rule,
                record_type=occurrence.record_type,
                record_id=occurrence.record_id,
                trigger={"type": rule.trigger_type, "occurrence": occurrence.key},
                event_key=f"occurrence:{occurrence.pk}",
                occurrence=occurrence,
                actions=rule.actions,
            )
            for occurrence in occurrences
        ]
    )
    if runs and runs[0].pk is None:  # a database without RETURNING: read them back
        runs = list(RuleRun.objects.filter(occurrence__in=[o.pk for o in occurrences]))
    RuleRunStep.objects.bulk_create(
        [step for run in runs for step in _new_steps(run, now)], batch_size=2000
    )
    return [run.pk for run in runs]


# --- Doing the steps ---------------------------------------------------------------------------


def _load_record(run: RuleRun):
    model = model_for(run.record_type)
    return model.objects.filter(pk=run.record_id).first() if model is not None else None


def advance_run(run_id: int, *, now: datetime.datetime | None = None) -> str:
    """Do the run's steps in order until it ends, waits or must retry later; returns the run's
    status afterwards. Safe to call twice or at once: each step is claimed under a lock."""
    for _attempt in range(registry_limit()):
        outcome = _next_step(run_id, now or timezone.now())
        if outcome != "continue":
            break
    run = RuleRun.objects.filter(pk=run_id).only("status").first()
    return run.status if run is not None else ""


def registry_limit() -> int:
    return 64  # more than any rule's number of actions


def _next_step(run_id: int, now: datetime.datetime) -> str:
    with transaction.atomic():
        run = RuleRun.objects.select_for_update().filter(pk=run_id).select_related("rule").first()
        if run is None or run.status != RunStatus.RUNNING:
            return "done"
        step = (
            RuleRunStep.objects.select_for_update()
            .filter(run=run)
            .exclude(status__in=DONE_STEPS)
            .order_by("index")
            .first()
        )
        if step is None:
            _finish(run, RunStatus.SUCCEEDED, now)
            return "done"
        if step.status in (StepStatus.FAILED, StepStatus.WAITING):
            return "done"
        if step.status in (StepStatus.RETRYING, StepStatus.RUNNING) and (
            step.next_attempt_at is not None and step.next_attempt_at > now
        ):
            return "later"
        params = run.actions[step.index] if step.index < len(run.actions) else {}
        action = registry.action_type(step.action_type)
        record = _load_record(run)
        if action is None:
            _skip(step, _("This kind of action is no longer available."), now)
            _activate_next(run, step, now)
            return "continue"
        if action.key == "stop":
            _succeed(step, {}, now)
            run.steps.filter(index__gt=step.index).update(
                status=StepStatus.SKIPPED, finished_at=now, next_attempt_at=None
            )
            _finish(run, RunStatus.STOPPED, now)
            return "done"
        if action.key == "wait":
            return _start_wait(run, step, params, record, now)
        context = registry.ActionContext(
            rule=run.rule,
            run=run,
            step=step,
            params=params,
            record=record,
            record_type=run.record_type,
            origin=run_origin(run),
        )
        step.attempts += 1
        if action.transactional:
            return _run_in_transaction(run, step, action, context, now)
        # Claimed and committed before the e-mail or the call, so a crash after it is seen.
        step.status = StepStatus.RUNNING
        step.next_attempt_at = now + LEASE
        step.save(update_fields=["status", "attempts", "next_attempt_at"])
    return _run_outside(run_id, step.pk, action, context, now)


def _run_in_transaction(run, step, action, context, now) -> str:
    try:
        with transaction.atomic(), changes_caused_by(context.origin):
            result = action.run(context)
    except registry.ActionSkipped as skipped:
        _skip(step, str(skipped), now)
        _activate_next(run, step, now)
        return "continue"
    except Exception as error:  # any failure is logged and retried, never raised to the worker
        if not isinstance(error, registry.ActionFailed | _application_errors()):
            logger.exception("rule %s run %s step %s failed", run.rule_id, run.pk, step.index)
        return _failed(run, step, _describe(error), now)
    _succeed(step, result, now)
    _activate_next(run, step, now)
    return "continue"


def _run_outside(run_id: int, step_id: int, action, context, started: datetime.datetime) -> str:
    outcome: tuple[str, object]
    try:
        with changes_caused_by(context.origin):
            outcome = ("ok", action.run(context))
    except registry.ActionSkipped as skipped:
        outcome = ("skipped", str(skipped))
    except Exception as error:  # logged and retried, never raised to the worker
        if not isinstance(error, registry.ActionFailed | _application_errors()):
            logger.exception("rule run %s step %s failed", run_id, step_id)
        outcome = ("failed", _describe(error))
    # The sweep's clock (a test's, or the moment it started) plus the time the action took.
    now = max(started, timezone.now())
    with transaction.atomic():
        run = RuleRun.objects.select_for_update().select_related("rule").get(pk=run_id)
        step = RuleRunStep.objects.select_for_update().get(pk=step_id)
        if step.status != StepStatus.RUNNING:
            return "done"  # another worker finished it after our lease ran out
        kind, value = outcome
        if kind == "ok":
            _succeed(step, value, now)
        elif kind == "skipped":
            _skip(step, value, now)
        else:
            return _failed(run, step, value, now)
        _activate_next(run, step, now)
    return "continue"


def _application_errors():
    from rapport.core.errors import ApplicationError

    return ApplicationError


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    details = getattr(error, "details", None)
    if details:
        message = f"{message} {details}"
    return str(message)[:2000]


def _succeed(step: RuleRunStep, result, now) -> None:
    step.status = StepStatus.SUCCEEDED
    step.result = result if isinstance(result, dict) else {"result": result}
    step.error = ""
    step.finished_at = now
    step.next_attempt_at = None
    step.save()


def _skip(step: RuleRunStep, reason: str, now) -> None:
    step.status = StepStatus.SKIPPED
    step.result = {"reason": reason}
    step.finished_at = now
    step.next_attempt_at = None
    step.save()


def _activate_next(run: RuleRun, step: RuleRunStep, now) -> None:
    RuleRunStep.objects.filter(run=run, index=step.index + 1).update(next_attempt_at=now + LEASE)


def _failed(run: RuleRun, step: RuleRunStep, error: str, now) -> str:
    step.error = error
    if step.attempts >= max_attempts():
        step.status = StepStatus.FAILED
        step.finished_at = now
        step.next_attempt_at = None
        step.save()
        run.error = error
        _finish(run, RunStatus.FAILED, now)
        _report_failure(run, error)
        return "done"
    step.status = StepStatus.RETRYING
    step.next_attempt_at = now + RETRY_BASE * (2 ** (step.attempts - 1))
    step.save()
    return "later"


def _start_wait(run, step, params, record, now) -> str:
    until = wait_until(params, run.record_type, record, now)
    if until is None:
        _succeed(step, {"waited": False}, now)
        _activate_next(run, step, now)
        return "continue"
    step.status = StepStatus.WAITING
    step.wait_until = until
    step.next_attempt_at = None
    if params.get("until_event"):
        person = person_of(run.record_type, record)
        step.wait_event = params["until_event"]
        step.wait_person_id = person.pk if person is not None else None
    step.save()
    run.status = RunStatus.WAITING
    run.save(update_fields=["status"])
    return "done"


def end_wait(step_id: int, *, ended_by: str, now: datetime.datetime | None = None) -> int | None:
    """End one waiting step (its time came, or its event arrived); returns its run's id to go on
    with, or None if it was no longer waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        step = RuleRunStep.objects.select_for_update().filter(pk=step_id).first()
        if step is None or step.status != StepStatus.WAITING:
            return None
        run = RuleRun.objects.select_for_update().get(pk=step.run_id)
        _succeed(step, {"waited": True, "ended_by": ended_by}, now)
        _activate_next(run, step, now)
        run.status = RunStatus.RUNNING
        run.save(update_fields=["status"])
        return run.pk


def waiting_steps_for_event(event_name: str, person_ids) -> list[int]:
    return list(
        RuleRunStep.objects.filter(
            status=StepStatus.WAITING, wait_event=event_name, wait_person_id__in=person_ids
        ).values_list("pk", flat=True)
    )


def resume_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """The periodic sweep: end waits whose time has come, and go on with every run whose step is
    due (a retry's time came, or a worker died holding it). Returns how many runs it advanced."""
    now = now or timezone.now()
    waited = []
    for step_id, event in RuleRunStep.objects.filter(
        status=StepStatus.WAITING, wait_until__lte=now
    ).values_list("pk", "wait_event")[:limit]:
        waited.append(end_wait(step_id, ended_by="timeout" if event else "time", now=now))
    run_ids = list(
        RuleRunStep.objects.filter(
            status__in=(StepStatus.PENDING, StepStatus.RUNNING, StepStatus.RETRYING),
            next_attempt_at__lte=now,
            run__status=RunStatus.RUNNING,
        )
        .order_by("next_attempt_at")
        .values_list("run_id", flat=True)[:limit]
    )
    run_ids = [pk for pk in dict.fromkeys([*waited, *run_ids]) if pk is not None]
    for run_id in run_ids:
        advance_run(run_id, now=now)
    return len(run_ids)


# --- The end of a run ----------------------------------------------------------------------------


def _finish(run: RuleRun, status: str, now) -> None:
    run.status = status
    run.finished_at = now
    run.save(update_fields=["status", "finished_at", "error"])
    _add_to_timeline(run)


def _add_to_timeline(run: RuleRun) -> None:
    record = _load_record(run)
    if record is None:
        return
    person = person_of(run.record_type, record)
    company = company_of(run.record_type, record)
    about = record if run.record_type not in ("person", "company") else None
    if person is None and company is None and about is None:
        return
    timeline_add(
        kind="automation.run",
        title="",
        person_id=person.pk if person is not None else None,
        company_id=company.pk if company is not None and person is None else None,
        source_type="rule_run",
        source_id=run.pk,
        data={
            "rule_id": run.rule_id,
            "rule_name": run.rule.name[:200],
            "status": run.status,
            "error": run.error[:300],
        },
        about=about,
    )


def rule_url(rule_id: int) -> str:
    try:
        return reverse("automation:rule_detail", args=[rule_id])
    except NoReverseMatch:
        return ""


def _report_failure(run: RuleRun, error: str) -> None:
    recipient = run.rule.created_by
    if recipient is None or not recipient.is_active:
        return
    with in_language(recipient):
        notification_create(
            recipient=recipient,
            kind="automation.failed",
            title=_("A rule failed: %(name)s") % {"name": run.rule.name},
            body=error[:1000],
            url=rule_url(run.rule_id),
            target_type="rule",
            target_id=run.rule_id,
        )


def record_label(record_type_key: str, record_id: int) -> str:
    model = model_for(record_type_key)
    record = model.objects.filter(pk=record_id).first() if model is not None else None
    rt = record_type(record_type_key)
    if record is None:
        return f"{rt.label if rt else record_type_key} #{record_id}"
    return str(record)


__all__ = [
    "advance_run",
    "apps",
    "base_queryset",
    "create_runs_for_occurrences",
    "end_wait",
    "local_today",
    "resume_due",
    "rules_for_change",
    "rules_for_event",
    "start_run",
]
