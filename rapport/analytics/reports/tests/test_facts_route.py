"""Order and order-line reports the facts can answer are read from them, and give the same rows
as the orders and lines themselves, for an administrator and for a representative."""

import pytest

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.analytics.reports.engine import parse_definition, report_run
from rapport.analytics.reports.facts_route import facts_rows
from rapport.sales.services.orders import order_change_status
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

pytestmark = pytest.mark.django_db

DEFINITIONS = [
    {"dimensions": ["placed_at:month", "province"], "measures": ["count", "sum:revenue"]},
    {"dimensions": ["placed_at:week"], "measures": ["count"]},
    {"dimensions": ["owner", "team"], "measures": ["sum:revenue"], "sort": "sum:revenue"},
    {"dimensions": ["province"], "measures": ["count"], "filters": {"province": ["浙江"]}},
    {"dimensions": ["placed_at:quarter"], "measures": ["count"], "start": "2026-02-01"},
    {"measures": ["count", "sum:revenue"]},
]


OPEN = ["placed", "paid", "shipped", "received"]
LINE_DEFINITIONS = [
    # The ready answer "sales by region, product and month" (the monthly line facts)
    {
        "dimensions": ["province", "product", "order_placed_at:month"],
        "measures": ["sum:line_total", "sum:quantity"],
    },
    {"dimensions": ["category", "order_placed_at:quarter"], "measures": ["count", "sum:quantity"]},
    {"dimensions": ["order_placed_at:week", "owner"], "measures": ["sum:line_total"]},
    {"dimensions": ["product"], "measures": ["count"], "filters": {"category": ["茶"]}},
    {
        "dimensions": ["province"],
        "measures": ["sum:line_total"],
        "start": "2026-01-01",
        "end": "2026-01-31",
    },
    {"dimensions": ["team"], "measures": ["sum:quantity"], "sort": "sum:quantity", "limit": 1},
]


@pytest.fixture
def orders(admin_user, alice, charlie, east_person, west_person, tea):
    east_person.region = "浙江"
    east_person.save(update_fields=["region"])
    teas = [{"product_id": tea.pk, "quantity": 3, "unit_price": "388.00"}]
    place_order(alice, east_person, placed_at="2026-01-05T10:00:00+08:00", lines=teas)
    # Just after midnight of February 1st in Shanghai, still January in UTC
    place_order(alice, east_person, placed_at="2026-02-01T01:00:00+08:00")
    place_order(alice, east_person, placed_at="2026-04-01T09:00:00+08:00", lines=teas)
    cancelled = place_order(alice, east_person, placed_at="2026-03-03T10:00:00+08:00", lines=teas)
    order_change_status(actor=admin_user, order=cancelled, status="cancelled")
    place_order(charlie, west_person, placed_at="2026-01-20T10:00:00+08:00", currency="USD")
    facts_rebuild()


@pytest.mark.parametrize("data", DEFINITIONS)
def test_facts_and_orders_give_the_same_report(admin_user, alice, orders, data):
    definition = parse_definition({"subject": "orders", **data})
    assert facts_rows(admin_user, definition, money=True) is not None

    for user in (admin_user, alice):
        routed = report_run(user, definition)
        direct = report_run(user, definition, use_facts=False)
        assert sorted(routed.table(), key=str) == sorted(direct.table(), key=str)
        assert routed.rows, "nothing compared"


@pytest.mark.parametrize("data", LINE_DEFINITIONS)
def test_line_facts_and_lines_give_the_same_report(admin_user, alice, orders, data):
    definition = parse_definition(
        {"subject": "order_lines", **data, "filters": {"status": OPEN, **data.get("filters", {})}}
    )
    assert facts_rows(admin_user, definition, money=True) is not None

    for user in (admin_user, alice):
        routed = report_run(user, definition)
        direct = report_run(user, definition, use_facts=False)
        assert sorted(routed.table(), key=str) == sorted(direct.table(), key=str)
        assert routed.rows, "nothing compared"


@pytest.mark.parametrize(
    "data",
    [
        {"measures": ["count"]},  # every status: the line facts hold open orders only
        {"measures": ["count"], "filters": {"status": ["paid"]}},
        {"measures": ["avg:quantity"], "filters": {"status": OPEN}},
        {"dimensions": ["city"], "measures": ["count"], "filters": {"status": OPEN}},
        # By province: whole months only
        {
            "dimensions": ["province"],
            "measures": ["count"],
            "filters": {"status": OPEN},
            "start": "2026-01-05",
        },
        {
            "dimensions": ["province", "order_placed_at:week"],
            "measures": ["count"],
            "filters": {"status": OPEN},
        },
    ],
)
def test_what_the_line_facts_cannot_answer_is_read_from_the_lines(admin_user, data):
    definition = parse_definition({"subject": "order_lines", **data})

    assert facts_rows(admin_user, definition, money=True) is None


@pytest.mark.parametrize(
    "data",
    [
        {"measures": ["customers"]},
        {"measures": ["sum:total"]},
        {"dimensions": ["city"], "measures": ["count"]},
        {"measures": ["count"], "filters": {"status": ["paid"]}},
        {"measures": ["count"], "filters": {"team": [""]}},
        {"dimensions": ["placed_at:month", "placed_at:year"], "measures": ["count"]},
        {"measures": ["count"], "date_field": "paid_at", "start": "2026-01-01"},
    ],
)
def test_what_the_facts_cannot_answer_is_read_from_the_orders(admin_user, data):
    definition = parse_definition({"subject": "orders", **data})

    assert facts_rows(admin_user, definition, money=True) is None


@pytest.fixture
def company_orders(alice, east_person, east_company):
    # 张伟 has no region; his company has one: an order naming both counts in the company's
    # province, in the facts as in the orders (`facts.province.order_province`).
    east_company.region = "江苏"
    east_company.save(update_fields=["region"])
    place_order(alice, east_person, east_company, placed_at="2026-01-05T10:00:00+08:00")
    place_order(alice, None, east_company, placed_at="2026-01-06T10:00:00+08:00")
    place_order(alice, east_person, placed_at="2026-01-07T10:00:00+08:00")
    facts_rebuild()


BY_PROVINCE = [
    {"subject": "orders", "dimensions": ["province"], "measures": ["count", "sum:revenue"]},
    {
        "subject": "order_lines",
        "dimensions": ["province", "order_placed_at:month"],
        "measures": ["sum:line_total"],
        "filters": {"status": OPEN},
    },
]


def _same_by_province(user, data) -> list:
    definition = parse_definition(data)
    assert facts_rows(user, definition, money=True) is not None
    routed = report_run(user, definition)
    direct = report_run(user, definition, use_facts=False)
    assert sorted(routed.table(), key=str) == sorted(direct.table(), key=str)
    return direct.table()


@pytest.mark.parametrize("data", BY_PROVINCE)
def test_a_person_without_a_region_counts_in_the_company_province_in_facts_and_orders(
    admin_user, company_orders, data
):
    table = _same_by_province(admin_user, data)

    assert any("江苏" in map(str, row) for row in table)


def test_the_company_region_changing_moves_the_orders_of_its_persons_without_one(
    admin_user, company_orders, east_company
):
    from rapport.analytics.facts.upkeep import facts_refresh_changes
    from rapport.customers.models import Company

    Company.objects.filter(pk=east_company.pk).update(region="上海")
    facts_refresh_changes(company_ids=[east_company.pk])

    table = _same_by_province(admin_user, BY_PROVINCE[0])
    assert any("上海" in map(str, row) for row in table)
    assert not any("江苏" in map(str, row) for row in table)
