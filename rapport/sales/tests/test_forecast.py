"""Sales reports: forecast, funnel, lost reasons, leaderboard and quota attainment."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.sales.models import Deal, QuotaPeriod
from rapport.sales.selectors.forecast import (
    dashboard_attainment,
    forecast,
    funnel,
    leaderboard,
    lost_reasons_report,
    period_end,
    period_start,
    quarter_start,
)
from rapport.sales.services.deals import (
    deal_create,
    deal_lose,
    deal_move_stage,
    deal_win,
    lost_reason_create,
    stage_reorder,
    stage_stays_rebuild,
)
from rapport.sales.services.quotas import quota_set
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)

TODAY = timezone.localdate()
THIS_Q = quarter_start(TODAY)
NEXT_Q = period_end(QuotaPeriod.QUARTER, THIS_Q)


def _deal(actor, *, amount, probability=None, close=THIS_Q, **extra):
    data = {"title": f"{amount}", "amount": amount, "expected_close_date": close, **extra}
    if probability is not None:
        data["probability"] = probability
    return deal_create(actor=actor, data=data)


# --- Periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2026, 5, 17), datetime.date(2026, 4, 1)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 10, 1)),
    ],
)
def test_quarter_starts(day, start):
    assert period_start(QuotaPeriod.QUARTER, day) == start


def test_a_quarter_ends_where_the_next_begins():
    assert period_end(QuotaPeriod.QUARTER, datetime.date(2026, 10, 1)) == datetime.date(2027, 1, 1)


# --- Forecast ------------------------------------------------------------------------------------


def test_weighted_committed_and_best_case_of_this_quarter(alice, pipeline):
    _deal(alice, amount="10000.00", probability=50)
    _deal(alice, amount="20000.00", probability=80)
    _deal(alice, amount="3333.33", probability=10)

    result = forecast(alice, today=TODAY)

    this_quarter = result.total[0]
    # 10000 × 50% + 20000 × 80% + 3333.33 × 10%
    assert this_quarter.weighted.converted == Decimal("21333.33")
    assert this_quarter.committed.converted == Decimal("20000.00")
    assert this_quarter.best_case.converted == Decimal("33333.33")


def test_deals_expected_next_quarter_count_there(alice, pipeline):
    _deal(alice, amount="500", probability=20, close=NEXT_Q)

    result = forecast(alice, today=TODAY)

    assert result.total[0].best_case.converted == Decimal("0")
    assert result.total[1].best_case.converted == Decimal("500.00")
    assert result.total[1].weighted.converted == Decimal("100.00")


def test_deals_outside_the_two_quarters_or_without_a_date_are_left_out(alice, pipeline):
    _deal(alice, amount="700", close=THIS_Q - datetime.timedelta(days=1))
    _deal(alice, amount="800", close=period_end(QuotaPeriod.QUARTER, NEXT_Q))
    _deal(alice, amount="900", close=None)

    result = forecast(alice, today=TODAY)

    assert [n.best_case.amounts for n in result.total] == [{}, {}]


def test_won_deals_count_in_the_quarter_they_closed(alice, pipeline):
    won = deal_win(actor=alice, deal=_deal(alice, amount="6000", close=NEXT_Q))
    earlier = deal_win(actor=alice, deal=_deal(alice, amount="1"))
    Deal.objects.filter(pk=earlier.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=400)
    )

    result = forecast(alice, today=TODAY)

    assert (result.total[0].won_amount, result.total[0].won_count) == (Decimal("6000.00"), 1)
    assert not result.total[1].best_case
    assert won.status == "won"


def test_a_currency_without_rate_is_left_out_and_named_never_counted_as_zero(alice, pipeline):
    _deal(alice, amount="100", currency="USD")
    _deal(alice, amount="40", currency="CNY")

    best_case = forecast(alice, today=TODAY).total[0].best_case

    assert best_case.converted == Decimal("40.00")
    assert best_case.missing == {"USD": Decimal("100.00")}


def test_forecast_by_owner_and_team_against_quotas(alice, bob, charlie, admin_user, east):
    _deal(alice, amount="1000", probability=50)
    _deal(bob, amount="3000", probability=100)
    _deal(charlie, amount="9999")
    quota_set(
        actor=admin_user,
        data={"user_id": alice.pk, "period": "quarter", "period_start": THIS_Q, "amount": "2000"},
    )
    quota_set(
        actor=admin_user,
        data={"team_id": east.pk, "period": "quarter", "period_start": THIS_Q, "amount": "10000"},
    )

    result = forecast(alice, today=TODAY)

    owners = {row.label: row.quarters[0] for row in result.by_owner}
    assert set(owners) == {"alice", "bob"}
    assert owners["alice"].weighted.converted == Decimal("500.00")
    assert owners["alice"].target.amount == Decimal("2000.00")
    assert owners["bob"].committed.converted == Decimal("3000.00")
    teams = {row.label: row.quarters[0] for row in result.by_team}
    assert teams["East"].best_case.converted == Decimal("4000.00")
    assert teams["East"].target.amount == Decimal("10000.00")
    assert result.total[0].target.amount == Decimal("10000.00")


def test_forecast_takes_a_fixed_number_of_queries(
    alice, bob, pipeline, django_assert_max_num_queries
):
    for i in range(10):
        _deal(alice if i % 2 else bob, amount=f"{i}00", probability=10 * i)

    with django_assert_max_num_queries(9):
        forecast(alice, today=TODAY)


def test_a_quarter_quota_defaults_to_the_sum_of_its_months(alice, admin_user, pipeline):
    for month in range(3):
        day = (THIS_Q + datetime.timedelta(days=31 * month)).replace(day=1)
        quota_set(
            actor=admin_user,
            data={"user_id": alice.pk, "period": "month", "period_start": day, "amount": "1000"},
        )

    result = forecast(alice, today=TODAY, owner_id=alice.pk)

    assert result.total[0].target.amount == Decimal("3000.00")


# --- Funnel --------------------------------------------------------------------------------------


def test_funnel_counts_who_reached_each_stage_and_converted(alice, stages, price_reason):
    a = deal_create(actor=alice, data={"title": "a"})
    b = deal_create(actor=alice, data={"title": "b"})
    c = deal_create(actor=alice, data={"title": "c"})
    deal_create(actor=alice, data={"title": "d"})
    # a skips to Proposal and is won; b reaches Needs analysis and is lost; c is won directly.
    deal_move_stage(actor=alice, deal=a, stage=stages["proposal"])
    deal_win(actor=alice, deal=a)
    deal_move_stage(actor=alice, deal=b, stage=stages["needs_analysis"])
    deal_lose(actor=alice, deal=b, reason_id=price_reason.pk)
    deal_win(actor=alice, deal=c)

    result = funnel(alice, stages["won"].pipeline, date_from=TODAY, date_to=TODAY)

    assert (result.created, result.won, result.lost) == (4, 2, 1)
    reached = {step.name: step.reached for step in result.steps}
    # A won deal has passed every open stage, even those it skipped.
    assert reached == {"Qualification": 4, "Needs analysis": 3, "Proposal": 2, "Negotiation": 2}
    conversion = {step.name: step.conversion_pct for step in result.steps}
    assert conversion == {
        "Qualification": 75,
        "Needs analysis": 67,
        "Proposal": 100,
        "Negotiation": 100,
    }
    assert result.win_rate_pct == 50


def test_funnel_averages_the_time_spent_in_each_stage(alice, stages):
    deal = deal_create(actor=alice, data={"title": "a"})
    Deal.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=2)
    )
    deal.refresh_from_db()
    deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])

    result = funnel(alice, stages["won"].pipeline, date_from=TODAY, date_to=TODAY)

    qualification = result.steps[0]
    assert qualification.stays == 1
    assert qualification.avg_days == Decimal("2.0")
    assert result.steps[2].avg_seconds is None


def _funnel_numbers(user, pipeline):
    result = funnel(user, pipeline, date_from=TODAY, date_to=TODAY)
    return [(step.name, step.reached, step.stays, step.avg_seconds) for step in result.steps]


def test_stay_sums_kept_by_moves_equal_those_rebuilt_from_the_history(alice, bob, stages):
    pipeline = stages["won"].pipeline
    for i, owner in enumerate((alice, alice, bob)):
        deal = deal_create(actor=owner, data={"title": f"{i}"})
        Deal.objects.filter(pk=deal.pk).update(
            stage_entered_at=timezone.now() - datetime.timedelta(hours=5 * (i + 1))
        )
        deal.refresh_from_db()
        deal = deal_move_stage(actor=owner, deal=deal, stage=stages["needs_analysis"])
        if i:
            deal_win(actor=owner, deal=deal)
    kept = _funnel_numbers(alice, pipeline)

    stage_stays_rebuild()

    assert _funnel_numbers(alice, pipeline) == kept
    assert kept[0][2] == 3  # three stays in Qualification ended today
    assert kept[1][2] == 2  # two in Needs analysis (the won deals)


def test_reordering_stages_recomputes_how_far_deals_got(admin_user, alice, stages):
    pipeline = stages["won"].pipeline
    deal = deal_create(actor=alice, data={"title": "a"})
    deal_move_stage(actor=alice, deal=deal, stage=stages["needs_analysis"])
    before = {name: reached for name, reached, *_ in _funnel_numbers(alice, pipeline)}
    assert before == {"Qualification": 1, "Needs analysis": 1, "Proposal": 0, "Negotiation": 0}
    order = [stages[name].pk for name in ("needs_analysis", "proposal", "qualification")]
    order += [stages[name].pk for name in ("negotiation", "won", "lost")]

    stage_reorder(actor=admin_user, pipeline=pipeline, stage_ids=order)

    after = {name: reached for name, reached, *_ in _funnel_numbers(alice, pipeline)}
    # Qualification, which the deal entered, is now the third stage: it has "passed" Proposal.
    assert after == {"Needs analysis": 1, "Proposal": 1, "Qualification": 1, "Negotiation": 0}


def test_funnel_leaves_out_deals_created_outside_the_range(alice, stages):
    deal = deal_create(actor=alice, data={"title": "old"})
    Deal.objects.filter(pk=deal.pk).update(created_at=timezone.now() - datetime.timedelta(days=100))

    result = funnel(
        alice,
        stages["won"].pipeline,
        date_from=TODAY - datetime.timedelta(days=30),
        date_to=TODAY,
    )

    assert result.created == 0


def test_funnel_counts_own_deals_outside_the_team_once(alice, bob, west, stages):
    mine = deal_create(actor=alice, data={"title": "mine"})
    deal_create(actor=alice, data={"title": "mine, in the team"})
    deal_create(actor=bob, data={"title": "a colleague's"})
    Deal.objects.filter(pk=mine.pk).update(team=west)  # still hers after a team change

    result = funnel(alice, stages["won"].pipeline, date_from=TODAY, date_to=TODAY)

    assert result.created == 3
    assert result.steps[0].reached == 3


def test_funnel_sees_only_visible_deals(alice, charlie, stages):
    deal_create(actor=alice, data={"title": "east"})

    result = funnel(charlie, stages["won"].pipeline, date_from=TODAY, date_to=TODAY)

    assert result.created == 0


def test_funnel_takes_a_fixed_number_of_queries(alice, stages, django_assert_max_num_queries):
    for i in range(10):
        deal = deal_create(actor=alice, data={"title": f"{i}"})
        deal_move_stage(actor=alice, deal=deal, stage=stages["proposal"])
    pipeline = stages["won"].pipeline

    # The team's deals, alice's own outside the team, the stays, the stages.
    with django_assert_max_num_queries(4):
        funnel(alice, pipeline, date_from=TODAY, date_to=TODAY)


# --- Lost reasons --------------------------------------------------------------------------------


def test_lost_reasons_are_counted_and_summed(alice, admin_user, pipeline, price_reason):
    competitor = lost_reason_create(actor=admin_user, data={"name": "Chose a competitor"})
    for amount, reason in (("100", price_reason), ("250.50", price_reason), ("40", competitor)):
        deal_lose(
            actor=alice,
            deal=deal_create(actor=alice, data={"title": "x", "amount": amount}),
            reason_id=reason.pk,
        )

    rows = lost_reasons_report(alice, date_from=TODAY, date_to=TODAY)

    assert [(r.name, r.count, r.amounts) for r in rows] == [
        ("Price too high", 2, {"CNY": Decimal("350.50")}),
        ("Chose a competitor", 1, {"CNY": Decimal("40.00")}),
    ]


# --- Quotas: attainment and leaderboard ---------------------------------------------------------


def test_dashboard_shows_my_and_my_teams_attainment(alice, bob, admin_user, east, pipeline):
    quota_set(
        actor=admin_user,
        data={"user_id": alice.pk, "period": "month", "period_start": TODAY, "amount": "4000"},
    )
    quota_set(
        actor=admin_user,
        data={"team_id": east.pk, "period": "quarter", "period_start": TODAY, "amount": "10000"},
    )
    deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "a", "amount": "1000"}))
    deal_win(actor=bob, deal=deal_create(actor=bob, data={"title": "b", "amount": "2000"}))

    my_month, my_quarter, team_month, team_quarter = dashboard_attainment(alice)

    assert (my_month.won_amount, my_month.amount_pct) == (Decimal("1000.00"), 25)
    # No quarter quota for alice: her quarter target adds up her monthly quotas.
    assert (my_quarter.target.amount, my_quarter.amount_pct) == (Decimal("4000.00"), 25)
    assert (team_quarter.won_amount, team_quarter.won_count) == (Decimal("3000.00"), 2)
    assert team_quarter.amount_pct == 30
    assert team_month.target.amount == Decimal("0")


def test_dashboard_attainment_takes_a_fixed_number_of_queries(
    alice, pipeline, django_assert_max_num_queries
):
    for i in range(5):
        deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": f"{i}"}))

    with django_assert_max_num_queries(5):
        dashboard_attainment(alice)


def test_leaderboard_ranks_by_won_amount_within_the_team(alice, bob, charlie, diana, pipeline):
    deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "a", "amount": "100"}))
    deal_win(actor=bob, deal=deal_create(actor=bob, data={"title": "b", "amount": "900"}))
    deal_win(actor=charlie, deal=deal_create(actor=charlie, data={"title": "c", "amount": "5000"}))
    quota_set(
        actor=diana,
        data={"user_id": diana.pk, "period": "month", "period_start": TODAY, "amount": "1"},
    )

    rows = leaderboard(alice, period=QuotaPeriod.MONTH)

    assert [(r.rank, r.user.username, r.won_amount) for r in rows] == [
        (1, "bob", Decimal("900.00")),
        (2, "alice", Decimal("100.00")),
        (3, "diana", Decimal("0.00")),
    ]


def test_administrators_leaderboard_spans_teams(admin_user, alice, charlie, pipeline):
    deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "a", "amount": "100"}))
    deal_win(actor=charlie, deal=deal_create(actor=charlie, data={"title": "c", "amount": "5000"}))

    rows = leaderboard(admin_user, period=QuotaPeriod.QUARTER)

    assert [r.user.username for r in rows] == ["charlie", "alice"]
