"""How demo customers buy: a rhythm of their own, a reason to stop, and baskets that hang together.

Orders placed at random days with products drawn independently give the analytics nothing to
find: recommendations equal popularity and churn is a coin toss. So each buying customer gets a
*life* (`customer_life`): a first order, a mean gap between orders of their own (gamma-distributed
gaps around it), and, for about half of them, a day they stop buying; before it their last gaps
stretch and their baskets shrink, the warning signs a churn model should see. Their baskets
(`Baskets`) start from a main product of their favourite category, often with its bundle
partner; later orders bring the accessories and follow-ups of what they own (pillows after the
mattress: a tea tray after the tea set, installation after the printer) or more of their
favourite category.

This is structure the demo puts there on purpose. A model that finds it proves the plumbing
(features, labels, mining, scoring) works end to end, not that it would find the same on real
customers; docs/benchmarks.md says so beside every figure measured on it.

Days here run forward: 0 is the first day of the history, `span` today.
"""

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

# SKU of a product -> the products bought with it in the same order ("bundle") and those bought
# after it within weeks ("follow"); by the demo catalogue's SKUs (sales_names.PRODUCTS). Other
# catalogues get partners drawn in each product's category.
AFFINITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TEA-SET-001": (("TEA-SET-005",), ("TEA-PE-357", "TEA-SET-004")),
    "TEA-SET-002": (("TEA-SET-004",), ("TEA-LJ-250", "TEA-SET-005")),
    "TEA-SET-003": (("TEA-SET-004",), ("TEA-TGY-500", "TEA-LJ-250")),
    "TEA-SET-006": (("TEA-LJ-250",), ("TEA-PE-357",)),
    "TEA-LJ-250": ((), ("TEA-SET-003",)),
    "TEA-PE-357": ((), ("TEA-SET-001",)),
    "OFF-PRN-A3": (("SVC-INSTALL",), ("SVC-SUPPORT-Y", "OFF-SHRED-P4")),
    "OFF-PRN-A4": ((), ("OFF-SHRED-P4",)),
    "OFF-PROJ-4K": (("SVC-INSTALL",), ("OFF-CONF-KIT",)),
    "OFF-CONF-KIT": (("SVC-INSTALL",), ("OFF-PROJ-4K", "SVC-SUPPORT-Y")),
    "OFF-DESK-LIFT": ((), ("OFF-CHAIR-ERG",)),
    "OFF-CHAIR-ERG": ((), ("OFF-DESK-LIFT",)),
    "SW-CRM-STD": (("SVC-IMPL-DAY",), ("SVC-TRAIN-DAY", "SVC-DATA-MIG")),
    "SW-CRM-ENT": (("SVC-IMPL-DAY",), ("SVC-DATA-MIG", "SVC-TRAIN-DAY", "SVC-SUPPORT-Y")),
    "SW-ERP-BASE": (("SVC-IMPL-DAY",), ("SVC-DATA-MIG", "SVC-TRAIN-DAY")),
    "SW-OFFICE": ((), ("SW-AV-100",)),
    "SW-AV-100": ((), ("SW-OFFICE",)),
}
# Categories a customer's favourites come from (the demo's, by category name); weights repeat.
CHURN_SHARE = 0.5  # of buying customers, who stop at some point of their life
STOP_WARNING_ORDERS = 2  # orders before the stop placed after stretched gaps, with small baskets
STOP_STRETCH = (1.7, 2.4)  # the last two gaps before a stop, times the customer's usual


@dataclass(frozen=True)
class Life:
    """One customer's orders as (day, warning) pairs, days ascending; `stopped` the day after
    which they never order again (None: still buying)."""

    orders: list[tuple[int, bool]]
    stopped: int | None


def customer_life(rng: random.Random, *, span: int, gap_median: float, earliest: int = 0) -> Life:
    """A buying customer's order days over `span` days (none before `earliest`, the day they
    appeared). The mean gap is the customer's own, drawn around `gap_median` (log-normal); each
    gap is gamma-distributed around it (shape 3: regular, not clockwork). A churner's stop day is
    drawn over their life; their last two gaps are STOP_STRETCH times longer."""
    random_ = rng.random
    mean_gap = min(400.0, max(7.0, gap_median * math.exp(rng.gauss(0.0, 0.55))))
    # Customers who were there before the history began are already in their rhythm.
    start = earliest + int(random_() * max(1, span - earliest) * 0.9)
    if earliest <= 0 and random_() < 0.35:
        start = int(random_() * mean_gap)
    days = [start]
    while True:
        day = days[-1] + max(1, int(rng.gammavariate(3.0, mean_gap / 3.0)))
        if day > span:
            break
        days.append(day)
    stopped = None
    if random_() < CHURN_SHARE and len(days) > 1:
        # The stop falls after one of their orders; the orders after it never happen.
        last = int(len(days) * random_() ** 0.8)
        last = max(0, min(len(days) - 1, last))
        days = days[: last + 1]
        # The warning signs: the gaps before the stop stretch (later orders, fewer of them).
        gaps = [b - a for a, b in itertools.pairwise(days)]
        for back, stretch in zip((2, 1), STOP_STRETCH, strict=True):
            if len(gaps) >= back:
                gaps[-back] = int(gaps[-back] * stretch)
        days = [days[0]]
        for gap in gaps:
            days.append(days[-1] + gap)
        days = [d for d in days if d <= span]
        stopped = days[-1]
    warning_from = len(days) - STOP_WARNING_ORDERS if stopped is not None else len(days)
    return Life([(d, i >= warning_from) for i, d in enumerate(days)], stopped)


class Baskets:
    """Products of each order of one customer, from the catalogue's affinities.

    `products` are (key, SKU, category) triples; what a basket returns are keys. A customer has
    one or two favourite categories (drawn by `category_weights`); their first order is a main
    product of them with, half the time, its bundle partner; each later order is, in this order
    of preference, a follow-up of something they own not yet bought (60 %), more of their
    favourites (30 %), or anything (10 %)."""

    def __init__(self, rng: random.Random, products: Sequence[tuple[int, str, str]]):
        self.rng = rng
        self.keys = [key for key, _sku, _category in products]
        by_sku = {sku: key for key, sku, _category in products}
        self.by_category: dict[str, list[int]] = {}
        for key, _sku, category in products:
            self.by_category.setdefault(category, []).append(key)
        self.bundle: dict[int, list[int]] = {}
        self.follow: dict[int, list[int]] = {}
        for key, sku, category in products:
            if sku in AFFINITIES:
                bundle, follow = AFFINITIES[sku]
                self.bundle[key] = [by_sku[s] for s in bundle if s in by_sku]
                self.follow[key] = [by_sku[s] for s in follow if s in by_sku]
            else:
                # A catalogue of its own: two partners in the same category, fixed per product.
                same = [k for k in self.by_category[category] if k != key]
                picked = random.Random(key).sample(same, k=min(2, len(same)))
                self.bundle[key], self.follow[key] = picked[:1], picked[1:]
        self.categories = sorted(self.by_category)

    def favourites(self, category_weights: Sequence[str] | None = None) -> list[str]:
        pool = [c for c in (category_weights or self.categories) if c in self.by_category]
        pool = pool or self.categories
        first = self.rng.choice(pool)
        second = self.rng.choice(pool) if self.rng.random() < 0.4 else first
        return [first] if second == first else [first, second]

    def basket(self, owned: list[int], favourites: list[str], lines: int) -> list[int]:
        """`lines` products (distinct) for the next order of a customer who owns `owned` (their
        products so far, oldest first; the basket is appended to it)."""
        rng = self.rng
        random_ = rng.random
        picked: list[int] = []
        if not owned:
            main = rng.choice(self.by_category[rng.choice(favourites)])
            picked.append(main)
            if self.bundle.get(main) and lines > 1 and random_() < 0.5:
                picked.append(rng.choice(self.bundle[main]))
        # As many lines as asked (the bulk load's --order-lines counts on it), unless the
        # catalogue runs out of products to add.
        tries = 0
        while len(picked) < lines and tries < 20:
            tries += 1
            roll = random_()
            have = set(owned) | set(picked)
            due = [f for key in reversed(owned[-6:]) for f in self.follow.get(key, ())]
            due = [f for f in due if f not in have]
            if roll < 0.6 and due:
                choice = due[0] if random_() < 0.7 else rng.choice(due)
            elif roll < 0.9:
                choice = rng.choice(self.by_category[rng.choice(favourites)])
            else:
                choice = self.keys[int(random_() * len(self.keys))]
            if choice in picked:
                continue
            picked.append(choice)
            if self.bundle.get(choice) and len(picked) < lines and random_() < 0.3:
                partner = rng.choice(self.bundle[choice])
                if partner not in picked:
                    picked.append(partner)
        owned.extend(p for p in picked if p not in owned)
        return picked
