"""The KPI and cohort pages: what they show, each figure's definition, the empty state, and a
fixed number of queries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-03-01", "end": "2026-04-30", "by": "month"}


def test_kpi_page_shows_each_figure_with_its_definition(
    client, alice, book, leads, won_deals, answers
):
    client.force_login(alice)

    html = client.get(reverse("analytics_kpis:kpis"), RANGE).content.decode()

    assert 'data-testid="kpi-retention-value">50.0%' in html
    assert 'data-testid="kpi-repeat-value">66.7%' in html
    assert "325.00 CNY" in html and "175.00 USD" in html
    assert 'href="/sales/orders/?placed_from=2026-03-01&amp;placed_until=2026-04-30"' in html
    assert 'data-testid="kpi-leads-value">66.7%' in html
    for anchor in (
        "retention",
        "repeat-purchase",
        "average-order-value",
        "lead-conversion",
        "sales-cycle",
        "nps",
        "csat",
        "new-customers-by-source",
    ):
        assert f'<details id="def-{anchor}">' in html
    assert 'id="kpi-retention-data" type="application/json"' in html


def test_kpi_page_is_a_fixed_number_of_queries(
    client, alice, book, leads, won_deals, answers, django_assert_max_num_queries
):
    client.force_login(alice)

    # Session and user, then the six reads of the figures.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("analytics_kpis:kpis"), RANGE)

    assert response.status_code == 200


def test_charlie_sees_nothing_of_alice_on_either_page(client, charlie, book):
    client.force_login(charlie)

    kpis = client.get(reverse("analytics_kpis:kpis"), RANGE).content.decode()
    cohorts = client.get(reverse("analytics_kpis:cohorts"), RANGE).content.decode()

    # Only Emily's order of 1,000 CNY: its value is the average; no USD at all.
    assert "1,000.00 CNY" in kpis and "USD" not in kpis and "325.00" not in kpis
    assert cohorts.count('data-testid="cohort-row"') == 2
    assert "600.00" not in cohorts


def test_cohort_page_colours_the_share_who_ordered_again(client, alice, book):
    client.force_login(alice)

    html = client.get(
        reverse("analytics_kpis:cohorts"), {"start": "2026-01-01", "end": "2026-03-31"}
    ).content.decode()

    assert html.count('data-testid="cohort-row"') == 3
    assert 'class="num heat heat-5"' in html and 'class="num heat heat-0"' in html
    assert 'id="cohort-chart-data"' in html
    assert "300.00" in html  # 王芳's USD order, January's cohort two months on


def test_pages_without_data_say_what_to_do(client, alice):
    client.force_login(alice)

    kpis = client.get(reverse("analytics_kpis:kpis"))
    cohorts = client.get(reverse("analytics_kpis:cohorts"))

    assert 'data-testid="kpi-empty"' in kpis.content.decode()
    assert 'data-testid="cohort-empty"' in cohorts.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31", "2026-02-30", "x"])
def test_dates_out_of_reach_fall_back_to_the_default(client, alice, start):
    client.force_login(alice)

    for name in ("analytics_kpis:kpis", "analytics_kpis:cohorts"):
        response = client.get(reverse(name), {"start": start, "end": start, "team_id": "9" * 30})

        assert response.status_code == 200
