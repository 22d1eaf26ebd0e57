"""Reads of duplicate detection: the review queue a user may see, and the entry-time check.

A pair is shown only when the user may see both records (`persons_visible_to`,
`companies_visible_to`); a pair with one record of another team, or with a record deleted or
merged away since the scan, is hidden and answers 404 like a record that does not exist.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import FieldError
from rapport.core.errors import NotFound
from rapport.customers.models import Company, Employment, Person
from rapport.customers.selectors import (
    companies_visible_to,
    person_search_ids,
    persons_visible_to,
)
from rapport.customers.validation import normalize_email, normalize_phone
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.dedup.normalize import email_key, phone_key, place_key
from rapport.dataio.services.dedup.profiles import person_profiles
from rapport.dataio.services.dedup.scoring import (
    CANDIDATE_MIN_SCORE,
    profile,
    reason_text,
    score_pair,
)

ENTRY_CHECK_NAME_MATCHES = 50  # persons found by name whose other fields are scored
ENTRY_CHECK_SHOWN = 5


def candidates_visible_to(
    user: User,
    *,
    record_type: str | None = None,
    status: str | None = CandidateStatus.OPEN,
    min_score: int | None = None,
) -> QuerySet[DuplicateCandidate]:
    """Pairs whose two records `user` may both see, best first."""
    persons = persons_visible_to(user).values("pk")
    companies = companies_visible_to(user).values("pk")
    visible = Q(
        record_type=DuplicateRecordType.PERSON, first_id__in=persons, second_id__in=persons
    ) | Q(
        record_type=DuplicateRecordType.COMPANY,
        first_id__in=companies,
        second_id__in=companies,
    )
    qs = DuplicateCandidate.objects.filter(visible)
    if record_type:
        qs = qs.filter(record_type=record_type)
    if status:
        qs = qs.filter(status=status)
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    return qs.order_by("-score", "id")


def get_candidate_for_user(user: User, candidate_id: int) -> DuplicateCandidate:
    candidate = candidates_visible_to(user, status=None).filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound(_("Duplicate pair not found."))
    return candidate


def reasons_worded(candidate: DuplicateCandidate) -> list[str]:
    return [reason_text(code, points, params) for code, points, params in candidate.reasons]


@dataclass
class CandidateRow:
    candidate: DuplicateCandidate
    first: Person | Company
    second: Person | Company
    reasons: list[str]


def candidate_rows(candidates: list[DuplicateCandidate]) -> list[CandidateRow]:
    """The pairs with both records loaded for a side-by-side view, in two queries per type
    (plus the persons' prefetches), whatever the number of pairs."""
    records: dict[str, dict[int, Person | Company]] = {}
    for record_type, model in (
        (DuplicateRecordType.PERSON, Person),
        (DuplicateRecordType.COMPANY, Company),
    ):
        ids = {
            i for c in candidates if c.record_type == record_type for i in (c.first_id, c.second_id)
        }
        if not ids:
            records[record_type] = {}
            continue
        qs = model.objects.filter(pk__in=ids).select_related("owner", "team")
        if model is Person:
            qs = qs.prefetch_related(
                "phones",
                "emails",
                "addresses",
                Prefetch("employments", queryset=Employment.objects.select_related("company")),
            )
        else:
            qs = qs.prefetch_related("addresses")
        records[record_type] = {r.pk: r for r in qs}
    rows = []
    for c in candidates:
        by_id = records[c.record_type]
        if c.first_id in by_id and c.second_id in by_id:
            rows.append(CandidateRow(c, by_id[c.first_id], by_id[c.second_id], reasons_worded(c)))
    return rows


# --- The entry-time check -----------------------------------------------------------------------


@dataclass
class LikelyDuplicate:
    person: Person
    score: int
    reasons: list[str]


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except FieldError:  # a number the create will refuse anyway; compare what was typed
        return phone_key(raw)


def _email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except FieldError:
        return email_key(raw)


def _items(data: dict, key: str, field: str) -> list[str]:
    items = data.get(key) or []
    if not isinstance(items, list | tuple):
        return []
    return [str(i.get(field) or "").strip() for i in items if isinstance(i, dict) and i.get(field)]


def likely_duplicates(
    actor: User, data: dict, *, exclude_id: int | None = None, limit: int = ENTRY_CHECK_SHOWN
) -> list[LikelyDuplicate]:
    """Persons `actor` may see that the person described by `data` (the input of
    `customers.services.person_create`) likely duplicates, best first.

    Candidates are the visible persons sharing a phone or an e-mail, and those the search box
    finds by the name (characters, pinyin, either order); each is scored like a scan would.
    """
    name = (
        str(data.get("full_name") or "").strip()
        or " ".join(str(data.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
    )
    phones = [p for p in (_phone(n) for n in _items(data, "phones", "number")) if p]
    emails = [e for e in (_email(e) for e in _items(data, "emails", "email")) if e]
    if not name and not phones and not emails:
        return []
    visible = persons_visible_to(actor)
    ids: set[int] = set()
    if phones or emails:
        ids.update(
            visible.filter(Q(phones__number__in=phones) | Q(emails__email__in=emails))
            .values_list("pk", flat=True)
            .distinct()[:ENTRY_CHECK_NAME_MATCHES]
        )
    if name:
        ids.update(person_search_ids(actor, name, limit=ENTRY_CHECK_NAME_MATCHES))
    ids.discard(exclude_id)
    if not ids:
        return []
    addresses = data.get("addresses") or []
    first_address = addresses[0] if addresses and isinstance(addresses[0], dict) else {}
    birthday = data.get("birthday") or ""
    new = profile(
        id=0,
        full_name=name,
        phones=phones,
        emails=emails,
        birthday=birthday.isoformat() if hasattr(birthday, "isoformat") else str(birthday),
        gender=str(data.get("gender") or ""),
        companies=[str(c) for c in _items(data, "employments", "company_id")],
        city=place_key(str(first_address.get("city") or "")),
        street=place_key(str(first_address.get("street") or "")),
    )
    scored = []
    for existing in person_profiles(sorted(ids)):
        score, reasons = score_pair(new, existing)
        if score >= CANDIDATE_MIN_SCORE:
            scored.append((score, existing.id, reasons))
    scored.sort(key=lambda s: (-s[0], s[1]))
    scored = scored[:limit]
    persons = visible.in_bulk([pk for _, pk, _ in scored])
    return [
        LikelyDuplicate(
            person=persons[pk],
            score=score,
            reasons=[reason_text(code, points, params) for code, points, params in reasons],
        )
        for score, pk, reasons in scored
        if pk in persons
    ]
