"""A customer's computed value: revenue, profit with known product costs, expenses, cost to
serve, frequency, recency, punctuality; the whole-table run scores and snapshots."""

from decimal import Decimal

import pytest

from rapport.analytics.value.models import CustomerValue, ValueSnapshot
from rapport.analytics.value.services.expenses import expense_create
from rapport.analytics.value.services.values import (
    customer_values_recompute,
    customer_values_recompute_all,
)
from rapport.analytics.value.tests.conftest import AS_OF, place_order
from rapport.service.services import ticket_create

pytestmark = pytest.mark.django_db


def test_a_customers_value_adds_up_by_hand(
    alice, admin_user, east_person, zhang_history, service_costs
):
    expense_create(
        actor=alice,
        data={"kind": "travel", "amount": "100.00", "person_id": east_person.pk,
              "spent_on": "2026-02-02"},
    )  # fmt: skip
    ticket_create(
        actor=admin_user,
        data={"subject": "Broken lid", "person_id": east_person.pk},
        auto_assign=False,
    )

    customer_values_recompute(person_ids=[east_person.pk], today=AS_OF)

    value = CustomerValue.objects.get(person=east_person)
    assert value.revenue == Decimal("1200.00")
    assert value.product_cost == Decimal("120.00")  # 2 teas at 60
    assert value.gross_profit == Decimal("1080.00")
    assert value.cost_known_share == Decimal("0.1667")  # 200 of 1,200 has a cost
    assert value.expenses == Decimal("100.00")
    assert value.tickets == 1
    assert value.cost_to_serve == Decimal("30.00")  # 15 minutes at 120 an hour
    assert value.net == Decimal("950.00")
    assert value.order_count == 2
    assert value.recency_days == 28
    assert value.days_between_orders == 31
    assert value.tenure_days == 59
    assert value.repeat_rate == Decimal("0.5000")
    # Due by 1 March: paid early, paid 5 days late, unpaid 9 days after its due day.
    assert value.instalments_due == 3
    assert value.on_time_share == Decimal("0.3333")
    assert value.average_days_late == Decimal("4.7")
    assert (value.owner_id, value.team_id) == (east_person.owner_id, east_person.team_id)


def test_the_nightly_run_scores_segments_and_snapshots_the_month(
    alice, east_person, west_person, zhang_history, charlie
):
    customer_values_recompute_all(today=AS_OF)

    zhang = CustomerValue.objects.get(person=east_person)
    assert (zhang.r_score, zhang.f_score) == (1, 1)  # the only orderer: nobody is worse
    assert zhang.segment == "lost"
    snapshot = ValueSnapshot.objects.get(person=east_person)
    assert (snapshot.month.isoformat(), snapshot.segment) == ("2026-03-01", "lost")
    assert not CustomerValue.objects.filter(person=west_person).exists()


@pytest.fixture
def huey_immediate():
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def test_an_announced_order_recomputes_its_customer(
    alice, east_person, huey_immediate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place_order(alice, east_person, placed_at="2026-01-01T10:00:00+08:00")

    value = CustomerValue.objects.get(person=east_person)
    assert (value.order_count, value.revenue) == (1, Decimal("200.00"))
