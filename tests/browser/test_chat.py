"""The web chat widget between two browsers: a visitor on a shop's page of another origin and
an agent signed in to Rapport exchange messages both ways.

The shop's page (a small HTTP server on 127.0.0.1; Rapport's live server is on localhost) loads
`rapport-chat.js` with a site key that allows the shop's origin. The agent keeps the chat inbox
open (which makes them available), sees the waiting chat appear with its count, takes it and
replies; the visitor's HTML shows as typed on both sides; ending the chat puts the transcript
on the identified customer's timeline. Once the agent is away, the customer's next chat becomes
a ticket linked to her, and the widget says so.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.activities.models import TimelineEntry
from rapport.behaviour.services import site_key_create
from rapport.chat.models import ChatSession, ChatStatus
from rapport.customers.services import person_create
from rapport.service.models import Ticket, TicketChannel
from tests.browser.conftest import VIEWPORT, log_in
from tests.browser.test_tracking_snippet import shop  # noqa: F401 -- fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tea shop</title></head>
<body><h1>Longjing tea</h1>
<script src="{script}" data-key="{key}" data-lang="en" defer></script>
</body></html>
"""


@pytest.fixture
def visitor(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_a_visitor_and_an_agent_chat_both_ways(
    page,
    browser,
    visitor,
    shop,  # noqa: F811 -- the fixture imported above
    live_server,
    admin_user,
    alice,
    settings,
):
    settings.RAPPORT_CHAT_POLL_SECONDS = 5
    user_create(username="sam", password="correct-horse-battery-staple", role=Role.SERVICE_AGENT)
    emily = person_create(
        actor=alice, data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]}
    )
    site_key = site_key_create(
        actor=admin_user, data={"name": "Tea shop", "allowed_origins": [shop.origin]}
    )
    shop.pages["/tea.html"] = SHOP_PAGE.format(
        script=f"{live_server.url}/static/js/rapport-chat.js", key=site_key.key
    )

    # The agent opens the chat inbox: nobody waits yet
    log_in(page, "sam")
    page.goto(reverse("chat:inbox"))
    expect(page.get_by_test_id("chat-waiting-count")).to_have_text("0")

    # The visitor asks on the shop's page and starts a chat, giving her e-mail
    visitor.goto(f"{shop.origin}/tea.html")
    visitor.get_by_test_id("rc-open").click()
    visitor.get_by_test_id("rc-question").fill("<b>Where</b> is my parcel?")
    visitor.get_by_test_id("rc-ask").click()
    visitor.get_by_test_id("rc-email").fill("emily@example.com")
    visitor.get_by_test_id("rc-start").click()
    expect(visitor.get_by_test_id("rc-status")).to_have_text("Waiting for an agent…")
    expect(visitor.get_by_test_id("rc-log")).to_contain_text("<b>Where</b> is my parcel?")

    # It appears in the agent's inbox by itself, with the count, and in the menu of any page;
    # the agent takes it
    expect(page.get_by_test_id("chat-waiting-count")).to_have_text("1")
    page.goto(reverse("service:my_tickets"))
    expect(page.get_by_test_id("nav-group-service-badge")).to_have_text("1")
    page.goto(reverse("chat:inbox"))
    page.get_by_test_id("chat-waiting-item").click()
    expect(page.get_by_test_id("chat-log")).to_contain_text("<b>Where</b> is my parcel?")
    expect(page.get_by_test_id("chat-person")).to_have_text("Emily Carter")
    page.get_by_test_id("chat-take").click()
    expect(visitor.get_by_test_id("rc-log")).to_contain_text("sam joined the chat.")

    # Agent → visitor
    page.get_by_test_id("chat-text").fill("It left our warehouse <i>today</i>.")
    page.get_by_test_id("chat-send").click()
    expect(visitor.get_by_test_id("rc-log")).to_contain_text("It left our warehouse <i>today</i>.")

    # Visitor → agent
    visitor.get_by_test_id("rc-text").fill("Great, thank you!")
    visitor.get_by_test_id("rc-send").click()
    expect(page.get_by_test_id("chat-log")).to_contain_text("Great, thank you!")

    # The agent ends it: the visitor is told, the transcript is on Emily's timeline
    page.get_by_test_id("chat-end").click()
    expect(visitor.get_by_test_id("rc-status")).to_have_text("The chat has ended.")
    chat = ChatSession.objects.get()
    assert chat.status == ChatStatus.ENDED
    assert chat.person_id == emily.pk
    entry = TimelineEntry.objects.get(person=emily, kind="chat.transcript")
    assert "Great, thank you!" in entry.body
    page.goto(reverse("chat:inbox"))

    # The agent marks himself away: nobody is there to chat any more
    page.goto(reverse("service:my_tickets"))
    page.get_by_test_id("away-toggle").click()
    expect(page.get_by_test_id("away-toggle")).to_have_text("I am back")

    # Emily, back on the shop later (a new browser session), asks again: the widget tells her
    # her question became a request answered by e-mail, and the ticket is hers
    later = browser.new_context(viewport=VIEWPORT, locale="en-US")
    try:
        later.set_default_timeout(15_000)
        again = later.new_page()
        again.goto(f"{shop.origin}/tea.html")
        again.get_by_test_id("rc-open").click()
        again.get_by_test_id("rc-question").fill("Can I change the address?")
        again.get_by_test_id("rc-ask").click()
        again.get_by_test_id("rc-email").fill("emily@example.com")
        again.get_by_test_id("rc-start").click()
        expect(again.get_by_test_id("rc-log")).to_contain_text("No agent is free right now.")
        ticket = Ticket.objects.get(channel=TicketChannel.CHAT)
        expect(again.get_by_test_id("rc-log")).to_contain_text(
            f"We made your question request {ticket.number} and will answer by e-mail."
        )
        expect(again.get_by_test_id("rc-status")).to_have_text("The chat has ended.")
    finally:
        later.close()
    assert ticket.person_id == emily.pk
    assert "Can I change the address?" in ticket.messages.get().body
    assert ChatSession.objects.get(ticket=ticket).status == ChatStatus.TICKET
