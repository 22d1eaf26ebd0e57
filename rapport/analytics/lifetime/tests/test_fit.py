"""Fitting on the installation's orders: the CDNOW sample written as orders gives the published
parameters (so the orders → input step is the papers'), too little data says so, the holdout
check counts what customers did, and the weekly job fits."""

import datetime

import pytest
from django.utils import timezone

from rapport.analytics.lifetime import tasks
from rapport.analytics.lifetime.models import LifetimeModelRun, LifetimePrediction, RunStatus
from rapport.analytics.lifetime.selectors import current_run
from rapport.analytics.lifetime.services import lifetime_fit, lifetime_run_create
from rapport.analytics.lifetime.tests.factories import (
    cdnow_orders,
    order_row,
    persons,
    regulars_and_leavers,
)
from rapport.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from rapport.sales.models import Order

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)


def _run(as_of=AS_OF, holdout_weeks=0) -> LifetimeModelRun:
    return lifetime_fit(
        LifetimeModelRun.objects.create(as_of=as_of, holdout_weeks=holdout_weeks, currency="CNY")
    )


@pytest.fixture
def cdnow(alice):
    return cdnow_orders(alice, AS_OF)


def test_the_cdnow_sample_as_orders_gives_the_published_parameters(cdnow):
    run = _run(holdout_weeks=10)

    assert run.status == RunStatus.FITTED
    assert (run.customers, run.repeat_customers) == (2357, 946)
    # Fader, Hardie and Lee (2005): r 0.243, α 4.414, a 0.793, b 2.426, LL -9582.4; the orders
    # are on whole days, the paper's weeks have two decimals.
    assert run.r == pytest.approx(0.243, abs=0.002)
    assert run.alpha == pytest.approx(4.414, abs=0.03)
    assert run.a == pytest.approx(0.793, abs=0.01)
    assert run.b == pytest.approx(2.426, abs=0.05)
    assert run.log_likelihood == pytest.approx(-9582.4, abs=1.0)
    # Fader and Hardie (2013): p 6.25, q 3.74, γ 15.44.
    assert run.p == pytest.approx(6.25, abs=0.01)
    assert run.q == pytest.approx(3.74, abs=0.01)
    assert run.v == pytest.approx(15.44, abs=0.02)
    assert LifetimePrediction.objects.filter(run=run).count() == 2357
    assert current_run() == run


def test_each_persons_prediction_follows_their_history(cdnow):
    run = _run()
    by_person = {p.person_id: p for p in LifetimePrediction.objects.filter(run=run)}
    # CDNOW customer 1: 2 repeat purchases, the last in week 30.43 of 38.86; customer 3 none.
    first, third = by_person[cdnow[0].pk], by_person[cdnow[2].pk]

    assert (first.frequency, third.frequency) == (2, 0)
    assert first.recency_weeks == pytest.approx(30.43, abs=0.1)
    assert first.age_weeks == pytest.approx(38.86, abs=0.1)
    assert str(first.average_value) == "22.35"
    # The paper's worked example: 1.226 purchases in the next 39 weeks; 365 days are 52 weeks.
    assert 1.226 < first.expected_purchases_365 < 1.226 * 52.14 / 39
    assert first.expected_purchases_90 < first.expected_purchases_365
    assert third.probability_alive == 1.0
    assert first.expected_value > 0
    assert third.expected_value > 0  # the population's mean value times a small expectation


def test_the_holdout_check_compares_expected_and_actual_purchases_by_past_purchases(cdnow):
    run = _run(holdout_weeks=10)
    check = run.holdout
    start = AS_OF - datetime.timedelta(weeks=10)
    made = (
        Order.objects.filter(
            placed_at__gte=timezone.make_aware(
                datetime.datetime.combine(start + datetime.timedelta(days=1), datetime.time.min)
            )
        )
        .values_list("person_id", "placed_at__date")
        .distinct()
        .count()
    )

    assert [row["purchases"] for row in check["rows"]] == list(range(8))
    assert check["actual_total"] == made
    assert sum(row["customers"] for row in check["rows"]) == check["customers"] == 2357
    # The more a customer bought before, the more they buy after: in the data and the model.
    assert check["rows"][0]["actual"] < check["rows"][3]["actual"]
    assert check["rows"][0]["expected"] < check["rows"][3]["expected"]


def test_too_little_data_says_how_many_repeat_buyers_there_are_and_predicts_nothing(alice):
    people = persons(alice, 5)
    Order.objects.bulk_create(
        [order_row(p, AS_OF - datetime.timedelta(days=d)) for p in people for d in (10, 40)]
    )

    run = _run(holdout_weeks=4)

    assert run.status == RunStatus.TOO_LITTLE_DATA
    assert run.details["repeat_customers"] == 5
    assert run.details["needed"] == 30
    assert run.holdout["reason"] == "too_little_data"
    assert not LifetimePrediction.objects.exists()
    assert current_run() is None


def test_a_new_fit_replaces_the_previous_predictions(cdnow):
    first = _run()
    second = _run()

    assert current_run() == second
    assert not LifetimePrediction.objects.filter(run=first).exists()
    assert LifetimePrediction.objects.filter(run=second).count() == 2357


def test_only_administrators_start_a_fit_and_one_at_a_time(alice, admin_user):
    with pytest.raises(PermissionDenied):
        lifetime_run_create(actor=alice)
    with pytest.raises(ValidationFailed):
        lifetime_run_create(actor=admin_user, as_of=timezone.localdate() + datetime.timedelta(1))
    with pytest.raises(ValidationFailed):
        lifetime_run_create(actor=admin_user, as_of=datetime.date(1, 1, 1))

    lifetime_run_create(actor=admin_user)

    with pytest.raises(ApplicationError, match="already"):
        lifetime_run_create(actor=admin_user)


def test_the_weekly_job_fits_as_of_today(alice, huey_immediate, django_capture_on_commit_callbacks):
    regulars_and_leavers(alice, 40, timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        tasks.fit_weekly()

    run = LifetimeModelRun.objects.get()
    assert (run.as_of, run.started_by, run.status) == (timezone.localdate(), None, "fitted")
    assert LifetimePrediction.objects.filter(run=run).count() == 40
