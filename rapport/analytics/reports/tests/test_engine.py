"""The report engine: every subject runs, bad definitions are refused with field details, money
stays exact per currency, and a report counts only what its reader may see."""

from decimal import Decimal

import pytest

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.analytics.reports.engine import (
    CHARTS,
    parse_definition,
    report_run,
    subjects,
)
from rapport.analytics.reports.presentation import chart_data
from rapport.core.errors import ValidationFailed
from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

pytestmark = pytest.mark.django_db


def run(user, **definition):
    return report_run(user, parse_definition(definition))


@pytest.fixture
def orders(alice, charlie, east_person, west_person, tea, cup):
    """East: 张伟 (浙江) buys tea in January (2 × 388) and March (1 × 388 + 2 × 45.50);
    West: Emily (上海) buys a cup in January, in USD."""
    person_create  # noqa: B018 (the customers come from the sales fixtures)
    east_person.region = "浙江"
    east_person.save(update_fields=["region"])
    west_person.region = "上海"
    west_person.save(update_fields=["region"])
    placed = [
        place_order(
            alice,
            east_person,
            placed_at="2026-01-05T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 2}],
        ),
        place_order(
            alice,
            east_person,
            placed_at="2026-03-09T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 1}, {"product_id": cup.pk, "quantity": 2}],
        ),
        place_order(
            charlie,
            west_person,
            placed_at="2026-01-20T10:00:00+08:00",
            currency="USD",
            lines=[{"product_id": cup.pk, "quantity": 1, "unit_price": "7.00"}],
        ),
    ]
    facts_rebuild()  # what the commits would have done (order reports read the daily facts)
    return placed


def test_every_subject_runs_with_every_dimension_and_measure(admin_user, orders):
    # Given orders, lines, payments-free data; when each subject is run with each of its
    # dimensions (time by month) and all of its measures
    for subject in subjects():
        measures = [key for key, _label in subject.measure_choices()][:6]
        for key, _label in subject.dimension_choices():
            if ":" in key and not key.endswith(":month"):
                continue
            result = run(admin_user, subject=subject.key, dimensions=[key], measures=measures)
            # Then it answers a table with one column per dimension and measure
            assert len(result.columns) >= 1 + len(measures)


def test_orders_by_month_and_province_sum_totals_per_currency(admin_user, orders):
    result = run(
        admin_user,
        subject="orders",
        dimensions=["placed_at:month", "province"],
        measures=["count", "sum:total", "customers"],
    )

    assert [(*(c.key for c in cells), cur, *values) for cells, cur, values in result.rows] == [
        ("2026-01-01", "上海", "USD", 1, Decimal("7.00"), 1),
        ("2026-01-01", "浙江", "CNY", 1, Decimal("776.00"), 1),
        ("2026-03-01", "浙江", "CNY", 1, Decimal("479.00"), 1),
    ]


def test_order_lines_by_product_with_median(admin_user, orders, tea, cup):
    result = run(
        admin_user,
        subject="order_lines",
        dimensions=["product"],
        measures=["sum:quantity", "median:line_total"],
        filters={"status": ["placed"]},
    )

    rows = {(cells[0].label, cur): values for cells, cur, values in result.rows}
    assert rows[("龙井茶礼盒", "CNY")] == [3, Decimal("582.00")]  # median of 776 and 388
    assert rows[("青瓷茶杯", "CNY")] == [2, Decimal("91.00")]
    assert rows[("青瓷茶杯", "USD")] == [1, Decimal("7.00")]


def test_rep_never_counts_another_teams_records(charlie, orders):
    # charlie (West) sees only Emily's order, whatever he asks for
    result = run(charlie, subject="orders", dimensions=["province"], measures=["count"])

    assert [(cells[0].label, values) for cells, _cur, values in result.rows] == [("上海", [1])]
    lines = run(charlie, subject="order_lines", measures=["count"])
    assert lines.rows[0][2] == [1]


def test_filters_and_date_range_narrow_the_rows(admin_user, orders):
    result = run(
        admin_user,
        subject="orders",
        measures=["count"],
        filters={"province": ["浙江"]},
        start="2026-03-01",
        end="2026-03-31",
    )

    assert result.rows[0][2] == [1]


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"subject": "nothing"}, "subject"),
        ({"subject": "orders", "measures": []}, "measures"),
        ({"subject": "orders", "measures": ["sum:nothing"]}, "measures"),
        ({"subject": "orders", "dimensions": ["a", "b", "c", "d"]}, "dimensions"),
        ({"subject": "orders", "dimensions": ["placed_at:decade"]}, "dimensions"),
        ({"subject": "orders", "dimensions": "province,province"}, "dimensions"),
        ({"subject": "orders", "filters": {"owner": ["x"]}}, "filters"),
        ({"subject": "orders", "filters": ["status"]}, "filters"),
        ({"subject": "orders", "start": "2026-13-01"}, "start"),
        ({"subject": "orders", "start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"subject": "orders", "chart": "sparkles"}, "chart"),
        ({"subject": "orders", "limit": 0}, "limit"),
        ({"subject": "orders", "sort": "sum:total"}, "sort"),
        ([1, 2], "definition"),
    ],
)
def test_bad_definitions_are_refused_with_field_details(definition, field):
    with pytest.raises(ValidationFailed) as refused:
        parse_definition(definition)

    assert field in refused.value.details


def test_a_definition_survives_json():
    definition = parse_definition(
        {
            "subject": "orders",
            "dimensions": ["placed_at:quarter"],
            "measures": ["sum:total"],
            "start": "2026-01-01",
            "chart": sorted(CHARTS)[0],
        }
    )

    assert parse_definition(definition.as_json()) == definition


@pytest.mark.parametrize("value", [str(2**63), "-" + str(2**64), "x", "1.5"])
def test_record_filters_refuse_what_is_no_id(value):
    for key in ("owner", "customer"):
        with pytest.raises(ValidationFailed) as refused:
            parse_definition({"subject": "orders", "filters": {key: [value]}})

        assert "filters" in refused.value.details


def test_filter_on_no_owner_and_an_id_runs(admin_user, orders, alice):
    result = run(
        admin_user, subject="orders", measures=["count"], filters={"owner": ["", str(alice.pk)]}
    )

    assert result.rows[0][2] == [2]


def test_orders_by_value_tier_follow_the_customer_values(admin_user, orders, east_person):
    from rapport.analytics.value.models import CustomerValue
    from rapport.analytics.value.services.values import customer_values_recompute

    customer_values_recompute(person_ids=[east_person.pk])
    tier = CustomerValue.objects.get(person=east_person).tier

    result = run(admin_user, subject="orders", dimensions=["tier"], measures=["count"])

    counts = {cells[0].key: values[0] for cells, _cur, values in result.rows}
    assert counts[tier] == 2  # 张伟's two orders; Emily has no value computed yet ("")
    assert counts.get(None, 0) + counts.get("", 0) == 1


def test_a_map_is_drawn_by_province_with_the_maps_names(admin_user, orders):
    east_person = Person.objects.get(region="浙江")
    east_person.region = "浙江省"
    east_person.save(update_fields=["region"])
    facts_rebuild()

    result = run(
        admin_user,
        subject="orders",
        dimensions=["placed_at:month", "province"],
        measures=["count"],
        chart="map",
    )
    chart = chart_data(result)

    assert chart["map"] == "china"
    # The months added up per province, named as the map names them
    assert chart["regions"] == [{"name": "上海", "value": 1}, {"name": "浙江", "value": 2}]


def test_a_map_needs_the_province():
    with pytest.raises(ValidationFailed) as refused:
        parse_definition({"subject": "orders", "dimensions": ["status"], "chart": "map"})

    assert "chart" in refused.value.details
