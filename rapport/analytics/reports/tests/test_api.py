"""/api/v1/reports: run a definition, save, list, read, run and delete saved reports; every run
is the caller's, a bad definition is 422 with field details, another team's report is 404."""

import pytest

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.api.tests.conftest import client_for
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

pytestmark = pytest.mark.django_db

BY_MONTH = {"subject": "orders", "dimensions": ["placed_at:month"], "measures": ["sum:total"]}


@pytest.fixture
def orders(alice, charlie, east_person, west_person):
    place_order(alice, east_person, placed_at="2026-01-05T10:00:00+08:00")
    place_order(charlie, west_person, placed_at="2026-01-20T10:00:00+08:00")
    facts_rebuild()  # what the commits would have done (order reports read the daily facts)


def test_run_answers_the_callers_rows_with_exact_money(alice, orders):
    response = client_for(alice).post("/reports/run", BY_MONTH)

    assert response.status_code == 200
    body = response.json()
    assert [c["kind"] for c in body["columns"]] == ["dimension", "currency", "measure"]
    assert body["rows"] == [
        {
            "dimensions": [{"key": "2026-01-01", "label": "January 2026"}],
            "currency": "CNY",
            "values": ["200.00"],
        }
    ]


def test_bad_definition_is_422_with_field_details(alice):
    response = client_for(alice).post(
        "/reports/run", {"subject": "orders", "dimensions": ["placed_at:decade"], "limit": 0}
    )

    assert response.status_code == 422
    assert {"dimensions", "limit"} <= set(response.json()["details"])


def test_saved_reports_are_listed_read_run_and_deleted(alice, charlie, orders):
    as_alice, as_charlie = client_for(alice), client_for(charlie)
    created = as_alice.post("/reports", {"name": "By month", "definition": BY_MONTH})
    assert created.status_code == 201
    report_id = created.json()["id"]

    assert [r["name"] for r in as_alice.get("/reports").json()["items"]] == ["By month"]
    assert as_alice.get(f"/reports/{report_id}/run").json()["rows"][0]["values"] == ["200.00"]
    assert as_charlie.get("/reports").json()["items"] == []
    assert as_charlie.get(f"/reports/{report_id}").status_code == 404
    assert as_charlie.get(f"/reports/{report_id}/run").status_code == 404
    assert as_charlie.delete(f"/reports/{report_id}").status_code == 404
    assert as_alice.delete(f"/reports/{report_id}").status_code == 204
    assert as_alice.get(f"/reports/{report_id}").status_code == 404
