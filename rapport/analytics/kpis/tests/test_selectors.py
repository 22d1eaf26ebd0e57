"""Each key figure on the hand-made book of conftest.py, against the answer worked out by hand
there, as alice sees it (charlie's West records never count)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.kpis import selectors
from rapport.analytics.kpis.tests.conftest import march_april
from rapport.sales.selectors.orders import orders_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(alice, book, leads, won_deals, answers):
    return selectors.kpi_source(alice, march_april())


def test_retention_counts_who_ordered_before_the_range_and_again_in_it(source):
    # Before March: 王芳 and 李娜; of them only 王芳 ordered again. By month: of March's two
    # customers (王芳, 张伟), both ordered in April.
    found = selectors.retention(source)

    assert (found["value"], found["retained"], found["base"]) == (50.0, 1, 2)
    assert found["trend"]["values"] == [None, 100.0]


def test_repeat_purchase_rate_counts_customers_with_two_orders_in_the_range(source):
    # 王芳 3 orders, 张伟 2, 东方贸易 1 (the cancelled order of 刘洋 is no purchase).
    found = selectors.repeat_purchase(source)

    assert (found["value"], found["repeat"], found["base"]) == (66.7, 2, 3)
    assert found["trend"]["values"] == [50.0, 0.0]


def test_average_order_value_is_per_currency(source):
    found = selectors.average_order_value(source)

    assert [(a["currency"], a["value"], a["orders"]) for a in found["amounts"]] == [
        ("CNY", Decimal("325.00"), 4),
        ("USD", Decimal("175.00"), 2),
    ]
    assert found["trend"]["series"] == [
        {"name": "CNY", "values": [300.0, 350.0]},
        {"name": "USD", "values": [300.0, 50.0]},
    ]


def test_revenue_per_customer_divides_by_the_customers_of_that_currency(source):
    found = selectors.revenue_per_customer(source)

    assert [(a["currency"], a["value"], a["customers"]) for a in found["amounts"]] == [
        ("CNY", Decimal("650.00"), 2),
        ("USD", Decimal("175.00"), 2),
    ]
    assert found["trend"]["series"][0]["values"] == [300.0, 350.0]


def test_new_and_repeat_customers_by_month(source):
    # March: 张伟 new, 王芳 repeat. April: 东方贸易 new; 张伟 and 王芳 (with 东方贸易 named on
    # the order: a person's order is the person's) repeat.
    found = selectors.new_and_repeat_customers(source)

    assert (found["new"], found["active"]) == (2, 3)
    assert (found["trend"]["new"], found["trend"]["repeat"]) == ([1, 1], [1, 2])


def test_new_customers_by_source(source):
    found = selectors.new_customers_by_source(source)

    assert [(row["source"], row["value"]) for row in found["rows"]] == [
        ("trade_show", 1),
        ("web", 1),
    ]


def test_lead_conversion_rate_and_median_days(source):
    # Created in the range: 3 (2 March, 1 April); converted: 2, after 10 and 20 days.
    found = selectors.lead_conversion(source)

    assert (found["value"], found["created"], found["converted"]) == (66.7, 3, 2)
    assert found["median_days"] == 15.0
    assert found["trend"]["values"] == [100.0, 0.0]


def test_sales_cycle_of_won_deals(source):
    # Won in the range after 69, 30 (March) and 10 days (April); the lost deal does not count.
    found = selectors.sales_cycle(source)

    assert (found["won"], found["median_days"], found["p90_days"]) == (3, 30.0, 61.2)
    assert found["trend"]["values"] == [49.5, 10.0]


def test_nps_and_csat(source):
    # NPS: March 10, 9, 7, 3 → (2 − 1) / 4 = 25; April 2 → −100; in all (2 − 2) / 5 = 0.
    # CSAT: March 5, 4 → 4.5; April 2; in all 11 / 3, two of three satisfied.
    nps = selectors.nps(source)
    csat = selectors.csat(source)

    assert (nps["value"], nps["count"], nps["trend"]["values"]) == (0, 5, [25, -100])
    assert (csat["value"], csat["satisfied"], csat["trend"]["values"]) == (3.67, 66.7, [4.5, 2.0])


def test_weekly_trend_puts_each_order_in_its_week(alice, book):
    # 2026-03-05 is a Thursday: the first week of the range starts on Sunday 1 March (cut), the
    # order of 10 March is in the week of Monday 9 March.
    source = selectors.kpi_source(
        alice,
        DashboardFilters(
            start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 15), period="week"
        ),
    )

    found = selectors.average_order_value(source)

    assert found["trend"]["series"][0] == {"name": "CNY", "values": [None, 200.0, 400.0]}


def test_cohort_table_by_first_order_month(alice, book):
    rows = selectors.cohort_table(
        alice,
        DashboardFilters(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31)),
    )

    # January: 王芳 (again in March and April); February: 李娜 (never again); March: 张伟
    # (again in April). The first nine months after each are over whatever today is.
    assert [(row.month, row.customers) for row in rows] == [
        (datetime.date(2026, 1, 1), 1),
        (datetime.date(2026, 2, 1), 1),
        (datetime.date(2026, 3, 1), 1),
    ]
    shares = [[cell.share for cell in row.cells[:9]] for row in rows]
    assert shares == [
        [100.0, 0.0, 100.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [100.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ]
    january = rows[0].cells
    assert january[0].revenue == {"CNY": Decimal("100.00")}
    assert january[2].revenue == {"CNY": Decimal("200.00"), "USD": Decimal("300.00")}
    assert january[3].revenue == {"CNY": Decimal("100.00")}
    assert rows[2].cells[1].revenue == {"CNY": Decimal("600.00")}


def test_cohort_chart_points_are_offset_row_share(alice, book):
    rows = selectors.cohort_table(
        alice,
        DashboardFilters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31)),
    )

    chart = selectors.cohort_chart(rows)

    assert chart["points"][:2] == [[0, 0, 100.0], [1, 0, 0.0]]


def test_charlie_counts_nothing_of_alice(charlie, alice, book, leads, won_deals, answers):
    source = selectors.kpi_source(charlie, march_april())

    # charlie's own: Emily's one order (new, West), one lead converted in a day, one deal won in
    # a day, Emily's NPS 0.
    assert selectors.retention(source)["base"] == 0
    assert [a["value"] for a in selectors.average_order_value(source)["amounts"]] == [
        Decimal("1000.00")
    ]
    assert selectors.new_and_repeat_customers(source)["new"] == 1
    assert selectors.lead_conversion(source)["created"] == 1
    assert selectors.sales_cycle(source)["won"] == 1
    assert selectors.nps(source)["count"] == 1
    assert selectors.csat(source)["count"] == 0
    cohorts = selectors.cohort_table(charlie, march_april())
    assert [row.customers for row in cohorts] == [1, 0]


def test_team_filter_narrows_to_that_team(admin_user, alice, charlie, book):
    everyone = selectors.kpi_source(admin_user, march_april())
    west = selectors.kpi_source(admin_user, march_april(team_id=charlie.team_id))

    assert selectors.new_and_repeat_customers(everyone)["new"] == 3
    assert selectors.new_and_repeat_customers(west)["new"] == 1


def test_every_figure_is_a_fixed_number_of_queries(
    alice, book, leads, won_deals, answers, django_assert_max_num_queries
):
    source = selectors.kpi_source(alice, march_april())

    # customers, activity, leads (2), deals, answers; more data costs no more queries.
    with django_assert_max_num_queries(6):
        for figure in selectors.FIGURES:
            figure(source)
    with django_assert_max_num_queries(2):
        selectors.cohort_table(alice, march_april())


def _direct(user, filters):
    """What the customer figures read, computed straight from the orders, one by one: per
    customer its first counted order ever and its orders in the range and in the window before;
    per period and currency, the orders, revenue and customers."""
    orders = orders_visible_to(user).exclude(status__in=("cancelled", "returned"))
    if filters.team_id is not None:
        orders = orders.filter(team_id=filters.team_id)
    length = filters.end - filters.start + datetime.timedelta(days=1)
    customers, periods = {}, {}
    for order in orders.order_by("placed_at"):
        key = ("person", order.person_id) if order.person_id else ("company", order.company_id)
        day = timezone.localtime(order.placed_at).date()
        row = customers.setdefault(key, [day, 0, 0])
        if filters.start <= day <= filters.end:
            row[1] += 1
            cell = periods.setdefault(
                (stats.period_start(day, filters.period), order.currency), [0, Decimal(0), set()]
            )
            cell[0] += 1
            cell[1] += order.total - order.credited_amount
            cell[2].add(key)
        elif filters.start - length <= day < filters.start:
            row[2] += 1
    active = {key: tuple(row) for key, row in customers.items() if row[1] or row[2]}
    return active, {key: tuple(cell) for key, cell in periods.items()}


def _as_read(source):
    customers = {
        key: (row.first, row.in_range, row.in_previous) for key, row in source.customers.items()
    }
    periods = {}
    for period, found in zip(source.periods, source.activity, strict=True):
        first = stats.period_start(period.first, source.filters.period)
        for currency, count in found.orders.items():
            periods[(first, currency)] = (
                count,
                found.revenue[currency],
                found.customers_by_currency[currency],
            )
    return customers, periods


@pytest.mark.parametrize("period", ["week", "month"])
@pytest.mark.parametrize("reader", ["alice", "charlie", "admin_user", "admin_user_east"])
def test_customer_figures_equal_a_direct_query_of_the_orders(request, alice, book, period, reader):
    # A range cut mid-week and mid-month, so that the window before it is cut too.
    team_id = alice.team_id if reader == "admin_user_east" else None
    user = request.getfixturevalue(reader.removesuffix("_east"))
    filters = DashboardFilters(
        start=datetime.date(2026, 3, 4),
        end=datetime.date(2026, 4, 25),
        team_id=team_id,
        period=period,
    )

    source = selectors.kpi_source(user, filters)

    assert _as_read(source) == _direct(user, filters)


@pytest.mark.parametrize("reader", ["alice", "charlie", "admin_user"])
def test_cohorts_equal_a_direct_query_of_the_orders(request, book, reader):
    user = request.getfixturevalue(reader)
    filters = DashboardFilters(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 4, 30))
    cohort_of = {}
    for order in orders_visible_to(user).exclude(status="cancelled").order_by("placed_at"):
        key = ("person", order.person_id) if order.person_id else ("company", order.company_id)
        cohort_of.setdefault(key, timezone.localtime(order.placed_at).date().replace(day=1))
    months = selectors.cohort_months(filters)

    rows = selectors.cohort_table(user, filters)

    assert [row.customers for row in rows] == [
        sum(1 for cohort in cohort_of.values() if cohort == month) for month in months
    ]
