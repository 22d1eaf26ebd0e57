"""Data health: how complete, valid, fresh and unique the customer records are.

Who sees which figures follows the one visibility rule (`persons_visible_to`,
`companies_visible_to`): administrators everyone's, per team and overall; a sales manager the
records visible to them (their team's book); a representative only the records they own.

Definitions, for the records in scope:

- *completeness* of a key field: the share of records where it is filled (a phone, an e-mail,
  an address with a city, a birthday, a gender other than unknown, an industry, a tag, and an
  owner whose account is active);
- *invalid* phones and e-mails: stored values that `rapport.customers.validation` rejects,
  as found by the daily check (`InvalidContact`) and still held by the record;
- *unrecognised phone numbers*: persons with numbers an import found valid in no country and
  kept as written (`Person.raw_phones`), listed by the person list's `raw_phones=1` filter;
- *stale*: not updated for `STALE_DAYS` days;
- *duplicate rate*: the share of persons sharing a phone number or an e-mail address (both
  stored normalised) with another person, whoever owns that one: two teams holding the same
  customer is exactly the problem this measures.

Everything is counted in the database: one GROUP BY team per record type, whatever the number
of records; the overall figures are the sums of the teams'.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy

from rapport.accounts.models import Team, User
from rapport.customers.models import Address, Company, Gender, Person, PersonEmail, PersonPhone
from rapport.customers.selectors import companies_visible_to, persons_visible_to
from rapport.dataio.models import ContactKind, DataHealthSnapshot, InvalidContact

STALE_DAYS = 365
HISTORY_DAYS = 90
FIX_LIST_PER_OWNER = 5
FIX_LIST_MAX_ROWS = 250

PERSON_FIELDS = {
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "address": gettext_lazy("Address (city)"),
    "birthday": gettext_lazy("Birthday"),
    "gender": gettext_lazy("Gender"),
    "industry": gettext_lazy("Industry"),
    "tags": gettext_lazy("Tags"),
    "owner": gettext_lazy("Active owner"),
}
COMPANY_FIELDS = {
    key: PERSON_FIELDS[key] for key in ("phone", "email", "address", "industry", "tags", "owner")
}
PERSON_COUNTS = (
    *PERSON_FIELDS,
    "invalid_phone",
    "invalid_email",
    "raw_phones",
    "stale",
    "duplicates",
)
COMPANY_COUNTS = (*COMPANY_FIELDS, "invalid_phone", "invalid_email", "stale")


# --- Scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthScope:
    persons: QuerySet
    companies: QuerySet
    per_team: bool  # administrators see a row per team


def health_scope(user: User | None, *, team_id: int | None = None) -> HealthScope:
    """The records whose health `user` sees (None: everyone's, for the daily snapshot)."""
    if user is None:
        persons, companies, per_team = Person.objects.all(), Company.objects.all(), True
    else:
        persons, companies = persons_visible_to(user), companies_visible_to(user)
        per_team = user.is_administrator
        if not user.is_administrator and user.role != "sales_manager":
            persons, companies = persons.filter(owner=user), companies.filter(owner=user)
    if team_id is not None:
        persons, companies = persons.filter(team_id=team_id), companies.filter(team_id=team_id)
    return HealthScope(persons=persons, companies=companies, per_team=per_team)


# --- Conditions, one per figure -----------------------------------------------------------------


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=STALE_DAYS)


def _person_invalid(kind: str) -> Exists:
    """The person still holds a value the daily check found invalid."""
    held = (
        PersonPhone.objects.filter(person_id=OuterRef("person_id"), number=OuterRef("value"))
        if kind == ContactKind.PHONE
        else PersonEmail.objects.filter(person_id=OuterRef("person_id"), email=OuterRef("value"))
    )
    return Exists(InvalidContact.objects.filter(Exists(held), person=OuterRef("pk"), kind=kind))


def _company_invalid(kind: str) -> Exists:
    column = "phone" if kind == ContactKind.PHONE else "email"
    return Exists(
        InvalidContact.objects.filter(company=OuterRef("pk"), kind=kind, value=OuterRef(column))
    )


def _person_duplicate() -> Q:
    """Shares a phone or e-mail with another person: index lookups on the contact tables for
    the persons in scope, never a scan of everyone's contacts."""
    shared_phone = PersonPhone.objects.filter(number=OuterRef("number")).exclude(
        person_id=OuterRef("person_id")
    )
    shared_email = PersonEmail.objects.filter(email=OuterRef("email")).exclude(
        person_id=OuterRef("person_id")
    )
    return Q(
        Exists(PersonPhone.objects.filter(Exists(shared_phone), person_id=OuterRef("pk")))
    ) | Q(Exists(PersonEmail.objects.filter(Exists(shared_email), person_id=OuterRef("pk"))))


def person_conditions(now: datetime.datetime) -> dict[str, Q]:
    return {
        "phone": ~Q(primary_phone=""),
        "email": ~Q(primary_email=""),
        "address": Q(Exists(Address.objects.filter(person_id=OuterRef("pk")).exclude(city=""))),
        "birthday": Q(birthday__isnull=False),
        "gender": ~Q(gender=Gender.UNKNOWN),
        "industry": ~Q(industry=""),
        "tags": Q(Exists(Person.tags.through.objects.filter(person_id=OuterRef("pk")))),
        "owner": Q(owner__is_active=True),
        "invalid_phone": Q(_person_invalid(ContactKind.PHONE)),
        "invalid_email": Q(_person_invalid(ContactKind.EMAIL)),
        "raw_phones": ~Q(raw_phones=[]),
        "stale": Q(updated_at__lt=_stale_before(now)),
        "duplicates": _person_duplicate(),
    }


def company_conditions(now: datetime.datetime) -> dict[str, Q]:
    return {
        "phone": ~Q(phone=""),
        "email": ~Q(email=""),
        "address": Q(Exists(Address.objects.filter(company_id=OuterRef("pk")).exclude(city=""))),
        "industry": ~Q(industry=""),
        "tags": Q(Exists(Company.tags.through.objects.filter(company_id=OuterRef("pk")))),
        "owner": Q(owner__is_active=True),
        "invalid_phone": Q(_company_invalid(ContactKind.PHONE)),
        "invalid_email": Q(_company_invalid(ContactKind.EMAIL)),
        "stale": Q(updated_at__lt=_stale_before(now)),
    }


# --- Figures ------------------------------------------------------------------------------------


def _counts_by_team(queryset: QuerySet, conditions: dict[str, Q]) -> dict[int | None, dict]:
    # Prefixed names: an annotation named like a field ("phone") would shadow it in the filters.
    rows = (
        queryset.order_by()
        .values("team_id")
        .annotate(
            n_total=Count("pk"),
            **{f"n_{key}": Count("pk", filter=condition) for key, condition in conditions.items()},
        )
    )
    return {
        row.pop("team_id"): {key.removeprefix("n_"): value for key, value in row.items()}
        for row in rows
    }


def _empty(keys) -> dict[str, int]:
    return {"total": 0, **dict.fromkeys(keys, 0)}


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def health_metrics(
    scope: HealthScope, *, now: datetime.datetime | None = None
) -> tuple[dict, dict[int | None, dict]]:
    """(overall metrics, metrics per team id) of the records in `scope`, in two queries.

    Metrics are plain counts, as stored in `DataHealthSnapshot.metrics`:
    `{"persons": {"total": n, "phone": n, …}, "companies": {…}}`.
    """
    now = now or timezone.now()
    persons = _counts_by_team(scope.persons, person_conditions(now))
    companies = _counts_by_team(scope.companies, company_conditions(now))
    overall = {"persons": _empty(PERSON_COUNTS), "companies": _empty(COMPANY_COUNTS)}
    per_team: dict[int | None, dict] = {}
    for team_id in persons.keys() | companies.keys():
        metrics = {
            "persons": persons.get(team_id, _empty(PERSON_COUNTS)),
            "companies": companies.get(team_id, _empty(COMPANY_COUNTS)),
        }
        per_team[team_id] = metrics
        _add(overall["persons"], metrics["persons"])
        _add(overall["companies"], metrics["companies"])
    return overall, per_team


def _pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


@dataclass
class FieldCompleteness:
    key: str
    label: str
    filled: int
    pct: float | None


@dataclass
class RecordsHealth:
    """The figures of one kind of record, worded for a page or an API answer."""

    total: int
    completeness: list[FieldCompleteness]
    missing_phone: int
    missing_email: int
    invalid_phone: int
    invalid_email: int
    stale: int
    stale_pct: float | None
    duplicates: int | None = None
    duplicate_rate: float | None = None
    # Persons only (and not in snapshots taken before it was counted).
    raw_phones: int | None = None


def describe(counts: dict, fields: dict) -> RecordsHealth:
    total = counts.get("total", 0)
    health = RecordsHealth(
        total=total,
        completeness=[
            FieldCompleteness(key, str(label), counts.get(key, 0), _pct(counts.get(key, 0), total))
            for key, label in fields.items()
        ],
        missing_phone=total - counts.get("phone", 0),
        missing_email=total - counts.get("email", 0),
        invalid_phone=counts.get("invalid_phone", 0),
        invalid_email=counts.get("invalid_email", 0),
        stale=counts.get("stale", 0),
        stale_pct=_pct(counts.get("stale", 0), total),
    )
    if "duplicates" in counts:
        health.duplicates = counts["duplicates"]
        health.duplicate_rate = _pct(counts["duplicates"], total)
    if "raw_phones" in counts:
        health.raw_phones = counts["raw_phones"]
    return health


@dataclass
class TeamHealth:
    team: Team | None
    persons: RecordsHealth
    companies: RecordsHealth


@dataclass
class HealthReport:
    as_of: datetime.datetime
    persons: RecordsHealth
    companies: RecordsHealth
    teams: list[TeamHealth] = field(default_factory=list)


def health_report(
    user: User, *, team_id: int | None = None, now: datetime.datetime | None = None
) -> HealthReport:
    """The current figures `user` may see; per team too for administrators. Three queries."""
    now = now or timezone.now()
    scope = health_scope(user, team_id=team_id)
    overall, per_team = health_metrics(scope, now=now)
    report = HealthReport(
        as_of=now,
        persons=describe(overall["persons"], PERSON_FIELDS),
        companies=describe(overall["companies"], COMPANY_FIELDS),
    )
    if scope.per_team:
        teams = Team.objects.in_bulk([t for t in per_team if t is not None])
        for team_id_, metrics in sorted(
            per_team.items(), key=lambda item: (item[0] is None, str(teams.get(item[0], "")))
        ):
            report.teams.append(
                TeamHealth(
                    team=teams.get(team_id_),
                    persons=describe(metrics["persons"], PERSON_FIELDS),
                    companies=describe(metrics["companies"], COMPANY_FIELDS),
                )
            )
    return report


# --- History ------------------------------------------------------------------------------------


def history_team_id(user: User, team_id: int | None) -> int | None:
    """Whose snapshots `user` sees: administrators any team's or everyone's (None); everyone
    else their own team's, the records the visibility rule shows them."""
    if user.is_administrator:
        return team_id
    return user.team_id


@dataclass
class HistoryPoint:
    date: datetime.date
    persons: RecordsHealth
    companies: RecordsHealth


def health_history(
    user: User, *, team_id: int | None = None, days: int = HISTORY_DAYS, today=None
) -> list[HistoryPoint]:
    """Daily snapshots of the last `days` days, oldest first; one query."""
    today = today or timezone.localdate()
    if not user.is_administrator and user.team_id is None:
        return []
    snapshots = DataHealthSnapshot.objects.filter(
        team_id=history_team_id(user, team_id),
        date__gt=today - datetime.timedelta(days=days),
        date__lte=today,
    ).order_by("date")
    return [
        HistoryPoint(
            date=s.date,
            persons=describe(s.metrics.get("persons", {}), PERSON_FIELDS),
            companies=describe(s.metrics.get("companies", {}), COMPANY_FIELDS),
        )
        for s in snapshots
    ]


# --- Fix list -----------------------------------------------------------------------------------

# What each problem weighs in a record's score: an invalid contact is worse than a missing one,
# since someone will try to call or write to it.
PROBLEM_WEIGHTS = {
    "phone": 1,
    "email": 1,
    "address": 1,
    "birthday": 1,
    "gender": 1,
    "industry": 1,
    "tags": 1,
    "invalid_phone": 2,
    "invalid_email": 2,
    "raw_phones": 2,
    "duplicates": 1,
}
PROBLEM_LABELS = {
    "phone": gettext_lazy("No phone"),
    "email": gettext_lazy("No email"),
    "address": gettext_lazy("No address"),
    "birthday": gettext_lazy("No birthday"),
    "gender": gettext_lazy("No gender"),
    "industry": gettext_lazy("No industry"),
    "tags": gettext_lazy("No tags"),
    "invalid_phone": gettext_lazy("Invalid phone"),
    "invalid_email": gettext_lazy("Invalid email"),
    "raw_phones": gettext_lazy("Phone number kept as written"),
    "duplicates": gettext_lazy("Possible duplicate"),
}
# A filled field is fine; for these, the condition itself is the problem.
_PROBLEM_WHEN_TRUE = {"invalid_phone", "invalid_email", "raw_phones", "duplicates"}


@dataclass
class FixListRow:
    person: Person
    score: int
    problems: list[str]


def fix_list(
    user: User,
    *,
    team_id: int | None = None,
    owner_id: int | None = None,
    per_owner: int = FIX_LIST_PER_OWNER,
    now: datetime.datetime | None = None,
) -> list[FixListRow]:
    """The worst `per_owner` persons of each owner in scope (highest score first), with what
    is wrong with each. One query: the score is computed and ranked per owner in SQL."""
    now = now or timezone.now()
    scope = health_scope(user, team_id=team_id)
    persons = scope.persons if owner_id is None else scope.persons.filter(owner_id=owner_id)
    conditions = person_conditions(now)
    flags = {}
    for key in PROBLEM_WEIGHTS:
        condition = conditions[key] if key in _PROBLEM_WHEN_TRUE else ~conditions[key]
        flags[f"problem_{key}"] = _flag(condition)
    score = sum(
        (F(f"problem_{key}") * weight for key, weight in PROBLEM_WEIGHTS.items()),
        Value(0),
    )
    ranked = (
        persons.annotate(**flags)
        .annotate(score=score)
        .filter(score__gt=0)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[F("score").desc(), F("updated_at").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=per_owner)
        .select_related("owner", "team")
        .order_by("owner__username", "owner_id", "rank")[:FIX_LIST_MAX_ROWS]
    )
    return [
        FixListRow(
            person=person,
            score=person.score,
            problems=[
                str(PROBLEM_LABELS[key])
                for key in PROBLEM_WEIGHTS
                if getattr(person, f"problem_{key}")
            ],
        )
        for person in ranked
    ]


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
