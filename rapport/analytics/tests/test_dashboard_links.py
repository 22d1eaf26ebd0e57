"""Dashboard numbers lead to the records they count: the lead list and the interaction list,
opened from a widget, are narrowed to the widget's dates and show as many rows as it counts."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.services import interaction_create
from rapport.analytics.catalogue import MARKETING, REP
from rapport.analytics.dashboards import DashboardFilters, dashboard_render_data
from rapport.analytics.facts.activity_upkeep import activity_facts_refresh
from rapport.sales.models import Lead
from rapport.sales.services.leads import lead_create
from rapport.sales.tests.orders_fixtures import east_person  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _widgets(dashboard, user, *, start=None, end=None) -> dict:
    filters = DashboardFilters.from_query(start=start, end=end, team_id=None)
    _source, shown = dashboard_render_data(dashboard, user, filters)
    return {item.widget.key: item.data for item in shown}


def _listed(client, url: str, testid: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().count(f'data-testid="{testid}"')


def test_the_marketers_lead_counts_equal_the_lists_they_open(client, alice, committed):
    # Given two website leads of alice's: one of today, one created two months ago
    with committed():
        lead_create(actor=alice, data={"full_name": "王芳", "source": "web"})
        old = lead_create(actor=alice, data={"full_name": "李娜", "source": "web"})
    # (creation time is not something a service sets, so nothing announces it: the lead facts
    # the marketer's widgets read are refreshed as the job does for an announced change)
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    activity_facts_refresh("lead", [old.pk])
    client.force_login(alice)

    # When the marketer's dashboard covers the last ten days
    widgets = _widgets(MARKETING, alice, start=TODAY - datetime.timedelta(days=10))

    # Then the website's count and the list it opens agree: one lead, not both
    web = next(row for row in widgets["leads_by_source"]["rows"] if row["name"] == "Website")
    assert web["value"] == 1
    assert _listed(client, web["url"], "lead-row") == 1
    # And each bar of the trend opens its own period's leads
    series = widgets["leads_trend"]["chart"]["series"][0]
    bars = [bar for bar in series["data"] if bar["value"]]
    assert [_listed(client, bar["url"], "lead-row") for bar in bars] == [1]


def test_the_reps_week_counts_equal_the_interactions_they_open(client, alice, east_person):  # noqa: F811
    # Given alice's call of today and one from a month ago
    interaction_create(actor=alice, data={"channel": "call", "subject": "本周"}, person=east_person)
    interaction_create(
        actor=alice,
        data={
            "channel": "call",
            "subject": "上月",
            "occurred_at": timezone.now() - datetime.timedelta(days=30),
        },
        person=east_person,
    )
    client.force_login(alice)

    week = {row["name"]: row for row in _widgets(REP, alice)["my_week"]["rows"]}

    assert week["Call"]["value"] == 1
    assert _listed(client, week["Call"]["url"], "interaction-row") == 1
