"""Imports, their undo, merges, their undo and deletions announce every record they create,
change or delete (rapport.core.records): the ERP reads each change once in the change feed
(`GET /api/v1/changes`), automation rules start on them, webhooks are told."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from rapport.accounts.services import api_key_create
from rapport.activities.models import Interaction, Task
from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.api.tests.conftest import client_for
from rapport.automation.models import RuleRun
from rapport.automation.services import rule_create
from rapport.core.events import _handlers
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.customers.models import Person
from rapport.customers.services import (
    company_create,
    company_delete,
    person_create,
    person_delete,
)
from rapport.dataio.services.dedup.merge import merge_undo, person_merge
from rapport.dataio.services.imports import undo
from rapport.dataio.tests.test_import_jobs_helpers import import_dir, mapped, run  # noqa: F401
from rapport.dataio.views.imports import MappingForm
from rapport.sales.models import Lead
from rapport.sales.services.leads import lead_create
from rapport.sales.services.orders import order_create
from rapport.webhooks.models import WebhookDelivery
from rapport.webhooks.services import subscription_create

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "邮箱", "备注"]
MAPPING = {"姓名": "full_name", "邮箱": "email", "备注": "notes"}


@pytest.fixture
def jobs_now():
    """Jobs queued after the commit run at once, in the test's own process."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def feed(alice):
    """Reads alice's change feed through the API, from where the last read stopped."""
    _key, secret = api_key_create(user=alice, name="ERP")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    cursor = ["0"]

    def read() -> list[tuple]:
        entries = []
        while True:
            page = client.get("/api/v1/changes", {"after": cursor[0], "limit": 100}).json()
            entries += page["changes"]
            cursor[0] = page["next"]
            if not page["has_more"]:
                break
        return [
            (e["record_type"], e["record_id"], e["operation"], e["changed_fields"]) for e in entries
        ]

    return read


@pytest.fixture
def rule(admin_user, alice):
    """A rule on `trigger`, whose runs show which records it started on."""

    def make(trigger: dict):
        return rule_create(
            actor=admin_user,
            data={
                "name": "Heard of it",
                "is_active": True,
                "trigger": trigger,
                "conditions": {"match": "all", "items": []},
                "actions": [{"type": "notify", "users": [alice.pk], "message": "Changed"}],
            },
        )

    return make


def started_on(rule) -> list[int]:
    return sorted(RuleRun.objects.filter(rule=rule).values_list("record_id", flat=True))


@pytest.fixture
def existing(alice):
    return person_create(
        actor=alice, data={"full_name": "老客户", "emails": [{"email": "old@example.cn"}]}
    )


def _import(alice, capture, **defaults):
    rows = [
        HEADER,
        ["新客户甲", "a@example.cn", ""],
        ["新客户乙", "b@example.cn", ""],
        ["老客户", "old@example.cn", "展会上认识"],
    ]
    with capture(execute=True):
        job = run(mapped(alice, rows, MAPPING, mode="upsert", match_on="email", defaults=defaults))
    assert (job.created_count, job.updated_count) == (2, 1)
    return job


def test_an_import_announces_each_created_and_updated_person_and_starts_the_rules(
    alice, existing, feed, rule, jobs_now, django_capture_on_commit_callbacks
):
    feed()
    created_rule = rule({"type": "record_created", "record_type": "person"})
    updated_rule = rule({"type": "record_updated", "record_type": "person", "fields": ["notes"]})

    _import(alice, django_capture_on_commit_callbacks)

    new = sorted(Person.objects.exclude(pk=existing.pk).values_list("pk", flat=True))
    assert feed() == [
        ("person", new[0], "created", []),
        ("person", new[1], "created", []),
        ("person", existing.pk, "updated", ["notes"]),
    ]
    assert started_on(created_rule) == new
    assert started_on(updated_rule) == [existing.pk]


def test_an_import_told_not_to_start_rules_still_reaches_the_feed(
    alice, existing, feed, rule, jobs_now, django_capture_on_commit_callbacks
):
    feed()
    created_rule = rule({"type": "record_created", "record_type": "person"})

    _import(alice, django_capture_on_commit_callbacks, start_rules=False)

    assert [operation for _type, _id, operation, _fields in feed()] == [
        "created",
        "created",
        "updated",
    ]
    assert started_on(created_rule) == []


def test_an_import_undo_announces_the_deleted_and_reverted_persons_and_starts_the_rules(
    alice, existing, feed, rule, jobs_now, django_capture_on_commit_callbacks
):
    job = _import(alice, django_capture_on_commit_callbacks)
    new = sorted(Person.objects.exclude(pk=existing.pk).values_list("pk", flat=True))
    feed()
    updated_rule = rule({"type": "record_updated", "record_type": "person", "fields": ["notes"]})

    with django_capture_on_commit_callbacks(execute=True):
        undo.import_undo(actor=alice, job=job)
    with django_capture_on_commit_callbacks(execute=True):
        undo.import_undo_run(job.pk)

    assert feed() == [
        ("person", existing.pk, "updated", ["notes"]),
        ("person", new[0], "deleted", []),
        ("person", new[1], "deleted", []),
    ]
    assert Person.objects.get().notes == ""
    assert started_on(updated_rule) == [existing.pk]


@pytest.fixture
def pair(alice):
    """Two records of one customer; the second has an order, an interaction and a task."""
    survivor = person_create(actor=alice, data={"full_name": "张伟"})
    other = person_create(actor=alice, data={"full_name": "张 伟"})
    order = order_create(
        actor=alice,
        data={
            "person_id": other.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "9.00"}],
        },
    )
    interaction = interaction_create(
        actor=alice, person=other, data={"channel": "call", "subject": "询价"}
    )
    task = task_create(actor=alice, data={"title": "回电", "person_id": other.pk})
    return survivor, other, order, interaction, task


def test_a_merge_and_its_undo_announce_the_records_that_moved_and_start_the_rules(
    alice, pair, feed, rule, jobs_now, django_capture_on_commit_callbacks
):
    survivor, other, order, interaction, task = pair
    feed()
    task_rule = rule({"type": "record_updated", "record_type": "task", "fields": ["person"]})
    interaction_rule = rule(
        {"type": "record_updated", "record_type": "interaction", "fields": ["person"]}
    )

    with django_capture_on_commit_callbacks(execute=True):
        merge = person_merge(actor=alice, survivor=survivor, other=other)
    merged = feed()
    runs_after_merge = (started_on(task_rule), started_on(interaction_rule))
    with django_capture_on_commit_callbacks(execute=True):
        merge_undo(actor=alice, merge=merge)

    assert [entry[:3] for entry in merged] == [
        ("person", other.pk, "deleted"),
        ("person", survivor.pk, "updated"),
        ("order", order.pk, "updated"),
    ]
    assert merged[2][3] == ["person"]
    assert runs_after_merge == ([task.pk], [interaction.pk])
    assert [entry[:3] for entry in feed()] == [
        ("person", other.pk, "created"),
        ("person", survivor.pk, "updated"),
        ("order", order.pk, "updated"),
    ]
    assert Task.objects.get().person_id == other.pk
    assert started_on(task_rule) == [task.pk, task.pk]
    assert started_on(interaction_rule) == [interaction.pk, interaction.pk]


def test_a_merge_of_a_long_history_announces_it_a_relation_at_a_time(alice):
    survivor = person_create(actor=alice, data={"full_name": "张伟"})
    other = person_create(actor=alice, data={"full_name": "张 伟"})
    for i in range(30):
        interaction_create(actor=alice, person=other, data={"channel": "call", "subject": f"{i}"})
    seen: list = []

    def collect(event) -> None:
        seen.append(event)

    _handlers[RecordsChanged].append(collect)
    try:
        person_merge(actor=alice, survivor=survivor, other=other)
    finally:
        _handlers[RecordsChanged].remove(collect)

    moved = [e for e in seen if e.record_type == "interaction"]
    assert [(e.operation, e.changed_fields, len(e.record_ids)) for e in moved] == [
        ("updated", ("person",), 30)
    ]


@pytest.fixture
def webhook(admin_user):
    return subscription_create(
        actor=admin_user,
        data={
            "name": "ERP",
            "url": "http://127.0.0.1:9/hook",
            "event_types": [
                "person.deleted",
                "company.deleted",
                "interaction.deleted",
                "task.deleted",
                "lead.updated",
            ],
            "allow_private": True,
        },
    )


def _deliveries() -> list[tuple[str, int]]:
    return sorted(
        (d.event_type, d.payload["data"]["id"]) for d in WebhookDelivery.objects.order_by("pk")
    )


def test_deleting_a_person_announces_what_the_deletion_takes_along(
    alice, feed, rule, webhook, jobs_now, django_capture_on_commit_callbacks
):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    interaction = interaction_create(
        actor=alice, person=person, data={"channel": "call", "subject": "询价"}
    )
    task = task_create(actor=alice, data={"title": "回电", "person_id": person.pk})
    lead = lead_create(actor=alice, data={"full_name": "张伟"})
    # Converting the lead would also make a deal, which keeps a person from being deleted.
    Lead.objects.filter(pk=lead.pk).update(converted_person=person)
    feed()
    lead_rule = rule(
        {"type": "record_updated", "record_type": "lead", "fields": ["converted_person"]}
    )

    with django_capture_on_commit_callbacks(execute=True):
        person_delete(actor=alice, person=person)

    assert feed() == [("person", person.pk, "deleted", [])]
    assert _deliveries() == sorted(
        [
            ("interaction.deleted", interaction.pk),
            ("task.deleted", task.pk),
            ("lead.updated", lead.pk),
            ("person.deleted", person.pk),
        ]
    )
    assert not Interaction.objects.filter(pk=interaction.pk).exists()
    assert not Task.objects.filter(pk=task.pk).exists()
    assert started_on(lead_rule) == [lead.pk]


def test_deleting_a_company_announces_its_interactions_deleted(
    alice, feed, webhook, django_capture_on_commit_callbacks
):
    company = company_create(actor=alice, data={"name": "东方贸易"})
    interaction = interaction_create(
        actor=alice, company=company, data={"channel": "visit", "subject": "拜访"}
    )
    feed()

    company_delete(actor=alice, company=company)

    assert feed() == [("company", company.pk, "deleted", [])]
    assert _deliveries() == [
        ("company.deleted", company.pk),
        ("interaction.deleted", interaction.pk),
    ]


def test_every_subscriber_to_single_changes_also_hears_batches():
    """A subscriber that heard only `RecordChanged` would miss every import."""

    def modules(event_type) -> set[str]:
        return {handler.__module__ for handler in _handlers[event_type]}

    assert modules(RecordChanged) <= modules(RecordsChanged)


def test_the_mapping_page_offers_the_rules_ticked_and_keeps_them_unticked(alice, client):
    job = mapped(alice, [HEADER, ["新客户甲", "a@example.cn", ""]], MAPPING)
    client.force_login(alice)
    url = reverse("dataio:import_mapping", args=[job.pk])
    data = {f"map_{i}": MAPPING.get(column, "") for i, column in enumerate(job.columns)}
    data.update(owner="", tags="", source="", mode="create", match_on="email", save_as="")

    offered = client.get(url).context["form"]["start_rules"].value()
    response = client.post(url, data)  # the box unticked: the browser sends nothing for it

    assert offered is True
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.defaults == {"start_rules": False}
    assert MappingForm.initial_for(job)["start_rules"] is False


def test_the_api_takes_start_rules_as_true_or_false_only(alice):
    job = mapped(alice, [HEADER, ["新客户甲", "a@example.cn", ""]], MAPPING)
    api = client_for(alice)

    refused = api.put(
        f"/imports/{job.pk}/mapping",
        {"mapping": MAPPING, "defaults": {"start_rules": "maybe"}},
    )
    accepted = api.put(
        f"/imports/{job.pk}/mapping",
        {"mapping": MAPPING, "defaults": {"start_rules": False}},
    )

    assert refused.status_code in (400, 422)
    assert "defaults" in str(refused.json()["details"])
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["defaults"] == {"start_rules": False}


def _announcing_queries(alice, count: int, first: int) -> int:
    """Queries of an import of `count` new persons that write the change feed or look up
    automation rules. (Counted by an execute wrapper: the writer's own SQL, in the driver's
    parameter style, cannot go through Django's debug cursor.)"""
    rows = [HEADER, *([f"客户{i}", f"c{i}@example.cn", ""] for i in range(first, first + count))]
    job = mapped(alice, rows, MAPPING)
    seen = []

    def count_announcing(execute, sql, params, many, context):
        if "integration_change" in sql or "automation_rule" in sql:
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_announcing):
        job = run(job)
    assert job.created_count == count
    return len(seen)


def test_announcing_an_import_costs_the_same_queries_for_ten_rows_or_fifty(alice, rule):
    rule({"type": "record_created", "record_type": "person"})

    ten = _announcing_queries(alice, 10, 0)
    fifty = _announcing_queries(alice, 50, 100)

    assert ten == fifty
    assert fifty <= 3  # the feed's owners and rows, the rules
