"""SLA pages: the settings (administrators'), the timers on the ticket page, the report (only
the tickets the reader may see), and the compliance selector the dashboard reads."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.api.tests.conftest import client_for
from rapport.service.models import (
    HolidayCalendar,
    HolidayCalendarDay,
    SlaPolicy,
    SlaTarget,
    Ticket,
)
from rapport.service.selectors_sla import sla_compliance
from rapport.service.services import ticket_create
from rapport.service.services.sla import sla_check

SETTINGS_PAGES = (
    "service:sla_policy_list",
    "service:business_hours_list",
    "service:holiday_calendar_list",
)


@pytest.fixture
def breached(admin_user, support, sam):
    """A support ticket whose first response was breached (by the check, weeks later)."""
    SlaPolicy.objects.create(name="Standard", first_response_minutes=1, resolution_minutes=100_000)
    ticket = ticket_create(
        actor=admin_user, data={"subject": "Broken", "team_id": support.pk, "assignee_id": sam.pk}
    )
    sla_check(now=timezone.now() + datetime.timedelta(days=20))
    return ticket


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_administrators_open_the_sla_settings_and_agents_may_not(client, admin_user, sam, name):
    client.force_login(admin_user)
    assert client.get(reverse(name)).status_code == 200
    client.force_login(sam)
    assert client.get(reverse(name)).status_code == 403


def test_an_administrator_adds_a_policy_and_a_refused_one_shows_its_errors(client, admin_user):
    client.force_login(admin_user)
    url = reverse("service:sla_policy_list")

    response = client.post(url, {"name": "", "warn_percent": "80"})
    assert response.status_code == 200
    assert "error-name" in response.text or "errorlist" in response.text
    assert not SlaPolicy.objects.exists()

    response = client.post(
        url, {"name": "Standard", "first_response_minutes": "60", "warn_percent": "75"}
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert (policy.first_response_minutes, policy.warn_percent) == (60, 75)


def test_an_administrator_enters_a_year_of_holidays_and_swapped_workdays(
    shipped_calendar, client, admin_user
):
    calendar = HolidayCalendar.objects.get(name="China public holidays")
    client.force_login(admin_user)
    url = reverse("service:holiday_calendar_edit", args=[calendar.pk])

    page = client.get(url, {"year": 2026})
    assert "2026-10-01..2026-10-07" in page.text

    response = client.post(
        url,
        {"year": "2027", "holidays": "2027-10-01..2027-10-03 国庆节", "workdays": "2027-10-09"},
    )
    assert response.status_code == 302
    days = HolidayCalendarDay.objects.filter(calendar=calendar, date__year=2027)
    assert sorted(days.values_list("kind", flat=True)) == ["holiday"] * 3 + ["workday"]

    response = client.post(url, {"year": "2027", "holidays": "2026-13-01", "workdays": ""})
    assert response.status_code == 200
    assert days.count() == 4


def test_the_ticket_page_shows_the_timers(client, sam, breached):
    client.force_login(sam)

    page = client.get(reverse("service:ticket_detail", args=[breached.pk]))

    assert 'data-testid="sla-timer-first_response" data-state="overdue"' in page.text
    assert 'data-testid="sla-timer-resolution" data-state="running"' in page.text


def test_the_report_shows_the_breaches_of_visible_tickets_only(client, sam, charlie, breached):
    client.force_login(sam)
    page = client.get(reverse("service:sla_report"))
    assert page.status_code == 200
    assert 'data-testid="sla-breached-row"' in page.text
    assert breached.subject in page.text

    client.force_login(charlie)
    page = client.get(reverse("service:sla_report"), {"group": "agent", "start": "bad"})
    assert page.status_code == 200
    assert breached.subject not in page.text
    assert 'data-testid="sla-report-empty"' in page.text


def test_compliance_counts_met_and_breached_targets_per_month(breached, django_assert_num_queries):
    tickets = Ticket.objects.all()
    today = timezone.localdate()
    with django_assert_num_queries(1):
        rows = sla_compliance(
            tickets, start=today.replace(day=1), end=today + datetime.timedelta(days=1)
        )
    first = next(r for r in rows if r["kind"] == "first_response")
    assert (first["met"], first["breached"], first["compliance"]) == (0, 1, 0.0)
    assert first["month"] == today.replace(day=1)
    assert SlaTarget.objects.filter(breached_at__isnull=False).count() == 1


def test_the_api_shows_a_tickets_targets_read_only(sam, charlie, breached):
    body = client_for(sam).get(f"/tickets/{breached.pk}").json()
    targets = {t["kind"]: t for t in body["sla_targets"]}
    assert targets["first_response"]["state"] == "overdue"
    assert targets["first_response"]["breached_at"] is not None
    assert targets["resolution"]["state"] == "running"
    assert client_for(charlie).get(f"/tickets/{breached.pk}").status_code == 404


def test_new_business_hours_for_a_team_move_its_running_targets(client, admin_user, support):
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60)
    ticket = ticket_create(actor=admin_user, data={"subject": "Help", "team_id": support.pk})
    client.force_login(admin_user)

    response = client.post(
        reverse("service:business_hours_list"),
        {
            "name": "Round the clock",
            "team_id": str(support.pk),
            "time_zone": "Asia/Shanghai",
            **{f"day_{day}": "00:00-24:00" for day in range(7)},
        },
    )

    assert response.status_code == 302
    target = SlaTarget.objects.get(ticket=ticket)
    assert target.due_at == ticket.created_at + datetime.timedelta(minutes=60)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == target.due_at


def test_business_hours_with_a_bad_interval_or_zone_are_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("service:business_hours_list"),
        {"name": "Odd", "time_zone": "Mars/Olympus", "day_0": "18:00-09:00"},
    )

    assert response.status_code == 200
    assert "error-day_0" in response.text


def test_my_tickets_and_the_queue_show_the_nearest_due_time(client, sam, breached):
    client.force_login(sam)

    for name in ("service:my_tickets", "service:team_queue"):
        page = client.get(reverse(name))
        assert page.text.count('data-testid="sla-due"') == 1
