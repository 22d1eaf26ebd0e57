"""From a visitor's inquiry on a website to a customer with a deal, in a real browser."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from rapport.sales.models import Lead, LeadForm, LeadStatus
from rapport.sales.services.leads import (
    lead_assignment_rule_create,
    lead_form_create,
    lead_scoring_rule_create,
)
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()


@pytest.fixture(autouse=True)
def _no_rescoring_job(monkeypatch):
    # These tests commit, so changing a scoring rule would queue the rescoring job in the real
    # Huey queue under var/; the rules exist before any lead here, so there is nothing to rescore.
    monkeypatch.setattr("rapport.sales.tasks.recompute_lead_scores", lambda: None)


@pytest.fixture
def contact_form(admin_user, east, alice):
    lead_scoring_rule_create(
        actor=admin_user,
        data={
            "label": "asked for a quote",
            "kind": "field_filled",
            "field": "message",
            "points": 20,
        },
    )
    lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "from the website", "kind": "source_is", "value": "web", "points": 10},
    )
    lead_assignment_rule_create(actor=admin_user, data={"name": "East", "team_id": east.pk})
    return lead_form_create(
        actor=admin_user,
        data={
            "name": "Contact us",
            "source": "web",
            "campaign": "Spring fair",
            "team_id": east.pk,
            "thank_you_text": "Thanks, we will call you within a day.",
            "fields": [
                {"key": "full_name", "label": "Your name", "type": "text", "required": True},
                {"key": "phone", "label": "Mobile", "type": "tel", "required": True},
                {"key": "company_name", "label": "Company", "type": "text"},
                {"key": "message", "label": "What do you need?", "type": "textarea"},
            ],
        },
    )


def test_visitor_submits_the_form_and_the_owner_converts_the_lead(page, contact_form):
    # Given a visitor on the hosted form, not signed in
    page.goto(reverse("sales:lead_form_public", args=[contact_form.public_key]))
    form = page.get_by_test_id("public-lead-form")
    expect(form).to_contain_text("Your name")

    # When they fill it in and send it
    page.get_by_test_id("public-full_name").fill("李雷")
    page.get_by_test_id("public-phone").fill("137 0013 7000")
    page.get_by_test_id("public-company_name").fill("杭州新材料有限公司")
    page.get_by_test_id("public-message").fill("Need a quote for 200 seats")
    page.get_by_test_id("public-submit").click()

    # Then they read the thank-you text, and the lead is scored and assigned by the rule
    expect(page.get_by_test_id("public-thanks")).to_contain_text("we will call you within a day")
    lead = Lead.objects.get()
    assert (lead.phone, lead.campaign, lead.score) == ("+8613700137000", "Spring fair", 30)
    assert lead.owner is not None

    # When its owner opens the lead list, then the lead
    log_in(page, lead.owner.username)
    page.get_by_test_id("nav-group-sales").click()
    page.get_by_test_id("nav-leads").click()
    rows = page.get_by_test_id("lead-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("lead-row-score")).to_have_text("30")
    rows.first.get_by_role("link", name="李雷").click()

    # Then the page shows the score with its reasons and the follow-up task
    expect(page.get_by_test_id("lead-score")).to_have_text("30")
    reasons = page.get_by_test_id("score-reason")
    expect(reasons).to_have_count(2)
    expect(reasons.first).to_contain_text("+20 asked for a quote")
    expect(page.get_by_test_id("lead-task")).to_contain_text("李雷")

    # When they convert it with a deal
    page.get_by_test_id("lead-convert").click()
    expect(page.get_by_test_id("convert-person")).to_contain_text("A new person 李雷")
    page.get_by_test_id("field-deal-amount").fill("90000")
    page.get_by_test_id("convert-submit").click()

    # Then they are on the new person's page, whose timeline holds the lead's history
    expect(page.get_by_test_id("person-name")).to_have_text("李雷")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert path_of(page) == reverse("customers:person_detail", args=[lead.converted_person_id])
    assert str(lead.converted_deal.amount) == "90000.00"
    wait_for_htmx_idle(page)
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator('[data-kind="lead.inquiry"]')).to_contain_text(
        "Need a quote for 200 seats"
    )
    expect(timeline.locator('[data-kind="lead.converted"]')).to_contain_text("Lead 李雷")


def test_missing_phone_keeps_the_visitors_answers_with_an_error(page, contact_form):
    page.goto(reverse("sales:lead_form_public", args=[contact_form.public_key]))
    page.get_by_test_id("public-full_name").fill("李雷")
    # Bypass the browser's own check of the required attribute, as an old browser would.
    page.get_by_test_id("public-lead-form").evaluate("form => form.noValidate = true")

    page.get_by_test_id("public-submit").click()

    expect(page.get_by_test_id("error-phone")).to_be_visible()
    expect(page.get_by_test_id("public-full_name")).to_have_value("李雷")
    assert not Lead.objects.exists()


def test_admin_adds_and_reorders_questions_in_the_designer(page, admin_user):
    log_in(page, "admin")
    page.goto(reverse("sales:lead_form_create"))
    page.get_by_test_id("field-form-name").fill("Trade show")
    rows = page.get_by_test_id("designer-row")
    expect(rows).to_have_count(5)  # the default questions

    # When the admin adds a question and moves it above the last default one
    page.get_by_test_id("designer-add").click()
    expect(rows).to_have_count(6)
    rows.nth(5).get_by_test_id("designer-key").fill("seats")
    rows.nth(5).get_by_test_id("designer-label").fill("How many seats?")
    rows.nth(5).get_by_test_id("designer-type").select_option("number")
    rows.nth(5).get_by_test_id("designer-up").click()
    # and removes the company question
    rows.nth(3).get_by_test_id("designer-remove").click()
    page.get_by_test_id("lead-form-save").click()

    # Then the form is saved in the order on the page, and the embed page shows its snippet
    expect(page.get_by_test_id("embed-snippet")).to_be_visible()
    lead_form = LeadForm.objects.get()
    assert [f["key"] for f in lead_form.fields] == [
        "full_name",
        "phone",
        "email",
        "seats",
        "message",
    ]
    assert lead_form.fields[3]["type"] == "number"
    expect(page.get_by_test_id("embed-snippet")).to_have_value(re.compile(r'name="seats"'))
