"""A batch of rule matches is queued as one job per `tasks.BATCH` records, with the same runs as
a job per record would start."""

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.automation import tasks
from rapport.automation.models import RuleRun, RunStatus
from rapport.core.records import records_changed
from rapport.customers.services import person_create

pytestmark = pytest.mark.django_db

NOTIFY = [{"type": "notify", "users": "owner", "message": "Heard of it"}]


@pytest.fixture
def queued(monkeypatch):
    """The names of the jobs queued (they still run: `jobs_now`)."""
    names = []
    enqueue = HUEY.enqueue

    def counting(task):
        names.append(task.name)
        return enqueue(task)

    monkeypatch.setattr(HUEY, "enqueue", counting)
    return names


def test_a_batch_of_changes_starts_the_rules_in_one_job_per_chunk(
    alice, make_rule, jobs_now, queued, monkeypatch, django_capture_on_commit_callbacks
):
    persons = [person_create(actor=alice, data={"full_name": f"客户{i}"}) for i in range(5)]
    rule = make_rule({"type": "record_updated", "record_type": "person"}, NOTIFY)
    monkeypatch.setattr(tasks, "BATCH", 2)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        records_changed("person", [p.pk for p in persons], "updated", changed_fields=["notes"])

    assert queued.count("start_rules_batch") == 3  # 2 + 2 + 1 records, not 5 jobs
    assert "start_rules" not in queued
    runs = RuleRun.objects.filter(rule=rule)
    assert sorted(runs.values_list("record_id", flat=True)) == sorted(p.pk for p in persons)
    assert {run.status for run in runs} == {RunStatus.SUCCEEDED}
    assert len(set(runs.values_list("event_key", flat=True))) == 5
    assert alice.notifications.filter(title="Heard of it").count() == 5


def test_a_batch_job_run_twice_starts_nothing_twice(alice, make_rule):
    persons = [person_create(actor=alice, data={"full_name": f"客户{i}"}) for i in range(3)]
    rule = make_rule({"type": "record_updated", "record_type": "person"}, NOTIFY)
    starts = [(p.pk, f"change:test-{p.pk}") for p in persons]
    info = {"type": "updated", "fields": ["notes"], "actor_id": alice.pk}

    first = tasks.start_rules_batch.call_local([rule.pk], "person", starts, info)
    again = tasks.start_rules_batch.call_local([rule.pk], "person", starts, info)

    assert len(first) == 3 and again == []
    assert RuleRun.objects.filter(rule=rule).count() == 3


def test_the_runs_a_date_rule_started_advance_in_one_job_per_chunk(
    alice, make_rule, jobs_now, queued, monkeypatch
):
    today = timezone.localdate()
    for i in range(3):
        person_create(
            actor=alice,
            data={"full_name": f"寿星{i}", "birth_month": today.month, "birth_day": today.day},
        )
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "birthday",
            "offset_days": 0,
            "yearly": True,
        },
        NOTIFY,
    )
    monkeypatch.setattr(tasks, "BATCH", 2)
    queued.clear()

    started = tasks.evaluate_date_rules(now=timezone.now() + datetime.timedelta(minutes=1))

    assert len(started) == 3
    assert queued.count("advance_runs") == 2 and "advance_run" not in queued
    runs = RuleRun.objects.filter(rule=rule)
    assert {run.status for run in runs} == {RunStatus.SUCCEEDED}
    assert alice.notifications.filter(title="Heard of it").count() == 3
