"""Decisions on the review queue: dismiss a pair, merge the high-confidence pairs in bulk."""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, Conflict, PermissionDenied
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.dedup.merge import company_merge, person_merge
from rapport.dataio.services.dedup.scoring import HIGH_CONFIDENCE_SCORE

logger = logging.getLogger(__name__)

BULK_MERGE_MAX = 200  # pairs per click: each merge moves every related row, so bound the request


@transaction.atomic
def candidate_dismiss(*, actor: User, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """Mark the pair "not a duplicate"; later scans leave it out of the queue. The caller got
    `candidate` through `get_candidate_for_user`, so `actor` may see both records."""
    if candidate.status != CandidateStatus.OPEN:
        raise Conflict(_("This pair has already been resolved."))
    candidate.status = CandidateStatus.DISMISSED
    candidate.resolved_at = timezone.now()
    candidate.resolved_by = actor
    candidate.save(update_fields=["status", "resolved_at", "resolved_by"])
    return candidate


def candidate_mark_merged(*, actor: User, candidate: DuplicateCandidate) -> None:
    candidate.status = CandidateStatus.MERGED
    candidate.resolved_at = timezone.now()
    candidate.resolved_by = actor
    candidate.save(update_fields=["status", "resolved_at", "resolved_by"])


@dataclass
class BulkMergeResult:
    merged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def candidates_bulk_merge(
    *,
    actor: User,
    candidates: list[DuplicateCandidate],
    min_score: int = HIGH_CONFIDENCE_SCORE,
) -> BulkMergeResult:
    """Merge each open pair scoring `min_score` or more (administrators only), the more recently
    updated record surviving and each field taking the merge service's default choice.

    Each pair is its own transaction, so one refused merge (a record changed or gone) skips that
    pair and the others go on. A record merged away earlier in the run skips its other pairs.
    """
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can merge duplicates in bulk."))
    if min_score < HIGH_CONFIDENCE_SCORE:
        raise ApplicationError(
            "score_too_low",
            _("Bulk merge needs a score of at least %(score)s.") % {"score": HIGH_CONFIDENCE_SCORE},
        )
    result = BulkMergeResult()
    gone: set[tuple[str, int]] = set()
    for candidate in candidates[:BULK_MERGE_MAX]:
        if candidate.status != CandidateStatus.OPEN or candidate.score < min_score:
            continue
        kind = candidate.record_type
        if (kind, candidate.first_id) in gone or (kind, candidate.second_id) in gone:
            result.skipped += 1
            continue
        get = get_person_for_user if kind == DuplicateRecordType.PERSON else get_company_for_user
        merge = person_merge if kind == DuplicateRecordType.PERSON else company_merge
        try:
            with transaction.atomic():
                first, second = get(actor, candidate.first_id), get(actor, candidate.second_id)
                survivor, other = sorted((first, second), key=lambda r: r.updated_at, reverse=True)
                merge(actor=actor, survivor=survivor, other=other)
                candidate_mark_merged(actor=actor, candidate=candidate)
        except ApplicationError as exc:
            result.skipped += 1
            result.errors.append(f"{candidate.first_id}/{candidate.second_id}: {exc.message}")
            continue
        gone.add((kind, other.pk))
        result.merged += 1
    logger.info("Bulk merge by %s: %s", actor.pk, result)
    return result
