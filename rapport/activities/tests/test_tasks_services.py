"""Task services: validation, assignment, status changes and what they leave behind."""

import datetime

import pytest
from django.utils import timezone

from rapport.accounts.services import team_create, user_create
from rapport.activities.models import Notification, Task, TaskStatus, TimelineEntry
from rapport.activities.task_services import (
    task_cancel,
    task_complete,
    task_create,
    task_create_follow_up,
    task_delete,
    task_reopen,
    task_update,
)
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed

IN_TWO_DAYS = timezone.now() + datetime.timedelta(days=2)


def test_task_is_assigned_to_its_creator_by_default(alice):
    task = task_create(actor=alice, data={"title": "  Call back  "})

    assert (task.title, task.assignee, task.created_by, task.team) == (
        "Call back",
        alice,
        alice,
        alice.team,
    )
    assert (task.status, task.priority, task.due_at) == ("open", "normal", None)
    assert not Notification.objects.exists()


def test_naive_due_time_is_read_in_the_configured_time_zone(alice, settings):
    settings.TIME_ZONE = "Asia/Shanghai"

    task = task_create(actor=alice, data={"title": "Call", "due_at": "2026-05-01T09:30"})

    assert task.due_at == datetime.datetime(2026, 5, 1, 1, 30, tzinfo=datetime.UTC)


def test_every_invalid_field_gets_its_own_message(alice):
    with pytest.raises(ValidationFailed) as exc:
        task_create(
            actor=alice,
            data={
                "title": " ",
                "description": "x" * 20001,
                "due_at": "tomorrow",
                "priority": "urgent",
                "colour": "red",
            },
        )

    assert set(exc.value.details) == {"title", "description", "due_at", "priority", "colour"}
    assert not Task.objects.exists()


def test_title_longer_than_200_characters_is_refused(alice):
    with pytest.raises(ValidationFailed) as exc:
        task_create(actor=alice, data={"title": "长" * 201})

    assert "200" in exc.value.details["title"][0]


def test_reminder_after_the_due_time_is_refused(alice):
    with pytest.raises(ValidationFailed) as exc:
        task_create(
            actor=alice,
            data={
                "title": "Send quote",
                "due_at": "2026-05-01T09:00",
                "remind_at": "2026-05-01T10:00",
            },
        )

    assert list(exc.value.details) == ["remind_at"]


def test_reminder_at_the_due_time_is_accepted(alice):
    task = task_create(
        actor=alice,
        data={"title": "Send quote", "due_at": "2026-05-01T09:00", "remind_at": "2026-05-01T09:00"},
    )

    assert task.remind_at == task.due_at


def test_moving_the_due_time_before_the_reminder_is_refused(alice):
    task = task_create(
        actor=alice,
        data={"title": "Send quote", "due_at": "2026-05-02T09:00", "remind_at": "2026-05-01T09:00"},
    )

    with pytest.raises(ValidationFailed) as exc:
        task_update(actor=alice, task=task, data={"due_at": "2026-04-30T09:00"})

    assert list(exc.value.details) == ["remind_at"]


def test_assigning_to_a_colleague_notifies_them(alice, bob):
    task = task_create(actor=alice, data={"title": "Visit 张伟", "assignee_id": bob.pk})

    notification = Notification.objects.get()
    assert (task.assignee, task.team, task.created_by) == (bob, bob.team, alice)
    assert (notification.recipient, notification.kind, notification.actor) == (
        bob,
        "task.assigned",
        alice,
    )
    assert (notification.target_type, notification.target_id) == ("task", task.pk)
    assert notification.url == f"/tasks/{task.pk}/"
    assert notification.display_title == "New task for you: Visit 张伟"


def test_rep_cannot_assign_to_another_team(alice, charlie):
    with pytest.raises(ValidationFailed) as exc:
        task_create(actor=alice, data={"title": "Visit", "assignee_id": charlie.pk})

    assert list(exc.value.details) == ["assignee_id"]


def test_administrator_assigns_to_anyone_and_the_task_joins_their_team(admin_user, charlie):
    task = task_create(actor=admin_user, data={"title": "Visit", "assignee_id": charlie.pk})

    assert (task.assignee, task.team) == (charlie, charlie.team)


def test_inactive_user_cannot_be_assigned(alice, east):
    former = user_create(username="former", password="x", team=east)
    former.is_active = False
    former.save()

    with pytest.raises(ValidationFailed) as exc:
        task_create(actor=alice, data={"title": "Visit", "assignee_id": former.pk})

    assert exc.value.details["assignee_id"] == ["Choose an active user."]


def test_linking_a_customer_the_actor_cannot_see_is_not_found(alice, west_customer):
    with pytest.raises(NotFound):
        task_create(actor=alice, data={"title": "Visit", "person_id": west_customer.pk})

    assert not Task.objects.exists()


def test_task_links_to_visible_person_and_company(alice, east_customer, east_account):
    task = task_create(
        actor=alice,
        data={"title": "Visit", "person_id": east_customer.pk, "company_id": east_account.pk},
    )

    assert (task.person, task.company) == (east_customer, east_account)


def test_reassigning_moves_the_task_to_the_new_team_and_notifies(admin_user, alice, charlie):
    task = task_create(actor=admin_user, data={"title": "Visit", "assignee_id": alice.pk})

    task_update(actor=admin_user, task=task, data={"assignee_id": charlie.pk})

    task.refresh_from_db()
    assert (task.assignee, task.team) == (charlie, charlie.team)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "charlie",
    ]


def test_changing_the_reminder_time_rearms_it(alice):
    task = task_create(
        actor=alice,
        data={"title": "Call", "remind_at": timezone.now() - datetime.timedelta(minutes=1)},
    )
    Task.objects.filter(pk=task.pk).update(reminder_sent_at=timezone.now())
    task.refresh_from_db()

    task_update(actor=alice, task=task, data={"remind_at": IN_TWO_DAYS})

    task.refresh_from_db()
    assert task.reminder_sent_at is None


def test_completing_a_linked_task_adds_a_timeline_entry_in_the_readers_language(
    alice, east_customer
):
    task = task_create(actor=alice, data={"title": "寄样品", "person_id": east_customer.pk})

    task_complete(actor=alice, task=task)

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None
    entry = TimelineEntry.objects.get(kind="task.completed")
    assert (entry.person, entry.source_type, entry.source_id) == (east_customer, "task", task.pk)
    assert entry.display_title == "Task completed: 寄样品"


def test_completing_twice_adds_one_timeline_entry(alice, east_customer):
    task = task_create(actor=alice, data={"title": "Visit", "person_id": east_customer.pk})

    task_complete(actor=alice, task=task)
    task_complete(actor=alice, task=task)

    assert TimelineEntry.objects.filter(kind="task.completed").count() == 1


def test_completing_an_unlinked_task_adds_no_timeline_entry(alice):
    task = task_create(actor=alice, data={"title": "Expense report"})

    task_complete(actor=alice, task=task)

    assert not TimelineEntry.objects.filter(kind="task.completed").exists()


def test_creator_hears_when_the_assignee_completes(alice, bob):
    task = task_create(actor=alice, data={"title": "Visit", "assignee_id": bob.pk})

    task_complete(actor=bob, task=task)

    completed = Notification.objects.get(kind="task.completed")
    assert (completed.recipient, completed.actor) == (alice, bob)


def test_reopening_removes_the_completion_from_the_timeline(alice, east_customer):
    task = task_create(actor=alice, data={"title": "Visit", "person_id": east_customer.pk})
    task_complete(actor=alice, task=task)

    task_reopen(actor=alice, task=task)

    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("open", None)
    assert not TimelineEntry.objects.filter(kind="task.completed").exists()


def test_cancelled_task_cannot_be_completed_until_reopened(alice):
    task = task_create(actor=alice, data={"title": "Visit"})
    task_cancel(actor=alice, task=task)

    with pytest.raises(ApplicationError) as exc:
        task_complete(actor=alice, task=task)

    assert exc.value.code == "task_cancelled"
    task_reopen(actor=alice, task=task)
    assert task_complete(actor=alice, task=task).status == "done"


def test_done_task_cannot_be_cancelled(alice):
    task = task_create(actor=alice, data={"title": "Visit"})
    task_complete(actor=alice, task=task)

    with pytest.raises(ApplicationError) as exc:
        task_cancel(actor=alice, task=task)

    assert exc.value.code == "task_done"


def test_deleting_a_task_removes_its_timeline_entry_and_notifications(alice, bob, east_customer):
    task = task_create(
        actor=alice,
        data={"title": "Visit", "person_id": east_customer.pk, "assignee_id": bob.pk},
    )
    task_complete(actor=bob, task=task)

    task_delete(actor=alice, task=task)

    assert not Task.objects.exists()
    assert not TimelineEntry.objects.filter(source_type="task").exists()
    assert not Notification.objects.exists()


def test_follow_up_for_a_higher_apps_record(alice, east_customer):
    # Any saved row of another app stands in for a deal: activities never imports sales.
    subject = alice.team
    due = IN_TWO_DAYS

    task = task_create_follow_up(
        assignee=alice,
        title="Send the contract",
        due_at=due,
        person_id=east_customer.pk,
        subject=subject,
        subject_label="Deal: 500 units",
    )

    assert (task.assignee, task.created_by, task.team) == (alice, alice, alice.team)
    assert (task.due_at, task.remind_at, task.person) == (due, due, east_customer)
    assert (task.subject, task.subject_label) == (subject, "Deal: 500 units")
    assert not Notification.objects.exists()


def test_follow_up_refuses_an_inactive_assignee(alice):
    alice.is_active = False
    alice.save()

    with pytest.raises(ValidationFailed):
        task_create_follow_up(assignee=alice, title="Call", due_at=None)


def test_team_of_a_user_without_team_is_empty(db):
    loner = user_create(username="loner", password="x")
    other = user_create(username="other", password="x", team=team_create(name="South"))

    task = task_create(actor=loner, data={"title": "Alone"})

    assert task.team is None
    with pytest.raises(ValidationFailed):
        task_create(actor=loner, data={"title": "Alone", "assignee_id": other.pk})
