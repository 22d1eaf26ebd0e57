"""Tasks and notifications over the REST API: CRUD, actions, filters, keyset pages, errors, and
404 for every endpoint on another team's task."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.models import Notification, Task, TimelineEntry
from rapport.activities.task_services import task_complete, task_create
from rapport.api.tests.conftest import client_for


@pytest.fixture
def as_diana(diana):
    return client_for(diana)


@pytest.fixture
def west_task(charlie):
    return task_create(actor=charlie, data={"title": "West's secret"})


def _iso(delta: datetime.timedelta) -> str:
    return (timezone.now() + delta).isoformat()


def test_create_task_for_a_person(as_alice, alice, east_person):
    response = as_alice.post(
        "/tasks",
        {
            "title": "寄样品",
            "due_at": "2026-05-01T09:30:00+08:00",
            "remind_at": "2026-05-01T09:00:00+08:00",
            "priority": "high",
            "person_id": east_person.pk,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "寄样品"
    assert body["due_at"] == "2026-05-01T01:30:00Z"
    assert (body["priority"], body["status"], body["is_overdue"]) == ("high", "open", True)
    assert body["assignee"] == {"id": alice.pk, "name": "alice"}
    assert body["team"]["name"] == "East"
    assert body["person"] == {"id": east_person.pk, "name": "张伟"}
    assert body["subject"] is None


def test_create_task_with_a_bad_body_is_422_with_a_message_per_field(as_alice):
    response = as_alice.post(
        "/tasks", {"title": "", "due_at": "next week", "priority": "urgent", "colour": "red"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["details"]) == {"due_at", "priority", "colour"}


def test_empty_title_is_refused_by_the_service(as_alice):
    response = as_alice.post("/tasks", {"title": "  "})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["title"]


def test_reminder_after_due_time_is_422(as_alice):
    response = as_alice.post(
        "/tasks",
        {
            "title": "Call",
            "due_at": "2026-05-01T09:00:00+08:00",
            "remind_at": "2026-05-01T10:00:00+08:00",
        },
    )

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["remind_at"]


def test_linking_another_teams_person_is_404(as_alice, west_person):
    response = as_alice.post("/tasks", {"title": "Sneak", "person_id": west_person.pk})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Task.objects.exists()


def test_assigning_to_a_colleague_notifies_them(as_alice, as_bob, bob):
    as_alice.post("/tasks", {"title": "Visit 张伟", "assignee_id": bob.pk})

    response = as_bob.get("/notifications")

    (item,) = response.json()["items"]
    assert (item["kind"], item["title"], item["read_at"]) == (
        "task.assigned",
        "New task for you: Visit 张伟",
        None,
    )
    assert as_bob.get("/notifications/unread-count").json() == {"unread": 1}


def test_assigning_to_another_team_is_422(as_alice, charlie):
    response = as_alice.post("/tasks", {"title": "Visit", "assignee_id": charlie.pk})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["assignee_id"]


def test_patch_changes_only_the_given_fields(as_alice, alice):
    task = task_create(actor=alice, data={"title": "Call", "description": "About the quote"})

    response = as_alice.patch(f"/tasks/{task.pk}", {"title": "Call back"})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == (
        "Call back",
        "About the quote",
    )


def test_complete_and_reopen(as_alice, alice, east_person):
    task = task_create(actor=alice, data={"title": "Visit", "person_id": east_person.pk})

    done = as_alice.post(f"/tasks/{task.pk}/complete")
    again = as_alice.post(f"/tasks/{task.pk}/complete")

    assert done.status_code == again.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] == again.json()["completed_at"]
    assert TimelineEntry.objects.filter(kind="task.completed").count() == 1
    reopened = as_alice.post(f"/tasks/{task.pk}/reopen")
    assert (reopened.json()["status"], reopened.json()["completed_at"]) == ("open", None)


def test_cancel_then_complete_is_a_400_with_a_code(as_alice, alice):
    task = task_create(actor=alice, data={"title": "Visit"})
    as_alice.post(f"/tasks/{task.pk}/cancel")

    response = as_alice.post(f"/tasks/{task.pk}/complete")

    assert response.status_code == 400
    assert response.json()["code"] == "task_cancelled"


def test_delete(as_alice, alice):
    task = task_create(actor=alice, data={"title": "Visit"})

    assert as_alice.delete(f"/tasks/{task.pk}").status_code == 204
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tasks/{id}"),
        ("patch", "/tasks/{id}"),
        ("delete", "/tasks/{id}"),
        ("post", "/tasks/{id}/complete"),
        ("post", "/tasks/{id}/reopen"),
        ("post", "/tasks/{id}/cancel"),
    ],
)
def test_another_teams_task_is_404_on_every_endpoint(as_alice, west_task, method, path):
    response = getattr(as_alice, method)(path.format(id=west_task.pk))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    west_task.refresh_from_db()
    assert (west_task.title, west_task.status) == ("West's secret", "open")


def test_another_teams_task_is_not_listed(as_alice, alice, west_task):
    mine = task_create(actor=alice, data={"title": "Mine"})

    items = as_alice.get("/tasks").json()["items"]

    assert [item["id"] for item in items] == [mine.pk]


def test_manager_lists_the_teams_tasks(as_diana, alice, bob, west_task):
    tasks = {task_create(actor=user, data={"title": "t"}).pk for user in (alice, bob)}

    items = as_diana.get("/tasks").json()["items"]

    assert {item["id"] for item in items} == tasks


def test_list_filters(as_alice, alice, bob, east_person):
    now = timezone.now()
    overdue = task_create(
        actor=alice, data={"title": "overdue", "due_at": now - datetime.timedelta(days=2)}
    )
    linked = task_create(
        actor=alice,
        data={
            "title": "linked",
            "person_id": east_person.pk,
            "due_at": now + datetime.timedelta(days=3),
        },
    )
    bobs = task_create(actor=bob, data={"title": "bob's"})
    done = task_complete(actor=alice, task=task_create(actor=alice, data={"title": "done"}))

    def ids(**params):
        return {item["id"] for item in as_alice.get("/tasks", params).json()["items"]}

    assert ids(due="overdue") == {overdue.pk}
    assert ids(due="upcoming") == {linked.pk}
    assert ids(due="none") == {bobs.pk, done.pk}
    assert ids(person_id=east_person.pk) == {linked.pk}
    assert ids(mine="true") == {overdue.pk, linked.pk, done.pk}
    assert ids(assignee_id=bob.pk) == {bobs.pk}
    assert ids(status="done") == {done.pk}


def test_today_endpoint_lists_my_open_tasks_due_by_tonight(as_alice, alice, bob):
    overdue = task_create(
        actor=alice,
        data={"title": "overdue", "due_at": timezone.now() - datetime.timedelta(days=2)},
    )
    task_create(
        actor=alice, data={"title": "next week", "due_at": _iso(datetime.timedelta(days=7))}
    )
    task_create(actor=bob, data={"title": "bob's", "due_at": _iso(-datetime.timedelta(days=1))})

    items = as_alice.get("/tasks/today").json()["items"]

    assert [item["id"] for item in items] == [overdue.pk]


def test_sorting_by_due_time_lists_dated_tasks_in_order(as_alice, alice):
    later = task_create(
        actor=alice, data={"title": "later", "due_at": _iso(datetime.timedelta(days=2))}
    )
    sooner = task_create(
        actor=alice, data={"title": "sooner", "due_at": _iso(datetime.timedelta(days=1))}
    )
    task_create(actor=alice, data={"title": "undated"})

    items = as_alice.get("/tasks", {"sort": "due_at"}).json()["items"]

    assert [item["id"] for item in items] == [sooner.pk, later.pk]


def test_unknown_filter_values_are_422(as_alice):
    assert as_alice.get("/tasks", {"due": "someday"}).status_code == 422
    assert as_alice.get("/tasks", {"sort": "title"}).status_code == 422
    assert as_alice.get("/tasks", {"cursor": "garbage"}).status_code == 400


def test_list_walks_every_page_once(as_alice, alice):
    created = {task_create(actor=alice, data={"title": f"t{i}"}).pk for i in range(7)}
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = as_alice.get("/tasks", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created


def test_list_query_count_is_constant(as_alice, alice, east_person, django_assert_max_num_queries):
    def make(n):
        for i in range(n):
            task_create(actor=alice, data={"title": f"t{i}", "person_id": east_person.pk})

    make(3)
    with django_assert_max_num_queries(4):
        small = as_alice.get("/tasks")
    make(30)
    with django_assert_max_num_queries(4):
        large = as_alice.get("/tasks")
    assert len(small.json()["items"]) == 3
    assert len(large.json()["items"]) == 25


# --- Notifications -------------------------------------------------------------------------------


def test_mark_some_then_all_read(as_alice, alice, bob):
    for _ in range(3):
        task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    first = Notification.objects.filter(recipient=alice).order_by("pk").first()

    some = as_alice.post("/notifications/mark-read", {"ids": [first.pk]})
    unread = as_alice.get("/notifications", {"unread": "true"}).json()["items"]
    rest = as_alice.post("/notifications/mark-read", {})

    assert some.json() == {"marked": 1}
    assert len(unread) == 2
    assert rest.json() == {"marked": 2}
    assert as_alice.get("/notifications/unread-count").json() == {"unread": 0}


def test_another_users_notifications_are_neither_listed_nor_marked(as_charlie, alice, bob):
    task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    notification = Notification.objects.get()

    listed = as_charlie.get("/notifications").json()["items"]
    marked = as_charlie.post("/notifications/mark-read", {"ids": [notification.pk]}).json()

    assert listed == []
    assert marked == {"marked": 0}
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_with_bad_ids_is_422(as_alice):
    response = as_alice.post("/notifications/mark-read", {"ids": ["one"]})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_notification_list_query_count_is_constant(
    as_alice, alice, bob, django_assert_max_num_queries
):
    for _ in range(3):
        task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    with django_assert_max_num_queries(3):
        as_alice.get("/notifications")
    for _ in range(30):
        task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    with django_assert_max_num_queries(3):
        response = as_alice.get("/notifications")
    assert len(response.json()["items"]) == 25


def test_anonymous_callers_get_401(anonymous):
    assert anonymous.get("/tasks").status_code == 401
    assert anonymous.get("/notifications").status_code == 401
