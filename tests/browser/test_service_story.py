"""The service story end to end, as issue 16's "Done when" tells it, against real servers.

A customer writes to the support mailbox on a real IMAP server (dovecot); the mailbox job reads
it and a rule puts the ticket in the Support team's queue, assigned to its agent. The agent,
in the browser, opens the ticket, sees the knowledge-base article that answers it and replies:
the customer gets the reply over real SMTP (aiosmtpd), threaded on her mail. The agent resolves
the ticket, which mails her the CSAT survey; she opens its link on her phone (a second browser,
not logged in) and answers 1 with a comment, which gives her owner a call-back task. The owner
finds the task in their task list and the whole story on the customer's timeline.

Jobs run in the process that queues them (Huey immediate), as the other browser tests do: the
reply and the invitation leave from the live server's request once it commits.
"""

import email
import email.policy
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.activities.models import Task
from rapport.customers.services import person_create
from rapport.inbox.tasks import poll_mailbox
from rapport.inbox.tests.conftest import imap_server, mailbox  # noqa: F401 -- fixtures
from rapport.inbox.tests.test_polling import mail
from rapport.knowledge.tests.conftest import make_article
from rapport.messaging.tests.conftest import huey_immediate, smtp_server  # noqa: F401 -- fixtures
from rapport.service.models import Ticket, TicketStatus
from rapport.service.services import assignment_rule_create
from rapport.surveys.models import (
    DEFAULT_CSAT_QUESTION_EN,
    DEFAULT_CSAT_QUESTION_ZH,
    Response,
    Survey,
    SurveyKind,
)
from tests.browser.conftest import PASSWORD, log_in, script_faults, wait_for_htmx_idle
from tests.browser.test_surveys import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPORT = "support@rapport.example"
CUSTOMER_MESSAGE_ID = "<c1.screen@mail.example.com>"


def _mail_text(raw: bytes) -> tuple[email.message.EmailMessage, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message, message.get_body(preferencelist=("plain",)).get_content()


def test_a_customers_mail_becomes_a_ticket_answered_resolved_and_rated(
    page,
    browser,
    live_server,
    settings,
    mailbox,  # noqa: F811 -- the fixture imported above
    smtp_server,  # noqa: F811 -- the fixture imported above
    admin_user,
    alice,
):
    settings.RAPPORT_SUPPORT_ADDRESS = SUPPORT
    settings.RAPPORT_BASE_URL = live_server.url
    # The CSAT survey the migration makes (a transactional test before may have flushed it).
    Survey.objects.get_or_create(
        kind=SurveyKind.CSAT,
        defaults={
            "name": "CSAT",
            "question_zh": DEFAULT_CSAT_QUESTION_ZH,
            "question_en": DEFAULT_CSAT_QUESTION_EN,
        },
    )
    # Given Emily, alice's customer; a Support team whose agent is Sam; a rule sending e-mail
    # to Support; and a published article that answers what Emily is about to ask
    emily = person_create(
        actor=alice,
        data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]},
    )
    support = team_create(name="Support")
    sam = user_create(
        username="sam",
        password=PASSWORD,
        role=Role.SERVICE_AGENT,
        team=support,
        language="en",
        first_name="Sam",
        last_name="Lee",
    )
    assignment_rule_create(
        actor=admin_user, data={"name": "Mail", "channel": "email", "team_id": support.pk}
    )
    make_article(
        admin_user,
        title="What to do when the screen flickers",
        body="<p>A flickering screen is almost always a loose display cable: reseat it.</p>",
    )

    # When Emily writes to the support mailbox and the mailbox job reads it
    mailbox.deliver(
        mail(
            sender="Emily Carter <emily@example.com>",
            subject="My screen flickers",
            body="Since yesterday my laptop screen flickers all the time. What can I do?",
            headers=f"Message-ID: {CUSTOMER_MESSAGE_ID}\r\n",
        ).replace(b"To: sales@rapport.example", f"To: {SUPPORT}".encode())
    )
    poll_mailbox()

    # Then a ticket is open for her, in Support's queue and assigned to Sam
    ticket = Ticket.objects.get()
    assert (ticket.person, ticket.channel, ticket.team, ticket.assignee) == (
        emily,
        "email",
        support,
        sam,
    )

    # When Sam opens it from his tickets
    log_in(page, "sam")
    page.goto(reverse("service:my_tickets"))
    page.get_by_test_id("ticket-row").filter(has_text="My screen flickers").get_by_role(
        "link"
    ).first.click()
    expect(page.get_by_test_id("message-body").first).to_contain_text("flickers all the time")

    # Then the knowledge base suggests the article that answers it
    expect(page.get_by_test_id("kb-suggestion").first).to_contain_text(
        "What to do when the screen flickers"
    )

    # When he replies
    page.get_by_test_id("tab-reply").click()
    page.get_by_test_id("field-reply-body").fill("Please reseat the display cable and tell us.")
    page.get_by_test_id("reply-submit").click()
    expect(page.get_by_test_id("ticket-notice")).to_have_text("Reply sent.")

    # Then Emily receives it over SMTP, on her mail's thread, signed by Sam
    assert len(smtp_server.received) == 1
    recipients, raw = smtp_server.received[0]
    assert recipients == ["emily@example.com"]
    reply, text = _mail_text(raw)
    assert reply["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert CUSTOMER_MESSAGE_ID in reply["References"]
    assert ticket.number in reply["Subject"]
    assert "Please reseat the display cable" in text
    assert "Sam Lee" in text

    # When he resolves the ticket
    wait_for_htmx_idle(page)
    page.get_by_test_id("status-resolved").click()
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "resolved")
    wait_for_htmx_idle(page)

    # Then the CSAT invitation arrives over SMTP, a link for each score
    assert len(smtp_server.received) == 2
    recipients, raw = smtp_server.received[1]
    assert recipients == ["emily@example.com"]
    invitation, text = _mail_text(raw)
    assert ticket.number in invitation["Subject"]
    link = re.search(r"^1: (\S+)", text, re.MULTILINE).group(1)
    assert link.startswith(live_server.url)

    # When Emily opens the "1" link on her phone, not logged in, says why and sends it
    phone_context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        phone_context.set_default_timeout(15_000)
        phone = phone_context.new_page()
        faults = script_faults(phone)
        phone.goto(link)
        expect(phone.get_by_test_id("survey-question")).to_have_text(DEFAULT_CSAT_QUESTION_EN)
        expect(phone.get_by_test_id("score-1")).to_be_checked()
        phone.get_by_test_id("survey-comment-input").fill("Two days without a screen.")
        phone.get_by_test_id("survey-submit").tap()
        expect(phone.get_by_test_id("survey-thanks")).to_be_visible()
        assert faults == []
    finally:
        phone_context.close()
    answer = Response.objects.get()
    assert (answer.score, answer.comment) == (1, "Two days without a screen.")

    # Then alice, her owner, has a call-back task in her task list
    task = Task.objects.get()
    assert (task.assignee, task.person_id) == (alice, emily.pk)
    page.context.clear_cookies()
    log_in(page, "alice")
    page.goto(reverse("activities:task_list"))
    page.get_by_test_id("task-tab-open").click()  # due within a day: maybe not "today"
    expect(page.get_by_test_id("task-item").filter(has_text=ticket.number)).to_have_count(1)

    # And Emily's timeline tells the whole story
    page.goto(reverse("customers:person_detail", args=[emily.pk]))
    entries = page.get_by_test_id("timeline-entry")
    for kind in ("ticket.created", "ticket.reply", "ticket.resolved", "survey.answered"):
        expect(entries.and_(page.locator(f"[data-kind='{kind}']"))).to_have_count(1)
    expect(entries.and_(page.locator("[data-kind='survey.answered']"))).to_contain_text(
        ticket.number
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
