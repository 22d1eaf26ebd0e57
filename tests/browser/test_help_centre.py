"""A customer on a phone asks the public help centre a question in their own words, finds the
answer, reads it and says it helped: no sign-in, in a real browser."""

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.knowledge import services
from rapport.knowledge.models import Article
from tests.browser.conftest import wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def article(agent, zh_title, en_title, body, **data):
    return services.article_create(
        actor=agent,
        data={
            "status": "published",
            "visibility": "public",
            "translations": {
                "zh-hans": {"title": zh_title, "body_html": f"<p>{body}</p>"},
                "en": {"title": en_title, "body_html": f"<p>{body}</p>"},
            },
            **data,
        },
    )


def test_a_visitor_finds_the_answer_by_search_and_says_it_helped(page):
    agent = user_create(username="agnes", password="x" * 12, role=Role.SERVICE_AGENT)
    answer = article(
        agent,
        "物流显示已签收但没有收到货",
        "Tracking says delivered but I did not receive it",
        "Check parcel lockers and neighbours, then contact us within 48 hours.",
    )
    article(agent, "如何开具发票", "How to get an invoice", "Tick Invoice when ordering.")
    article(
        agent,
        "快递员内部交接流程",
        "Courier hand-over procedure",
        "Internal steps for the warehouse.",
        visibility="internal",
    )
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/help/")
    page.get_by_test_id("help-search").fill("my parcel hasnt arrived but it says delivered")
    wait_for_htmx_idle(page)
    hits = page.get_by_test_id("help-hit")
    expect(hits.first).to_contain_text("Tracking says delivered")
    expect(page.get_by_test_id("help-results")).not_to_contain_text("Courier hand-over")
    hits.first.get_by_role("link").click()
    expect(page.get_by_test_id("help-article")).to_contain_text("within 48 hours")
    page.get_by_test_id("help-vote-yes").click()
    expect(page.get_by_test_id("help-thanks")).to_be_visible()

    answer.refresh_from_db()
    assert (answer.view_count, answer.helpful_count) == (1, 1)
    assert Article.objects.filter(helpful_count=0).count() == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
