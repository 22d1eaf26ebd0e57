"""The chats API: an agent takes, answers and closes a chat; another agent's chat is 404 on
every endpoint; bad input is a 4xx {code, message, details}; the list costs the same for any
number of chats."""

import pytest

from rapport.activities.models import TimelineEntry
from rapport.api.tests.conftest import client_for
from rapport.chat import services
from rapport.chat.models import ChatSession


@pytest.fixture
def waiting(site_key, sam, emily):
    services.agent_seen(user=sam)  # an agent online, so the chat waits instead of a ticket
    return services.chat_start(
        site_key=site_key,
        data={"question": "Where is my parcel?", "email": "emily@example.com"},
        ip="192.0.2.1",
    )


def test_an_agent_takes_answers_and_closes_a_chat(waiting, sam, emily):
    api = client_for(sam)

    listed = api.get("/chats", {"status": "waiting"})
    taken = api.post(f"/chats/{waiting.pk}/take")
    sent = api.post(f"/chats/{waiting.pk}/messages", {"text": "It left <b>today</b>."})
    closed = api.post(f"/chats/{waiting.pk}/close")

    assert [c["id"] for c in listed.json()["items"]] == [waiting.pk]
    assert (taken.status_code, taken.json()["status"], taken.json()["agent"]["id"]) == (
        200,
        "active",
        sam.pk,
    )
    assert sent.status_code == 201, sent.content
    assert (sent.json()["sender"], sent.json()["text"]) == ("agent", "It left <b>today</b>.")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "ended"
    assert [m["sender"] for m in body["messages"]] == ["visitor", "system", "agent", "system"]
    # sam is in Support, not Emily's team: the chat names no customer he may not open.
    assert body["person"] is None
    assert TimelineEntry.objects.filter(person=emily, kind="chat.transcript").exists()


def test_another_agents_chat_answers_404_everywhere(waiting, sam, sue):
    services.chat_take(actor=sam, session=waiting)
    api = client_for(sue)

    for response in (
        api.get(f"/chats/{waiting.pk}"),
        api.post(f"/chats/{waiting.pk}/take"),
        api.post(f"/chats/{waiting.pk}/messages", {"text": "Hi"}),
        api.post(f"/chats/{waiting.pk}/close"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api.get("/chats").json()["items"] == []
    assert ChatSession.objects.get(pk=waiting.pk).status == "active"


def test_bad_input_and_wrong_steps_are_4xx_with_a_code(waiting, sam):
    api = client_for(sam)

    before_taking = api.post(f"/chats/{waiting.pk}/messages", {"text": "Hi"})
    api.post(f"/chats/{waiting.pk}/take")
    taken_again = api.post(f"/chats/{waiting.pk}/take")
    empty = api.post(f"/chats/{waiting.pk}/messages", {"text": "   "})
    too_long = api.post(f"/chats/{waiting.pk}/messages", {"text": "x" * 2001})
    bad_status = api.get("/chats", {"status": "lost"})
    api.post(f"/chats/{waiting.pk}/close")
    after_close = api.post(f"/chats/{waiting.pk}/messages", {"text": "Hi"})

    assert [
        (r.status_code, r.json()["code"])
        for r in (before_taking, taken_again, empty, too_long, bad_status, after_close)
    ] == [
        (403, "permission_denied"),
        (409, "conflict"),
        (422, "validation_error"),
        (422, "validation_error"),
        (422, "validation_error"),
        (409, "conflict"),
    ]
    assert all(
        set(r.json()) == {"code", "message", "details"} for r in (before_taking, empty, after_close)
    )


def test_the_list_costs_the_same_for_any_number_of_chats(
    site_key, sam, django_assert_max_num_queries
):
    services.agent_seen(user=sam)
    api = client_for(sam)
    for n in range(6):
        services.chat_start(site_key=site_key, data={"question": f"Q{n}"}, ip="192.0.2.1")

    with django_assert_max_num_queries(8):
        response = api.get("/chats")

    assert len(response.json()["items"]) == 6
