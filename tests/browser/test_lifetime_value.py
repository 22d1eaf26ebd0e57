"""Lifetime value in a real browser: the model page's holdout chart draws under the CSP, and a
person's page shows their prediction in the insights slot."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.analytics.lifetime.models import LifetimeModelRun, RunStatus
from rapport.analytics.lifetime.services import lifetime_fit
from rapport.analytics.lifetime.tests.factories import regulars_and_leavers
from tests.browser.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_check_chart_draws_and_the_person_page_shows_the_prediction(page, admin_user):
    people = regulars_and_leavers(admin_user, 40, timezone.localdate())
    run = lifetime_fit(
        LifetimeModelRun.objects.create(
            as_of=timezone.localdate(), holdout_weeks=12, currency="CNY"
        )
    )
    assert run.status == RunStatus.FITTED
    log_in(page, "admin", PASSWORD)

    page.goto("/analytics/lifetime/")
    expect(page.get_by_test_id("lifetime-check-chart").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("lifetime-parameters")).to_contain_text("r, α")

    page.goto(f"/persons/{people[0].pk}/")
    expect(page.get_by_test_id("lifetime-section")).to_be_visible()
    expect(page.get_by_test_id("lifetime-alive")).to_contain_text("%")
