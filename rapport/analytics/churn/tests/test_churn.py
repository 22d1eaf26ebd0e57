import datetime

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from rapport.activities.models import Interaction, Notification, Task
from rapport.analytics.churn import services
from rapport.analytics.churn.features import churned_after, customer_table, features_as_of
from rapport.analytics.churn.models import ChurnModelRun, ChurnScore, RunStatus
from rapport.analytics.churn.reasons import reason_codes, reason_sentences
from rapport.analytics.churn.tests.factories import (
    NOW,
    company,
    days_before,
    order_row,
    orders,
    person,
    regulars_and_leavers,
)
from rapport.analytics.value.models import CustomerValue, Tier
from rapport.customers.models import LifecycleStage
from rapport.sales.models.orders import OrderStatus
from rapport.service.models import Ticket, TicketType

HORIZON = datetime.timedelta(days=180)


def _run(**extra) -> ChurnModelRun:
    return ChurnModelRun.objects.create(
        started_at=NOW, as_of=NOW, horizon_days=180, status=RunStatus.TRAINED, **extra
    )


@pytest.mark.django_db
def test_churned_means_no_counted_order_within_the_horizon_or_lost_without_one(alice):
    cutoff = days_before(200)
    back = person(alice, name="Came back")
    silent = person(alice, name="Silent")
    late = person(alice, name="Too late")
    cancelled = person(alice, name="Cancelled only")
    lost = person(alice, name="Lost", stage=LifecycleStage.LOST)
    lost_buying = person(alice, name="Lost but buying", stage=LifecycleStage.LOST)
    firm = company(alice)
    orders(
        [
            order_row(c, days_before(210))
            for c in (back, silent, late, cancelled, lost, lost_buying, firm)
        ]
        + [
            order_row(back, days_before(150)),
            order_row(late, days_before(5)),  # 195 days after the cutoff
            order_row(cancelled, days_before(150), status=OrderStatus.CANCELLED),
            order_row(lost_buying, days_before(100)),
            order_row(firm, days_before(60)),
        ]
    )
    table = customer_table()
    keys = features_as_of(table, cutoff).index

    churned = churned_after(table, keys, cutoff, HORIZON, observed_by=NOW)

    assert churned.to_dict() == {
        back.pk: 0,
        silent.pk: 1,
        late.pk: 1,
        cancelled.pk: 1,
        lost.pk: 1,
        lost_buying.pk: 0,
        -firm.pk: 0,
    }


@pytest.mark.django_db
def test_features_count_only_what_happened_by_the_cutoff(alice):
    customer = person(alice)
    orders(
        [
            order_row(customer, days_before(100), total="100.00"),
            order_row(customer, days_before(40), total="50.00"),
            order_row(customer, days_before(10), total="30.00"),
            order_row(customer, days_before(5), total="999.00", status=OrderStatus.RETURNED),
            order_row(customer, days_before(-3), total="999.00"),  # after the cutoff
        ]
    )
    complaint = Ticket.objects.create(
        subject="Broken", type=TicketType.COMPLAINT, person=customer, customer_owner=alice
    )
    Ticket.objects.filter(pk=complaint.pk).update(created_at=days_before(20))
    Interaction.objects.create(
        person=customer,
        channel="phone",
        subject="Call",
        occurred_at=days_before(5),
        logged_by=alice,
    )

    row = features_as_of(customer_table(), NOW).loc[customer.pk]

    assert row["recency_days"] == pytest.approx(10)
    assert row["frequency"] == 3
    assert row["typical_gap_days"] == pytest.approx(45)
    assert row["money"] == pytest.approx(180)
    assert row["spend_90"] == pytest.approx(80)
    assert row["spend_prev_90"] == pytest.approx(100)
    assert row["complaints_90"] == 1
    assert row["interactions_90"] == 1
    assert row["interaction_recency_days"] == pytest.approx(5)
    assert row["tenure_days"] == pytest.approx(100)


@pytest.mark.django_db
def test_too_little_data_is_a_status_without_figures(alice):
    for i in range(5):
        orders([order_row(person(alice, name=f"P{i}"), days_before(400 + i))])

    run = services.churn_train(now=NOW)

    assert run.status == RunStatus.TOO_LITTLE_DATA
    assert run.auc is None
    assert run.train_size == 5
    assert not ChurnScore.objects.exists()


def test_reasons_are_worded_with_their_numbers():
    row = {
        "recency_days": 210.4,
        "typical_gap_days": 45.0,
        "complaints_90": 2.0,
        "tickets_90": 2.0,
        "spend_90": 0.0,
        "spend_prev_90": 0.0,
    }
    reasons = reason_codes(["recency_days", "overdue_ratio", "complaints_90", "spend_90"], row, {})

    assert reason_sentences(reasons) == [
        "No order for 210 days, usually orders every 45.",
        "2 complaints in the last 90 days.",
    ]


def test_a_recent_order_is_no_reason_but_a_long_usual_gap_is():
    row = {"recency_days": 2.0, "typical_gap_days": 228.0}

    reasons = reason_codes(["recency_days", "typical_gap_days"], row, {})

    assert reason_sentences(reasons) == ["Usually orders only every 228 days."]


@pytest.mark.django_db
def test_training_validates_by_time_scores_with_reasons_and_alerts_owners_once(alice):
    people = regulars_and_leavers(alice, count=330)

    run = services.churn_train(now=NOW)

    assert run.status == RunStatus.TRAINED, run.message
    assert run.auc > 0.7
    assert 0 <= run.precision_at_10 <= 1
    assert sum(b["count"] for b in run.calibration) == run.valid_size
    assert run.importance[0]["importance"] >= run.importance[-1]["importance"]
    assert ChurnScore.objects.count() == run.scored == len(people)
    riskiest = ChurnScore.objects.order_by("-probability").first()
    assert riskiest.probability > 0.5
    assert reason_sentences(riskiest.reasons)
    assert not Notification.objects.exists()  # a first scoring is no jump

    # Given every risk was low at the last scoring, when scored again, the owner hears of the
    # valuable customers now at risk, and only once.
    ChurnScore.objects.update(probability=0.0)
    services.churn_score(run=run, now=NOW)
    alerted = Notification.objects.filter(recipient=alice, kind=services.ALERT_KIND).count()
    services.churn_score(run=run, now=NOW)

    assert 0 < alerted <= len(people) * services.VALUABLE_SHARE + 1
    assert Notification.objects.filter(kind=services.ALERT_KIND).count() == alerted


@pytest.mark.django_db
def test_at_risk_list_shows_only_customers_the_user_may_see(client, alice, charlie):
    run = _run()
    mine = person(alice, name="Alice's customer")
    theirs = person(charlie, name="Charlie's customer")
    for customer in (mine, theirs):
        ChurnScore.objects.create(
            person=customer,
            run=run,
            probability=0.8,
            reasons=[{"code": "complaints", "count": 2}],
            scored_at=NOW,
        )
    client.force_login(alice)

    page = client.get(reverse("analytics_churn:at_risk")).content.decode()

    assert "Alice&#x27;s customer" in page
    assert "2 complaints in the last 90 days." in page
    assert "Charlie" not in page


@pytest.mark.django_db
def test_call_task_goes_to_the_owner_and_not_for_another_teams_customer(
    client, alice, bob, charlie
):
    bobs = person(bob, name="Bob's customer")
    charlies = person(charlie, name="Charlie's customer")
    client.force_login(alice)

    response = client.post(reverse("analytics_churn:person_call_task", args=[bobs.pk]))
    refused = client.post(reverse("analytics_churn:person_call_task", args=[charlies.pk]))

    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee == bob and task.person == bobs
    assert refused.status_code == 404


def _jumps(customers: list, money: list[float]):
    """Features of `customers` with their spend, each one's risk up from 0.1 to 0.9."""
    keys = np.array([c.pk for c in customers])
    features = pd.DataFrame(
        {"money": money, "owner_id": [c.owner_id for c in customers]}, index=keys
    )
    previous = {int(k): 0.1 for k in keys}
    return features, keys, np.full(len(keys), 0.9), previous


def _alerted() -> set[int]:
    return set(
        Notification.objects.filter(kind=services.ALERT_KIND).values_list("target_id", flat=True)
    )


def _value(customer, tier: str) -> CustomerValue:
    return CustomerValue.objects.create(
        kind="person",
        person=customer,
        owner=customer.owner,
        currency="CNY",
        tier=tier,
        rates_day=NOW.date(),
        computed_at=NOW,
    )


@pytest.mark.django_db
def test_without_customer_values_the_top_fifth_by_spend_is_valuable(alice):
    customers = [person(alice, name=f"P{i}") for i in range(5)]
    features, keys, p, previous = _jumps(customers, [10, 20, 30, 40, 5000])

    services.alert_risk_jumps(features, keys, p, previous)

    assert _alerted() == {customers[4].pk}


@pytest.mark.django_db
def test_customer_value_tier_decides_who_is_valuable_where_it_was_computed(alice):
    big_but_low, small_but_top, high, loss, not_computed = (
        person(alice, name=f"P{i}") for i in range(5)
    )
    _value(big_but_low, Tier.LOW)
    _value(small_but_top, Tier.TOP)
    _value(high, Tier.HIGH)
    _value(loss, Tier.LOSS)
    customers = [big_but_low, small_but_top, high, loss, not_computed]
    # The biggest spender has a low tier; the one without a value is judged by spend.
    features, keys, p, previous = _jumps(customers, [9000, 10, 20, 30, 9000])

    services.alert_risk_jumps(features, keys, p, previous)

    assert _alerted() == {small_but_top.pk, high.pk, not_computed.pk}
