"""The demo customers' habits: what the churn model and the recommendations are measured on."""

import itertools
import random
import statistics

from rapport.dataio.demo.habits import Baskets, customer_life
from rapport.dataio.demo.sales_names import PERSON_CATEGORIES, PRODUCTS


def _gap_ratio(days: list[int]) -> float:
    gaps = [b - a for a, b in itertools.pairwise(days)]
    return statistics.mean(gaps[-2:]) / max(1.0, statistics.mean(gaps[:-2]))


def test_customers_who_stop_buying_first_order_at_longer_gaps():
    rng = random.Random(5)
    lives = [customer_life(rng, span=730, gap_median=60) for _ in range(3000)]
    stopped = [[d for d, _w in life.orders] for life in lives if life.stopped is not None]
    kept = [[d for d, _w in life.orders] for life in lives if life.stopped is None]

    stopped_ratio = statistics.median(_gap_ratio(d) for d in stopped if len(d) >= 5)
    kept_ratio = statistics.median(_gap_ratio(d) for d in kept if len(d) >= 5)

    assert 0.35 < len(stopped) / len(lives) < 0.65
    assert stopped_ratio > 1.5
    assert 0.7 < kept_ratio < 1.3
    assert all(life.orders[-1][1] for life in lives if life.stopped is not None)
    assert not any(w for life in lives if life.stopped is None for _d, w in life.orders)


def test_customers_who_bought_a_standing_desk_come_back_for_the_chair():
    catalogue = [(i, sku, category) for i, (sku, _name, category, _price) in enumerate(PRODUCTS)]
    key = {sku: i for i, sku, _category in catalogue}
    desk, chair = key["OFF-DESK-LIFT"], key["OFF-CHAIR-ERG"]
    baskets = Baskets(random.Random(3), catalogue)
    chair_after_desk = chair_after_else = desk_buyers = other_buyers = 0

    for _ in range(4000):
        owned: list[int] = []
        favourites = baskets.favourites(PERSON_CATEGORIES)
        first = baskets.basket(owned, favourites, 1)
        later = {p for _ in range(3) for p in baskets.basket(owned, favourites, 1)}
        if desk in first:
            desk_buyers += 1
            chair_after_desk += chair in later
        elif chair not in first:
            other_buyers += 1
            chair_after_else += chair in later

    assert desk_buyers > 50 and other_buyers > 1000
    assert chair_after_desk / desk_buyers > 3 * chair_after_else / other_buyers
