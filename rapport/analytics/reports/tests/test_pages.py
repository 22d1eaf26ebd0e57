"""The builder's pages: a report built from the form, saved, shared, opened by another reader
(who sees their own numbers), exported, deleted; and the ready answers."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.analytics.reports.models import SavedReport
from rapport.analytics.reports.services import saved_report_create
from rapport.core.errors import ValidationFailed
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

pytestmark = pytest.mark.django_db

BY_MONTH = {
    "subject": "orders",
    "dimensions": ["placed_at:month"],
    "measures": ["count", "sum:total"],
}


@pytest.fixture
def orders(alice, charlie, east_person, west_person):
    place_order(alice, east_person, placed_at="2026-01-05T10:00:00+08:00")
    place_order(alice, east_person, placed_at="2026-02-05T10:00:00+08:00")
    place_order(charlie, west_person, placed_at="2026-01-20T10:00:00+08:00")
    facts_rebuild()  # what the commits would have done (order reports read the daily facts)


def test_builder_shows_the_pivot_of_the_form(client, alice, orders):
    client.force_login(alice)

    response = client.get(
        reverse("analytics_reports:builder"),
        {
            "subject": "orders",
            "dimension_1": "placed_at:month",
            "measure": ["count", "sum:total"],
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-table"' in html
    assert html.count('data-testid="pivot-row"') == 2  # January and February, alice's only
    assert "200.00" in html
    assert "<html" not in html  # the htmx answer is the builder alone


def test_bad_form_input_shows_errors_not_a_500(client, alice):
    client.force_login(alice)

    response = client.get(
        reverse("analytics_reports:builder"),
        {"subject": "orders", "start": "2026-99-01", "limit": "-3", "chart": "<x>"},
    )

    assert response.status_code == 200
    assert 'data-testid="report-errors"' in response.content.decode()


def test_saved_report_is_shared_with_the_team_and_run_as_its_reader(
    client, alice, bob, charlie, east, orders
):
    # Given alice saves a report shared with her team
    client.force_login(alice)
    response = client.post(
        reverse("analytics_reports:saved_create"),
        {
            "name": "Orders by month",
            "definition": json.dumps(BY_MONTH),
            "sharing": "team",
            "team_id": str(east.pk),
        },
    )
    report = SavedReport.objects.get()
    assert response.status_code == 302
    assert report.owner == alice

    # Then bob (East) opens it; charlie (West) gets a 404
    client.force_login(bob)
    opened = client.get(reverse("analytics_reports:builder"), {"saved": report.pk})
    assert opened.status_code == 200
    assert "Orders by month" in opened.content.decode()
    assert (
        client.get(reverse("analytics_reports:saved_list"))
        .content.decode()
        .count('data-testid="saved-report"')
        == 1
    )
    client.force_login(charlie)
    assert client.get(reverse("analytics_reports:builder"), {"saved": report.pk}).status_code == 404
    deleted = client.post(reverse("analytics_reports:saved_delete", args=[report.pk]))
    assert deleted.status_code == 404

    # And bob may not delete it; alice may
    client.force_login(bob)
    refused = client.post(reverse("analytics_reports:saved_delete", args=[report.pk]))
    assert refused.status_code == 403
    client.force_login(alice)
    client.post(reverse("analytics_reports:saved_delete", args=[report.pk]))
    assert not SavedReport.objects.exists()


def test_a_definition_is_checked_when_saved(alice):
    with pytest.raises(ValidationFailed) as refused:
        saved_report_create(
            actor=alice,
            data={"name": "x", "definition": {"subject": "orders", "measures": ["sum:nope"]}},
        )

    assert "definition.measures" in refused.value.details


def test_recipients_must_see_the_report(alice, charlie):
    with pytest.raises(ValidationFailed) as refused:
        saved_report_create(
            actor=alice,
            data={
                "name": "Mine",
                "definition": BY_MONTH,
                "schedule": "weekly",
                "recipient_ids": [charlie.pk],
            },
        )

    assert "recipient_ids" in refused.value.details


def test_the_builder_offers_as_recipients_exactly_whom_a_save_accepts(
    client, alice, bob, charlie, diana, admin_user
):
    # Given alice (east) on the builder
    client.force_login(alice)
    page = client.get(reverse("analytics_reports:builder"))
    offered = {user.pk for user in page.context["recipients"]}

    # Then she is offered her team and the administrators, not charlie (west)
    assert offered == {alice.pk, bob.pk, diana.pk, admin_user.pk}
    # And the report shared with her team may go to each of them
    report = saved_report_create(
        actor=alice,
        data={
            "name": "Team",
            "definition": BY_MONTH,
            "sharing": "team",
            "schedule": "weekly",
            "recipient_ids": sorted(offered),
        },
    )
    assert set(report.recipients.values_list("pk", flat=True)) == offered
    # But kept private it may go to her and the administrators only
    with pytest.raises(ValidationFailed) as refused:
        saved_report_create(
            actor=alice,
            data={"name": "Mine", "definition": BY_MONTH, "recipient_ids": [bob.pk]},
        )
    assert "recipient_ids" in refused.value.details
    saved_report_create(
        actor=alice,
        data={"name": "Mine", "definition": BY_MONTH, "recipient_ids": [admin_user.pk]},
    )


def test_export_csv_and_xlsx_hold_the_readers_rows(client, charlie, orders):
    client.force_login(charlie)
    query = {"subject": "orders", "dimension_1": "placed_at:month", "measure": ["sum:total"]}

    csv = b"".join(
        client.get(reverse("analytics_reports:export", args=["csv"]), query).streaming_content
    ).decode("utf-8-sig")
    xlsx = client.get(reverse("analytics_reports:export", args=["xlsx"]), query)

    assert csv.splitlines()[1:] == ["January 2026,CNY,200.00"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ["January 2026", "CNY", 200]
    ]


def test_ready_answers_open(client, alice, orders):
    client.force_login(alice)

    for name in ("growth", "pareto"):
        assert client.get(reverse(f"analytics_reports:{name}")).status_code == 200
    for preset in ("largest_customers", "region_product_month", "revenue_by_month"):
        response = client.get(reverse("analytics_reports:builder"), {"preset": preset})
        assert response.status_code == 200
        assert 'data-testid="report-errors"' not in response.content.decode()
