"""A customer answers a CSAT survey on a phone: the link from the e-mail (a score already
chosen there), a comment, the answer saved and then changed, all without logging in."""

import pytest
from playwright.sync_api import expect

from rapport.customers.services import person_create
from rapport.service.services import ticket_change_status, ticket_create
from rapport.surveys import links
from rapport.surveys.models import (
    DEFAULT_CSAT_QUESTION_EN,
    DEFAULT_CSAT_QUESTION_ZH,
    Invitation,
    Response,
    Survey,
    SurveyKind,
)
from tests.browser.conftest import script_faults

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    faults = script_faults(page)
    yield page
    context.close()
    assert faults == []


def test_a_customer_answers_csat_on_a_phone(phone, alice, admin_user):
    # Given a Chinese customer whose ticket was just resolved (which e-mailed her the survey)
    Survey.objects.get_or_create(
        kind=SurveyKind.CSAT,
        defaults={
            "name": "CSAT",
            "question_zh": DEFAULT_CSAT_QUESTION_ZH,
            "question_en": DEFAULT_CSAT_QUESTION_EN,
        },
    )
    wang = person_create(
        actor=alice, data={"full_name": "王芳", "emails": [{"email": "wang@example.com"}]}
    )
    ticket = ticket_create(
        actor=admin_user, data={"subject": "屏幕闪烁", "body": "昨天开始闪烁", "person_id": wang.pk}
    )
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")
    invitation = Invitation.objects.get(ticket=ticket)

    # When she taps "2" in the e-mail: the page opens in Chinese with 2 chosen, nothing saved yet
    phone.goto(links.answer_path(invitation, score=2))
    expect(phone.get_by_test_id("survey-question")).to_have_text(DEFAULT_CSAT_QUESTION_ZH)
    expect(phone.get_by_test_id("score-2")).to_be_checked()
    assert not Response.objects.exists()
    # One column that fits the phone, with scores big enough to tap
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    box = phone.locator("label.survey-score").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44

    # …she writes why (with markup, shown back as text) and sends it
    phone.get_by_test_id("survey-comment-input").fill("等了<b>三天</b>")
    phone.get_by_test_id("survey-submit").tap()
    expect(phone.get_by_test_id("survey-thanks")).to_be_visible()
    expect(phone.get_by_test_id("survey-comment-input")).to_have_value("等了<b>三天</b>")
    answer = Response.objects.get()
    assert (answer.score, answer.comment, answer.language) == (2, "等了<b>三天</b>", "zh-hans")

    # Then she changes her mind within the week: the same answer is changed, not a second one
    phone.locator("label.survey-score", has_text="4").tap()
    phone.get_by_test_id("survey-submit").tap()
    expect(phone.get_by_test_id("survey-thanks")).to_be_visible()
    expect(phone.get_by_test_id("score-4")).to_be_checked()
    assert Response.objects.count() == 1
    assert Response.objects.get().score == 4
