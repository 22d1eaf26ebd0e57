"""The report builder in a real browser: a report built by picking orders, month × province and
the sum of totals shows the same table as a hand-written SQL query over the same orders, and
its chart draws under the CSP."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.customers.services import company_create, person_create
from rapport.sales.services.orders import order_create
from tests.browser.conftest import PASSWORD, log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Orders in China's time: the one at 01:00 on 1 February is still 31 January in UTC, so a
# report that grouped by UTC months would disagree with the query below.
ORDERS = [
    ("zhang", "2026-01-05T10:00:00+08:00", "120.00"),
    ("zhang", "2026-02-01T01:00:00+08:00", "80.50"),
    ("li", "2026-01-31T22:00:00+08:00", "300.00"),
    ("li", "2026-03-15T09:00:00+08:00", "45.25"),
    ("company", "2026-03-02T12:00:00+08:00", "1000.00"),
    ("nowhere", "2026-02-10T12:00:00+08:00", "9.99"),
]

# What the report must show, asked of the database directly: local month, the customer's
# province (the person's, else the company's), the sum of totals.
MONTH_SQL = {
    "sqlite": "strftime('%Y-%m', datetime(o.placed_at, '+8 hours'))",
    "postgresql": "to_char(o.placed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
}
REPORT_SQL = """
    SELECT {month} AS month,
           COALESCE(NULLIF(p.region, ''), NULLIF(c.region, ''), '') AS province,
           SUM(o.total)
      FROM sales_order o
      LEFT JOIN customers_person p ON p.id = o.person_id
      LEFT JOIN customers_company c ON c.id = o.company_id
     GROUP BY 1, 2
"""


def _expected() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(REPORT_SQL.format(month=MONTH_SQL[connection.vendor]))
        return {(month, province): Decimal(str(total)) for month, province, total in cursor}


def test_a_report_built_in_the_browser_matches_a_hand_written_query(page, admin_user):
    customers = {
        "zhang": {
            "person_id": person_create(
                actor=admin_user, data={"full_name": "张伟", "region": "浙江"}
            ).pk
        },
        "li": {
            "person_id": person_create(
                actor=admin_user, data={"full_name": "李娜", "region": "广东"}
            ).pk
        },
        "company": {
            "company_id": company_create(
                actor=admin_user, data={"name": "东方贸易", "region": "上海"}
            ).pk
        },
        "nowhere": {"person_id": person_create(actor=admin_user, data={"full_name": "王芳"}).pk},
    }
    for customer, placed_at, price in ORDERS:
        order_create(
            actor=admin_user,
            data={
                **customers[customer],
                "placed_at": placed_at,
                "lines": [{"description": "Tea", "quantity": 1, "unit_price": price}],
            },
        )
    log_in(page, "admin", PASSWORD)

    # When the administrator builds the report: orders, by month then province, sum of totals
    page.goto("/analytics/reports/")
    wait_for_htmx_idle(page)
    page.get_by_test_id("report-subject").select_option("orders")
    wait_for_htmx_idle(page)
    page.get_by_test_id("report-dimension-1").select_option("placed_at:month")
    wait_for_htmx_idle(page)
    page.get_by_test_id("report-dimension-2").select_option("province")
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("pivot-column").first).to_be_visible()
    page.get_by_test_id("report-measure-sum:total").check()
    wait_for_htmx_idle(page)
    page.get_by_test_id("report-measure-count").uncheck()
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("report-measure-count")).not_to_be_checked()
    expect(page.get_by_test_id("report-measure-sum:total")).to_be_checked()
    expect(page.get_by_test_id("report-chart").locator("canvas")).to_be_visible()
    assert re.search(r"dimension_2=province", page.url)

    # Then each cell of the pivot is the query's sum for its month and province
    columns = [cell.get_attribute("data-key") for cell in page.get_by_test_id("pivot-column").all()]
    shown = {}
    for row in page.get_by_test_id("pivot-row").all():
        month = row.get_attribute("data-key")[:7]
        for province, cell in zip(columns, row.get_by_test_id("pivot-cell").all(), strict=True):
            text = cell.inner_text().strip()
            if text != "—":
                shown[(month, province)] = Decimal(text.replace(",", ""))
    assert shown == _expected()
    assert shown[("2026-02", "浙江")] == Decimal("80.50")


def test_a_report_by_province_draws_on_the_map_of_china(page, admin_user):
    # Given orders of a customer in 浙江省 (the map names it 浙江) and one in 广东
    for name, region in (("张伟", "浙江省"), ("李娜", "广东")):
        person = person_create(actor=admin_user, data={"full_name": name, "region": region})
        order_create(
            actor=admin_user,
            data={
                "person_id": person.pk,
                "lines": [{"description": "Tea", "quantity": 1, "unit_price": "10.00"}],
            },
        )
    facts_rebuild()  # the job the commits queue (no worker here): orders counted read the facts
    log_in(page, "admin", PASSWORD)

    # When the orders are counted by province and drawn as a map
    page.goto("/analytics/reports/?subject=orders&dimension_1=province&measure=count&chart=map")
    wait_for_htmx_idle(page)

    # Then the map of China is drawn (under the CSP: the page fixture checks) with both provinces
    chart = page.locator("div[data-report-chart]")
    expect(chart.locator("canvas")).to_be_visible()
    series = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('div[data-report-chart]'))"
        ".getOption().series[0]"
    )
    assert series["type"] == "map"
    drawn = {(r["name"], r["value"]) for r in series["data"] if r.get("value") is not None}
    assert drawn == {("浙江", 1), ("广东", 1)}
