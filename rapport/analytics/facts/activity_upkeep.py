"""Keeping the daily counts of interactions, leads and closed deals equal to their tables.

The grain is a day of one kind (in the installation's time zone): when records change, every
day they were counted in (`RecordFactDay`) and are in now is computed again, whole, from the
source rows: its fact rows deleted and the GROUP BY of the day's records inserted. A day holds a
few thousand records at most, read through the date index each table has, so a change costs
the same whatever the history. Concurrent refreshes of the same day are serialised by a
transaction lock on (kind, day) on PostgreSQL (SQLite has one writer at a time anyway), taken
before the day is read.

What counts (docs/decisions.md, "Daily facts"): an interaction by the day it occurred, under its
person's owner and team (else, logged with a company alone, the company's); a lead by the day
it was created, with its status now; a deal by the day it was won or lost (`closed_at`), with
its days from creation to closing. Open deals are not in the facts.
"""

import datetime
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate

from rapport.activities.models import Interaction
from rapport.analytics.facts.models import (
    DealCloseFact,
    InteractionFact,
    InteractionRepFact,
    LeadFact,
    RecordFactDay,
)
from rapport.analytics.facts.zone import day_ranges, day_start, fact_zone, local_day
from rapport.analytics.selectors.common import DaysBetween
from rapport.sales.models import Deal, DealStatus, Lead

CHUNK = 500
BATCH = 5000
DAYS_AT_ONCE = 62
# Measures compared after rounding: the cycle's days are a float sum.
CYCLE_DIGITS = 6


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    fact: type
    moment: str
    counted: Q
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    rows: Callable[[QuerySet], list]


def _visible_through_customer(prefix: str) -> Case:
    return Case(
        When(person__isnull=False, then=F(f"person__{prefix}_id")),
        default=F(f"company__{prefix}_id"),
    )


def _interaction_rows(records: QuerySet) -> list[InteractionFact]:
    rows = (
        records.annotate(
            fact_day=TruncDate("occurred_at", tzinfo=fact_zone()),
            fact_owner=_visible_through_customer("owner"),
            fact_team=_visible_through_customer("team"),
        )
        .values("fact_day", "fact_owner", "fact_team", "logged_by_id", "channel")
        .annotate(n=Count("pk"))
    )
    return [
        InteractionFact(
            day=row["fact_day"],
            owner_id=row["fact_owner"],
            team_id=row["fact_team"],
            logged_by_id=row["logged_by_id"],
            channel=row["channel"],
            interactions=row["n"],
        )
        for row in rows
    ]


def _lead_rows(records: QuerySet) -> list[LeadFact]:
    rows = (
        records.annotate(fact_day=TruncDate("created_at", tzinfo=fact_zone()))
        .values("fact_day", "owner_id", "team_id", "source", "campaign", "status")
        .annotate(n=Count("pk"))
    )
    return [
        LeadFact(
            day=row["fact_day"],
            owner_id=row["owner_id"],
            team_id=row["team_id"],
            source=row["source"],
            campaign=row["campaign"],
            status=row["status"],
            leads=row["n"],
        )
        for row in rows
    ]


def _deal_rows(records: QuerySet) -> list[DealCloseFact]:
    rows = (
        records.annotate(fact_day=TruncDate("closed_at", tzinfo=fact_zone()))
        .values("fact_day", "owner_id", "team_id", "status")
        .annotate(n=Count("pk"), days=Sum(DaysBetween("closed_at", "created_at")))
    )
    return [
        DealCloseFact(
            day=row["fact_day"],
            owner_id=row["owner_id"],
            team_id=row["team_id"],
            status=row["status"],
            deals=row["n"],
            cycle_days=row["days"] or 0.0,
        )
        for row in rows
    ]


KINDS = {
    "interaction": Kind(
        "interaction",
        Interaction,
        InteractionFact,
        "occurred_at",
        Q(),
        ("day", "owner_id", "team_id", "logged_by_id", "channel"),
        ("interactions",),
        _interaction_rows,
    ),
    "lead": Kind(
        "lead",
        Lead,
        LeadFact,
        "created_at",
        Q(),
        ("day", "owner_id", "team_id", "source", "campaign", "status"),
        ("leads",),
        _lead_rows,
    ),
    "deal": Kind(
        "deal",
        Deal,
        DealCloseFact,
        "closed_at",
        Q(status__in=(DealStatus.WON, DealStatus.LOST), closed_at__isnull=False),
        ("day", "owner_id", "team_id", "status"),
        ("deals", "cycle_days"),
        _deal_rows,
    ),
}


def _records(kind: Kind) -> QuerySet:
    return kind.model._base_manager.filter(kind.counted).order_by()


def _in_days(kind: Kind, first: datetime.date, last: datetime.date) -> QuerySet:
    return _records(kind).filter(
        **{
            f"{kind.moment}__gte": day_start(first),
            f"{kind.moment}__lt": day_start(last + datetime.timedelta(days=1)),
        }
    )


def _lock_days(kind: Kind, days: Iterable[datetime.date]) -> None:
    """Serialise refreshes of the same days (in day order, so that two cannot deadlock)."""
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(kind.name.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        for day in sorted(set(days)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, day.toordinal()])


def _current_days(kind: Kind, ids: list[int]) -> dict[int, datetime.date]:
    return {
        pk: local_day(moment)
        for pk, moment in _records(kind).filter(pk__in=ids).values_list("pk", kind.moment)
    }


def rep_rows(facts: Iterable[InteractionFact]) -> list[InteractionRepFact]:
    """The interaction facts summed over owners and teams (the administrators' table)."""
    cells: dict[tuple, int] = defaultdict(int)
    for fact in facts:
        cells[(fact.day, fact.logged_by_id, fact.channel)] += fact.interactions
    return [
        InteractionRepFact(day=day, logged_by_id=logged_by, channel=channel, interactions=n)
        for (day, logged_by, channel), n in cells.items()
        if n
    ]


def _write(kind: Kind, first: datetime.date, last: datetime.date) -> int:
    """Replace the facts of the days first..last; the rows written."""
    kind.fact.objects.filter(day__gte=first, day__lte=last).delete()
    rows = kind.fact.objects.bulk_create(kind.rows(_in_days(kind, first, last)), batch_size=BATCH)
    if kind.fact is InteractionFact:
        InteractionRepFact.objects.filter(day__gte=first, day__lte=last).delete()
        InteractionRepFact.objects.bulk_create(rep_rows(rows), batch_size=BATCH)
    return len(rows)


def _refresh_days(kind: Kind, days: set[datetime.date]) -> None:
    for first, last in day_ranges(days):
        cursor = first
        while cursor <= last:
            end = min(last, cursor + datetime.timedelta(days=DAYS_AT_ONCE - 1))
            _write(kind, cursor, end)
            cursor = end + datetime.timedelta(days=1)


@transaction.atomic
def activity_facts_refresh(kind_name: str, record_ids: Iterable[int]) -> None:
    """Compute again the days the records `record_ids` of `kind_name` ("interaction", "lead",
    "deal") were counted in and are counted in now."""
    kind = KINDS[kind_name]
    ids = sorted({int(pk) for pk in record_ids})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        locked: set[datetime.date] = set()
        while True:
            now = _current_days(kind, chunk)
            then = set(
                RecordFactDay.objects.filter(kind=kind.name, record_id__in=chunk).values_list(
                    "day", flat=True
                )
            )
            days = set(now.values()) | then
            if days <= locked:
                break
            _lock_days(kind, days - locked)
            locked |= days
        _refresh_days(kind, days)
        RecordFactDay.objects.filter(kind=kind.name, record_id__in=chunk).delete()
        RecordFactDay.objects.bulk_create(
            [RecordFactDay(kind=kind.name, record_id=pk, day=day) for pk, day in now.items()],
            batch_size=BATCH,
        )


def customers_interactions(
    *, person_ids: Iterable[int] = (), company_ids: Iterable[int] = ()
) -> set[int]:
    """The interactions counted under these persons' and companies' owner and team: a
    person's, and a company's logged without a person."""
    found: set[int] = set()
    persons, companies = sorted(set(person_ids)), sorted(set(company_ids))
    for start in range(0, len(persons), CHUNK):
        found.update(
            Interaction.objects.filter(person_id__in=persons[start : start + CHUNK]).values_list(
                "pk", flat=True
            )
        )
    for start in range(0, len(companies), CHUNK):
        found.update(
            Interaction.objects.filter(
                company_id__in=companies[start : start + CHUNK], person__isnull=True
            ).values_list("pk", flat=True)
        )
    return found


# --- Rebuild and compare -------------------------------------------------------------------------


def _span(kind: Kind) -> tuple[datetime.date, datetime.date] | None:
    bounds = _records(kind).aggregate(first=Min(kind.moment), last=Max(kind.moment))
    if bounds["first"] is None:
        return None
    return local_day(bounds["first"]), local_day(bounds["last"])


def _months(first: datetime.date, last: datetime.date):
    cursor = first.replace(day=1)
    while cursor <= last:
        following = (cursor + datetime.timedelta(days=32)).replace(day=1)
        yield cursor, min(following - datetime.timedelta(days=1), last)
        cursor = following


def _remember_sql(kind: Kind) -> tuple[str, list]:
    """INSERT ... SELECT of the records' days (every counted record), done by the database."""
    records = _records(kind).annotate(fact_day=TruncDate(kind.moment, tzinfo=fact_zone()))
    select, params = records.values("pk", "fact_day").query.sql_with_params()
    table = connection.ops.quote_name(RecordFactDay._meta.db_table)
    # The table's quoted name and Django's own compiled SELECT; values are parameters.
    return (
        f"INSERT INTO {table} (kind, record_id, day) SELECT %s, u.* FROM ({select}) u",  # noqa: S608
        [kind.name, *params],
    )


def activity_facts_rebuild(
    kinds: Iterable[str] = tuple(KINDS), progress: Callable[[str], None] = lambda line: None
) -> dict[str, int]:
    """Delete the facts of `kinds` and compute them again, a month per transaction. Returns
    the rows written per kind."""
    written: dict[str, int] = {}
    for name in kinds:
        kind = KINDS[name]
        with transaction.atomic():
            kind.fact.objects.all().delete()
            if kind.fact is InteractionFact:
                InteractionRepFact.objects.all().delete()
            RecordFactDay.objects.filter(kind=name).delete()
            sql, params = _remember_sql(kind)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        written[name] = 0
        span = _span(kind)
        for first, last in _months(*span) if span else ():
            with transaction.atomic():
                written[name] += _write(kind, first, last)
        progress(f"{written[name]:,} {name} facts")
        with connection.cursor() as cursor:
            for model in (kind.fact, RecordFactDay, InteractionRepFact):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written


def _as_table(kind: Kind, facts: Iterable) -> dict[tuple, tuple]:
    table: dict[tuple, tuple] = {}
    for fact in facts:
        values = tuple(
            round(getattr(fact, m), CYCLE_DIGITS)
            if isinstance(getattr(fact, m), float)
            else getattr(fact, m)
            for m in kind.measures
        )
        key = tuple(getattr(fact, k) for k in kind.keys)
        if key in table:  # the same key twice in the stored rows is a difference too
            values = tuple(a + b for a, b in zip(table[key], values, strict=True))
        if any(values):
            table[key] = values
    return table


def activity_facts_compare(kinds: Iterable[str] = tuple(KINDS)) -> dict[str, list]:
    """The facts of `kinds` against a direct GROUP BY of their tables, a month at a time: per
    kind, the keys whose measures differ (stored, computed). Empty lists: the facts are right."""
    differences: dict[str, list] = {}
    for name in kinds:
        kind = KINDS[name]
        differences[name] = []
        spans = [s for s in (_span(kind),) if s]
        stored_span = kind.fact.objects.aggregate(first=Min("day"), last=Max("day"))
        if stored_span["first"]:
            spans.append((stored_span["first"], stored_span["last"]))
        if not spans:
            continue
        for first, last in _months(min(s[0] for s in spans), max(s[1] for s in spans)):
            stored = _as_table(kind, kind.fact.objects.filter(day__gte=first, day__lte=last))
            fresh = _as_table(kind, kind.rows(_in_days(kind, first, last)))
            for key in sorted(stored.keys() | fresh.keys(), key=repr):
                if stored.get(key) != fresh.get(key):
                    differences[name].append((key, stored.get(key), fresh.get(key)))
            if kind.fact is InteractionFact:
                differences[name].extend(_rep_differences(first, last))
    return differences


def _rep_differences(first: datetime.date, last: datetime.date) -> list:
    """The administrators' table against the interaction facts summed over owners."""
    stored = {
        (f.day, f.logged_by_id, f.channel): f.interactions
        for f in InteractionRepFact.objects.filter(day__gte=first, day__lte=last)
    }
    fresh = {
        (f.day, f.logged_by_id, f.channel): f.interactions
        for f in rep_rows(InteractionFact.objects.filter(day__gte=first, day__lte=last))
    }
    return [
        (("by representative", *key), stored.get(key), fresh.get(key))
        for key in sorted(stored.keys() | fresh.keys(), key=repr)
        if stored.get(key) != fresh.get(key)
    ]
