"""POST /api/v1/events: per-event results, who the events belong to, visits on the timeline."""

import datetime

import pytest

from rapport.activities.models import TimelineEntry
from rapport.behaviour.events import BehaviourEventsReceived
from rapport.behaviour.models import Event, Identity, Visit
from rapport.core import events as domain_events
from rapport.customers.services import person_create

from .conftest import EventsApi


def test_good_events_are_kept_and_each_bad_one_is_reported_with_its_index(admin_api, emily):
    response = admin_api.send(
        {"name": "page_viewed", "email": "Emily@Example.com", "properties": {"path": "/"}},
        {"name": "page_viewed", "email": "nobody@example.com"},
        {"name": "added_to_cart", "email": "emily@example.com", "properties": {"x": "y" * 9000}},
        {"name": "Not A Name!", "email": "emily@example.com"},
        "not an object",
        {"name": "signed_up", "external_id": "u-1", "anonymous_id": "anon-1"},
        {"name": "page_viewed"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert body["rejected"] == 5
    errors = {error["index"]: error for error in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 6]
    assert (errors[1]["status"], errors[1]["code"]) == (404, "unknown_person")
    assert "email" in errors[1]["details"]
    assert (errors[2]["status"], errors[2]["code"]) == (413, "properties_too_large")
    assert (errors[3]["status"], errors[3]["code"]) == (422, "validation_error")
    assert "name" in errors[3]["details"]
    assert errors[4]["status"] == 422
    assert errors[6]["code"] == "identity_required"
    kept = Event.objects.order_by("id")
    assert [(e.name, e.person_id) for e in kept] == [
        ("page_viewed", emily.pk),
        ("signed_up", None),  # an unknown external id with an anonymous id: kept anonymous
    ]
    assert body["ids"] == [e.pk for e in kept]


def test_a_body_that_is_not_json_is_refused_for_the_whole_call(admin_api):
    response = admin_api.post("/events", b'{"events": [{"name": "page_viewed",')

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert not Event.objects.exists()


def test_more_than_a_thousand_events_are_refused_for_the_whole_call(admin_api):
    response = admin_api.send(*([{"name": "app_opened", "anonymous_id": "a"}] * 1001))

    assert response.status_code == 422
    assert not Event.objects.exists()


def test_a_phone_number_finds_the_person_as_written_in_any_format(admin_api, emily):
    response = admin_api.send({"name": "app_opened", "phone": "138 0013 8000"})

    assert response.json()["accepted"] == 1
    assert Event.objects.get().person_id == emily.pk


def test_a_rep_cannot_put_events_on_another_teams_person(charlie, emily):
    response = EventsApi(charlie).send({"name": "page_viewed", "email": "emily@example.com"})

    assert response.json()["errors"][0]["code"] == "unknown_person"
    assert not Event.objects.exists()


def test_an_anonymous_visitors_earlier_events_join_the_person_who_identifies(admin_api, emily):
    admin_api.send(
        {"name": "page_viewed", "anonymous_id": "v1", "session_id": "s1"},
        {"name": "product_viewed", "anonymous_id": "v1", "session_id": "s1"},
    )
    assert not TimelineEntry.objects.filter(kind="behaviour.visit").exists()

    admin_api.send(
        {
            "name": "signed_up",
            "anonymous_id": "v1",
            "session_id": "s1",
            "email": "emily@example.com",
        }
    )
    admin_api.send({"name": "added_to_cart", "anonymous_id": "v1", "session_id": "s2"})

    assert set(Event.objects.values_list("person_id", flat=True)) == {emily.pk}
    assert Identity.objects.get(value="v1").person_id == emily.pk
    assert Visit.objects.filter(person=emily).count() == 2
    entries = TimelineEntry.objects.filter(person=emily, kind="behaviour.visit")
    assert sorted(e.data["events"] for e in entries) == [1, 3]


def test_the_identify_call_joins_the_visitor_and_refuses_an_unknown_person(admin_api, emily):
    admin_api.send({"name": "page_viewed", "anonymous_id": "v2"})

    unknown = admin_api.post(
        "/events/identify", {"anonymous_id": "v2", "email": "stranger@example.com"}
    )
    known = admin_api.post("/events/identify", {"anonymous_id": "v2", "email": "emily@example.com"})

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_person"
    assert known.status_code == 200
    assert known.json()["person_id"] == emily.pk
    assert list(Event.objects.order_by("id").values_list("name", "person_id")) == [
        ("page_viewed", emily.pk),
        ("identified", emily.pk),
    ]


def test_an_external_id_sent_with_an_email_is_remembered(admin_api, emily):
    admin_api.send({"name": "app_opened", "external_id": "shop-42", "email": "emily@example.com"})

    response = admin_api.send({"name": "app_opened", "external_id": "shop-42"})

    assert response.json()["accepted"] == 1
    assert Event.objects.filter(person=emily).count() == 2


def test_a_visit_is_one_timeline_entry_updated_as_events_arrive(admin_api, emily):
    def page(n):
        return {
            "name": "page_viewed",
            "email": "emily@example.com",
            "session_id": "visit-1",
            "properties": {"path": f"/p/{n}"},
        }

    admin_api.send(*[page(n) for n in range(10)])
    admin_api.send(
        page(10),
        page(11),
        {"name": "product_viewed", "email": "emily@example.com", "session_id": "visit-1"},
        {"name": "added_to_cart", "email": "emily@example.com", "session_id": "visit-1"},
    )

    entry = TimelineEntry.objects.get(person=emily, kind="behaviour.visit")
    assert entry.display_title == ("Online visit: added to cart, 1 product viewed, 12 pages viewed")
    visit = Visit.objects.get()
    assert entry.data["detail_url"] == f"/behaviour/visits/{visit.pk}/"
    assert visit.event_count == 14


def test_events_without_a_session_collapse_per_person_and_day(admin_api, emily):
    day = "2026-05-01T10:00:00+00:00"
    next_day = "2026-05-02T10:00:00+00:00"

    admin_api.send(
        {"name": "app_opened", "email": "emily@example.com", "occurred_at": day},
        {"name": "app_opened", "email": "emily@example.com", "occurred_at": day},
        {"name": "app_opened", "email": "emily@example.com", "occurred_at": next_day},
    )

    entries = TimelineEntry.objects.filter(person=emily, kind="behaviour.visit")
    assert sorted(e.occurred_at for e in entries) == [
        datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC),
        datetime.datetime(2026, 5, 2, 10, tzinfo=datetime.UTC),
    ]


def test_one_domain_event_announces_each_accepted_batch(admin_api, emily):
    received = []
    handler = domain_events.subscribe(BehaviourEventsReceived)(received.append)
    try:
        admin_api.send(
            {"name": "page_viewed", "email": "emily@example.com"},
            {"name": "custom.thing", "anonymous_id": "v9"},
        )
    finally:
        domain_events._handlers[BehaviourEventsReceived].remove(handler)

    assert len(received) == 1
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert received[0].events == (
        (ids[0], "page_viewed", emily.pk),
        (ids[1], "custom.thing", None),
    )


@pytest.fixture
def many_persons(alice):
    return [
        person_create(
            actor=alice,
            data={"full_name": f"Customer {n}", "emails": [{"email": f"c{n}@example.com"}]},
        )
        for n in range(20)
    ]


def test_a_batch_of_a_thousand_events_takes_a_fixed_number_of_queries(
    admin_api, many_persons, django_assert_max_num_queries
):
    # 20 persons with 2 visits each (40 new timeline entries), anonymous visitors, one of whom
    # identifies, phones and external ids.
    events = []
    for n in range(1000):
        who = n % 25
        if who < 20:
            event = {"email": f"c{who}@example.com", "session_id": f"s{who}-{n % 2}"}
        else:
            event = {"anonymous_id": f"anon{who}", "session_id": f"anon-s{who}"}
        event.update(name="page_viewed", properties={"n": n})
        events.append(event)
    events[-1]["email"] = "c0@example.com"  # anon24 identifies as customer 0

    # The key, the savepoint, 3 look-ups of persons, identities (insert, join: 2), visits
    # (insert, lock, update), the visits' timeline entries (1 insert), the events (1 insert on
    # PostgreSQL, 9 on SQLite's 999 parameters a statement), the rules' subscribers (2).
    with django_assert_max_num_queries(25):
        response = admin_api.send(*events)

    assert response.json()["accepted"] == 1000
    # 800 events of customers, and the 40 of the visitor who identified.
    assert Event.objects.filter(person__isnull=False).count() == 840


def test_a_second_batch_into_the_same_visits_refreshes_their_entries_in_one_query(
    admin_api, many_persons, django_assert_max_num_queries
):
    events = [
        {"name": "page_viewed", "email": f"c{n % 20}@example.com", "session_id": f"s{n % 20}"}
        for n in range(1000)
    ]
    admin_api.send(*events)

    # As above, without new identities or timeline entries: their refresh is one UPDATE.
    with django_assert_max_num_queries(20):
        response = admin_api.send(*events)

    assert response.json()["accepted"] == 1000
    assert TimelineEntry.objects.filter(kind="behaviour.visit").count() == 20
    entry = TimelineEntry.objects.filter(kind="behaviour.visit").first()
    assert entry.data["counts"] == {"page_viewed": 100}
