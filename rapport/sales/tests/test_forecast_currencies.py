"""Every sales report over deals of several currencies: CNY, USD and EUR with rates, and JPY
without one (issue 14).

Each figure is checked against a computation written out here from the deals of the book: the
sum per currency (rounded half up to the cent), times the rate (rounded half up to the cent),
added; JPY is never added, and is named as left out. The quotas are those of the tester's report:
East (li.qiang's team) has 1,500,000.00 this quarter, the company 4,770,000.00.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from rapport.core.formats import format_money
from rapport.sales.models import QuotaPeriod
from rapport.sales.selectors.deals import DealFilters, kanban_stages, kanban_totals
from rapport.sales.selectors.forecast import (
    dashboard_attainment,
    forecast,
    leaderboard,
    lost_reasons_report,
    period_end,
    quarter_start,
)
from rapport.sales.services.currency import exchange_rate_create
from rapport.sales.services.deals import deal_create, deal_lose, deal_win
from rapport.sales.services.quotas import quota_set
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.web.selectors import home_for
from rapport.web.tests.test_home_queries import BUDGET as HOME_BUDGET

D = Decimal
TODAY = timezone.localdate()
THIS_Q = quarter_start(TODAY)
NEXT_Q = period_end(QuotaPeriod.QUARTER, THIS_Q)
RATES = {"USD": D("7.1"), "EUR": D("7.8123")}
EAST = ("alice", "bob", "diana")
WEST = ("charlie",)

# Open deals: owner, currency, amount, probability, quarter (0 this, 1 next), stage.
OPEN = [
    ("alice", "CNY", "10000.00", 50, 0, "qualification"),
    ("alice", "USD", "1234.56", 80, 0, "negotiation"),
    ("alice", "EUR", "999.99", 25, 0, "qualification"),
    ("alice", "JPY", "100000", 90, 0, "negotiation"),
    ("alice", "USD", "100000.00", 75, 0, "proposal"),  # the tester's open USD deal
    ("bob", "USD", "2000.01", 75, 0, "proposal"),
    ("bob", "CNY", "3333.33", 10, 0, "qualification"),
    ("bob", "EUR", "0.05", 33, 1, "proposal"),
    ("alice", "USD", "500.50", 30, 1, "qualification"),
    ("charlie", "EUR", "5000.00", 60, 0, "proposal"),
    ("charlie", "CNY", "7000.00", 90, 0, "negotiation"),
    ("charlie", "JPY", "20000", 50, 1, "qualification"),
    ("charlie", "CNY", "1000.00", 20, 1, "qualification"),
]
# Deals won today: owner, currency, amount.
WON = [
    ("alice", "USD", "200000.00"),  # the tester's won USD deal
    ("alice", "CNY", "1000.00"),
    ("bob", "EUR", "300.33"),
    ("bob", "JPY", "5000"),
    ("charlie", "CNY", "50000.00"),
    ("charlie", "USD", "10.01"),
]
# Quarter quotas (this quarter, next quarter).
TEAM_QUOTAS = {"East": ("1500000", "1600000"), "West": ("3270000", "3000000")}
USER_QUOTAS = {"alice": ("600000", "0"), "bob": ("400000", "0"), "charlie": ("300000", "0")}


def cents(value) -> Decimal:
    return D(value).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def converted(per_currency: dict) -> Decimal:
    """Σ over currencies with a rate of round(round(sum) × rate); CNY as it is; JPY left out."""
    total = D("0.00")
    for currency, amount in per_currency.items():
        if currency == "CNY":
            total += cents(amount)
        elif currency in RATES:
            total += cents(cents(amount) * RATES[currency])
    return total


def per_currency(rows, value) -> dict:
    sums: dict = {}
    for row in rows:
        sums[row[1]] = sums.get(row[1], D(0)) + value(row)
    return sums


def expected_quarter(owners, quarter):
    open_rows = [r for r in OPEN if r[0] in owners and r[4] == quarter]
    won_rows = [r for r in WON if r[0] in owners] if quarter == 0 else []
    weighted = {
        c: cents(s / 100) for c, s in per_currency(open_rows, lambda r: D(r[2]) * r[3]).items()
    }
    return {
        "weighted": converted(weighted),
        "committed": converted(
            per_currency([r for r in open_rows if r[3] >= 75], lambda r: D(r[2]))
        ),
        "best_case": converted(per_currency(open_rows, lambda r: D(r[2]))),
        "won": converted(per_currency(won_rows, lambda r: D(r[2]))),
        "won_count": len(won_rows),
        "open_left_out": {
            c: cents(a) for c, a in per_currency(open_rows, lambda r: D(r[2])).items() if c == "JPY"
        },
        "won_left_out": {
            c: cents(a) for c, a in per_currency(won_rows, lambda r: D(r[2])).items() if c == "JPY"
        },
    }


def figures(numbers) -> dict:
    return {
        "weighted": numbers.weighted.converted,
        "committed": numbers.committed.converted,
        "best_case": numbers.best_case.converted,
        "won": numbers.won_amount,
        "won_count": numbers.won_count,
        "open_left_out": numbers.open_left_out,
        "won_left_out": numbers.won_left_out,
    }


def pct(part: Decimal, whole: str) -> int:
    return int((part * 100 / D(whole)).to_integral_value(rounding=ROUND_HALF_UP))


@pytest.fixture
def users(alice, bob, charlie, diana, admin_user):
    return {u.username: u for u in (alice, bob, charlie, diana, admin_user)}


@pytest.fixture
def rates(admin_user):
    for currency, rate in RATES.items():
        exchange_rate_create(
            actor=admin_user,
            data={
                "currency": currency,
                "rate": rate,
                "valid_from": TODAY - datetime.timedelta(days=40),
            },
        )
    # A rate from tomorrow on is not today's rate.
    exchange_rate_create(
        actor=admin_user,
        data={"currency": "USD", "rate": "99", "valid_from": TODAY + datetime.timedelta(days=1)},
    )


@pytest.fixture
def mixed_book(users, stages, east, west, rates):
    for owner, currency, amount, probability, quarter, stage in OPEN:
        deal_create(
            actor=users[owner],
            data={
                "title": f"{owner} {currency} {amount}",
                "amount": amount,
                "currency": currency,
                "probability": probability,
                "stage_id": stages[stage].pk,
                "expected_close_date": THIS_Q if quarter == 0 else NEXT_Q,
            },
        )
    for owner, currency, amount in WON:
        deal = deal_create(
            actor=users[owner],
            data={"title": f"won {owner} {currency}", "amount": amount, "currency": currency},
        )
        deal_win(actor=users[owner], deal=deal)
    admin = users["admin"]
    for team, (this, following) in TEAM_QUOTAS.items():
        team_id = (east if team == "East" else west).pk
        for start, amount in ((THIS_Q, this), (NEXT_Q, following)):
            quota_set(
                actor=admin,
                data={
                    "team_id": team_id,
                    "period": "quarter",
                    "period_start": start,
                    "amount": amount,
                },
            )
    for username, (this, _following) in USER_QUOTAS.items():
        quota_set(
            actor=admin,
            data={
                "user_id": users[username].pk,
                "period": "quarter",
                "period_start": THIS_Q,
                "amount": this,
            },
        )
    return users


# --- Forecast ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "diana"])
def test_a_team_members_forecast_counts_every_currency_against_the_teams_quota(mixed_book, who):
    result = forecast(mixed_book[who], today=TODAY)

    for quarter in (0, 1):
        assert figures(result.total[quarter]) == expected_quarter(EAST, quarter)
    # The team's quota, not the company's 4,770,000.00 (issue 14, item 3).
    assert [n.target.amount for n in result.total] == [D("1500000"), D("1600000")]
    won = expected_quarter(EAST, 0)["won"]
    assert result.total[0].amount_pct == pct(won, "1500000")
    assert result.total[0].won.missing == {"JPY": D("5000.00")}
    assert result.currency == "CNY"


def test_the_testers_usd_deals_count_converted(mixed_book):
    result = forecast(mixed_book["alice"], owner_id=mixed_book["alice"].pk, today=TODAY)

    this_quarter = result.total[0]
    # 200,000.00 USD won and 1,000.00 CNY: 200,000 × 7.1 + 1,000.
    assert this_quarter.won_amount == D("1420000.00") + D("1000.00")
    assert this_quarter.won.amount_in("USD") == D("200000.00")
    # An owner's filter keeps the owner's own quota.
    assert this_quarter.target.amount == D("600000")


def test_an_administrators_forecast_is_the_companys(mixed_book):
    result = forecast(mixed_book["admin"], today=TODAY)

    for quarter in (0, 1):
        assert figures(result.total[quarter]) == expected_quarter(EAST + WEST, quarter)
    assert [n.target.amount for n in result.total] == [D("4770000"), D("4600000")]
    assert [(r.currency, r.rate) for r in result.rates] == [
        ("EUR", RATES["EUR"]),
        ("USD", RATES["USD"]),
    ]


def test_forecast_by_owner_and_by_team_in_every_currency(mixed_book):
    result = forecast(mixed_book["admin"], today=TODAY)

    for row in result.by_owner:
        for quarter in (0, 1):
            assert figures(row.quarters[quarter]) == expected_quarter((row.label,), quarter)
    assert {row.label for row in result.by_owner} == {"alice", "bob", "charlie"}
    teams = {row.label: row.quarters for row in result.by_team}
    assert figures(teams["East"][0]) == expected_quarter(EAST, 0)
    assert figures(teams["West"][1]) == expected_quarter(WEST, 1)
    assert teams["West"][0].target.amount == D("3270000")


def test_a_team_filter_keeps_the_teams_quota(mixed_book, west):
    result = forecast(mixed_book["admin"], team_id=west.pk, today=TODAY)

    assert figures(result.total[0]) == expected_quarter(WEST, 0)
    assert result.total[0].target.amount == D("3270000")


def test_a_team_without_its_own_quota_adds_up_its_members(
    alice, bob, charlie, admin_user, pipeline
):
    for user, amount in ((alice, "600000"), (bob, "400000"), (charlie, "300000")):
        quota_set(
            actor=admin_user,
            data={
                "user_id": user.pk,
                "period": "quarter",
                "period_start": THIS_Q,
                "amount": amount,
            },
        )

    assert forecast(alice, today=TODAY).total[0].target.amount == D("1000000")


def test_a_user_without_a_team_is_measured_against_their_own_quota(admin_user, pipeline):
    from rapport.accounts.models import Role
    from rapport.accounts.services import user_create

    loner = user_create(username="loner", password="x" * 16, role=Role.SALES_REP)
    quota_set(
        actor=admin_user,
        data={"user_id": loner.pk, "period": "quarter", "period_start": THIS_Q, "amount": "7000"},
    )

    assert forecast(loner, today=TODAY).total[0].target.amount == D("7000")


def test_forecast_over_currencies_takes_one_query_more_for_the_rates(
    mixed_book, django_assert_max_num_queries
):
    # The aggregate, two quarters' quotas, the rates, the owners' and the teams' names (the
    # test of CNY deals alone allows 9: its rates are never read).
    with django_assert_max_num_queries(6):
        forecast(mixed_book["admin"], today=TODAY)


# --- Quota attainment and the leaderboard -------------------------------------------------------


def test_attainment_counts_every_currency_converted(mixed_book):
    my_month, my_quarter, _team_month, team_quarter = dashboard_attainment(mixed_book["alice"])

    mine = converted(per_currency([r for r in WON if r[0] == "alice"], lambda r: D(r[2])))
    team = expected_quarter(EAST, 0)["won"]
    assert (my_month.won_amount, my_quarter.won_amount) == (mine, mine)
    assert (my_quarter.target.amount, my_quarter.amount_pct) == (D("600000"), pct(mine, "600000"))
    assert (team_quarter.won_amount, team_quarter.won_count) == (team, 4)
    assert team_quarter.amount_pct == pct(team, "1500000")
    assert team_quarter.won.missing == {"JPY": D("5000.00")}


def test_leaderboard_ranks_by_converted_amount_and_names_what_was_left_out(mixed_book):
    rows = leaderboard(mixed_book["admin"], period=QuotaPeriod.QUARTER)

    expected = {
        owner: converted(per_currency([r for r in WON if r[0] == owner], lambda r: D(r[2])))
        for owner in ("alice", "bob", "charlie")
    }
    ranked = sorted(expected, key=lambda owner: -expected[owner])
    assert [(r.user.username, r.won_amount) for r in rows] == [(o, expected[o]) for o in ranked]
    bob = next(r for r in rows if r.user.username == "bob")
    assert bob.won.missing == {"JPY": D("5000.00")}
    assert bob.won_count == 2


# --- Kanban, home page, lost reasons -------------------------------------------------------------


def test_kanban_columns_total_every_currency(mixed_book, pipeline):
    open_stages, _closing = kanban_stages(pipeline)

    totals = kanban_totals(mixed_book["alice"], pipeline, DealFilters(), columns=open_stages)

    for stage in open_stages:
        key = stage.name.lower().replace(" ", "_")
        rows = [r for r in OPEN if r[0] in EAST and r[5] == key]
        amounts = per_currency(rows, lambda r: D(r[2]))
        assert totals[stage.pk].count == len(rows)
        assert totals[stage.pk].amount.converted == converted(amounts)
        assert totals[stage.pk].amount.missing == {
            c: cents(a) for c, a in amounts.items() if c == "JPY"
        }


def test_home_page_figures_total_every_currency(mixed_book):
    home = home_for(mixed_book["diana"])

    amounts = per_currency([r for r in OPEN if r[0] in EAST], lambda r: D(r[2]))
    assert home.deals.total.converted == converted(amounts)
    assert home.deals.total.missing == {"JPY": D("100000.00")}
    proposal = next(row for row in home.deals.stages if row.stage.name == "Proposal")
    assert proposal.total.converted == converted(
        per_currency([r for r in OPEN if r[0] in EAST and r[5] == "proposal"], lambda r: D(r[2]))
    )
    assert figures(home.forecast.total[0]) == expected_quarter(EAST, 0)
    assert home.forecast.total[0].target.amount == D("1500000")


def test_home_chart_plots_converted_amounts_and_names_what_is_left_out(client, mixed_book):
    client.force_login(mixed_book["diana"])

    response = client.get(reverse("web:home"))

    stages = response.context["charts"]["stages"]
    proposal = stages["labels"].index("Proposal")
    expected = converted(
        per_currency([r for r in OPEN if r[0] in EAST and r[5] == "proposal"], lambda r: D(r[2]))
    )
    assert stages["amounts"][proposal] == f"{expected:.2f}"
    assert stages["names"]["amount"] == "Amount (CNY; JPY not counted: no exchange rate)"
    chart = response.context["charts"]["forecast"]
    assert chart["series"]["won"][0] == f"{expected_quarter(EAST, 0)['won']:.2f}"
    assert chart["series"]["quota"][0] == "1500000.00"


def test_lost_reasons_total_every_currency(alice, pipeline, rates, price_reason):
    for currency, amount in (("CNY", "100.10"), ("USD", "10.05"), ("EUR", "3.33"), ("JPY", "999")):
        deal = deal_create(actor=alice, data={"title": "x", "amount": amount, "currency": currency})
        deal_lose(actor=alice, deal=deal, reason_id=price_reason.pk)

    (row,) = lost_reasons_report(alice, date_from=TODAY, date_to=TODAY)

    assert row.total.converted == D("100.10") + cents(D("10.05") * RATES["USD"]) + cents(
        D("3.33") * RATES["EUR"]
    )
    assert row.total.missing == {"JPY": D("999.00")}


# --- Pages and the API ---------------------------------------------------------------------------


def test_forecast_page_says_what_was_converted_and_what_left_out(client, mixed_book):
    client.force_login(mixed_book["alice"])

    response = client.get(reverse("sales:forecast"))

    html = response.content.decode()
    notes = response.context["money_notes"]
    assert "USD converted at 7.1 (" in notes and "EUR converted at 7.8123 (" in notes
    quarter = response.context["forecast"].quarters[0][0]
    assert f"{quarter}, open deals: 100,000.00 JPY: no exchange rate, not counted." in notes
    assert f"{quarter}, won deals: 5,000.00 JPY: no exchange rate, not counted." in notes
    assert 'data-testid="money-notes"' in html
    assert "1,500,000.00 CNY" in html  # the team's quota


def test_leaderboard_page_shows_what_each_person_had_left_out(client, mixed_book):
    client.force_login(mixed_book["admin"])

    response = client.get(reverse("sales:leaderboard"), {"period": "quarter"})

    html = response.content.decode()
    assert "5,000.00 JPY: no exchange rate, not included" in html
    assert "USD converted at 7.1 (" in response.context["money_notes"]


def test_forecast_endpoint_returns_money_totals(mixed_book):
    from rapport.api.tests.conftest import client_for

    body = client_for(mixed_book["alice"]).get("/reports/forecast").json()

    this_quarter = body["total"][0]
    expected = expected_quarter(EAST, 0)
    assert D(this_quarter["won"]["converted"]) == expected["won"]
    assert D(this_quarter["weighted"]["converted"]) == expected["weighted"]
    assert this_quarter["won"]["missing"] == ["JPY"]
    assert this_quarter["quota_amount"] == "1500000.00"
    assert this_quarter["attainment_pct"] == pct(expected["won"], "1500000")


def test_kanban_page_over_currencies_costs_one_query_more(
    client, mixed_book, pipeline, stages, django_assert_max_num_queries
):
    client.force_login(mixed_book["alice"])

    # The kanban page's budget over CNY alone is 10; the rates are one query more.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("sales:kanban", args=[pipeline.pk]))

    html = response.content.decode()
    rows = [r for r in OPEN if r[0] in EAST and r[5] == "negotiation"]
    expected = converted(per_currency(rows, lambda r: D(r[2])))
    assert f"≈ {format_money(expected, 'CNY')}" in html
    assert "100,000.00 JPY: no exchange rate, not included" in html


def test_quota_page_cards_show_converted_wins_against_the_quota(client, mixed_book):
    client.force_login(mixed_book["alice"])

    response = client.get(reverse("sales:quota_list"))

    html = response.content.decode()
    team = expected_quarter(EAST, 0)["won"]
    assert f"≈ {format_money(team, 'CNY')}" in html
    assert "1,500,000.00 CNY" in html
    assert "5,000.00 JPY: no exchange rate, not included" in html


@pytest.mark.parametrize("who", ["alice", "diana", "admin"])
def test_home_page_over_currencies_costs_one_query_more(
    client, mixed_book, east_person, who, django_assert_max_num_queries
):
    # (A customer, so that the page is not the new installation's.)
    client.force_login(mixed_book[who])
    cache.clear()

    # One query for the rates, shared by the deal figures, the receivables and the forecast.
    with django_assert_max_num_queries(HOME_BUDGET[who] + 1):
        response = client.get(reverse("web:home"))

    assert response.context["home"].deals.total.rates


def test_leaderboard_endpoint_returns_money_totals(mixed_book):
    from rapport.api.tests.conftest import client_for

    body = client_for(mixed_book["admin"]).get("/reports/leaderboard?period=quarter").json()

    rows = {row["user"]["name"]: row for row in body["rows"]}
    bob = converted(per_currency([r for r in WON if r[0] == "bob"], lambda r: D(r[2])))
    assert D(rows["bob"]["won"]["converted"]) == bob
    assert rows["bob"]["won"]["missing"] == ["JPY"]
    assert rows["bob"]["quota_amount"] == "400000.00"
    assert rows["bob"]["attainment_pct"] == pct(bob, "400000")
    assert [row["rank"] for row in body["rows"]] == [1, 2, 3]
    assert body["currency"] == "CNY"


def test_attainment_endpoint_returns_money_totals(mixed_book):
    from rapport.api.tests.conftest import client_for

    body = client_for(mixed_book["bob"]).get("/reports/attainment").json()

    team_quarter = next(a for a in body if a["subject"] == "team" and a["period"] == "quarter")
    team = expected_quarter(EAST, 0)["won"]
    assert D(team_quarter["won"]["converted"]) == team
    assert team_quarter["won"]["missing"] == ["JPY"]
    assert (team_quarter["quota_amount"], team_quarter["attainment_pct"]) == (
        "1500000.00",
        pct(team, "1500000"),
    )
    assert [a["subject"] for a in body] == ["user", "user", "team", "team"]
