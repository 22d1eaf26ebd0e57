"""RFM scores, the named segments, value tiers and the 20/80/30 figures: pure functions over
plain numbers, so that they can be checked by hand (tests/test_rfm.py).

Scores are quintiles of the installation's customers who have ordered (persons and companies
each among their own kind): 5 for the best fifth. A customer's score is 1 + ⌊5 · p⌋ (at most 5),
p being the share of customers strictly worse than them, so ties share a score (forty customers
with one order all get the same F) and the scores do not depend on the order rows are read.
Recency is better when smaller; frequency (order count), money (revenue) and profit when larger.

Segments follow the R × F grid published by Putler, "RFM Analysis For Successful Customer
Segmentation" (https://www.putler.com/rfm-analysis/), in the common form keyed on the R and F
scores (the "seg_map" of R/F score patterns used with it):

    R \\ F   1            2            3            4            5
    5       new          potential    potential    champions    champions
    4       new          potential    potential    loyal        loyal
    3       potential    potential    potential    loyal        loyal
    2       hibernating  hibernating  at risk      at risk      can't lose
    1       lost         lost         at risk      at risk      can't lose

Putler's grid has eleven segments; the three it adds in the middle ("promising", "need
attention", "about to sleep": R 3–4 with F 1–3) fall in its "potential loyalist" range (R 3–5,
F 1–3) and are shown as such, and its "lost" (R 1, F 1–2) is split from "hibernating" (R 2).

A value tier combines the three scores of what a customer is worth to the business — recency,
frequency and *profit* (the net profit's quintile, not revenue) — by their sum (3–15): top
13–15, high 10–12, medium 7–9, low 3–6; a customer whose net profit is below zero (expenses and
service cost more than their orders earn) is loss-making whatever their scores.
"""

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rapport.analytics.value.models import Segment, Tier

_S = Segment
# SEGMENT_GRID[r][f] for scores 1..5 (index 0 unused).
SEGMENT_GRID: dict[int, dict[int, str]] = {
    5: {1: _S.NEW, 2: _S.POTENTIAL, 3: _S.POTENTIAL, 4: _S.CHAMPIONS, 5: _S.CHAMPIONS},
    4: {1: _S.NEW, 2: _S.POTENTIAL, 3: _S.POTENTIAL, 4: _S.LOYAL, 5: _S.LOYAL},
    3: {1: _S.POTENTIAL, 2: _S.POTENTIAL, 3: _S.POTENTIAL, 4: _S.LOYAL, 5: _S.LOYAL},
    2: {1: _S.HIBERNATING, 2: _S.HIBERNATING, 3: _S.AT_RISK, 4: _S.AT_RISK, 5: _S.CANT_LOSE},
    1: {1: _S.LOST, 2: _S.LOST, 3: _S.AT_RISK, 4: _S.AT_RISK, 5: _S.CANT_LOSE},
}


def quintile_scores(
    values: Mapping[int, Decimal | int], *, smaller_is_better: bool = False
) -> dict[int, int]:
    """Each key's score 1–5: 1 + ⌊5 · share of the others strictly worse⌋."""
    if not values:
        return {}
    ordered = sorted(values.values())
    n = len(ordered)
    scores = {}
    for key, value in values.items():
        if smaller_is_better:
            worse = n - bisect.bisect_right(ordered, value)
        else:
            worse = bisect.bisect_left(ordered, value)
        scores[key] = min(5, 1 + (5 * worse) // n)
    return scores


def score_against(value, population: Sequence, *, smaller_is_better: bool = False) -> int:
    """One value's score among a sorted `population` (that includes it), as `quintile_scores`."""
    n = len(population)
    if n == 0:
        return 3
    if smaller_is_better:
        worse = n - bisect.bisect_right(population, value)
    else:
        worse = bisect.bisect_left(population, value)
    return min(5, 1 + (5 * worse) // n)


def segment_for(r_score: int | None, f_score: int | None) -> str:
    if r_score is None or f_score is None:
        return ""
    return str(SEGMENT_GRID[r_score][f_score])


def tier_for(
    r_score: int | None, f_score: int | None, profit_score: int | None, net: Decimal
) -> str:
    if net < 0:
        return str(Tier.LOSS)
    if r_score is None or f_score is None or profit_score is None:
        return ""
    total = r_score + f_score + profit_score
    if total >= 13:
        return str(Tier.TOP)
    if total >= 10:
        return str(Tier.HIGH)
    if total >= 7:
        return str(Tier.MEDIUM)
    return str(Tier.LOW)


@dataclass(frozen=True)
class ProfitConcentration:
    """The 20/80/30 view: customers ranked by net profit, best first."""

    customers: int
    total_profit: Decimal
    # The share of the total profit the best 20 % of customers bring (0.80 in the saying).
    top_20_share: Decimal | None
    # The highest cumulative profit (the whale curve's peak) over the total: 1.5 means the
    # customers who earn money earn 150 % of the profit the business keeps.
    peak_share: Decimal | None
    # The worst 30 %'s profit (negative when serving them costs more than they bring).
    bottom_30_profit: Decimal
    # The share of the best 20 %'s profit the worst 30 % lose: Kotler's "the top 20 percent of
    # customers often generate as much as 80 percent of the company's profits, half of which is
    # lost serving the bottom 30 percent" (0.5 in the saying; 0 when they do not lose money).
    bottom_30_cut: Decimal | None
    # The curve: (share of customers, cumulative profit / total) at up to `points` ranks.
    curve: list[tuple[Decimal, Decimal]]


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole).quantize(Decimal("0.0001"))


def profit_concentration(profits: Sequence[Decimal], *, points: int = 200) -> ProfitConcentration:
    """The figures of the 20/80/30 view from each customer's net profit.

    The best 20 % are the first ⌈0.2 · n⌉ customers by profit and the worst 30 % the last
    ⌈0.3 · n⌉. With a total profit of zero or less the shares have no meaning (None)."""
    ranked = sorted(profits, reverse=True)
    n = len(ranked)
    total = sum(ranked, Decimal(0))
    if n == 0:
        return ProfitConcentration(0, total, None, None, Decimal(0), None, [])
    top_n = -(-n * 20 // 100)
    bottom_n = -(-n * 30 // 100)
    cumulative = []
    running = Decimal(0)
    for profit in ranked:
        running += profit
        cumulative.append(running)
    peak = max(cumulative)
    top = cumulative[top_n - 1]  # the best 20 %'s profit
    before_bottom = cumulative[n - bottom_n - 1] if n - bottom_n > 0 else Decimal(0)
    bottom = total - before_bottom  # the worst 30 %'s own profit (negative when they cost)
    positive = total > 0
    step = max(1, n // points)
    indexes = sorted({*range(step - 1, n, step), n - 1})
    curve = [(Decimal(0), Decimal(0))]
    if positive:
        curve += [
            (_share(Decimal(i + 1), Decimal(n)), _share(cumulative[i], total)) for i in indexes
        ]
    return ProfitConcentration(
        customers=n,
        total_profit=total,
        top_20_share=_share(top, total) if positive else None,
        peak_share=_share(peak, total) if positive else None,
        bottom_30_profit=bottom,
        bottom_30_cut=_share(max(-bottom, Decimal(0)), top) if top > 0 else None,
        curve=curve if positive else [],
    )
