"""The home page as each role's working overview: whose figures, the empty installation, the
empty panels and the links behind the figures.

alice (East representative) owns 张伟 and her deals; bob is her colleague; diana manages East;
charlie (West) must never see East's figures, nor East charlie's.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.customers.services import person_create
from rapport.dataio.services.health import health_snapshot_take
from rapport.sales.models import Deal, Order
from rapport.sales.services.deals import deal_create, stage_update
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create
from rapport.sales.services.orders.payments import payment_record
from rapport.sales.services.quotas import quota_set
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.web.selectors import home_for


def _deal(actor, stage, amount, title="Deal", **data):
    return deal_create(
        actor=actor, data={"title": title, "stage_id": stage.pk, "amount": amount, **data}
    )


def _overdue_order(actor, person, amount="400.00"):
    return order_create(
        actor=actor,
        data={
            "person_id": person.pk,
            "placed_at": "2026-01-01T10:00:00+08:00",
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": amount}],
            "instalments": [{"due_date": "2026-01-10", "amount": amount}],
        },
    )


def _aged(deal, days):
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=days)
    )


@pytest.fixture
def book(admin_user, alice, bob, charlie, diana, east, stages, east_person, west_person):
    """East: alice's and bob's deals, leads, an overdue order; West: charlie's."""
    bob_person = person_create(actor=bob, data={"full_name": "李娜"})
    _deal(alice, stages["qualification"], "1000.00", "alice 1", person_id=east_person.pk)
    _deal(alice, stages["proposal"], "2500.00", "alice 2")
    _deal(bob, stages["proposal"], "700.00", "bob 1")
    _deal(charlie, stages["qualification"], "99999.00", "charlie 1")
    lead_create(actor=alice, data={"full_name": "王芳"})
    lead_create(actor=bob, data={"full_name": "赵磊"})
    lead_create(actor=charlie, data={"full_name": "Mark West"})
    lead_create(
        actor=admin_user, data={"full_name": "排队客户", "team_id": east.pk, "auto_assign": True}
    )
    _overdue_order(alice, east_person, "400.00")
    _overdue_order(bob, bob_person, "250.00")
    _overdue_order(charlie, west_person, "8888.00")
    for who, person in ((alice, east_person), (alice, east_person), (bob, bob_person)):
        interaction_create(actor=who, person=person, data={"channel": "call", "subject": "跟进"})
    interaction_create(
        actor=charlie, person=west_person, data={"channel": "call", "subject": "West"}
    )


# --- Whose figures -------------------------------------------------------------------------------


def test_representative_sees_only_her_own_figures(alice, book):
    home = home_for(alice)

    assert home.scope.kind == "own"
    assert home.deals.count == 2
    assert home.deals.amounts == {"CNY": Decimal("3500.00")}
    assert {row.label: row.count for row in home.deals.stages if row.count} == {
        "Qualification": 1,
        "Proposal": 1,
    }
    assert home.leads.waiting == 1
    assert [lead.full_name for lead in home.leads.items] == ["王芳"]
    assert home.leads.queue == 1  # East's unassigned lead, which anyone in East may take
    assert home.receivables.amounts == {"CNY": Decimal("400.00")}
    assert home.receivables.orders == 1
    # Forecast, team activity, data health and imports are the managers' and administrators'.
    assert (home.forecast, home.activity, home.health, home.imports) == (None, None, None, None)


def test_manager_sees_her_teams_figures(diana, book):
    home = home_for(diana)

    assert home.scope.kind == "team"
    assert home.deals.count == 3
    assert home.deals.amounts == {"CNY": Decimal("4200.00")}
    assert home.leads.waiting == 3  # alice's, bob's and the one in East's queue
    assert home.receivables.amounts == {"CNY": Decimal("650.00")}
    assert home.receivables.orders == 2
    assert home.forecast is not None
    assert {str(row.user): row.count for row in home.activity.rows} == {
        "alice": 2,
        "bob": 1,
        "diana": 0,
    }
    assert home.activity.total == 3
    assert home.health is None and home.imports is None


def test_administrator_sees_everyones_figures(admin_user, book):
    home = home_for(admin_user)

    assert home.scope.kind == "all"
    assert home.deals.count == 4
    assert home.leads.waiting == 4
    assert home.leads.queue == 1
    assert home.receivables.amounts == {"CNY": Decimal("9538.00")}
    assert home.activity.total == 4
    assert home.imports == []


def test_a_payment_shows_at_once_in_the_teams_cached_receivables(diana, alice, book):
    assert home_for(diana).receivables.amounts == {"CNY": Decimal("650.00")}
    order = Order.objects.get(owner=alice)

    payment_record(actor=alice, order=order, amount="400.00")

    assert home_for(diana).receivables.amounts == {"CNY": Decimal("250.00")}
    assert home_for(alice).receivables.amounts == {}


def test_another_teams_figures_never_appear(charlie, diana, book, client):
    home = home_for(charlie)
    assert home.deals.count == 1
    assert home.deals.amounts == {"CNY": Decimal("99999.00")}
    assert [lead.full_name for lead in home.leads.items] == ["Mark West"]
    assert home.leads.queue == 0
    assert home.receivables.amounts == {"CNY": Decimal("8888.00")}

    client.force_login(diana)
    html = client.get(reverse("web:home")).content.decode()
    assert "charlie 1" not in html
    assert "Mark West" not in html
    assert "99,999.00" not in html
    assert "8,888.00" not in html
    assert "charlie" not in html


def test_a_manager_without_a_team_sees_her_own_figures(db, alice, book):
    from rapport.accounts.models import Role
    from rapport.accounts.services import user_create

    loner = user_create(username="lonely", password="x" * 12, role=Role.SALES_MANAGER)
    home = home_for(loner)
    assert home.scope.kind == "own"
    assert home.deals.count == 0
    assert home.leads.queue == 0


# --- Tasks, stuck deals --------------------------------------------------------------------------


def test_tasks_due_today_and_overdue_are_the_users_own(alice, bob, book):
    now = timezone.now()
    task_create(actor=alice, data={"title": "昨天的", "due_at": now - datetime.timedelta(days=1)})
    task_create(actor=alice, data={"title": "Later", "due_at": now + datetime.timedelta(days=9)})
    task_create(actor=bob, data={"title": "Bob's", "due_at": now - datetime.timedelta(hours=1)})

    home = home_for(alice)

    assert home.tasks.overdue == 1
    assert [t.title for t in home.tasks.items] == ["昨天的"]


def test_deals_past_their_stages_limit_are_stuck(admin_user, alice, charlie, diana, stages, book):
    stage_update(actor=admin_user, stage=stages["proposal"], data={"stale_after_days": 10})
    for deal in Deal.objects.filter(title__in=["alice 2", "charlie 1"]):
        _aged(deal, 30)
    _aged(Deal.objects.get(title="alice 1"), 30)  # its stage has no limit

    assert [s.deal.title for s in home_for(alice).stuck.items] == ["alice 2"]
    assert home_for(alice).stuck.items[0].days == 30
    assert home_for(diana).stuck.count == 1
    assert home_for(charlie).stuck.count == 0  # charlie's deal sits in a stage without limit
    assert home_for(admin_user).stuck.count == 1


def test_without_stage_limits_the_longest_waiting_deals_are_shown(alice, client, book):
    _aged(Deal.objects.get(title="alice 1"), 40)

    home = home_for(alice)

    assert home.stuck.limits_set is False
    assert [s.deal.title for s in home.stuck.items] == ["alice 1", "alice 2"]
    client.force_login(alice)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-stuck-no-limits"' in html
    assert 'data-testid="figure-stuck"' not in html


# --- The page ------------------------------------------------------------------------------------


def test_figures_link_to_the_lists_behind_them(alice, client, stages, book):
    client.force_login(alice)
    response = client.get(reverse("web:home"))
    html = response.content.decode()

    mine = f"owner_id={alice.pk}"
    assert f"{reverse('sales:deal_list')}?status=open&amp;{mine}" in html
    assert f"{reverse('sales:lead_list')}?status=new&amp;{mine}" in html
    assert f"{reverse('sales:receivables')}?{mine}" in html
    assert f"{reverse('activities:task_list')}?tab=today" in html
    stage_link = (
        f"{reverse('sales:deal_list')}?status=open&amp;stage_id={stages['proposal'].pk}&amp;{mine}"
    )
    assert stage_link in html
    assert "3,500.00 CNY" in html
    assert "400.00 CNY" in html


def test_manager_links_filter_by_her_team_and_the_charts_have_data(diana, east, client, book):
    client.force_login(diana)
    response = client.get(reverse("web:home"))
    html = response.content.decode()

    assert f"{reverse('sales:deal_list')}?status=open&amp;team_id={east.pk}" in html
    assert f"{reverse('sales:forecast')}?team_id={east.pk}" in html
    assert 'data-testid="home-forecast-chart"' in html
    assert 'data-testid="home-activity-chart"' in html
    stages_chart = response.context["charts"]["stages"]
    assert stages_chart["counts"] == [1, 0, 2, 0]
    assert all(f"team_id={east.pk}" in link for link in stages_chart["links"])
    forecast_chart = response.context["charts"]["forecast"]
    assert set(forecast_chart["series"]) == {"weighted", "committed", "best_case", "won", "quota"}


def test_forecast_measures_the_team_against_its_quota(admin_user, diana, east, client, book):
    quota_set(
        actor=admin_user,
        data={
            "team_id": east.pk,
            "period": "quarter",
            "period_start": timezone.localdate().isoformat(),
            "amount": "50000",
        },
    )
    client.force_login(diana)
    response = client.get(reverse("web:home"))

    assert response.context["charts"]["forecast"]["series"]["quota"][0] == "50000.00"
    assert "50,000.00" in response.content.decode()


def test_administrator_sees_data_health_and_recent_imports(admin_user, client, book):
    health_snapshot_take()
    client.force_login(admin_user)
    response = client.get(reverse("web:home"))
    html = response.content.decode()

    assert response.context["home"].health.persons.total == 3
    assert 'data-testid="home-health-figures"' in html
    assert 'data-testid="home-imports-empty"' in html
    assert reverse("dataio:import_new") in html


def test_empty_panels_say_what_to_do_next(alice, client, east_person):
    # Given an installation with a customer but nothing else of alice's
    client.force_login(alice)
    html = client.get(reverse("web:home")).content.decode()

    assert 'data-testid="home-deals-empty"' in html
    assert 'data-testid="home-leads-empty"' in html
    assert 'data-testid="home-tasks-empty"' in html
    assert reverse("sales:deal_create") in html
    assert reverse("sales:lead_create") in html
    assert 'data-testid="home-getting-started"' not in html


# --- A new installation --------------------------------------------------------------------------


def test_new_installation_shows_what_to_do_first_instead_of_zeros(admin_user, client):
    client.force_login(admin_user)
    response = client.get(reverse("web:home"))
    html = response.content.decode()

    assert 'data-testid="home-getting-started"' in html
    for step in ("start-import", "start-users", "start-quotas", "start-first-record", "start-demo"):
        assert f'data-testid="{step}"' in html
    assert reverse("dataio:import_new") in html
    assert reverse("admin:accounts_user_add") in html
    assert reverse("sales:quota_list") in html
    assert "seed_demo" in html
    assert 'data-testid="home-figures"' not in html
    assert response.context["charts"] == {}


def test_new_installation_marks_the_steps_already_done(admin_user, alice, east, client):
    quota_set(
        actor=admin_user,
        data={"team_id": east.pk, "period": "month", "period_start": "2026-01-01", "amount": "1"},
    )
    client.force_login(admin_user)
    html = client.get(reverse("web:home")).content.decode()

    assert 'data-testid="start-users" data-done="true"' in html
    assert 'data-testid="start-quotas" data-done="true"' in html
    assert 'data-testid="start-import" data-done="false"' in html


def test_representative_on_a_new_installation_is_not_offered_administrators_steps(alice, client):
    client.force_login(alice)
    html = client.get(reverse("web:home")).content.decode()

    assert 'data-testid="start-import"' in html
    assert 'data-testid="start-first-record"' in html
    assert 'data-testid="start-users"' not in html
    assert 'data-testid="start-quotas"' not in html
    assert 'data-testid="start-demo"' not in html


def test_stage_chart_data_is_json_the_page_script_reads(alice, client, book):
    client.force_login(alice)
    html = client.get(reverse("web:home")).content.decode()

    start = html.index('<script id="home-stages-data" type="application/json">')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert sum(data["counts"]) == 2
    assert "js/home.js" in html
