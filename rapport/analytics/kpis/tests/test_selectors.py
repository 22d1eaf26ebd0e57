"""Each key figure on the hand-made book of conftest.py, against the answer worked out by hand
there, as alice sees it (charlie's West records never count)."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.kpis import selectors
from rapport.analytics.kpis.selectors import share
from rapport.analytics.kpis.tests.conftest import march_april
from rapport.sales.selectors.money import to_cents
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

    # customers (with their orders per currency), leads (2), deals, answers; more data costs
    # no more queries.
    with django_assert_max_num_queries(5):
        for figure in selectors.FIGURES:
            figure(source)
    with django_assert_max_num_queries(1):
        selectors.cohort_table(alice, march_april())


def _direct(user, filters):
    """The customer figures worked out straight from the orders, one by one, by their
    definitions (the module's docstring): what the SQL of `queries.customer_counts` must give."""
    orders = orders_visible_to(user).exclude(status__in=("cancelled", "returned"))
    if filters.team_id is not None:
        orders = orders.filter(team_id=filters.team_id)
    length = filters.end - filters.start + datetime.timedelta(days=1)
    periods = stats.periods(filters.start, filters.end, filters.period)
    starts = [stats.period_start(period.first, filters.period) for period in periods]
    first, in_range, before = {}, defaultdict(int), set()
    by_period = [defaultdict(int) for _period in periods]  # customer -> orders
    money = defaultdict(lambda: [0, Decimal(0), set()])  # (period, currency)
    sources = {}
    for order in orders.select_related("person", "company").order_by("placed_at"):
        key = ("person", order.person_id) if order.person_id else ("company", order.company_id)
        day = timezone.localtime(order.placed_at).date()
        first.setdefault(key, day)
        if filters.start <= day <= filters.end:
            index = max(i for i, period in enumerate(periods) if period.first <= day)
            in_range[key] += 1
            by_period[index][key] += 1
            cell = money[(index, order.currency)]
            cell[0] += 1
            cell[1] += order.total - order.credited_amount
            cell[2].add(key)
            sources[key] = order.person.source if order.person_id else order.company.source
        elif filters.start - length <= day < filters.start:
            before.add(key)
    new = {key for key in in_range if first[key] >= filters.start}
    by_source = defaultdict(int)
    for key in new:
        by_source[sources[key]] += 1
    currencies = sorted({currency for _index, currency in money})

    def per_currency(value):
        return [
            {"name": c, "values": [value(i, c) for i in range(len(periods))]} for c in currencies
        ]

    def mean(index, currency, of):
        cell = money.get((index, currency))
        return (
            float(to_cents(cell[1] / (cell[0] if of == "orders" else len(cell[2]))))
            if cell
            else None
        )

    def total(currency, at):
        return sum((cell[at] for (_i, c), cell in money.items() if c == currency), Decimal(0))

    return {
        "retention": (
            share(len(before & set(in_range)), len(before)),
            [None]
            + [
                share(len(set(by_period[i - 1]) & set(by_period[i])), len(by_period[i - 1]))
                for i in range(1, len(periods))
            ],
        ),
        "repeat": (
            share(sum(1 for n in in_range.values() if n >= 2), len(in_range)),
            [share(sum(1 for n in p.values() if n >= 2), len(p)) for p in by_period],
        ),
        "average": (
            [(c, to_cents(total(c, 1) / total(c, 0))) for c in currencies],
            per_currency(lambda i, c: mean(i, c, "orders")),
        ),
        "per customer": (
            [
                (
                    c,
                    to_cents(
                        total(c, 1)
                        / len(
                            set().union(*(cell[2] for (_i, cc), cell in money.items() if cc == c))
                        )
                    ),
                )
                for c in currencies
            ],
            per_currency(lambda i, c: mean(i, c, "customers")),
        ),
        "new": (
            len(new),
            len(in_range),
            [sum(1 for key in p if first[key] >= starts[i]) for i, p in enumerate(by_period)],
            [sum(1 for key in p if first[key] < starts[i]) for i, p in enumerate(by_period)],
        ),
        "by source": dict(by_source),
    }


def _as_read(source):
    retention = selectors.retention(source)
    repeat = selectors.repeat_purchase(source)
    average = selectors.average_order_value(source)
    per_customer = selectors.revenue_per_customer(source)
    new = selectors.new_and_repeat_customers(source)
    return {
        "retention": (retention["value"], retention["trend"]["values"]),
        "repeat": (repeat["value"], repeat["trend"]["values"]),
        "average": (
            [(a["currency"], a["value"]) for a in average["amounts"]],
            average["trend"]["series"],
        ),
        "per customer": (
            [(a["currency"], a["value"]) for a in per_customer["amounts"]],
            per_customer["trend"]["series"],
        ),
        "new": (new["new"], new["active"], new["trend"]["new"], new["trend"]["repeat"]),
        "by source": {
            row["source"]: row["value"] for row in selectors.new_customers_by_source(source)["rows"]
        },
    }


@pytest.mark.parametrize(
    ("start", "end", "period"),
    [
        # A range cut mid-week and mid-month, so that the window before it is cut too.
        ("2026-03-04", "2026-04-25", "week"),
        ("2026-03-04", "2026-04-25", "month"),
        # The first order of 张伟 (10 March) is in the range's first week but before its start:
        # his order of April is a repeat customer's.
        ("2026-03-11", "2026-04-30", "week"),
    ],
)
@pytest.mark.parametrize("reader", ["alice", "charlie", "admin_user", "admin_user_east"])
def test_customer_figures_equal_a_direct_query_of_the_orders(
    request, alice, book, start, end, period, reader
):
    team_id = alice.team_id if reader == "admin_user_east" else None
    user = request.getfixturevalue(reader.removesuffix("_east"))
    filters = DashboardFilters(
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end),
        team_id=team_id,
        period=period,
    )

    source = selectors.kpi_source(user, filters)

    assert _as_read(source) == _direct(user, filters)


def test_a_reader_who_may_see_nothing_counts_nothing(alice, book):
    alice.is_active = False
    source = selectors.kpi_source(alice, march_april())

    assert selectors.retention(source)["empty"] and selectors.repeat_purchase(source)["empty"]
    assert selectors.new_customers_by_source(source)["rows"] == []
    assert not source.has_anything
    assert [row.customers for row in selectors.cohort_table(alice, march_april())] == [0, 0]


@pytest.mark.parametrize("reader", ["alice", "charlie", "admin_user", "admin_user_east"])
def test_cohorts_equal_a_direct_query_of_the_orders(request, alice, book, reader):
    team_id = alice.team_id if reader == "admin_user_east" else None
    user = request.getfixturevalue(reader.removesuffix("_east"))
    filters = DashboardFilters(
        start=datetime.date(2026, 1, 1), end=datetime.date(2026, 4, 30), team_id=team_id
    )
    orders = orders_visible_to(user).exclude(status__in=("cancelled", "returned"))
    if team_id is not None:
        orders = orders.filter(team_id=team_id)
    cohort_of, ordered = {}, defaultdict(set)
    revenue = defaultdict(lambda: defaultdict(Decimal))
    for order in orders.order_by("placed_at"):
        key = ("person", order.person_id) if order.person_id else ("company", order.company_id)
        month = timezone.localtime(order.placed_at).date().replace(day=1)
        cohort = cohort_of.setdefault(key, month)
        offset = (month.year - cohort.year) * 12 + month.month - cohort.month
        ordered[(cohort, offset)].add(key)
        revenue[(cohort, offset)][order.currency] += order.total - order.credited_amount
    months = selectors.cohort_months(filters)

    rows = selectors.cohort_table(user, filters)

    assert [row.customers for row in rows] == [
        sum(1 for cohort in cohort_of.values() if cohort == month) for month in months
    ]
    for row in rows:
        for cell in row.cells:
            if cell.customers is not None:
                assert cell.customers == len(ordered[(row.month, cell.offset)])
            assert cell.revenue == dict(sorted(revenue[(row.month, cell.offset)].items()))
