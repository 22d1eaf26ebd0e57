"""Who sees which task, and the due filters around "today" in the configured time zone."""

import datetime
import zoneinfo

import pytest

from rapport.activities.models import TaskStatus
from rapport.activities.task_selectors import (
    TaskFilters,
    get_task_for_user,
    my_tasks_today_and_overdue,
    open_tasks_for_customer,
    tasks_due_for_reminder,
    tasks_list,
    tasks_visible_to,
    today_bounds,
)
from rapport.activities.task_services import task_cancel, task_complete, task_create
from rapport.core.errors import NotFound

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# 10:00 on 1 May 2026 in Shanghai.
NOW = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def _task(actor, title, due=None, **data):
    return task_create(
        actor=actor, data={"title": title, "due_at": due.isoformat() if due else None, **data}
    )


def test_rep_cannot_see_another_teams_task(alice, charlie):
    task = _task(charlie, "West's task")

    assert not tasks_visible_to(alice).filter(pk=task.pk).exists()
    with pytest.raises(NotFound):
        get_task_for_user(alice, task.pk)


def test_rep_sees_colleagues_tasks(alice, bob):
    task = _task(bob, "Bob's task")

    assert get_task_for_user(alice, task.pk) == task


def test_manager_sees_the_teams_tasks_and_not_other_teams(diana, alice, charlie):
    east_task = _task(alice, "East")
    _task(charlie, "West")

    assert list(tasks_visible_to(diana)) == [east_task]


def test_administrator_sees_every_task(admin_user, alice, charlie):
    tasks = {_task(alice, "East"), _task(charlie, "West"), _task(admin_user, "Own")}

    assert set(tasks_visible_to(admin_user)) == tasks


def test_creator_still_sees_a_task_given_to_another_team(admin_user, charlie, alice):
    # An administrator's task for charlie stays visible to the administrator…
    task = _task(admin_user, "For charlie", assignee_id=charlie.pk)
    assert get_task_for_user(admin_user, task.pk) == task
    # …and charlie's task is not visible to East.
    with pytest.raises(NotFound):
        get_task_for_user(alice, task.pk)


def test_inactive_user_sees_nothing(alice):
    _task(alice, "Mine")
    alice.is_active = False
    alice.save()

    assert not tasks_visible_to(alice).exists()


def test_today_is_the_calendar_day_in_the_configured_time_zone():
    # 01:00 UTC on 1 May is already 09:00 in Shanghai; yesterday in UTC would be wrong.
    start, tomorrow = today_bounds(datetime.datetime(2026, 4, 30, 17, 0, tzinfo=datetime.UTC))

    assert start == datetime.datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
    assert tomorrow == datetime.datetime(2026, 5, 2, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def spread(alice):
    """alice's tasks around NOW: overdue yesterday, earlier today, later today, tomorrow, none."""
    return {
        "yesterday": _task(alice, "yesterday", NOW - datetime.timedelta(days=1)),
        "this morning": _task(alice, "this morning", NOW.replace(hour=8)),
        "tonight": _task(alice, "tonight", NOW.replace(hour=23, minute=59)),
        "tomorrow": _task(alice, "tomorrow", NOW + datetime.timedelta(days=1)),
        "undated": _task(alice, "undated"),
    }


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("overdue", {"yesterday", "this morning"}),
        ("today", {"this morning", "tonight"}),
        ("today_or_overdue", {"yesterday", "this morning", "tonight"}),
        ("upcoming", {"tomorrow"}),
        ("none", {"undated"}),
    ],
)
def test_due_filters(alice, spread, due, expected):
    titles = {t.title for t in tasks_list(alice, TaskFilters(due=due), now=NOW)}

    assert titles == expected


def test_done_task_is_not_overdue(alice, spread):
    task_complete(actor=alice, task=spread["yesterday"])

    titles = {t.title for t in tasks_list(alice, TaskFilters(due="overdue"), now=NOW)}

    assert titles == {"this morning"}


def test_my_tasks_today_and_overdue_are_mine_open_and_earliest_first(alice, bob, spread):
    _task(bob, "bob's today", NOW)
    task_cancel(actor=alice, task=spread["this morning"])

    titles = [t.title for t in my_tasks_today_and_overdue(alice, now=NOW)]

    assert titles == ["yesterday", "tonight"]


def test_filters_by_assignee_status_and_customer(alice, bob, east_customer, east_account):
    linked = _task(alice, "linked", person_id=east_customer.pk, company_id=east_account.pk)
    _task(alice, "unlinked")
    bobs = _task(bob, "bob's", person_id=east_customer.pk)
    task_complete(actor=bob, task=bobs)

    def titles(**filters):
        return {t.title for t in tasks_list(alice, TaskFilters(**filters))}

    assert titles(person_id=east_customer.pk) == {"linked", "bob's"}
    assert titles(company_id=east_account.pk) == {"linked"}
    assert titles(assignee_id=bob.pk) == {"bob's"}
    assert titles(status=TaskStatus.DONE) == {"bob's"}
    assert linked.title in titles(status=TaskStatus.OPEN)


def test_open_tasks_of_a_customer_come_dated_first(alice, east_customer):
    later = _task(alice, "later", NOW + datetime.timedelta(days=3), person_id=east_customer.pk)
    sooner = _task(alice, "sooner", NOW, person_id=east_customer.pk)
    undated = _task(alice, "undated", person_id=east_customer.pk)
    task_complete(actor=alice, task=_task(alice, "done", NOW, person_id=east_customer.pk))

    tasks = list(open_tasks_for_customer(alice, person_id=east_customer.pk))

    assert tasks == [sooner, later, undated]


def test_task_list_is_two_queries_however_many_rows(
    alice, east_customer, django_assert_num_queries
):
    for i in range(5):
        _task(alice, f"t{i}", NOW, person_id=east_customer.pk)

    # The tasks with their users, then the linked persons alice may see (no task links a company).
    with django_assert_num_queries(2):
        shown = {
            (t.assignee.username, t.created_by.username, t.team.name, t.person.full_name)
            for t in tasks_list(alice)
        }

    assert shown == {("alice", "alice", "East", "张伟")}


def test_reminders_due_are_open_unsent_and_past_their_time(alice):
    due = _task(alice, "due", remind_at=(NOW - datetime.timedelta(minutes=1)).isoformat())
    _task(alice, "later", remind_at=(NOW + datetime.timedelta(minutes=1)).isoformat())
    task_cancel(
        actor=alice,
        task=_task(alice, "cancelled", remind_at=(NOW - datetime.timedelta(hours=1)).isoformat()),
    )

    assert list(tasks_due_for_reminder(NOW)) == [due]
