"""New and repeat customers and retention counted from the customer day facts' pointers
(`flow.customer_flow`) give what `queries.customer_counts` gives, for every reader the pointers
serve, and the readers they do not serve are counted by `customer_counts`.

The book of conftest.py, plus: a customer with two currencies on one day, one with two owners on
one day, an order long before any window, and (`crossed`) one of alice's orders counted for West
while she is of East."""

import datetime

import pytest

from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.kpis import selectors
from rapport.analytics.kpis.flow import ALL, customer_flow, pointer_scope
from rapport.analytics.kpis.queries import customer_counts
from rapport.analytics.kpis.tests.conftest import _order, march_april
from rapport.core.records import record_changed
from rapport.sales.models import Order

pytestmark = pytest.mark.django_db

RANGES = [
    # Cut mid-week and mid-month (the window before is cut too; 王芳's 10 January is its
    # first day for the weeks).
    ("2026-03-04", "2026-04-25", "week"),
    ("2026-03-04", "2026-04-25", "month"),
    # 张伟's first order (10 March) is in the first week but before the range's start.
    ("2026-03-11", "2026-04-30", "week"),
    ("2026-03-01", "2026-04-30", "month"),
    ("2026-01-01", "2026-04-30", "month"),
]


def _move(order, owner):
    """The order counted for another owner and team, as an import may leave it."""
    Order.objects.filter(pk=order.pk).update(owner=owner, team=owner.team)
    record_changed("order", order.pk, "updated", changed_fields=["owner"])


@pytest.fixture
def more(alice, bob, charlie, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _order(alice, "2026-03-10", "40.00", person=book["zhang"], currency="USD")
        _move(_order(alice, "2026-03-05", "70.00", person=book["wang"]), bob)
        _order(alice, "2025-06-01", "10.00", person=book["li"])
        _order(alice, "2026-04-14", "10.00", person=book["li"])
        _order(charlie, "2026-02-20", "20.00", person=book["emily"])
        _order(charlie, "2026-04-01", "20.00", person=book["emily"])
    return book


@pytest.fixture
def crossed(alice, charlie, more, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # An order of West's customer left with alice as its owner, its team still West.
        order = _order(charlie, "2026-03-25", "30.00", person=more["emily"])
        Order.objects.filter(pk=order.pk).update(owner=alice)
        record_changed("order", order.pk, "updated", changed_fields=["owner"])
    return more


def _figures(counts) -> tuple:
    return (
        [(p.active, p.kept, p.new) for p in counts.periods],
        counts.previous,
        counts.retained,
        counts.active,
        counts.new,
    )


def _arguments(filters: DashboardFilters) -> dict:
    length = filters.end - filters.start + datetime.timedelta(days=1)
    periods = stats.periods(filters.start, filters.end, filters.period)
    return {
        "previous_first_day": filters.start - length,
        "firsts": [period.first for period in periods],
        "period_starts": [stats.period_start(period.first, filters.period) for period in periods],
        "end": filters.end,
        "team_id": filters.team_id,
    }


def _readers(request, east, west):
    admin_user, alice, charlie, diana = (
        request.getfixturevalue(name) for name in ("admin_user", "alice", "charlie", "diana")
    )
    return [
        (admin_user, None),
        (admin_user, east.pk),
        (admin_user, west.pk),
        (alice, None),
        (alice, east.pk),
        (alice, west.pk),
        (charlie, None),
        (diana, None),
        (diana, east.pk),
    ]


def _assert_flow_equals_counts(readers):
    for user, team_id in readers:
        for start, end, period in RANGES:
            filters = DashboardFilters(
                start=datetime.date.fromisoformat(start),
                end=datetime.date.fromisoformat(end),
                team_id=team_id,
                period=period,
            )
            arguments = _arguments(filters)
            flow = customer_flow(user, **arguments, period=period)
            counts = customer_counts(user, **arguments)
            if flow is not None:
                assert _figures(flow) == _figures(counts), (user.username, team_id, start, period)
            source = selectors.kpi_source(user, filters, flow_alone=True)
            assert selectors.retention(source) == selectors.retention(
                selectors.kpi_source(user, filters)
            )
            assert selectors.new_and_repeat_customers(source) == selectors.new_and_repeat_customers(
                selectors.kpi_source(user, filters)
            )


def test_the_pointers_count_what_the_customers_query_counts(request, east, west, more):
    readers = _readers(request, east, west)

    _assert_flow_equals_counts(readers)

    end = datetime.date(2026, 4, 30)
    assert [pointer_scope(user, team_id, end) for user, team_id in readers] == [
        ALL,
        east.pk,
        west.pk,
        east.pk,
        east.pk,
        None,  # alice's own West rows only: not a team's rows
        west.pk,
        east.pk,
        east.pk,
    ]


def test_a_reader_owning_another_teams_row_is_counted_by_the_customers_query(
    request, alice, east, west, crossed
):
    readers = _readers(request, east, west)

    _assert_flow_equals_counts(readers)

    end = datetime.date(2026, 4, 30)
    assert pointer_scope(alice, None, end) is None
    assert pointer_scope(alice, east.pk, end) == east.pk
    # Her West row is after the range: what she counts up to its end is East's.
    assert pointer_scope(alice, None, datetime.date(2026, 3, 24)) == east.pk


def test_the_executive_counts_customers_in_one_query(
    admin_user, alice, more, django_assert_num_queries
):
    for user, queries in ((admin_user, 1), (alice, 2)):  # alice: is a row of hers elsewhere?
        source = selectors.kpi_source(user, march_april(), flow_alone=True)
        with django_assert_num_queries(queries):
            selectors.new_and_repeat_customers(source)
            selectors.retention(source)


def test_an_inactive_reader_counts_nothing(alice, more):
    alice.is_active = False
    source = selectors.kpi_source(alice, march_april(), flow_alone=True)

    assert selectors.retention(source)["empty"]
    assert selectors.new_and_repeat_customers(source)["empty"]
