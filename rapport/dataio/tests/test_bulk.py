"""Bulk actions: each action through its app's service, per record access, the audit line, the
job for large selections, and a query count that grows only by what the services cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.accounts.models import AuditAction, AuditEvent
from rapport.activities.models import Task, TaskStatus, TimelineEntry
from rapport.activities.task_services import task_create
from rapport.core.errors import NotFound, ValidationFailed
from rapport.customers.models import Company, LifecycleStage, Person
from rapport.customers.services import company_create, person_create, person_update, tag_create
from rapport.dataio.models import BulkAction, BulkScope, BulkStatus
from rapport.dataio.services import bulk as services
from rapport.dataio.services.bulk import run as bulk_run
from rapport.dataio.tasks import bulk as bulk_tasks
from rapport.sales.models import Deal, DealStatus, Lead, LeadStatus, Order, OrderStatus
from rapport.sales.services.deals import deal_create, lost_reason_create, pipeline_get_default
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create

pytestmark = pytest.mark.django_db


def select(list_name, action, *, ids=(), query="", scope=BulkScope.IDS):
    return services.bulk_selection(
        list_name=list_name, action=action, scope=scope, ids=list(ids), query=query
    )


def start(actor, list_name, action, data=None, **selection):
    return services.bulk_action_start(
        actor=actor, selection=select(list_name, action, **selection), data=data or {}
    )


@pytest.fixture
def east_persons(alice):
    return [person_create(actor=alice, data={"full_name": f"东方客户{i}"}) for i in range(3)]


@pytest.fixture
def west_person(charlie):
    return person_create(actor=charlie, data={"full_name": "West customer"})


# --- Selections ----------------------------------------------------------------------------------


def test_unknown_list_or_action_is_not_found():
    with pytest.raises(NotFound):
        select("invoices", "assign", ids=[1])
    with pytest.raises(NotFound):
        select("orders", "delete", ids=[1])


def test_nothing_selected_is_refused():
    with pytest.raises(ValidationFailed):
        select("persons", "assign", ids=[])


def test_more_ids_than_a_page_holds_are_refused():
    with pytest.raises(ValidationFailed):
        select("persons", "assign", ids=range(1, bulk_run.MAX_IDS + 2))


def test_the_filter_selection_drops_the_cursor_and_sort_of_the_page():
    selection = select(
        "leads", "assign", scope=BulkScope.FILTER, query="campaign=expo&cursor=abc&sort=-score"
    )

    assert selection.query == "campaign=expo"
    assert selection.ids == ()


# --- Persons and companies -----------------------------------------------------------------------


def test_assign_persons_changes_the_owner_and_skips_another_teams_person(
    alice, bob, east_persons, west_person
):
    # Given alice ticks her three persons and, by a crafted request, charlie's
    ids = [p.pk for p in east_persons] + [west_person.pk]

    # When she gives them to bob
    job = start(alice, "persons", "assign", {"owner_id": bob.pk}, ids=ids)

    # Then hers are bob's, charlie's is untouched and counted as skipped with a reason
    assert job.status == BulkStatus.DONE
    assert (job.changed_count, job.skipped_count, job.done_count) == (3, 1, 4)
    assert list(job.skip_reasons.values()) == [1]
    assert job.skipped[0][0] == west_person.pk
    assert set(Person.objects.filter(pk__in=ids[:3]).values_list("owner", flat=True)) == {bob.pk}
    west_person.refresh_from_db()
    assert west_person.owner_id != bob.pk
    # …each change is on the person's timeline, written by the service's event
    assert TimelineEntry.objects.filter(kind="record.updated", person_id__in=ids[:3]).count() == 3


def test_a_bulk_action_writes_one_audit_line_with_who_what_and_how_many(alice, bob, east_persons):
    job = start(alice, "persons", "assign", {"owner_id": bob.pk}, ids=[p.pk for p in east_persons])

    line = AuditEvent.objects.get(action=AuditAction.BULK_ACTION)
    assert line.actor == alice
    assert line.target_id == job.pk
    assert line.data["list"] == "persons"
    assert line.data["action"] == "assign"
    assert (line.data["total"], line.data["changed"], line.data["skipped"]) == (3, 3, 0)


def test_assigning_to_someone_of_another_team_is_refused_before_anything_changes(
    alice, charlie, east_persons
):
    with pytest.raises(ValidationFailed) as refused:
        start(alice, "persons", "assign", {"owner_id": charlie.pk}, ids=[east_persons[0].pk])

    assert "owner_id" in refused.value.details
    assert not BulkAction.objects.exists()


def test_assigning_to_the_current_owner_counts_as_already_so(alice, east_persons):
    job = start(alice, "persons", "assign", {"owner_id": alice.pk}, ids=[east_persons[0].pk])

    assert (job.changed_count, job.unchanged_count) == (0, 1)


def test_add_and_remove_a_tag(alice, admin_user, east_persons):
    vip = tag_create(actor=admin_user, data={"name": "VIP"})
    ids = [p.pk for p in east_persons]

    added = start(alice, "persons", "tag_add", {"tag_id": vip.pk}, ids=ids)
    assert added.changed_count == 3
    assert Person.objects.filter(pk__in=ids, tags=vip).count() == 3

    again = start(alice, "persons", "tag_add", {"tag_id": vip.pk}, ids=ids)
    assert (again.changed_count, again.unchanged_count) == (0, 3)

    removed = start(alice, "persons", "tag_remove", {"tag_id": vip.pk}, ids=ids[:2])
    assert removed.changed_count == 2
    assert list(Person.objects.filter(tags=vip).values_list("pk", flat=True)) == [ids[2]]


def test_change_the_lifecycle_stage_of_companies(alice):
    companies = [company_create(actor=alice, data={"name": f"公司{i}"}) for i in range(2)]

    job = start(
        alice,
        "companies",
        "lifecycle_stage",
        {"lifecycle_stage": LifecycleStage.CUSTOMER},
        ids=[c.pk for c in companies],
    )

    assert job.changed_count == 2
    assert set(Company.objects.values_list("lifecycle_stage", flat=True)) == {"customer"}


def test_delete_persons_skips_the_one_an_order_names(alice, east_persons):
    order_create(
        actor=alice,
        data={
            "person_id": east_persons[0].pk,
            "lines": [{"description": "咨询", "quantity": 1, "unit_price": "10.00"}],
        },
    )

    job = start(alice, "persons", "delete", ids=[p.pk for p in east_persons])

    assert (job.changed_count, job.skipped_count) == (2, 1)
    assert list(Person.objects.values_list("pk", flat=True)) == [east_persons[0].pk]
    # The person's own delete writes its audit line too, as it always does.
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_DELETED).count() == 2


def test_create_a_task_for_each_person_assigned_to_its_owner(alice, bob):
    mine = person_create(actor=alice, data={"full_name": "甲"})
    bobs = person_create(actor=bob, data={"full_name": "乙"})

    job = start(
        alice,
        "persons",
        "create_task",
        {"title": "回访", "due_date": "2026-12-24", "assignee": "owner"},
        ids=[mine.pk, bobs.pk],
    )

    assert job.changed_count == 2
    tasks = {t.person_id: t for t in Task.objects.all()}
    assert tasks[mine.pk].assignee == alice
    assert tasks[bobs.pk].assignee == bob
    assert tasks[bobs.pk].due_at.date().isoformat() == "2026-12-24"


# --- "All matching the filter" -------------------------------------------------------------------


def test_all_matching_is_the_lists_filter_evaluated_with_the_actors_visibility(alice, bob, charlie):
    for i in range(3):
        lead_create(actor=alice, data={"full_name": f"展会{i}", "campaign": "expo"})
    lead_create(actor=alice, data={"full_name": "其他", "campaign": "web"})
    west = lead_create(actor=charlie, data={"full_name": "West", "campaign": "expo"})

    job = start(
        alice,
        "leads",
        "assign",
        {"owner_id": bob.pk},
        scope=BulkScope.FILTER,
        query="campaign=expo",
    )

    assert (job.total, job.changed_count, job.skipped_count) == (3, 3, 0)
    assert Lead.objects.filter(owner=bob).count() == 3
    assert Lead.objects.get(full_name="其他").owner == alice
    west.refresh_from_db()
    assert west.owner == charlie


def test_a_selection_larger_than_the_inline_limit_runs_as_a_job(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk_run, "INLINE_LIMIT", 2)
    monkeypatch.setattr(bulk_run, "CHUNK_SIZE", 2)
    queued = []
    monkeypatch.setattr(bulk_tasks, "run_bulk_action", queued.append)
    for i in range(5):
        lead_create(actor=alice, data={"full_name": f"线索{i}", "campaign": "expo"})

    # When alice assigns all five leads of the campaign to bob
    with django_capture_on_commit_callbacks(execute=True):
        job = start(
            alice,
            "leads",
            "assign",
            {"owner_id": bob.pk},
            scope=BulkScope.FILTER,
            query="campaign=expo",
        )

    # Then it waits for a worker, queued once its row is committed
    assert job.in_job and job.status == BulkStatus.QUEUED and job.total == 5
    assert queued == [job.pk]
    assert not Lead.objects.filter(owner=bob).exists()

    # When the worker runs it (twice, as a retried task would), every lead is bob's, once
    services.bulk_action_run(job.pk)
    services.bulk_action_run(job.pk)
    job.refresh_from_db()
    assert job.status == BulkStatus.DONE
    assert (job.done_count, job.changed_count, job.percent) == (5, 5, 100)
    assert Lead.objects.filter(owner=bob).count() == 5
    assert AuditEvent.objects.filter(action=AuditAction.BULK_ACTION).count() == 1


def test_a_resumed_job_continues_after_the_last_chunk_it_saved(alice, bob, monkeypatch):
    monkeypatch.setattr(bulk_run, "CHUNK_SIZE", 2)
    leads = [lead_create(actor=alice, data={"full_name": f"线索{i}"}) for i in range(4)]
    job = BulkAction.objects.create(
        actor=alice,
        list_name="leads",
        action="assign",
        params={"owner_id": bob.pk},
        scope=BulkScope.IDS,
        ids=[lead.pk for lead in leads],
        total=4,
        in_job=True,
        status=BulkStatus.RUNNING,
        last_id=leads[1].pk,
        done_count=2,
        changed_count=2,
    )

    services.bulk_action_run(job.pk, resume=True)

    job.refresh_from_db()
    assert (job.status, job.done_count, job.changed_count) == (BulkStatus.DONE, 4, 4)
    assert list(Lead.objects.filter(owner=bob).values_list("pk", flat=True)) == [
        leads[2].pk,
        leads[3].pk,
    ]


def test_the_job_through_huey_changes_every_record(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk_run, "INLINE_LIMIT", 1)
    previous, HUEY.immediate = HUEY.immediate, True
    try:
        leads = [lead_create(actor=alice, data={"full_name": f"线索{i}"}) for i in range(3)]
        with django_capture_on_commit_callbacks(execute=True):
            job = start(alice, "leads", "assign", {"owner_id": bob.pk}, ids=[x.pk for x in leads])
    finally:
        HUEY.immediate = previous

    job.refresh_from_db()
    assert job.in_job and job.status == BulkStatus.DONE
    assert Lead.objects.filter(owner=bob).count() == 3


# --- Leads, deals, orders, tasks -----------------------------------------------------------------


def test_disqualify_leads_skips_a_converted_one(alice):
    leads = [lead_create(actor=alice, data={"full_name": f"线索{i}"}) for i in range(2)]
    Lead.objects.filter(pk=leads[1].pk).update(status=LeadStatus.CONVERTED)

    job = start(alice, "leads", "disqualify", {"reason": "预算不足"}, ids=[x.pk for x in leads])

    assert (job.changed_count, job.skipped_count) == (1, 1)
    assert Lead.objects.get(pk=leads[0].pk).status == LeadStatus.DISQUALIFIED


def test_deals_move_to_a_stage_and_are_marked_lost(alice, bob, admin_user):
    pipeline = pipeline_get_default()
    stages = list(pipeline.stages.filter(kind="open").order_by("position"))
    deals = [deal_create(actor=alice, data={"title": f"商机{i}"}) for i in range(2)]
    reason = lost_reason_create(actor=admin_user, data={"name": "价格"})

    moved = start(alice, "deals", "move_stage", {"stage_id": stages[2].pk}, ids=[deals[0].pk])
    lost = start(alice, "deals", "lose", {"lost_reason_id": reason.pk}, ids=[d.pk for d in deals])
    owned = start(alice, "deals", "assign", {"owner_id": bob.pk}, ids=[d.pk for d in deals])

    assert moved.changed_count == 1
    assert lost.changed_count == 2
    assert set(Deal.objects.values_list("status", flat=True)) == {DealStatus.LOST}
    assert owned.changed_count == 2 and Deal.objects.filter(owner=bob).count() == 2
    # The move and the loss are on the deals' history as the services write it
    assert TimelineEntry.objects.filter(kind="deal.lost").count() == 2


def test_order_status_change_skips_orders_that_cannot_move_there(alice, east_persons):
    orders = [
        order_create(
            actor=alice,
            data={
                "person_id": east_persons[0].pk,
                "lines": [{"description": "服务", "quantity": 1, "unit_price": "100.00"}],
            },
        )
        for _ in range(2)
    ]
    Order.objects.filter(pk=orders[1].pk).update(status=OrderStatus.CANCELLED)

    job = start(alice, "orders", "status", {"status": "shipped"}, ids=[o.pk for o in orders])

    assert (job.changed_count, job.skipped_count) == (1, 1)
    assert job.skipped[0][0] == orders[1].pk
    assert "cannot go from" in job.skipped[0][2]
    assert Order.objects.get(pk=orders[0].pk).status == OrderStatus.SHIPPED


def test_orders_cannot_be_deleted_in_bulk():
    with pytest.raises(NotFound):
        select("orders", "delete", ids=[1])


def test_tasks_complete_assign_and_delete(alice, bob, charlie):
    tasks = [task_create(actor=alice, data={"title": f"任务{i}"}) for i in range(3)]
    west = task_create(actor=charlie, data={"title": "West"})

    done = start(alice, "tasks", "complete", ids=[tasks[0].pk, west.pk])
    handed = start(alice, "tasks", "assign", {"owner_id": bob.pk}, ids=[tasks[1].pk])
    deleted = start(alice, "tasks", "delete", ids=[tasks[2].pk])

    assert (done.changed_count, done.skipped_count) == (1, 1)
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.DONE
    assert Task.objects.get(pk=west.pk).status == TaskStatus.OPEN
    assert handed.changed_count == 1 and Task.objects.get(pk=tasks[1].pk).assignee == bob
    assert deleted.changed_count == 1 and not Task.objects.filter(pk=tasks[2].pk).exists()


def test_all_matching_tasks_follow_the_task_lists_tab_and_assignee(alice, bob):
    mine = [task_create(actor=alice, data={"title": f"我的{i}"}) for i in range(2)]
    task_create(actor=alice, data={"title": "鲍勃的", "assignee_id": bob.pk})

    job = start(alice, "tasks", "complete", scope=BulkScope.FILTER, query="tab=open&assignee=me")

    assert job.changed_count == 2
    assert set(Task.objects.filter(status=TaskStatus.DONE).values_list("pk", flat=True)) == {
        t.pk for t in mine
    }


# --- Queries -------------------------------------------------------------------------------------


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_queries_grow_per_record_only_by_what_the_service_costs(alice, bob, diana):
    few = [person_create(actor=alice, data={"full_name": f"少{i}"}) for i in range(2)]
    many = [person_create(actor=alice, data={"full_name": f"多{i}"}) for i in range(6)]
    one = person_create(actor=alice, data={"full_name": "单"})
    service_cost = _queries(
        lambda: person_update(actor=alice, person=one, data={"owner_id": bob.pk}, version=None)
    )

    cost_few = _queries(
        lambda: start(alice, "persons", "assign", {"owner_id": diana.pk}, ids=[p.pk for p in few])
    )
    cost_many = _queries(
        lambda: start(alice, "persons", "assign", {"owner_id": diana.pk}, ids=[p.pk for p in many])
    )

    per_record = (cost_many - cost_few) / (len(many) - len(few))
    assert per_record <= service_cost


def test_a_job_whose_worker_died_is_queued_again_and_a_live_one_is_not(alice, monkeypatch):
    queued = []
    monkeypatch.setattr(
        bulk_tasks, "run_bulk_action", lambda pk, resume=False: queued.append((pk, resume))
    )
    common = {"actor": alice, "list_name": "leads", "action": "assign", "scope": BulkScope.IDS}
    stalled = BulkAction.objects.create(status=BulkStatus.RUNNING, **common)
    live = BulkAction.objects.create(status=BulkStatus.RUNNING, **common)
    BulkAction.objects.create(status=BulkStatus.DONE, **common)
    BulkAction.objects.filter(pk=stalled.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    assert bulk_tasks.resume_stalled_bulk_actions() == 1
    assert queued == [(stalled.pk, True)]
    assert live.pk not in [pk for pk, _resume in queued]
