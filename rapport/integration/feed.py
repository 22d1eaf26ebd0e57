"""The change feed: every create, update and delete of persons, companies, products, orders and
payments, in commit order, resumable from a cursor (docs/decisions.md, "Change feed").

A `Change` row is written by the `RecordChanged` subscriber inside the transaction of the
change. Its autoincrement id is NOT the feed's order: ids are handed out when a row is inserted,
so a transaction that inserted id 5 may commit after another one that inserted id 6 was already
read, and a reader that had moved past 6 would never see 5. Instead `changes_sequence` gives
`seq` numbers, under a lock, only to rows it can see, i.e. committed ones, in id order and always
above every number given before. A late commit is numbered by the next run, after everything a
reader has already seen. Readers list numbered rows only, so `seq` is a safe cursor.
"""

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, Subquery
from django.utils import timezone

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.core.records import RecordChanged, RecordsChanged, record_type
from rapport.integration.models import Change, ExternalId, FeedSequencer

FEED_TYPES = ("person", "company", "product", "order", "payment")
# Where each type's owner and team are (for the visibility rule); None: seen by everyone.
ACCESS = {
    "person": ("owner_id", "team_id"),
    "company": ("owner_id", "team_id"),
    "order": ("owner_id", "team_id"),
    "payment": ("order__owner_id", "order__team_id"),
    "product": None,
}
# Ids per query when a batch of changes reads its records' owners (see `change_records`).
_CHUNK = 1000
# Prefetches that keep serializing a page to a fixed number of queries.
_RELATED = {"order": {"prefetch": ("lines",)}, "payment": {"select": ("order",)}}


def _model(key: str):
    return apps.get_model(record_type(key).model)


def _access(event: RecordChanged) -> tuple[Any, Any, bool]:
    fields = ACCESS[event.record_type]
    if fields is None:
        return None, None, True
    if event.operation != "deleted":
        # Read inside the INSERT itself, so a change costs the feed one query.
        record = _model(event.record_type).objects.filter(pk=event.record_id)
        return (
            Subquery(record.values(fields[0])[:1]),
            Subquery(record.values(fields[1])[:1]),
            False,
        )
    # A deleted record is seen by whoever saw it before.
    last = (
        Change.objects.filter(record_type=event.record_type, record_id=event.record_id)
        .order_by("-id")
        .values_list("owner_id", "team_id")
        .first()
    )
    return (last[0], last[1], False) if last else (None, None, False)


def change_record(event: RecordChanged) -> Change | None:
    """Write the feed's row for a change (the `RecordChanged` subscriber)."""
    if event.record_type not in FEED_TYPES:
        return None
    owner_id, team_id, everyone = _access(event)
    if event.operation == "deleted":
        ExternalId.objects.filter(
            content_type=ContentType.objects.get_for_model(_model(event.record_type)),
            object_id=event.record_id,
        ).delete()
    return Change.objects.create(
        record_type=event.record_type,
        record_id=event.record_id,
        operation=event.operation,
        changed_fields=list(event.changed_fields),
        actor_id=event.actor_id,
        origin=event.origin[:200],
        owner_id=owner_id,
        team_id=team_id,
        everyone=everyone,
    )


def _chunks(ids: tuple[int, ...]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _owners(event: RecordsChanged, ids: tuple[int, ...]) -> dict[int, tuple]:
    """(owner id, team id) of each of `ids`, as `_access` reads them for one change."""
    fields = ACCESS[event.record_type]
    if event.operation != "deleted":
        return {
            pk: (owner_id, team_id)
            for pk, owner_id, team_id in _model(event.record_type)
            .objects.filter(pk__in=ids)
            .values_list("pk", *fields)
        }
    owners = {}
    for pk, owner_id, team_id in (
        Change.objects.filter(record_type=event.record_type, record_id__in=ids)
        .order_by("id")
        .values_list("record_id", "owner_id", "team_id")
    ):
        owners[pk] = (owner_id, team_id)  # the last change wins
    return owners


_COLUMNS = (
    "record_type",
    "record_id",
    "operation",
    "changed_fields",
    "occurred_at",
    "actor_id",
    "origin",
    "owner_id",
    "team_id",
    "everyone",
)


def change_records(event: RecordsChanged) -> int:
    """Write the feed's rows for a batch of changes (the `RecordsChanged` subscriber): the
    same rows as `change_record` for each, in the batch's order, with a few queries per
    thousand changes. Returns how many rows were written.

    The rows differ only in their record, owner and team, so the values they share are
    prepared once and bound once: on PostgreSQL a thousand rows are one INSERT from three
    arrays (`unnest`), on SQLite one `executemany`. `bulk_create` prepared and bound every value
    of every row, which made a 20,000-row import 15 % slower."""
    if event.record_type not in FEED_TYPES or not event.record_ids:
        return 0
    everyone = ACCESS[event.record_type] is None
    content_type = ContentType.objects.get_for_model(_model(event.record_type))
    fields = {name: Change._meta.get_field(name) for name in _COLUMNS}
    shared = [
        fields[name].get_db_prep_save(value, connection)
        for name, value in (
            ("record_type", event.record_type),
            ("operation", event.operation),
            ("changed_fields", list(event.changed_fields)),
            ("occurred_at", timezone.now()),
            ("actor_id", event.actor_id),
            ("origin", event.origin[:200]),
            ("everyone", everyone),
        )
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in _COLUMNS)
    table = quote(Change._meta.db_table)
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        insert = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 (the model's own names)
            "SELECT %s, r.id, %s, %s::jsonb, %s::timestamptz, %s::bigint, %s, "
            "r.owner_id, r.team_id, %s::boolean "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) WITH ORDINALITY "
            "AS r(id, owner_id, team_id, n) ORDER BY r.n"
        )
    else:
        insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"  # noqa: S608
    record_type, operation, changed_fields, occurred_at, actor_id, origin, everyone_value = shared
    written = 0
    with connection.cursor() as cursor:
        for ids in _chunks(event.record_ids):
            owners = {} if everyone else _owners(event, ids)
            if event.operation == "deleted":
                ExternalId.objects.filter(content_type=content_type, object_id__in=ids).delete()
            owner_ids = [owners.get(pk, (None, None))[0] for pk in ids]
            team_ids = [owners.get(pk, (None, None))[1] for pk in ids]
            if postgresql:
                cursor.execute(insert, [*shared, list(ids), owner_ids, team_ids])
            else:
                cursor.executemany(
                    insert,
                    [
                        (record_type, pk, operation, changed_fields, occurred_at, actor_id,
                         origin, owner_id, team_id, everyone_value)
                        for pk, owner_id, team_id in zip(ids, owner_ids, team_ids, strict=True)
                    ],
                )  # fmt: skip
            written += len(ids)
    return written


def changes_sequence() -> int:
    """Number the committed rows that have no `seq` yet; returns the last number given out.

    One sequencer at a time (the row lock on `FeedSequencer`; SQLite's write lock). The rows
    numbered are those visible now with ids in [first, last] of the unnumbered ones seen by the
    first read; each gets `last_seq + 1 + (id - first)`, so the numbers follow the ids, are unique
    and are above every number given before. A row that commits later, whatever its id, is
    numbered by a later run, above these.
    """
    if not Change.objects.filter(seq__isnull=True).exists():
        return FeedSequencer.objects.values_list("last_seq", flat=True).filter(pk=1).first() or 0
    FeedSequencer.objects.get_or_create(pk=1)
    with transaction.atomic():
        # A write first, so that on SQLite too the lock is taken before anything is read.
        FeedSequencer.objects.filter(pk=1).update(last_seq=F("last_seq"))
        state = FeedSequencer.objects.select_for_update().get(pk=1)
        bounds = Change.objects.filter(seq__isnull=True).aggregate(first=Min("id"), last=Max("id"))
        if bounds["first"] is None:
            return state.last_seq
        first, last = bounds["first"], bounds["last"]
        base = state.last_seq + 1 - first
        Change.objects.filter(seq__isnull=True, id__gte=first, id__lte=last).update(
            seq=F("id") + base
        )
        state.last_seq = base + last
        state.save(update_fields=["last_seq"])
        return state.last_seq


def visible_changes_q(user: User) -> Q:
    visible = visible_records_q(user, owner_field="owner", team_field="team")
    # An administrator's rule is the empty Q (everything), which `|` would drop.
    return visible if not visible else Q(everyone=True) | visible


def changes_after(user: User, *, after: int, limit: int) -> tuple[list[Change], int, bool]:
    """The changes `user` may see numbered above `after`, oldest first, at most `limit`; with
    the cursor to ask from next and whether more are waiting."""
    changes_sequence()
    # Read before the rows: every number up to it belongs to a row already committed, which the
    # query below sees, so the cursor may move up to it when the page is not full.
    high_water = FeedSequencer.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    rows = list(
        Change.objects.filter(visible_changes_q(user), seq__gt=after).order_by("seq")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1].seq if more else max([after, high_water, *(r.seq for r in rows)])
    return rows, cursor, more


def change_items(rows: list[Change]) -> list[dict]:
    """The feed's entries for `rows`: each with the record as it is now (None once deleted) and
    its external ids, read in a fixed number of queries per record type."""
    by_type: dict[str, set[int]] = {}
    for row in rows:
        by_type.setdefault(row.record_type, set()).add(row.record_id)
    records: dict[tuple[str, int], dict] = {}
    external: dict[tuple[str, int], dict] = {}
    for key, ids in by_type.items():
        model = _model(key)
        queryset = model.objects.filter(pk__in=ids)
        related = _RELATED.get(key, {})
        if related.get("select"):
            queryset = queryset.select_related(*related["select"])
        if related.get("prefetch"):
            queryset = queryset.prefetch_related(*related["prefetch"])
        serialize = record_type(key).serialize
        for record in queryset:
            records[(key, record.pk)] = serialize(record)
        links = ExternalId.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=ids
        ).values_list("object_id", "system", "external_id")
        for object_id, system, external_id in links:
            external.setdefault((key, object_id), {})[system] = external_id
    return [
        {
            "cursor": str(row.seq),
            "record_type": row.record_type,
            "record_id": row.record_id,
            "operation": row.operation,
            "changed_fields": row.changed_fields,
            "occurred_at": timezone.localtime(row.occurred_at).isoformat(),
            "record": None
            if row.operation == "deleted"
            else records.get((row.record_type, row.record_id)),
            "external_ids": external.get((row.record_type, row.record_id), {}),
        }
        for row in rows
    ]
