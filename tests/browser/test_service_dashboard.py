"""The service dashboard in a real browser: the charts draw under the CSP, and a bar clicked on
the canvas opens the ticket list filtered to the tickets it counts."""

import re

import pytest
from playwright.sync_api import expect

from rapport.accounts.services import team_create
from rapport.service.services import ticket_create
from tests.browser.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bar_of_the_chart_opens_the_tickets_it_counts(page, admin_user):
    support = team_create(name="Support")
    for priority in ("urgent", "normal", "normal"):
        ticket_create(
            actor=admin_user,
            data={"subject": f"A {priority} one", "priority": priority, "team_id": support.pk},
            auto_assign=False,
        )
    log_in(page, "admin", PASSWORD)

    page.goto("/analytics/service/")
    chart = page.get_by_test_id("widget-open_by_priority").locator("[data-dashboard-chart]")
    expect(chart.locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("widget-backlog").locator("canvas")).to_be_visible()
    # Once the bars have grown (ECharts animates them in), click the middle of the first bar
    # (Urgent, one ticket), found from the chart's own coordinates.
    chart.evaluate(
        """el => new Promise(resolve => {
          const chart = window.echarts.getInstanceByDom(el);
          const animation = chart.getZr().animation;
          const wait = () => (animation.isFinished() ? resolve() : setTimeout(wait, 50));
          wait();
        })"""
    )
    x, y = chart.evaluate(
        """el => {
          const chart = window.echarts.getInstanceByDom(el);
          const top = chart.convertToPixel({ seriesIndex: 0 }, [0, 1]);
          const bottom = chart.convertToPixel({ seriesIndex: 0 }, [0, 0]);
          const box = el.getBoundingClientRect();
          return [box.left + top[0], box.top + (top[1] + bottom[1]) / 2];
        }"""
    )
    page.mouse.click(x, y)

    expect(page).to_have_url(re.compile(r"/service/tickets/\?status=any_open&priority=urgent$"))
    expect(page.get_by_test_id("ticket-row")).to_have_count(1)
    expect(page.get_by_test_id("ticket-row")).to_contain_text("A urgent one")
