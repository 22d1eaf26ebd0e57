"""The per-user calendar feed: a private address read without signing in, holding the user's
open tasks with a due time and their meetings as UTC events with stable UIDs, parsed back with
the icalendar package to prove that calendar programs can read it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from rapport.accounts.services import user_calendar_token_clear, user_calendar_token_reset
from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_complete, task_create

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def feed(client, user):
    token = user.calendar_token or user_calendar_token_reset(user=user)
    response = client.get(reverse("activities:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar) -> dict:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def planned(alice, bob, east_customer, settings):
    settings.RAPPORT_BASE_URL = "https://crm.example.cn/"
    due = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    task = task_create(
        actor=alice,
        data={"title": "寄样品", "due_at": due.astimezone(SHANGHAI), "person_id": east_customer.pk},
    )
    meeting = interaction_create(
        actor=alice,
        person=east_customer,
        data={
            "channel": "meeting",
            "subject": "季度回顾",
            "content": "带上报价单",
            "occurred_at": (due + datetime.timedelta(days=1)).isoformat(),
        },
    )
    return {"task": task, "meeting": meeting, "due": due}


def test_feed_holds_the_users_tasks_and_meetings_in_utc(client, alice, planned, east_customer):
    calendar = feed(client, alice)

    found = events(calendar)
    task, meeting, due = planned["task"], planned["meeting"], planned["due"]
    assert set(found) == {f"task-{task.pk}@crm.example.cn", f"meeting-{meeting.pk}@crm.example.cn"}
    todo = found[f"task-{task.pk}@crm.example.cn"]
    assert str(todo["SUMMARY"]) == "Task: 寄样品"
    assert todo.decoded("DTEND") == due
    assert todo.decoded("DTEND").utcoffset() == datetime.timedelta(0)
    assert b"DTEND:" + due.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ").encode() in (
        calendar.to_ical()
    )
    task_url = "https://crm.example.cn" + reverse("activities:task_detail", args=[task.pk])
    assert str(todo["URL"]) == task_url
    assert task_url in str(todo["DESCRIPTION"])
    event = found[f"meeting-{meeting.pk}@crm.example.cn"]
    assert str(event["SUMMARY"]) == "季度回顾"
    assert event.decoded("DTSTART") == meeting.occurred_at
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(hours=1)
    assert "张伟" in str(event["DESCRIPTION"])
    assert str(calendar["VERSION"]) == "2.0"


def test_uids_stay_the_same_when_a_task_is_rescheduled(client, alice, planned):
    task = planned["task"]
    first = set(events(feed(client, alice)))
    task.due_at += datetime.timedelta(days=1)
    task.save()

    assert set(events(feed(client, alice))) == first


def test_done_tasks_other_peoples_tasks_and_calls_are_left_out(
    client, alice, bob, planned, east_customer
):
    task_complete(actor=alice, task=planned["task"])
    task_create(actor=bob, data={"title": "bob's", "due_at": planned["due"]})
    interaction_create(
        actor=alice,
        person=east_customer,
        data={"channel": "call", "subject": "电话", "occurred_at": planned["due"].isoformat()},
    )

    assert list(events(feed(client, alice))) == [f"meeting-{planned['meeting'].pk}@crm.example.cn"]


def test_feed_is_in_the_users_language(client, wang, east_customer):
    task_create(
        actor=wang,
        data={"title": "回电", "due_at": timezone.now() + datetime.timedelta(hours=3)},
    )

    calendar = feed(client, wang)

    [event] = calendar.walk("VEVENT")
    assert "回电" in str(event["SUMMARY"])
    assert event["CATEGORIES"].cats == ["任务"]


def test_a_regenerated_address_replaces_the_old_one(client, alice):
    old = user_calendar_token_reset(user=alice)
    new = user_calendar_token_reset(user=alice)

    assert client.get(reverse("activities:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("activities:calendar_feed", args=[new])).status_code == 200


def test_switched_off_feed_and_unknown_tokens_answer_404(client, alice):
    token = user_calendar_token_reset(user=alice)
    user_calendar_token_clear(user=alice)

    assert client.get(reverse("activities:calendar_feed", args=[token])).status_code == 404
    assert client.get("/activities/calendar/.ics").status_code == 404
    assert client.get(reverse("activities:calendar_feed", args=["x" * 43])).status_code == 404


def test_an_inactive_users_feed_is_gone(client, alice):
    token = user_calendar_token_reset(user=alice)
    alice.is_active = False
    alice.save()

    assert client.get(reverse("activities:calendar_feed", args=[token])).status_code == 404


def test_feed_reads_in_a_fixed_number_of_queries(
    client, alice, planned, east_customer, django_assert_max_num_queries
):
    token = user_calendar_token_reset(user=alice)
    for i in range(5):
        interaction_create(
            actor=alice,
            person=east_customer,
            data={
                "channel": "meeting",
                "subject": f"会议 {i}",
                "occurred_at": (planned["due"] + datetime.timedelta(hours=i)).isoformat(),
            },
        )

    with django_assert_max_num_queries(4):
        response = client.get(reverse("activities:calendar_feed", args=[token]))

    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 7
