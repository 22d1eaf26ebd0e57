"""Notifications: the inbox services, the bell's count and the notifications page."""

import pytest
from django.urls import reverse
from django.utils import translation

from rapport.activities.models import Notification
from rapport.activities.selectors import notifications_for, unread_notification_count
from rapport.activities.services import notification_create, notifications_mark_read
from rapport.activities.task_services import task_create

HTMX = {"HTTP_HX_REQUEST": "true"}


def _notify(recipient, n=1, kind="task.assigned"):
    return [
        notification_create(recipient=recipient, kind=kind, title=f"Task {i}", url="/tasks/")
        for i in range(n)
    ]


def test_known_kinds_are_worded_in_the_readers_language(alice):
    notification = _notify(alice, kind="task.reminder")[0]

    with translation.override("zh-hans"):
        chinese = notification.display_title
    assert notification.display_title == "Reminder: Task 0"
    assert chinese == "提醒：Task 0"


def test_unknown_kinds_show_their_title(alice):
    notification = notification_create(recipient=alice, kind="deal.won", title="赢单：500 台")

    assert notification.display_title == "赢单：500 台"


def test_marking_some_read_leaves_the_others(alice):
    first, second, third = _notify(alice, 3)

    marked = notifications_mark_read(actor=alice, ids=[first.pk, third.pk])

    assert marked == 2
    assert unread_notification_count(alice) == 1
    assert list(notifications_for(alice, unread_only=True)) == [second]


def test_marking_all_read(alice):
    _notify(alice, 3)

    assert notifications_mark_read(actor=alice) == 3
    assert unread_notification_count(alice) == 0


def test_nobody_marks_someone_elses_notifications(alice, bob):
    (bobs,) = _notify(bob)

    assert notifications_mark_read(actor=alice, ids=[bobs.pk]) == 0
    assert notifications_mark_read(actor=alice) == 0
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_users_see_only_their_own_notifications(alice, bob):
    _notify(bob, 2)
    (mine,) = _notify(alice)

    assert list(notifications_for(alice)) == [mine]
    assert unread_notification_count(alice) == 1


def test_unread_count_is_one_query(alice, django_assert_num_queries):
    _notify(alice, 30)

    with django_assert_num_queries(1):
        assert unread_notification_count(alice) == 30


def test_bell_shows_the_unread_count(client, alice, bob):
    task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    client.force_login(alice)

    html = client.get(reverse("activities:notification_bell"), **HTMX).content.decode()

    assert 'data-testid="notification-count">1<' in html
    assert 'hx-trigger="every 60s"' in html


def test_bell_query_count_does_not_grow_with_notifications(
    client, alice, django_assert_max_num_queries
):
    _notify(alice, 40)
    client.force_login(alice)

    with django_assert_max_num_queries(3):
        response = client.get(reverse("activities:notification_bell"), **HTMX)

    assert 'data-testid="notification-count">40<' in response.content.decode()


def test_pages_do_not_count_notifications_themselves(client, alice):
    _notify(alice, 2)
    client.force_login(alice)

    html = client.get(reverse("activities:task_list")).content.decode()

    assert 'hx-trigger="load"' in html
    assert 'data-testid="notification-count"' not in html


def test_notifications_page_lists_newest_first_and_marks_them_read(client, alice, bob):
    _notify(alice, 2)
    _notify(bob, 1)
    client.force_login(alice)

    response = client.get(reverse("activities:notification_list"))

    html = response.content.decode()
    assert [n.title for n in response.context["page"].items] == ["Task 1", "Task 0"]
    assert html.count('data-unread="true"') == 2  # shown as new this once
    assert unread_notification_count(alice) == 0
    assert Notification.objects.get(recipient=bob).read_at is None


def test_notifications_page_query_count_is_constant(
    client, alice, bob, django_assert_max_num_queries
):
    client.force_login(alice)
    for _ in range(3):
        task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    with django_assert_max_num_queries(5):
        client.get(reverse("activities:notification_list"))
    for _ in range(30):
        task_create(actor=bob, data={"title": "Visit", "assignee_id": alice.pk})
    with django_assert_max_num_queries(5):
        response = client.get(reverse("activities:notification_list"))
    assert response.content.decode().count('data-testid="notification-item"') == 25


@pytest.mark.parametrize("unread", [0, 2])
def test_mark_all_read_button(client, alice, unread):
    _notify(alice, unread)
    client.force_login(alice)

    response = client.post(reverse("activities:notifications_read_all"))

    assert response.status_code == 302
    assert unread_notification_count(alice) == 0
