"""The complaint report: counts by root cause, product and team, time to close, repeat
complainers and who ordered again within 90 days, through the ticket visibility rule, in a fixed
number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.customers.services import person_create
from rapport.sales.tests.orders_fixtures import place_order, tea  # noqa: F401 -- fixture
from rapport.service.models import Ticket
from rapport.service.selectors_complaints import percentile
from rapport.service.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db

URL = reverse("service:complaint_report")


def _complaint(actor, team, person, *, product=None, cause="delivery", hours=None, days_ago=10):
    ticket = ticket_create(
        actor=actor,
        data={
            "subject": "Complaint",
            "body": "…",
            "type": "complaint",
            "person_id": person.pk,
            "team_id": team.pk,
            "product_id": product.pk if product else None,
        },
    )
    opened = timezone.now() - datetime.timedelta(days=days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=opened)
    if hours is not None:
        ticket_change_status(
            actor=actor, ticket=ticket, status="closed", root_cause=cause, resolution="Done."
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            closed_at=opened + datetime.timedelta(hours=hours)
        )
    return ticket


@pytest.fixture
def complaints(admin_user, alice, support, emily, tea):  # noqa: F811 -- the imported fixture
    zoe = person_create(actor=alice, data={"full_name": "Zoe Wang"})
    _complaint(admin_user, support, emily, product=tea, hours=10)
    _complaint(admin_user, support, emily, product=tea, cause="product_defect", hours=30)
    _complaint(admin_user, support, zoe, hours=50)
    _complaint(admin_user, support, zoe)  # still open
    # Emily comes back five days after her first complaint was closed; Zoe does not.
    place_order(
        alice, person=emily, placed_at=(timezone.now() - datetime.timedelta(days=5)).isoformat()
    )
    return zoe


def test_the_report_counts_times_repeaters_and_reorders(
    client, admin_user, emily, complaints, django_assert_max_num_queries
):
    client.force_login(admin_user)
    client.get(URL)  # warm the per-process caches

    with django_assert_max_num_queries(16):
        response = client.get(URL)

    report = response.context["report"]
    assert (report.total, report.closed) == (4, 3)
    causes = {row["key"]: row["count"] for row in report.by_root_cause}
    assert causes == {"delivery": 2, "product_defect": 1, "": 1}
    assert {row["name"]: row["count"] for row in report.by_product} == {
        "龙井茶礼盒": 2,
        "No product": 2,
    }
    assert (report.close_hours_median, report.close_hours_p90) == (30.0, 50.0)
    assert {(r.name, r.complaints) for r in report.repeat_complainers} == {
        ("Emily Carter", 2),
        ("Zoe Wang", 2),
    }
    assert (report.reordered, report.complainants) == (1, 2)
    html = response.content.decode()
    assert reverse("customers:person_detail", args=[emily.pk]) in html
    assert 'id="complaint-chart-data"' in html


def test_another_team_sees_the_empty_state(client, charlie, complaints):
    client.force_login(charlie)

    response = client.get(URL)

    assert response.context["report"].total == 0
    assert 'data-testid="complaint-report-empty"' in response.content.decode()


def test_the_dates_choose_the_complaints_opened_in_them(client, admin_user, complaints):
    client.force_login(admin_user)
    week_ago = timezone.localdate() - datetime.timedelta(days=7)

    response = client.get(URL, {"date_from": week_ago.isoformat(), "date_to": "not-a-date"})

    assert response.status_code == 200
    assert response.context["report"].total == 0


def test_percentile_is_the_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
