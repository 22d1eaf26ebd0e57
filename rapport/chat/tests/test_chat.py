"""The web chat: a visitor's public calls (site key, origin, token), agents taking and replying,
the chat that becomes a ticket when nobody is there, identification and the timeline."""

import json
import threading

import pytest
from django.db import connection

from rapport.activities.models import TimelineEntry
from rapport.chat import services
from rapport.chat.models import ChatMessage, ChatSession
from rapport.chat.tests.conftest import SHOP
from rapport.customers.models import Person
from rapport.service.models import Ticket, TicketChannel


def post(client, site_key, path, body, origin=SHOP, lang="en"):
    return client.post(
        f"/chat/w/{site_key.key}/{path}?lang={lang}",
        data=json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
        headers={"Origin": origin},
    )


def poll(client, site_key, token, after=0, status=""):
    return client.get(
        f"/chat/w/{site_key.key}/poll",
        {"token": token, "after": after, "status": status, "lang": "en"},
        headers={"Origin": SHOP},
    )


@pytest.fixture
def online(client, sam):
    """sam has the chat inbox open."""
    services.agent_seen(user=sam)
    return sam


def start(client, site_key, **extra):
    response = post(client, site_key, "start", {"question": "Where is my parcel?", **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_visitor_and_an_agent_exchange_messages(client, site_key, online, sam):
    started = start(client, site_key, name="Emily")
    assert started["status"] == "waiting"
    assert started["messages"][0]["text"] == "Where is my parcel?"
    assert started["messages"][0]["sender"] == "visitor"
    chat = ChatSession.objects.get(visitor_token=started["token"])

    client.force_login(sam)
    assert client.post(f"/chat/{chat.pk}/take/").json() == {"status": "active"}
    reply = client.post(f"/chat/{chat.pk}/send/", {"text": "It left the warehouse today."})
    assert reply.status_code == 200
    client.logout()

    news = poll(client, site_key, started["token"], after=started["messages"][-1]["id"])
    assert news.status_code == 200
    assert news["Access-Control-Allow-Origin"] == SHOP
    body = news.json()
    assert body["status"] == "active"
    assert [m["sender"] for m in body["messages"]] == ["system", "agent"]
    assert body["messages"][1]["text"] == "It left the warehouse today."
    assert body["messages"][1]["name"] == "Sam"

    sent = post(client, site_key, "send", {"token": started["token"], "text": "Thanks!"})
    assert sent.status_code == 201
    client.force_login(sam)
    agent_news = client.get(
        f"/chat/{chat.pk}/poll/", {"after": body["messages"][-1]["id"], "status": "active"}
    ).json()
    assert [m["text"] for m in agent_news["messages"]] == ["Thanks!"]


def test_a_long_poll_returns_the_message_written_while_it_waits(
    transactional_db, site_key, online, sam, settings, client
):
    settings.RAPPORT_CHAT_POLL_SECONDS = 30
    started = start(client, site_key)
    chat = ChatSession.objects.get(visitor_token=started["token"])
    chat = services.chat_take(actor=sam, session=chat)
    last = ChatMessage.objects.filter(session=chat).order_by("-id").first().pk
    results = {}
    waiting = threading.Event()

    def visitor_waits():
        from django.test import Client

        waiting.set()
        results["response"] = poll(
            Client(), site_key, started["token"], after=last, status="active"
        )
        connection.close()

    thread = threading.Thread(target=visitor_waits)
    thread.start()
    waiting.wait()
    services.chat_agent_send(actor=sam, session=chat, text="First")
    services.chat_agent_send(actor=sam, session=chat, text="Second")
    thread.join(timeout=60)

    assert not thread.is_alive()
    texts = [m["text"] for m in results["response"].json()["messages"]]
    # The poll answers with what was there when it woke: the first message, maybe both, in order.
    assert texts in (["First"], ["First", "Second"])


def test_a_chat_becomes_a_ticket_when_no_agent_is_online(client, site_key, emily):
    started = start(client, site_key, email="Emily@Example.com")

    assert started["status"] == "ticket"
    chat = ChatSession.objects.get(visitor_token=started["token"])
    ticket = Ticket.objects.get(pk=chat.ticket_id)
    assert ticket.channel == TicketChannel.CHAT
    assert ticket.person_id == emily.pk
    assert "Where is my parcel?" in ticket.messages.get().body
    assert ticket.number in started["messages"][-1]["text"]
    assert TimelineEntry.objects.filter(person=emily, kind="chat.transcript").exists()


def test_a_chat_nobody_takes_in_time_becomes_a_ticket(client, site_key, online, settings):
    started = start(client, site_key)
    assert started["status"] == "waiting"
    settings.RAPPORT_CHAT_WAIT_SECONDS = -1

    news = poll(client, site_key, started["token"], status="waiting").json()

    assert news["status"] == "ticket"
    chat = ChatSession.objects.get(visitor_token=started["token"])
    assert chat.ticket.channel == TicketChannel.CHAT
    assert services.chats_expire_waiting() == 0  # done once


def test_an_away_agent_does_not_count_as_available(client, site_key, online, sam):
    from rapport.service.models import AgentProfile

    AgentProfile.objects.create(user=sam, is_away=True)

    assert start(client, site_key)["status"] == "ticket"


def test_identification_links_the_existing_person_by_phone_without_a_duplicate(
    client, site_key, online, emily
):
    persons = Person.objects.count()

    started = start(client, site_key, phone="138 0013 8000", name="Emily")

    chat = ChatSession.objects.get(visitor_token=started["token"])
    assert chat.person_id == emily.pk
    assert Person.objects.count() == persons


def test_an_unknown_email_links_nobody_and_creates_nobody(client, site_key, online, emily):
    persons = Person.objects.count()

    started = start(client, site_key, email="stranger@example.com")

    assert ChatSession.objects.get(visitor_token=started["token"]).person_id is None
    assert Person.objects.count() == persons


def test_ending_a_chat_puts_the_transcript_on_the_timeline(client, site_key, online, sam, emily):
    started = start(client, site_key, email="emily@example.com")
    chat = ChatSession.objects.get(visitor_token=started["token"])
    chat = services.chat_take(actor=sam, session=chat)
    services.chat_agent_send(actor=sam, session=chat, text="Hello <b>Emily</b>")

    client.force_login(sam)
    assert client.post(f"/chat/{chat.pk}/end/").json() == {"status": "ended"}

    entry = TimelineEntry.objects.get(person=emily, kind="chat.transcript")
    assert "Where is my parcel?" in entry.body
    assert "Hello <b>Emily</b>" in entry.body


def test_html_in_a_message_is_shown_escaped_to_the_agent(client, site_key, online, sam):
    started = start(client, site_key)
    post(client, site_key, "send", {"token": started["token"], "text": "<script>x()</script>"})
    chat = ChatSession.objects.get(visitor_token=started["token"])

    client.force_login(sam)
    page = client.get(f"/chat/{chat.pk}/")

    assert page.status_code == 200
    assert b"&lt;script&gt;x()&lt;/script&gt;" in page.content
    assert b"<script>x()" not in page.content


def test_an_oversize_message_is_refused_with_a_clear_error(client, site_key, online):
    started = start(client, site_key)

    response = post(client, site_key, "send", {"token": started["token"], "text": "x" * 2001})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "text" in response.json()["details"]
    assert ChatMessage.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1]", {"question": ""}, {"question": 5}, {"email": "x@", "question": "a"}],
)
def test_bad_start_bodies_are_4xx_and_save_nothing(client, site_key, online, body):
    response = post(client, site_key, "start", body)

    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"code", "message", "details"}
    assert ChatSession.objects.count() == 0


def test_a_forged_token_is_not_found(client, site_key, online):
    start(client, site_key)

    assert post(client, site_key, "send", {"token": "x" * 43, "text": "hi"}).status_code == 404
    assert poll(client, site_key, "forged-token-forged-token").status_code == 404
    assert poll(client, site_key, ["a", "b"]).status_code == 404


def test_another_origin_or_a_wrong_key_is_refused(client, site_key, online):
    assert (
        post(
            client, site_key, "start", {"question": "Hi"}, origin="https://evil.example"
        ).status_code
        == 403
    )
    response = client.post(
        "/chat/w/rsk_nope/start",
        data="{}",
        content_type="application/json",
        headers={"Origin": SHOP},
    )
    assert response.status_code == 404
    assert ChatSession.objects.count() == 0


def test_flooding_is_rate_limited(client, site_key, online, settings):
    settings.RAPPORT_CHAT_RATE_LIMIT = 3
    started = start(client, site_key)
    codes = [
        post(client, site_key, "send", {"token": started["token"], "text": f"{n}"}).status_code
        for n in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    assert ChatMessage.objects.filter(sender="visitor").count() == 3


def test_another_agent_cannot_reply_in_a_taken_chat(client, site_key, online, sam, sue):
    started = start(client, site_key)
    chat = ChatSession.objects.get(visitor_token=started["token"])
    chat = services.chat_take(actor=sam, session=chat)

    client.force_login(sue)
    assert client.post(f"/chat/{chat.pk}/send/", {"text": "Hi"}).status_code == 404
    assert client.get(f"/chat/{chat.pk}/").status_code == 404
    assert client.post(f"/chat/{chat.pk}/take/").status_code == 404


def test_the_inbox_lists_waiting_chats_with_a_count(
    client, site_key, online, sam, django_assert_max_num_queries
):
    for _ in range(3):
        start(client, site_key)
    client.force_login(sam)

    with django_assert_max_num_queries(12):
        state = client.get("/chat/state/").json()
    page = client.get("/chat/")

    assert state["waiting_count"] == 3
    assert page.status_code == 200
    assert b'data-testid="chat-waiting-count">3<' in page.content


def test_a_suggestion_answering_the_question_counts_a_deflection(client, site_key, admin_user):
    from rapport.knowledge.models import Deflection
    from rapport.knowledge.services import article_create

    article = article_create(
        actor=admin_user,
        data={
            "visibility": "public",
            "status": "published",
            "translations": {
                "en": {"title": "Where is my parcel", "body_html": "<p>Track your parcel.</p>"}
            },
        },
    )
    suggested = post(client, site_key, "suggest", {"question": "where is my parcel"}).json()
    assert [a["id"] for a in suggested["articles"]][:1] == [article.pk]

    response = post(
        client,
        site_key,
        "deflected",
        {"question": "where is my parcel", "article_ids": [article.pk]},
    )

    assert response.status_code == 200
    assert Deflection.objects.get().channel == "chat"
    assert ChatSession.objects.count() == 0
