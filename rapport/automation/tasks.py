"""Jobs of the automation app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

Jobs take ids and call the engine; each is safe to run twice (a run is started once per event
key, a step is claimed under a lock). When the periodic ones run is decided in
config/schedules.py.
"""

import datetime

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.automation import dates, engine


@db_task()
def start_rules(
    rule_ids: list[int],
    record_type: str,
    record_id: int,
    event_key: str,
    trigger_info: dict,
    origin: str = "",
) -> list[int]:
    """Start each rule on one record (conditions checked here, in the worker) and do its
    actions."""
    return start_rules_now(rule_ids, record_type, record_id, event_key, trigger_info, origin)


def start_rules_now(rule_ids, record_type, record_id, event_key, trigger_info, origin="") -> list:
    started = []
    for rule_id in rule_ids:
        run = engine.start_run(
            rule_id=rule_id,
            record_type_key=record_type,
            record_id=record_id,
            event_key=event_key,
            trigger_info=trigger_info,
            origin=origin,
        )
        if run is not None:
            started.append(run.pk)
            engine.advance_run(run.pk)
    return started


@db_task()
def advance_run(run_id: int) -> str:
    return engine.advance_run(run_id)


@db_task()
def end_waits(step_ids: list[int], ended_by: str) -> None:
    for step_id in step_ids:
        run_id = engine.end_wait(step_id, ended_by=ended_by)
        if run_id is not None:
            engine.advance_run(run_id)


def queue_runs(run_ids: list[int]) -> None:
    """Queue the runs a date evaluation started, once it has committed."""
    if run_ids:
        transaction.on_commit(lambda: [advance_run(pk) for pk in run_ids])


def resume_due_steps(now: datetime.datetime | None = None) -> int:
    """Every minute: retries whose time came, waits that ended, steps a dead worker held."""
    return engine.resume_due(now=now)


def evaluate_date_rules(now: datetime.datetime | None = None) -> list[int]:
    """Every 15 minutes: date, inactivity and schedule rules (each occurrence fires once)."""
    run_ids = dates.evaluate_date_rules(now=now)
    for pk in run_ids:
        advance_run(pk)
    return run_ids
