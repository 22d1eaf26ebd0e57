"""The key figures and cohort pages in a real browser: the charts draw under the CSP, and a
figure's definition opens with one click."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.customers.services import person_create
from rapport.sales.services.orders import order_create
from tests.browser.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kpi_and_cohort_charts_draw_and_definitions_open(page, admin_user):
    person = person_create(actor=admin_user, data={"full_name": "王芳"})
    for days_ago in (40, 3):
        order_create(
            actor=admin_user,
            data={
                "person_id": person.pk,
                "placed_at": (timezone.now() - datetime.timedelta(days=days_ago)).isoformat(),
                "lines": [{"description": "Tea", "quantity": 1, "unit_price": "100.00"}],
            },
        )
    # The figures read the per-customer facts, which a job no worker runs here would refresh.
    facts_rebuild()
    log_in(page, "admin", PASSWORD)

    page.goto("/analytics/kpis/")
    expect(page.get_by_test_id("kpi-aov").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("kpi-new-repeat").locator("canvas")).to_be_visible()
    definition = page.locator("#def-average-order-value")
    definition.locator("summary").click()
    expect(definition.locator("p")).to_be_visible()

    page.goto("/analytics/kpis/cohorts/")
    expect(page.get_by_test_id("cohort-heatmap").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("cohort-row")).to_have_count(12)
