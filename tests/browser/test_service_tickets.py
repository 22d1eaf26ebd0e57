"""An agent works a ticket in a real browser against the real server: from their tickets to the
ticket page, a note and a reply (htmx, the reply box's tabs in Alpine), then resolved."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.customers.services import person_create
from rapport.knowledge.tests.conftest import make_article
from rapport.service.models import MessageKind, Ticket, TicketStatus
from rapport.service.services import ticket_create
from tests.browser.conftest import PASSWORD, log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_opens_a_ticket_replies_and_resolves_it(page, alice):
    # Given a support agent and a customer's e-mail that became a ticket in the agent's queue
    support = team_create(name="Support")
    user_create(
        username="sam", password=PASSWORD, role=Role.SERVICE_AGENT, team=support, language="en"
    )
    emily = person_create(
        actor=alice,
        data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]},
    )
    ticket = ticket_create(
        actor=None,
        data={
            "subject": "The screen flickers",
            "body": "Since yesterday the screen <b>flickers</b>.",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
        channel="email",
    )
    # …and a public help-centre article about it
    admin = user_create(username="root", password=PASSWORD, role=Role.ADMINISTRATOR)
    article = make_article(admin, title="Screen flickers after an update")
    log_in(page, "sam")

    # When the agent finds it in the team's queue, unassigned, and opens it
    page.goto(reverse("service:team_queue"))
    row = page.get_by_test_id("queue-row").filter(has_text="The screen flickers")
    expect(row).to_contain_text("Nobody")
    # (the box in the header ticks every ticket for bulk assignment, and unticks them)
    page.get_by_test_id("queue-check-all").check()
    expect(page.get_by_test_id("queue-check").first).to_be_checked()
    page.get_by_test_id("queue-check-all").uncheck()
    expect(page.get_by_test_id("queue-check").first).not_to_be_checked()
    row.get_by_role("link").click()
    assert path_of(page) == reverse("service:ticket_detail", args=[ticket.pk])
    # The customer's words are shown as text, not as markup
    expect(page.get_by_test_id("message-body").first).to_contain_text("<b>flickers</b>")
    page.evaluate("() => { window.__sameDocument = true; }")
    # The knowledge base is asked for articles answering it
    expect(page.get_by_test_id("kb-suggestion")).to_contain_text("Screen flickers after an update")

    # …adds an internal note for colleagues first (the note tab)
    page.get_by_test_id("tab-note").click()
    expect(page.get_by_test_id("reply-submit")).to_have_text("Add note", use_inner_text=True)
    page.get_by_test_id("field-reply-body").fill("Probably the cable; asking her.")
    page.get_by_test_id("reply-submit").click()
    expect(page.get_by_test_id("ticket-notice")).to_have_text("Note added.")
    expect(page.locator("[data-testid=ticket-message][data-kind=internal_note]")).to_have_count(1)

    # …then answers the customer (the reply tab) with an empty text first
    page.get_by_test_id("tab-reply").click()
    page.get_by_test_id("reply-submit").click()
    expect(page.get_by_test_id("error-body")).to_be_visible()
    page.get_by_test_id("field-reply-body").fill("Please check the cable and tell us.")
    # (the suggested article's title and help-centre address go in where the cursor is)
    page.get_by_test_id("kb-insert-link").click()
    help_url = re.escape(reverse("help:article", args=[article.pk]))
    expect(page.get_by_test_id("field-reply-body")).to_have_value(
        re.compile(
            r"^Please check the cable and tell us\. Screen flickers after an update: "
            rf"http://[^ ]+{help_url} $"
        )
    )
    page.get_by_test_id("reply-submit").click()

    # Then the reply is in the conversation and the ticket is open, on the same page
    expect(page.get_by_test_id("ticket-notice")).to_have_text("Reply sent.")
    expect(page.locator("[data-testid=ticket-message][data-kind=public_reply]")).to_contain_text(
        "Please check the cable"
    )
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "open")

    # When the agent resolves it
    page.get_by_test_id("status-resolved").click()

    # Then it is resolved, without a page load
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "resolved")
    wait_for_htmx_idle(page)
    assert page.evaluate("() => window.__sameDocument") is True
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.first_responded_at is not None
    kinds = list(ticket.messages.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        MessageKind.CUSTOMER_MESSAGE,
        MessageKind.INTERNAL_NOTE,
        MessageKind.PUBLIC_REPLY,
    ]
    assert Ticket.objects.count() == 1
