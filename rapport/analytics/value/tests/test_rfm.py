"""RFM scores, the segment grid, tiers and the 20/80/30 figures on small sets checked by hand."""

from decimal import Decimal

from rapport.analytics.value import rfm


def test_quintile_scores_give_each_fifth_its_score():
    values = {i: i for i in range(1, 11)}  # customer i has i orders

    scores = rfm.quintile_scores(values)

    assert [scores[i] for i in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_tied_customers_share_a_score():
    scores = rfm.quintile_scores({1: 1, 2: 1, 3: 1, 4: 1, 5: 5})

    assert scores == {1: 1, 2: 1, 3: 1, 4: 1, 5: 5}


def test_recency_scores_smaller_days_higher():
    days = {1: 3, 2: 40, 3: 90, 4: 200, 5: 400}

    scores = rfm.quintile_scores(days, smaller_is_better=True)

    assert scores == {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}


def test_segment_grid_follows_the_published_r_f_mapping():
    assert rfm.segment_for(5, 5) == "champions"
    assert rfm.segment_for(4, 4) == "loyal"
    assert rfm.segment_for(3, 5) == "loyal"
    assert rfm.segment_for(5, 2) == "potential"
    assert rfm.segment_for(3, 1) == "potential"
    assert rfm.segment_for(5, 1) == "new"
    assert rfm.segment_for(4, 1) == "new"
    assert rfm.segment_for(2, 3) == "at_risk"
    assert rfm.segment_for(1, 4) == "at_risk"
    assert rfm.segment_for(1, 5) == "cant_lose"
    assert rfm.segment_for(2, 2) == "hibernating"
    assert rfm.segment_for(1, 1) == "lost"
    assert rfm.segment_for(None, None) == ""


def test_every_cell_of_the_grid_has_a_segment():
    cells = {rfm.segment_for(r, f) for r in range(1, 6) for f in range(1, 6)}

    assert cells == {
        "champions", "loyal", "potential", "new", "at_risk", "cant_lose", "hibernating", "lost"
    }  # fmt: skip


def test_tier_sums_recency_frequency_and_profit_scores():
    assert rfm.tier_for(5, 4, 4, Decimal("10")) == "top"  # 13
    assert rfm.tier_for(4, 3, 3, Decimal("10")) == "high"  # 10
    assert rfm.tier_for(3, 3, 3, Decimal("10")) == "medium"  # 9
    assert rfm.tier_for(2, 2, 2, Decimal("10")) == "low"  # 6
    assert rfm.tier_for(5, 5, 5, Decimal("-0.01")) == "loss"
    assert rfm.tier_for(None, None, None, Decimal("0")) == ""


def test_profit_concentration_on_a_hand_computed_example():
    # Ten customers, total 100: the best two bring 80, the worst three lose 20 (a quarter of
    # what the best two bring); the running total peaks at 120 after the sixth.
    profits = [Decimal(p) for p in (50, 30, 15, 10, 8, 7, 0, -5, -5, -10)]

    figures = rfm.profit_concentration(profits)

    assert figures.customers == 10
    assert figures.total_profit == Decimal("100")
    assert figures.top_20_share == Decimal("0.8000")
    assert figures.bottom_30_profit == Decimal("-20")
    assert figures.bottom_30_cut == Decimal("0.2500")
    assert figures.peak_share == Decimal("1.2000")
    assert figures.curve[0] == (Decimal(0), Decimal(0))
    assert figures.curve[2] == (Decimal("0.2000"), Decimal("0.8000"))
    assert figures.curve[-1] == (Decimal("1.0000"), Decimal("1.0000"))


def test_profit_concentration_rounds_the_fifth_and_the_third_up():
    # Three customers: the best 20 % is one customer, the worst 30 % one customer.
    figures = rfm.profit_concentration([Decimal(10), Decimal(5), Decimal(-5)])

    assert figures.top_20_share == Decimal("1.0000")
    assert figures.bottom_30_cut == Decimal("0.5000")


def test_profit_concentration_without_profit_has_no_shares():
    figures = rfm.profit_concentration([Decimal(-5), Decimal(0)])

    assert figures.top_20_share is None and figures.curve == []
