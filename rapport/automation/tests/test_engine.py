"""Rules run in the job workers after the commit: actions, logs, loops, retries, waits."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.activities.models import Notification, Task, TimelineEntry
from rapport.automation import engine
from rapport.automation.models import RuleRun, RuleRunStep, RunStatus, StepStatus
from rapport.behaviour.events import BehaviourEventsReceived
from rapport.core.events import publish
from rapport.customers.models import Person
from rapport.customers.services import person_create, person_update

pytestmark = pytest.mark.django_db

VIP_ONLY = {"match": "all", "items": [{"field": "tags", "op": "contains", "value": "VIP"}]}
PERSON_CREATED = {"type": "record_created", "record_type": "person"}


def create_person(actor, capture, **data):
    with capture(execute=True):
        return person_create(actor=actor, data={"full_name": "张伟", **data})


def test_vip_person_created_gets_task_tag_and_notification_logged_on_the_timeline(
    alice, vip, welcomed, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    rule = make_rule(
        PERSON_CREATED,
        [
            {"type": "create_task", "title": "Call the VIP", "due_in_days": 1, "assignee": "owner"},
            {"type": "add_tag", "tag": "Welcomed"},
            {"type": "notify", "users": "owner", "message": "A VIP arrived"},
        ],
        VIP_ONLY,
    )

    person = create_person(alice, django_capture_on_commit_callbacks, tag_ids=[vip.pk])
    create_person(alice, django_capture_on_commit_callbacks, full_name="Not a VIP")

    run = RuleRun.objects.get()
    assert (run.rule, run.record_id, run.status) == (rule, person.pk, RunStatus.SUCCEEDED)
    assert [s.status for s in run.steps.all()] == [StepStatus.SUCCEEDED] * 3
    task = Task.objects.get()
    assert (task.title, task.assignee, task.person_id) == ("Call the VIP", alice, person.pk)
    assert set(person.tags.values_list("name", flat=True)) == {"VIP", "Welcomed"}
    assert Notification.objects.filter(recipient=alice, kind="automation.notify").count() == 1
    entry = TimelineEntry.objects.get(person=person, kind="automation.run")
    assert entry.display_title == "Rule “Rule” ran"


def test_a_save_with_twenty_active_rules_costs_no_more_queries_than_with_none(
    alice, vip, make_rule, django_capture_on_commit_callbacks
):
    def queries_to_create_a_person(name):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
            person_create(actor=alice, data={"full_name": name, "tag_ids": [vip.pk]})
        return len(queries)

    without_rules = queries_to_create_a_person("First")
    for n in range(20):
        make_rule(
            PERSON_CREATED if n % 2 else {"type": "record_updated", "record_type": "person"},
            [{"type": "add_tag", "tag": "VIP"}],
            VIP_ONLY,
            name=f"Rule {n}",
        )

    with_rules = queries_to_create_a_person("Second")

    assert with_rules == without_rules


def test_a_rule_changing_its_own_record_runs_once_per_chain(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        {"type": "record_updated", "record_type": "person", "fields": []},
        [{"type": "set_field", "field": "region", "value": "上海"}],
    )
    person = create_person(alice, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        person_update(actor=alice, person=person, data={"notes": "Met at the fair"}, version=None)

    assert RuleRun.objects.count() == 1
    assert Person.objects.get().region == "上海"


def test_rules_triggering_each_other_stop_at_the_depth_limit(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks, settings
):
    settings.RAPPORT_AUTOMATION_MAX_DEPTH = 2
    for name, field, sets, value in (
        ("A", "notes", "region", "上海"),
        ("B", "region", "industry", "Retail"),
        ("C", "industry", "source", "web"),
    ):
        make_rule(
            {"type": "record_updated", "record_type": "person", "fields": [field]},
            [{"type": "set_field", "field": sets, "value": value}],
            name=name,
        )
    person = create_person(alice, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        person_update(actor=alice, person=person, data={"notes": "hello"}, version=None)

    runs = {run.rule.name: run for run in RuleRun.objects.select_related("rule")}
    assert sorted(runs) == ["A", "B"]
    assert runs["A"].chain == runs["B"].chain
    assert (runs["A"].depth, runs["B"].depth) == (1, 2)
    person.refresh_from_db()
    assert (person.region, person.industry, person.source) == ("上海", "Retail", "other")


def test_a_failing_webhook_is_retried_with_backoff_then_reported_and_the_record_kept(
    alice, admin_user, make_rule, receiver, jobs_now, django_capture_on_commit_callbacks, settings
):
    settings.RAPPORT_AUTOMATION_MAX_ATTEMPTS = 3
    receiver.answer = 500
    make_rule(
        PERSON_CREATED,
        [{"type": "webhook", "url": receiver.url, "allow_private": True}],
        name="Tell the shop",
    )

    person = create_person(alice, django_capture_on_commit_callbacks)
    step = RuleRunStep.objects.get()
    assert (step.status, step.attempts) == (StepStatus.RETRYING, 1)
    first_retry = step.next_attempt_at

    engine.resume_due(now=first_retry + datetime.timedelta(seconds=1))
    step.refresh_from_db()
    assert (step.status, step.attempts) == (StepStatus.RETRYING, 2)
    # exponential: the second wait is twice the first
    assert step.next_attempt_at - first_retry > first_retry - step.run.started_at

    engine.resume_due(now=step.next_attempt_at + datetime.timedelta(seconds=1))

    step.refresh_from_db()
    assert (step.status, step.attempts) == (StepStatus.FAILED, 3)
    assert "500" in step.error
    assert step.run.status == RunStatus.FAILED
    assert len(receiver.bodies) == 3
    assert len({body["id"] for body in receiver.bodies}) == 1
    failure = Notification.objects.get(recipient=admin_user, kind="automation.failed")
    assert "Tell the shop" in failure.title
    assert Person.objects.filter(pk=person.pk).exists()


def test_a_wait_goes_on_when_its_time_comes(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        PERSON_CREATED,
        [
            {"type": "wait", "days": 2},
            {"type": "create_task", "title": "Second call", "due_in_days": 0},
        ],
    )
    create_person(alice, django_capture_on_commit_callbacks)
    run = RuleRun.objects.get()
    assert run.status == RunStatus.WAITING

    engine.resume_due(now=timezone.now() + datetime.timedelta(days=1))
    assert not Task.objects.exists()
    engine.resume_due(now=timezone.now() + datetime.timedelta(days=2, minutes=1))

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert Task.objects.get().title == "Second call"


def test_a_wait_for_an_event_ends_when_the_person_sends_it(
    alice, welcomed, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        PERSON_CREATED,
        [
            {"type": "wait", "until_event": "signed_up", "timeout_days": 7},
            {"type": "add_tag", "tag": "Welcomed"},
        ],
    )
    person = create_person(alice, django_capture_on_commit_callbacks)
    other = create_person(alice, django_capture_on_commit_callbacks, full_name="Other")

    with django_capture_on_commit_callbacks(execute=True):
        publish(BehaviourEventsReceived(events=((1, "signed_up", person.pk),)))

    statuses = dict(RuleRun.objects.values_list("record_id", "status"))
    assert statuses == {person.pk: RunStatus.SUCCEEDED, other.pk: RunStatus.WAITING}
    assert list(person.tags.values_list("name", flat=True)) == ["Welcomed"]


def test_an_event_received_starts_the_rules_for_that_event_once(
    alice, welcomed, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        {"type": "event_received", "event_name": "added_to_cart"},
        [{"type": "add_tag", "tag": "Welcomed"}],
    )
    person = create_person(alice, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            BehaviourEventsReceived(
                events=((1, "page_viewed", person.pk), (2, "added_to_cart", person.pk))
            )
        )

    run = RuleRun.objects.get()
    assert (run.record_id, run.trigger["event_name"]) == (person.pk, "added_to_cart")


def test_send_email_goes_out_once_even_when_the_run_is_advanced_again(
    admin_user, alice, vip, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    from rapport.messaging.models import Message
    from rapport.messaging.services import email_template_create

    template = email_template_create(
        actor=admin_user,
        data={
            "name": "Welcome",
            "subject_en": "Welcome, {{ person.name }}",
            "body_en": "Hello {{ person.name }}",
            "subject_zh": "欢迎，{{ person.name }}",
            "body_zh": "您好，{{ person.name }}",
        },
    )
    make_rule(PERSON_CREATED, [{"type": "send_email", "template_id": template.pk}], VIP_ONLY)

    person = create_person(
        alice,
        django_capture_on_commit_callbacks,
        tag_ids=[vip.pk],
        emails=[{"email": "zhang.wei@example.com"}],
    )
    run = RuleRun.objects.get()
    RuleRunStep.objects.filter(run=run).update(status=StepStatus.RUNNING)
    RuleRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    engine.advance_run(run.pk, now=timezone.now() + datetime.timedelta(hours=1))

    message = Message.objects.get()
    assert (message.person_id, message.template_id) == (person.pk, template.pk)
    assert message.send_key == f"automation:run:{run.pk}:step:0"
    assert RuleRunStep.objects.get().result["message_id"] == message.pk
