"""Finding the likely duplicate pairs among profiles: blocking, then scoring."""

from collections.abc import Sequence

from rapport.dataio.services.dedup.blocking import candidate_pairs, name_counts
from rapport.dataio.services.dedup.scoring import CANDIDATE_MIN_SCORE, PersonProfile, score_pair


def find_duplicates(
    profiles: Sequence[PersonProfile],
    *,
    min_score: int = CANDIDATE_MIN_SCORE,
    stats: dict | None = None,
) -> dict[tuple[int, int], tuple[int, list]]:
    """{(smaller id, larger id): (score, reasons)} for every pair scoring `min_score` or more."""
    counts = name_counts(profiles)
    found: dict[tuple[int, int], tuple[int, list]] = {}
    compared = 0
    for i, j in candidate_pairs(profiles):
        a, b = profiles[i], profiles[j]
        pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if pair in found:
            continue
        compared += 1
        score, reasons = score_pair(a, b, counts)
        if score >= min_score:
            found[pair] = (score, reasons)
    if stats is not None:
        stats["pairs_compared"] = compared
    return found
