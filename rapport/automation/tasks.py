"""Jobs of the automation app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

Jobs take ids and call the engine; each is safe to run twice (a run is started once per event
key, a step is claimed under a lock). When the periodic ones run is decided in
config/schedules.py.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.automation import dates, engine

logger = logging.getLogger(__name__)

# A batch of matches (an import's records, a merge's, a deletion's dependants, the runs a date
# rule started) is queued as jobs of this many records or runs each rather than one job per
# record: a 10,000-row import queued 10,000 jobs, each a round trip through the queue's database.
BATCH = 200


def chunks(items: Sequence, size: int | None = None) -> Iterable[Sequence]:
    size = size or BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


@db_task()
def start_rules_batch(
    rule_ids: list[int],
    record_type: str,
    starts: list[tuple[int, str]],
    trigger_info: dict,
    origin: str = "",
) -> list[int]:
    """`start_rules` for many records of one change: `starts` are (record id, event key) pairs,
    the keys made when the job was queued, so a job run twice starts nothing twice. A record
    whose start fails is logged and the others go on, as when each had a job of its own."""
    started = []
    for record_id, event_key in starts:
        try:
            started += start_rules_now(
                rule_ids, record_type, record_id, event_key, trigger_info, origin
            )
        except Exception:
            logger.exception("rules %s on %s %s did not start", rule_ids, record_type, record_id)
    return started


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
def advance_runs(run_ids: list[int]) -> None:
    """`advance_run` for a batch of runs; one that fails is logged and the others go on."""
    for run_id in run_ids:
        try:
            engine.advance_run(run_id)
        except Exception:
            logger.exception("rule run %s did not advance", run_id)


def queue_advance(run_ids: Sequence[int]) -> None:
    """Queue the runs to advance, a job per BATCH of them."""
    for chunk in chunks(list(run_ids)):
        advance_runs(list(chunk))


@db_task()
def end_waits(step_ids: list[int], ended_by: str) -> None:
    for step_id in step_ids:
        run_id = engine.end_wait(step_id, ended_by=ended_by)
        if run_id is not None:
            engine.advance_run(run_id)


def queue_runs(run_ids: list[int]) -> None:
    """Queue the runs a date evaluation started, once it has committed."""
    if run_ids:
        transaction.on_commit(lambda: queue_advance(run_ids))


def resume_due_steps(now: datetime.datetime | None = None) -> int:
    """Every minute: retries whose time came, waits that ended, steps a dead worker held."""
    return engine.resume_due(now=now)


def evaluate_date_rules(now: datetime.datetime | None = None) -> list[int]:
    """Every 15 minutes: date, inactivity and schedule rules (each occurrence fires once)."""
    run_ids = dates.evaluate_date_rules(now=now)
    queue_advance(run_ids)
    return run_ids
