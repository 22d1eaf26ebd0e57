"""The sales representative's, sales manager's, marketer's and executive's dashboards: what they
count, for whom (alice of East never counts West's records, and charlie of West never hers),
where their numbers lead, and that each costs the same queries for few or many records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.analytics.catalogue import EXECUTIVE, MANAGER, MARKETING, REP
from rapport.analytics.dashboards import DashboardFilters, dashboard_render_data
from rapport.core.records import record_changed
from rapport.sales.models import Deal
from rapport.sales.services.deals import deal_create, deal_lose, deal_win
from rapport.sales.services.leads import lead_create
from rapport.sales.services.orders.status import order_change_status
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

TODAY = timezone.localdate()


def _widgets(dashboard, user, **filters) -> dict:
    filters = DashboardFilters.from_query(
        start=filters.get("start"), end=filters.get("end"), team_id=filters.get("team_id")
    )
    _source, shown = dashboard_render_data(dashboard, user, filters)
    return {item.widget.key: item.data for item in shown}


def _listed(client, url: str, testid: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().count(f'data-testid="{testid}"')


def _deal(actor, amount="1000.00", **extra):
    return deal_create(actor=actor, data={"title": f"Deal {amount}", "amount": amount, **extra})


def _order(actor, person, days_ago=0, amount="100.00"):
    placed = timezone.now() - datetime.timedelta(days=days_ago)
    return place_order(
        actor,
        person,
        placed_at=placed.isoformat(),
        lines=[{"description": "Tea", "quantity": 1, "unit_price": amount}],
    )


# --- Representative ------------------------------------------------------------------------------


def test_a_reps_pipeline_counts_their_own_open_deals_and_never_another_teams(
    client, alice, bob, charlie, pipeline
):
    _deal(alice, "1000.00")
    _deal(alice, "250.00", currency="USD")
    _deal(bob, "500.00")  # alice's team, not hers
    _deal(charlie, "700.00")
    client.force_login(alice)

    mine = _widgets(REP, alice)["my_pipeline"]
    theirs = _widgets(REP, charlie)["my_pipeline"]

    assert mine["count"] == 2
    assert mine["amount"].amounts == {"CNY": 1000, "USD": 250}
    assert theirs["count"] == 1
    assert theirs["amount"].amounts == {"CNY": 700}
    row = mine["rows"][0]
    assert _listed(client, row["url"], "deal-row") == row["count"] == 2


def test_a_reps_tasks_and_week(alice, charlie, east_person):
    now = timezone.now()
    task_create(actor=alice, data={"title": "Late", "due_at": now - datetime.timedelta(hours=3)})
    task_create(actor=alice, data={"title": "Soon", "due_at": now + datetime.timedelta(days=3)})
    task_create(actor=alice, data={"title": "Whenever"})
    task_create(actor=charlie, data={"title": "Theirs", "due_at": now})
    interaction_create(
        actor=alice, data={"channel": "call", "subject": "Hello"}, person=east_person
    )

    widgets = _widgets(REP, alice)

    tasks = {row["name"]: row["value"] for row in widgets["my_tasks"]["rows"]}
    assert tasks["Overdue"] == 1
    assert tasks["No due date"] == 1
    assert sum(tasks.values()) == 3
    week = {row["name"]: row["value"] for row in widgets["my_week"]["rows"]}
    assert week["Call"] == 1
    assert _widgets(REP, charlie)["my_week"]["empty"]


# --- Manager -------------------------------------------------------------------------------------


def test_deals_at_risk_are_late_or_untouched(diana, alice, charlie, pipeline):
    _deal(alice, "100.00", expected_close_date=TODAY - datetime.timedelta(days=1))
    _deal(alice, "200.00", expected_close_date=TODAY + datetime.timedelta(days=30))
    _deal(charlie, "300.00", expected_close_date=TODAY - datetime.timedelta(days=1))

    at_risk = _widgets(MANAGER, diana)["deals_at_risk"]

    assert at_risk["count"] == 1
    assert [row["title"] for row in at_risk["rows"]] == ["Deal 100.00"]


def test_win_rate_and_cycle_of_the_deals_closed_in_the_period(
    diana, alice, pipeline, price_reason, committed
):
    # Read from the daily closed-deal facts, brought up to date once a change commits.
    with committed():
        deal_win(actor=alice, deal=_deal(alice, "100.00"))
        deal_win(actor=alice, deal=_deal(alice, "200.00"))
        deal_lose(actor=alice, deal=_deal(alice, "300.00"), reason_id=price_reason.pk)

    widgets = _widgets(MANAGER, diana)

    rows = [row for row in widgets["win_rate"]["rows"] if row["won"] or row["lost"]]
    assert len(rows) == 1
    assert rows[0]["won"] == 2
    assert rows[0]["rate"] == pytest.approx(66.7)
    assert rows[0]["cycle"] == 0
    assert widgets["win_rate"]["rows"][-1]["won"] == 2
    assert widgets["leaderboard"]["rows"][0]["name"] == str(alice)
    assert widgets["forecast"]["rows"][0]["won"].amounts == {"CNY": 300}


def test_win_rate_counts_each_deal_in_the_week_of_its_local_closing_day(
    diana, alice, pipeline, committed
):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    midnight = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    with committed():
        late = deal_win(actor=alice, deal=_deal(alice, "100.00"))
        early = deal_win(actor=alice, deal=_deal(alice, "200.00"))
    # Won a second before and at this Monday's local midnight, ten and four days after creation
    # (written as a data fix would be, then announced: the facts follow).
    with committed():
        for deal, closed, days in (
            (late, midnight - datetime.timedelta(seconds=1), 10),
            (early, midnight, 4),
        ):
            Deal.objects.filter(pk=deal.pk).update(
                closed_at=closed, created_at=closed - datetime.timedelta(days=days)
            )
            record_changed("deal", deal.pk, "updated", changed_fields=["closed_at"])

    rows = _widgets(MANAGER, diana)["win_rate"]["rows"]

    assert [(row["won"], row["cycle"]) for row in rows[-2:]] == [(1, 10.0), (1, 4.0)]


def test_activity_by_rep_counts_the_visible_customers_interactions(
    diana, alice, bob, charlie, east_person, west_person, committed
):
    with committed():
        interaction_create(
            actor=alice, data={"channel": "call", "subject": "a"}, person=east_person
        )
        interaction_create(actor=bob, data={"channel": "visit", "subject": "b"}, person=east_person)
        interaction_create(
            actor=charlie, data={"channel": "call", "subject": "c"}, person=west_person
        )

    rows = _widgets(MANAGER, diana)["activity_by_rep"]["rows"]

    assert sorted(row["name"] for row in rows) == sorted([str(alice), str(bob)])
    assert sum(row["total"] for row in rows) == 2


# --- Marketer ------------------------------------------------------------------------------------


def test_leads_by_source_and_their_conversion(client, alice, charlie, committed):
    with committed():
        lead_create(actor=alice, data={"full_name": "王芳", "source": "web", "campaign": "春季"})
        lead_create(actor=alice, data={"full_name": "李娜", "source": "web"})
        lead_create(actor=alice, data={"full_name": "赵敏", "source": "referral"})
        lead_create(actor=charlie, data={"full_name": "Ann", "source": "web"})
    client.force_login(alice)

    widgets = _widgets(MARKETING, alice)

    by_source = {row["name"]: row for row in widgets["leads_by_source"]["rows"]}
    assert by_source["Website"]["value"] == 2
    assert by_source["Referral"]["value"] == 1
    assert _listed(client, by_source["Website"]["url"], "lead-row") == 2
    assert widgets["campaigns"]["rows"][0]["name"] == "春季"
    assert _widgets(MARKETING, charlie)["leads_by_source"]["rows"][0]["value"] == 1
    trend = {
        series["name"]: [point["value"] for point in series["data"]]
        for series in widgets["leads_trend"]["chart"]["series"]
    }
    assert (trend["Website"][-1], trend["Referral"][-1]) == (2, 1)
    assert sum(trend["Website"]) == 2


# --- Executive -----------------------------------------------------------------------------------


@pytest.fixture
def jobs_now():
    """Jobs run at once: the daily facts are refreshed by a job queued when a change commits."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def test_revenue_leaves_out_cancelled_orders_and_what_others_may_not_see(
    alice, charlie, east_person, west_person, django_capture_on_commit_callbacks, jobs_now
):
    # The daily facts the revenue is read from are brought up to date once a change commits.
    with django_capture_on_commit_callbacks(execute=True):
        _order(alice, east_person, amount="100.00")
        cancelled = _order(alice, east_person, amount="999.00")
    with django_capture_on_commit_callbacks(execute=True):
        order_change_status(actor=alice, order=cancelled, status="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        _order(charlie, west_person, amount="50.00")

    mine = _widgets(EXECUTIVE, alice)
    theirs = _widgets(EXECUTIVE, charlie)

    assert mine["revenue"]["rows"][-1]["revenue"].amounts == {"CNY": 100}
    assert theirs["revenue"]["rows"][-1]["revenue"].amounts == {"CNY": 50}
    assert [row["name"] for row in mine["top_customers"]["rows"]] == [str(east_person)]
    assert mine["top_customers"]["rows"][0]["revenue"].amounts == {"CNY": 100}


def test_new_and_repeat_customers_and_retention(
    admin_user, alice, east_person, east_company, django_capture_on_commit_callbacks, jobs_now
):
    # Read from the per-customer facts, brought up to date once a change commits.
    with django_capture_on_commit_callbacks(execute=True):
        _order(alice, east_person, days_ago=100)  # before the twelve weeks shown
        _order(alice, east_person, days_ago=0)  # again now: a repeat customer, retained
        place_order(alice, company=east_company)  # a first order now: new

    customers = _widgets(EXECUTIVE, admin_user)["customers"]

    assert customers["rows"][-1]["new"] == 1
    assert customers["rows"][-1]["repeat"] == 1
    assert customers["new"] == 1
    assert customers["retention"] == 100.0


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["rep", "manager", "marketing", "executive"])
def test_each_dashboard_costs_the_same_queries_for_few_or_many_records(
    client, key, alice, bob, east_person, pipeline, django_assert_num_queries, committed
):
    url = reverse("analytics:dashboard", args=[key])
    alice.role = "admin"
    alice.save()
    client.force_login(alice)

    def add(n):
        with committed():
            _add(n)

    def _add(n):
        for i in range(n):
            _deal(bob if i % 2 else alice, f"{100 + i}.00")
            lead_create(actor=alice, data={"full_name": f"客户{i}", "source": "web"})
            _order(alice, east_person, days_ago=i * 20)
            interaction_create(
                actor=alice, data={"channel": "call", "subject": f"{i}"}, person=east_person
            )

    add(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(4)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
