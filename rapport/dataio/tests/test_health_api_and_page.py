"""The data-health API and page: scoped figures, history, fix list, constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.api.tests.conftest import ApiClient, client_for
from rapport.customers.models import PersonPhone
from rapport.customers.services import person_create
from rapport.dataio.services.health import health_snapshot_take, invalid_contacts_recheck


def person(actor, name, **data):
    return person_create(actor=actor, data={"full_name": name, **data})


@pytest.fixture
def east_and_west(alice, bob, charlie):
    alice_person = person(alice, "阿丽的客户", phones=[{"number": "13912345678"}])
    person(bob, "鲍勃的客户")
    charlie_person = person(charlie, "查理的客户", phones=[{"number": "13800000001"}])
    PersonPhone.objects.filter(person=charlie_person).update(number="+86123")
    invalid_contacts_recheck()
    return alice_person, charlie_person


# --- API ---------------------------------------------------------------------------------------


def test_api_answers_the_reps_own_figures(east_and_west, alice):
    response = client_for(alice).get("/data-health")

    assert response.status_code == 200
    body = response.json()
    assert body["persons"]["total"] == 1
    assert body["persons"]["invalid_phone"] == 0
    phone = next(f for f in body["persons"]["completeness"] if f["key"] == "phone")
    assert phone == {"key": "phone", "label": "Phone", "filled": 1, "pct": 100.0}
    assert body["teams"] == []


def test_api_never_counts_another_teams_records(east_and_west, charlie, diana):
    charlie_body = client_for(charlie).get("/data-health").json()
    diana_body = client_for(diana).get("/data-health").json()

    assert charlie_body["persons"]["total"] == 1
    assert charlie_body["persons"]["invalid_phone"] == 1
    assert diana_body["persons"]["total"] == 2
    assert diana_body["persons"]["invalid_phone"] == 0


def test_api_gives_administrators_each_team(east_and_west, admin_user):
    body = client_for(admin_user).get("/data-health").json()

    assert body["persons"]["total"] == 3
    assert {t["team"]["name"]: t["persons"]["total"] for t in body["teams"]} == {
        "East": 2,
        "West": 1,
    }


def test_api_figures_take_constant_queries(
    east_and_west, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)

    # API key authentication (2), persons, companies, team names.
    with django_assert_max_num_queries(6):
        response = client.get("/data-health")

    assert response.status_code == 200


def test_api_history_of_a_rep_is_their_teams(east_and_west, alice, west):
    today = timezone.localdate()
    health_snapshot_take(date=today - datetime.timedelta(days=2))
    health_snapshot_take(date=today)

    body = client_for(alice).get("/data-health/history", {"team_id": west.pk}).json()

    assert [p["date"] for p in body] == [
        (today - datetime.timedelta(days=2)).isoformat(),
        today.isoformat(),
    ]
    assert body[-1]["persons"]["total"] == 2


def test_api_history_rejects_a_bad_number_of_days(alice):
    response = client_for(alice).get("/data-health/history", {"days": 0})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "days" in response.json()["details"]


def test_api_fix_list_names_the_problems(east_and_west, charlie, alice):
    body = client_for(charlie).get("/data-health/fix-list").json()

    assert [row["person"]["full_name"] for row in body] == ["查理的客户"]
    assert "Invalid phone" in body[0]["problems"]
    assert all(
        row["person"]["owner"]["id"] == alice.pk
        for row in client_for(alice).get("/data-health/fix-list").json()
    )


def test_api_needs_authentication(db):
    assert ApiClient().get("/data-health").status_code == 401


# --- Page --------------------------------------------------------------------------------------


def test_page_shows_figures_trend_and_fix_list(east_and_west, diana, client):
    health_snapshot_take()
    client.force_login(diana)

    response = client.get(reverse("dataio:health"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="persons-total">2<' in html
    assert 'data-testid="health-chart"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "鲍勃的客户" in html
    assert "查理的客户" not in html


def test_page_without_snapshots_says_so(alice, client):
    client.force_login(alice)

    response = client.get(reverse("dataio:health"))

    assert 'data-testid="health-no-history"' in response.content.decode()


def test_page_lets_administrators_pick_a_team(east_and_west, admin_user, west, client):
    client.force_login(admin_user)

    response = client.get(reverse("dataio:health"), {"team_id": west.pk})

    html = response.content.decode()
    assert 'data-testid="persons-total">1<' in html
    assert "查理的客户" in html
    assert "阿丽的客户" not in html


def test_page_ignores_a_team_filter_from_a_rep(east_and_west, alice, west, client):
    client.force_login(alice)

    response = client.get(reverse("dataio:health"), {"team_id": west.pk})

    html = response.content.decode()
    assert 'data-testid="persons-total">1<' in html
    assert "查理的客户" not in html


def test_page_queries_stay_constant(
    east_and_west, admin_user, client, django_assert_max_num_queries
):
    health_snapshot_take()
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dataio:health"))

    assert response.status_code == 200


def test_page_needs_sign_in(client, db):
    response = client.get(reverse("dataio:health"))

    assert response.status_code == 302
