"""HTML pages of duplicate detection: the review queue, its actions, and the warning the person
form loads (with htmx) while a new person is typed in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rapport.core.errors import ApplicationError
from rapport.core.htmx import found_or_404, int_or_none, page_or_first
from rapport.customers.forms import parse_rows, posted_birthday
from rapport.dataio.models import DuplicateRecordType
from rapport.dataio.selectors import dedup as selectors
from rapport.dataio.services.dedup import review, scan
from rapport.dataio.services.dedup.scoring import CANDIDATE_MIN_SCORE, HIGH_CONFIDENCE_SCORE

MERGE_URL_NAMES = {
    DuplicateRecordType.PERSON: ("dataio:merge_persons", "/data/merge/persons/{a}/{b}/"),
    DuplicateRecordType.COMPANY: ("dataio:merge_companies", "/data/merge/companies/{a}/{b}/"),
}


def merge_url(record_type: str, a: int, b: int) -> str:
    name, fallback = MERGE_URL_NAMES[record_type]
    try:
        return reverse(name, kwargs={"a": a, "b": b})
    except NoReverseMatch:
        return fallback.format(a=a, b=b)


def _queue_filters(request) -> dict:
    record_type = request.GET.get("type") or DuplicateRecordType.PERSON
    if record_type not in DuplicateRecordType.values:
        record_type = DuplicateRecordType.PERSON
    min_score = int_or_none(request.GET.get("min_score"))
    if min_score is None or not 0 <= min_score <= 100:
        min_score = CANDIDATE_MIN_SCORE
    return {"record_type": record_type, "min_score": min_score}


@login_required
@require_GET
def duplicate_queue(request):
    filters = _queue_filters(request)
    page = page_or_first(
        selectors.candidates_visible_to(request.user, **filters),
        sort="-score",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    rows = selectors.candidate_rows(page.items)
    for row in rows:
        row.merge_url = merge_url(row.candidate.record_type, row.first.pk, row.second.pk)
    return render(
        request,
        "dataio/dedup/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "record_types": DuplicateRecordType.choices,
            "is_administrator": request.user.is_administrator,
            "high_confidence": HIGH_CONFIDENCE_SCORE,
        },
    )


@login_required
@require_POST
def duplicate_dismiss(request, pk: int):
    candidate = found_or_404(selectors.get_candidate_for_user, request.user, pk)
    try:
        review.candidate_dismiss(actor=request.user, candidate=candidate)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as not a duplicate."))
    return redirect(f"{reverse('dataio:duplicate_list')}?type={candidate.record_type}")


def _require_administrator(user) -> None:
    if not user.is_administrator:
        raise PermissionDenied


@login_required
@require_POST
def duplicates_scan_start(request):
    _require_administrator(request.user)
    record_type = request.POST.get("type") or DuplicateRecordType.PERSON
    try:
        scan.duplicates_scan_start(actor=request.user, record_type=record_type)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Scan started. Refresh this page in a few minutes."))
    return redirect(f"{reverse('dataio:duplicate_list')}?type={record_type}")


@login_required
@require_POST
def duplicates_bulk_merge(request):
    _require_administrator(request.user)
    record_type = request.POST.get("type") or DuplicateRecordType.PERSON
    if record_type not in DuplicateRecordType.values:
        messages.error(request, _("Merging is not available."))
        return redirect("dataio:duplicate_list")
    candidates = list(
        selectors.candidates_visible_to(
            request.user, record_type=record_type, min_score=HIGH_CONFIDENCE_SCORE
        )[: review.BULK_MERGE_MAX]
    )
    try:
        result = review.candidates_bulk_merge(actor=request.user, candidates=candidates)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("%(count)s pair merged.", "%(count)s pairs merged.", result.merged)
            % {"count": result.merged},
        )
        if result.skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)s pair skipped: a record changed or was merged already.",
                    "%(count)s pairs skipped: a record changed or was merged already.",
                    result.skipped,
                )
                % {"count": result.skipped},
            )
    return redirect(f"{reverse('dataio:duplicate_list')}?type={record_type}")


@login_required
@require_POST
def duplicate_check(request):
    """The person form's warning: visible persons the data typed so far likely duplicates."""
    data = {
        "full_name": request.POST.get("full_name", ""),
        "given_name": request.POST.get("given_name", ""),
        "family_name": request.POST.get("family_name", ""),
        # The form has year, month and day inputs; a birthday without a year compares as none.
        "birthday": posted_birthday(request.POST)["birthday"],
        "gender": request.POST.get("gender", ""),
        "phones": parse_rows(request.POST, "phones"),
        "emails": parse_rows(request.POST, "emails"),
        "addresses": parse_rows(request.POST, "addresses"),
        "employments": parse_rows(request.POST, "employments"),
    }
    exclude = int_or_none(request.POST.get("person_id"))
    duplicates = selectors.likely_duplicates(request.user, data, exclude_id=exclude)
    return render(request, "customers/_duplicate_warning.html", {"duplicates": duplicates})
