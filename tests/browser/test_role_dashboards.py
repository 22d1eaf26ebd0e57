"""The dashboards of each role on the demo data, in a real browser: each user lands on their
role's dashboard, its charts are drawn (the executive's map of China's provinces too) without a
script error under the CSP, and a widget moved through htmx comes back drawn. With
RAPPORT_SCREENSHOT=1 the pictures of docs/images/dashboard-*.png are taken on the whole demo set:

RAPPORT_SCREENSHOT=1 .venv/bin/python -m pytest tests/browser/test_role_dashboards.py
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import PASSWORD
from rapport.accounts.models import User
from rapport.dataio.demo.demo_set import demo_load
from tests.browser.conftest import log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMAGES = Path(settings.BASE_DIR) / "docs" / "images"
SAVE_PICTURES = os.environ.get("RAPPORT_SCREENSHOT") == "1"
LANGUAGE = os.environ.get("RAPPORT_SCREENSHOT_LANGUAGE", "en")
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-dashboard-chart]')].every((el) => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  return chart && chart.getZr().animation.isFinished();
})"""

# (who, the dashboard they land on or open, a widget whose chart must be drawn)
VISITS = (
    ("li.qiang", "rep", "my_pipeline"),
    ("wang.fang", "manager", "team_pipeline"),
    ("demo_admin", "marketing", "leads_by_source"),
    ("demo_admin", "executive", "regions"),
)


def test_each_roles_dashboard_draws_its_charts_on_the_demo_data(page, tmp_path, request):
    if not SAVE_PICTURES:
        request.getfixturevalue("small_demo_set")
    demo_load(password=PASSWORD)
    # The daily facts (revenue, provinces) are refreshed by jobs no worker runs here.
    call_command("rebuild_facts", stdout=io.StringIO())
    User.objects.update(language=LANGUAGE)
    page.set_viewport_size({"width": 1366, "height": 1000})

    for username, key, widget in VISITS:
        log_in(page, username)
        page.goto("/analytics/" if key != "marketing" else f"/analytics/dashboards/{key}/")

        expect(page.get_by_test_id(f"dashboard-{key}")).to_be_visible()
        expect(page.get_by_test_id(f"widget-{widget}").locator("canvas")).to_have_count(1)
        page.wait_for_function(CHARTS_DRAWN)
        target = IMAGES / f"dashboard-{key}.png" if SAVE_PICTURES else tmp_path / f"{key}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        page.context.clear_cookies()

    # A widget moved down comes back through htmx, its chart drawn again.
    log_in(page, "li.qiang")
    page.goto("/analytics/")
    wait_for_htmx_idle(page)
    page.get_by_test_id("down-my_pipeline").click()
    expect(page.get_by_test_id("dashboard-rep").locator(".widget-slot").nth(1)).to_have_attribute(
        "data-testid", "slot-my_pipeline"
    )
    expect(page.get_by_test_id("widget-my_pipeline").locator("canvas")).to_have_count(1)
