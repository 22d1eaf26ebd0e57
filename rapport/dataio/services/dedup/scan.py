"""The database scan: every person (or company) against its likely partners, into the queue.

A scan is safe to run twice and at any time. Pairs found again keep their status (a dismissed
pair stays dismissed) and take the new score and reasons; open pairs no longer found (a record
was edited or deleted) leave the queue.
"""

import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.events import publish
from rapport.dataio.events import DuplicateScanRequested
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.dedup.blocking import name_counts
from rapport.dataio.services.dedup.companies import find_company_duplicates
from rapport.dataio.services.dedup.matching import find_duplicates
from rapport.dataio.services.dedup.profiles import company_profiles, person_profiles
from rapport.dataio.services.dedup.scoring import CANDIDATE_MIN_SCORE

logger = logging.getLogger(__name__)

WRITE_BATCH = 2000


@dataclass
class ScanResult:
    record_type: str
    records: int
    pairs_compared: int
    candidates: int
    seconds: float


def _found(record_type: str, stats: dict) -> tuple[int, dict]:
    if record_type == DuplicateRecordType.COMPANY:
        profiles = company_profiles()
        return len(profiles), find_company_duplicates(
            profiles, min_score=CANDIDATE_MIN_SCORE, stats=stats
        )
    profiles = person_profiles()
    # Names frequent in this database count as common, like 张伟 does anywhere.
    stats["common_names"] = sum(1 for n in name_counts(profiles).values() if n >= 5)
    return len(profiles), find_duplicates(profiles, min_score=CANDIDATE_MIN_SCORE, stats=stats)


def duplicates_scan(*, record_type: str = DuplicateRecordType.PERSON) -> ScanResult:
    """Scan all records of `record_type` and refresh the review queue with what is found."""
    if record_type not in DuplicateRecordType.values:
        raise ValidationFailed(
            _("Choose persons or companies."), {"record_type": [_("Unknown record type.")]}
        )
    started = time.monotonic()
    found_at = timezone.now()
    stats: dict = {}
    records, found = _found(record_type, stats)
    rows = [
        DuplicateCandidate(
            record_type=record_type,
            first_id=first,
            second_id=second,
            score=score,
            reasons=reasons,
            found_at=found_at,
        )
        for (first, second), (score, reasons) in found.items()
    ]
    with transaction.atomic():
        for start in range(0, len(rows), WRITE_BATCH):
            DuplicateCandidate.objects.bulk_create(
                rows[start : start + WRITE_BATCH],
                update_conflicts=True,
                unique_fields=["record_type", "first_id", "second_id"],
                update_fields=["score", "reasons", "found_at"],
            )
        # Open pairs this scan did not find, by id rather than by found_at: a scan that
        # overlaps another (the nightly job and a manual one) then removes only what it
        # saw as gone, never the other scan's fresh rows.
        stale = [
            pk
            for pk, first, second in DuplicateCandidate.objects.filter(
                record_type=record_type, status=CandidateStatus.OPEN
            ).values_list("pk", "first_id", "second_id")
            if (first, second) not in found
        ]
        for start in range(0, len(stale), WRITE_BATCH):
            DuplicateCandidate.objects.filter(pk__in=stale[start : start + WRITE_BATCH]).delete()
    result = ScanResult(
        record_type=record_type,
        records=records,
        pairs_compared=stats.get("pairs_compared", 0),
        candidates=len(rows),
        seconds=round(time.monotonic() - started, 1),
    )
    logger.info("Duplicate scan: %s", result)
    return result


def duplicates_scan_start(*, actor: User, record_type: str) -> None:
    """Queue a scan (administrators only); the review queue fills when it has run."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can start a duplicate scan."))
    if record_type not in DuplicateRecordType.values:
        raise ValidationFailed(
            _("Choose persons or companies."), {"record_type": [_("Unknown record type.")]}
        )
    publish(DuplicateScanRequested(record_type=record_type))
