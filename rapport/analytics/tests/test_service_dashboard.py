"""The service dashboard: what it counts, for whom, and where its numbers lead."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rapport.analytics import stats
from rapport.analytics.catalogue import SERVICE
from rapport.analytics.dashboards import DashboardFilters, dashboard_render_data
from rapport.service.models import SlaTarget, Ticket
from rapport.surveys.models import SurveyKind

URL = reverse("analytics:service_dashboard")


def _widgets(user, **filters) -> dict:
    filters = DashboardFilters.from_query(
        start=filters.get("start"),
        end=filters.get("end"),
        team_id=filters.get("team_id"),
        period=filters.get("period", ""),
    )
    _source, shown = dashboard_render_data(SERVICE, user, filters)
    return {item.widget.key: item.data for item in shown}


def _listed(client, url: str) -> int:
    """How many tickets the ticket list shows at `url` (one page is enough here)."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().count('data-testid="ticket-row"')


def test_percentiles_interpolate_between_ranks():
    assert stats.median([]) is None
    assert stats.median([5]) == 5
    assert stats.median([1, 3, 10, 2]) == 2.5
    assert stats.percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_an_agent_counts_the_teams_queue_and_never_another_teams_ticket(
    open_ticket, sam, charlie, west
):
    open_ticket(priority="urgent")
    open_ticket(opened_days_ago=2)
    open_ticket(team=west)

    sam_widgets = _widgets(sam)
    charlie_widgets = _widgets(charlie)

    assert sam_widgets["summary"]["open"] == 2
    assert charlie_widgets["summary"]["open"] == 1


def test_a_customers_owner_counts_the_complaints_about_them_only(open_ticket, alice, emily):
    open_ticket(type="complaint", person_id=emily.pk)
    open_ticket(type="question", person_id=emily.pk)

    widgets = _widgets(alice)

    assert widgets["summary"]["open"] == 1
    assert widgets["open_by_status"]["rows"][0]["value"] == 1


def test_open_tickets_by_status_priority_and_age_click_through_to_the_same_tickets(
    client, open_ticket, sam, support
):
    open_ticket(priority="urgent")
    open_ticket(opened_days_ago=2, priority="high")
    open_ticket(opened_days_ago=10)
    open_ticket(opened_days_ago=40, resolved_after_hours=5)  # resolved: not open
    client.force_login(sam)

    widgets = _widgets(sam, team_id=support.pk)

    by_priority = {row["name"]: row for row in widgets["open_by_priority"]["rows"]}
    assert by_priority["Urgent"]["value"] == 1
    assert by_priority["Normal"]["value"] == 1
    ages = [row["value"] for row in widgets["open_by_age"]["rows"]]
    assert ages == [1, 1, 0, 1, 0]
    for widget in ("open_by_status", "open_by_priority", "open_by_age"):
        for row in widgets[widget]["rows"]:
            assert f"team_id={support.pk}" in row["url"]
            assert _listed(client, row["url"]) == row["value"], (widget, row["name"])


def test_first_response_and_resolution_medians_and_90th_percentiles(client, open_ticket, sam):
    for hours in (1, 2, 3, 4, 10):
        open_ticket(opened_days_ago=1, responded_after_hours=hours, resolved_after_hours=hours + 1)
    open_ticket(opened_days_ago=1)  # no reply yet
    client.force_login(sam)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    widgets = _widgets(sam, start=yesterday - datetime.timedelta(days=6), end=yesterday)

    assert widgets["summary"]["first_response_median"] == 3
    rows = [row for row in widgets["response_times"]["rows"] if row["first_count"]]
    assert len(rows) == 1
    assert rows[0]["first_median"] == 3
    assert rows[0]["first_p90"] == pytest.approx(7.6)
    assert rows[0]["unanswered"] == 1
    assert _listed(client, rows[0]["opened_url"]) == 6
    resolved = [row for row in widgets["response_times"]["rows"] if row["resolved_count"]]
    assert sum(row["resolved_count"] for row in resolved) == 5
    assert widgets["summary"]["resolution_median"] == 4
    assert _listed(client, widgets["summary"]["resolved_url"]) == 5


def test_the_backlog_ends_at_the_open_tickets_of_today(open_ticket, sam):
    open_ticket(opened_days_ago=30)  # open before the range, still open
    open_ticket(opened_days_ago=30, resolved_after_hours=24 * 25)  # resolved within it
    open_ticket(opened_days_ago=3)
    open_ticket(opened_days_ago=2, resolved_after_hours=20)
    today = timezone.localdate()

    widgets = _widgets(sam, start=today - datetime.timedelta(days=13), end=today)

    backlog = widgets["backlog"]
    assert backlog["start"] == 2
    assert backlog["chart"]["open"][-1] == widgets["summary"]["open"] == 2
    assert backlog["chart"]["open"][-3] == 3  # two days ago, before the last one was resolved


def test_csat_and_nps_trends_and_the_agent_table(open_ticket, answer, sam, sue, emily, admin_user):
    mine = open_ticket(
        opened_days_ago=3, responded_after_hours=2, resolved_after_hours=6, assignee_id=sam.pk
    )
    open_ticket(assignee_id=sue.pk)
    answer(SurveyKind.CSAT, 5, ticket=mine, answered_days_ago=1)
    answer(SurveyKind.NPS, 10, person=emily, answered_days_ago=1)
    answer(SurveyKind.NPS, 3, person=emily, answered_days_ago=1)

    widgets = _widgets(sam)

    assert widgets["summary"]["csat"]["average"] == 5
    # NPS is about Emily, whom only alice's team and the administrators may see.
    assert widgets["summary"]["nps"]["score"] is None
    assert _widgets(admin_user)["summary"]["nps"]["score"] == 0
    assert [row["csat"]["count"] for row in widgets["satisfaction"]["rows"]][-2:] in (
        [0, 1],
        [1, 0],
    )
    agents = {row["name"]: row for row in widgets["agents"]["rows"]}
    assert agents["Sam Lee"]["resolved"] == 1
    assert agents["Sam Lee"]["first_median"] == 2
    assert agents["Sam Lee"]["csat"]["average"] == 5
    assert agents["sue"]["open"] == 1


def test_the_page_costs_the_same_queries_for_3_or_12_tickets(
    client, open_ticket, sam, django_assert_num_queries
):
    client.force_login(sam)
    for days in (1, 5, 20):
        open_ticket(
            opened_days_ago=days,
            responded_after_hours=1,
            resolved_after_hours=3,
            assignee_id=sam.pk,
        )
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for days in range(9):
        open_ticket(opened_days_ago=days, responded_after_hours=2, assignee_id=sam.pk)

    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200
    # 13 for the page, and the menu's count of waiting chats an agent sees on every page.
    assert len(few.captured_queries) <= 14


def test_the_page_shows_charts_and_links_with_the_filters(client, open_ticket, sam, support):
    open_ticket(opened_days_ago=1, responded_after_hours=1)
    client.force_login(sam)

    html = client.get(URL, {"team_id": support.pk, "by": "month"}).content.decode()

    assert 'data-dashboard-chart="times"' in html
    assert 'id="widget-response_times-data"' in html
    assert re.search(r'href="/service/tickets/\?team_id=\d+&amp;status=any_open"', html)
    assert "<script>" not in html  # no inline script under the CSP


def test_nothing_to_count_says_where_tickets_come_from(client, charlie):
    client.force_login(charlie)

    response = client.get(URL, {"start": "2026-13-01", "end": "soon", "team_id": "x"})

    assert response.status_code == 200
    assert 'data-testid="dashboard-empty"' in response.content.decode()
    assert Ticket.objects.count() == 0


def test_service_level_compliance_counts_met_and_breached_targets(open_ticket, sam):
    ticket = open_ticket(opened_days_ago=2)
    other = open_ticket(opened_days_ago=2)
    started = ticket.created_at
    due = started + datetime.timedelta(hours=4)
    for target, met, breached in ((ticket, due, None), (other, None, due)):
        SlaTarget.objects.create(
            ticket=target,
            kind="first_response",
            minutes=240,
            started_at=started,
            warn_at=due,
            due_at=due,
            met_at=met,
            breached_at=breached,
        )

    widgets = _widgets(sam)

    rows = {row["name"]: row for row in widgets["sla"]["rows"]}
    assert rows["First response"] == {
        "name": "First response",
        "met": 1,
        "breached": 1,
        "compliance": 50.0,
    }
    assert widgets["sla"]["report_url"].startswith(reverse("service:sla_report"))
