"""REST endpoints of dataio: the duplicate review queue under /duplicates.

A pair is listed and answers only when the caller may see both of its records; any other pair
answers 404 like one that does not exist.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rapport.core.api_schemas import InputSchema, Listing, Page, error_responses, paginate
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.dataio.models import CandidateStatus, DuplicateRecordType
from rapport.dataio.selectors import dedup as selectors
from rapport.dataio.services.dedup import review, scan

router = Router(tags=["duplicates"])


class ReasonOut(Schema):
    code: str
    points: int
    text: str


class DuplicateOut(Schema):
    id: int
    record_type: str = Field(description="`person` or `company`.")
    first_id: int = Field(description="The smaller id of the pair.")
    second_id: int
    score: int = Field(description="0–100; 90 and above may be merged in bulk.")
    reasons: list[ReasonOut]
    status: str = Field(description="`open`, `merged` or `dismissed`.")
    found_at: datetime.datetime

    @staticmethod
    def resolve_reasons(obj) -> list[dict]:
        return [
            {"code": code, "points": points, "text": text}
            for (code, points, _params), text in zip(
                obj.reasons, selectors.reasons_worded(obj), strict=True
            )
        ]


class DuplicateQuery(Listing):
    record_type: str | None = Field(None, description="`person` or `company`; both by default.")
    status: str | None = Field(
        "open", description="`open` (default), `merged`, `dismissed`, or `all`."
    )
    min_score: int | None = Field(None, description="Only pairs scoring at least this (0–100).")


class ScanIn(InputSchema):
    record_type: str = "person"


class ScanOut(Schema):
    queued: bool
    record_type: str


def _checked(query: DuplicateQuery) -> dict:
    errors: dict[str, list[str]] = {}
    if query.record_type and query.record_type not in DuplicateRecordType.values:
        errors["record_type"] = [_("Use person or company.")]
    if query.status and query.status != "all" and query.status not in CandidateStatus.values:
        errors["status"] = [_("Use open, merged, dismissed or all.")]
    if query.min_score is not None and not 0 <= query.min_score <= 100:
        errors["min_score"] = [_("Enter a number from 0 to 100.")]
    if query.sort and query.sort != "-score":
        errors["sort"] = [_("Duplicates are sorted by -score only.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors)
    return {
        "record_type": query.record_type or None,
        "status": None if query.status == "all" else (query.status or CandidateStatus.OPEN),
        "min_score": query.min_score,
    }


@router.get(
    "/duplicates",
    response={200: Page[DuplicateOut], **error_responses(422)},
    description="Pairs of persons or companies that are likely one, best first; only pairs whose "
    "two records you may see.",
)
def duplicates_list(request: HttpRequest, query: Query[DuplicateQuery]):
    qs = selectors.candidates_visible_to(request.auth, **_checked(query))
    return paginate(qs, sort="-score", cursor=query.cursor, limit=query.limit)


@router.get(
    "/duplicates/{int:candidate_id}",
    response={200: DuplicateOut, **error_responses(404)},
)
def duplicate_detail(request: HttpRequest, candidate_id: RecordId):
    return selectors.get_candidate_for_user(request.auth, candidate_id)


@router.post(
    "/duplicates/{int:candidate_id}/dismiss",
    response={200: DuplicateOut, **error_responses(404, 409)},
    description="Mark the pair as not a duplicate; later scans keep it out of the queue.",
)
def duplicate_dismiss(request: HttpRequest, candidate_id: RecordId):
    candidate = selectors.get_candidate_for_user(request.auth, candidate_id)
    return review.candidate_dismiss(actor=request.auth, candidate=candidate)


@router.post(
    "/duplicates/scan",
    response={202: ScanOut, **error_responses(403, 422)},
    description="Administrators: queue a scan of all persons or companies; the queue refreshes "
    "when it has run.",
)
def duplicates_scan(request: HttpRequest, payload: ScanIn):
    scan.duplicates_scan_start(actor=request.auth, record_type=payload.record_type)
    return Status(202, {"queued": True, "record_type": payload.record_type})
