"""The home page in the browser: a representative's and a manager's overview with their figures
and charts drawn (ECharts' canvas, no script error: the `page` fixture fails on any)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.customers.services import person_create
from rapport.sales.services.deals import deal_create, pipeline_get_default
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create
from tests.browser.conftest import log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def east_book(alice, bob, charlie):
    stages = {s.name: s for s in pipeline_get_default().stages.all()}
    person = person_create(actor=alice, data={"full_name": "张伟"})
    colleague_person = person_create(actor=bob, data={"full_name": "李娜"})
    for who, stage, amount in (
        (alice, "Qualification", "12000.00"),
        (alice, "Proposal", "88000.00"),
        (bob, "Negotiation", "45000.00"),
        (charlie, "Proposal", "77777.00"),
    ):
        deal_create(
            actor=who,
            data={"title": f"{who} {stage}", "stage_id": stages[stage].pk, "amount": amount},
        )
    lead_create(actor=alice, data={"full_name": "王芳", "company_name": "明远科技"})
    order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "placed_at": "2026-01-01T10:00:00+08:00",
            "lines": [{"description": "茶叶", "quantity": 1, "unit_price": "3600.00"}],
            "instalments": [{"due_date": "2026-01-10", "amount": "3600.00"}],
        },
    )
    task_create(
        actor=alice,
        data={
            "title": "回访张伟",
            "person_id": person.pk,
            "due_at": timezone.now() - datetime.timedelta(hours=2),
        },
    )
    for who, customer in ((alice, person), (alice, person), (bob, colleague_person)):
        interaction_create(actor=who, person=customer, data={"channel": "call", "subject": "跟进"})


def _expect_chart_drawn(page, testid):
    chart = page.get_by_test_id(testid)
    expect(chart).to_be_visible()
    expect(chart.locator("canvas")).to_have_count(1)
    box = chart.locator("canvas").bounding_box()
    assert box["width"] > 200 and box["height"] > 100


def test_representative_sees_her_figures_and_the_stage_chart(page, alice, east_book):
    # When alice signs in
    log_in(page, "alice")
    wait_for_htmx_idle(page)

    # Then her home page shows her own work: tasks, deals, leads and receivables
    expect(page.get_by_test_id("home-scope")).to_have_attribute("data-scope", "own")
    expect(page.get_by_test_id("figure-tasks-overdue")).to_contain_text("1 overdue")
    expect(page.get_by_test_id("figure-deals-count")).to_have_text("2")
    expect(page.get_by_test_id("figure-deals-amount")).to_have_text("100,000.00 CNY")
    expect(page.get_by_test_id("figure-leads-waiting")).to_have_text("1")
    expect(page.get_by_test_id("figure-receivables-amount")).to_have_text("3,600.00 CNY")
    expect(page.get_by_test_id("home-task-list")).to_contain_text("回访张伟")
    expect(page.get_by_test_id("home-lead-list")).to_contain_text("王芳")
    expect(page.get_by_test_id("attainment-widget")).not_to_contain_text("Loading")
    # And the chart of her open deals by stage is drawn
    _expect_chart_drawn(page, "home-stages-chart")
    expect(page.get_by_test_id("home-forecast")).to_have_count(0)
    # And another team's deal is nowhere
    expect(page.locator("body")).not_to_contain_text("77,777.00")

    # When she ticks off her task on the home page
    page.get_by_test_id("home-task-list").get_by_test_id("task-complete").click()

    # Then it is done, without leaving the page
    expect(page.get_by_test_id("home-task-list").get_by_test_id("task-item")).to_have_attribute(
        "data-status", "done"
    )
    assert path_of(page) == reverse("web:home")

    # When she follows the figure of her open deals
    page.get_by_test_id("figure-deals").click()

    # Then the deal list shows them, filtered the same way
    assert path_of(page).startswith(reverse("sales:deal_list"))
    assert f"owner_id={alice.pk}" in page.url


def test_manager_sees_the_teams_pipeline_forecast_and_activity(page, diana, east_book):
    # When diana, East's manager, signs in
    log_in(page, "diana")
    wait_for_htmx_idle(page)

    # Then her home page shows the team's figures and its three charts
    expect(page.get_by_test_id("home-scope")).to_have_attribute("data-scope", "team")
    expect(page.get_by_test_id("figure-deals-count")).to_have_text("3")
    expect(page.get_by_test_id("figure-deals-amount")).to_have_text("145,000.00 CNY")
    expect(page.get_by_test_id("figure-receivables-amount")).to_have_text("3,600.00 CNY")
    _expect_chart_drawn(page, "home-forecast-chart")
    _expect_chart_drawn(page, "home-stages-chart")
    _expect_chart_drawn(page, "home-activity-chart")
    expect(page.get_by_test_id("home-activity-total")).to_have_text("3 interactions")
    expect(page.locator("body")).not_to_contain_text("charlie")

    # When she clicks the stage row of Negotiation
    page.get_by_test_id("home-stage-table").get_by_role("link", name="Negotiation").click()

    # Then the deal list shows the team's open deals in that stage
    expect(page.get_by_text("bob Negotiation")).to_be_visible()
    assert "status=open" in page.url and "team_id=" in page.url


def test_new_installation_shows_what_to_do_first(page, admin_user):
    log_in(page, "admin")

    expect(page.get_by_test_id("home-getting-started")).to_be_visible()
    expect(page.get_by_test_id("home-figures")).to_have_count(0)
    page.get_by_test_id("start-import").get_by_role("link").first.click()
    assert path_of(page) == reverse("dataio:import_new")
