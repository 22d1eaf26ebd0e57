"""The record types every module can react to: one registry, filled by the apps that own them.

Automation rules trigger on them, webhooks are subscribed to them, and the change feed lists
them. An app registers each of its record types from `AppConfig.ready()`
(`register_record_type(RecordType(...))`) and announces every create, update and delete with
`record_changed(...)` inside the service's transaction; the apps above subscribe to
`RecordChanged` through `rapport.core.events`, so no lower app ever imports them.

What changes many records of a type the same way at once (an import's batch, the rows a merge
moves, the dependants a deletion takes along) announces them with `records_changed(...)`: one
`RecordsChanged` for the lot, which a subscriber handles in a few queries (the change feed's rows
in one bulk insert, one rule lookup). Every subscriber to `RecordChanged` subscribes to
`RecordsChanged` too (`RecordsChanged.each()` gives the single events). `record_deletion(...)`
deletes records and announces everything the deletion removes or unlinks, dependants included.

Handlers run inside the publisher's transaction (see `core.events`): a subscriber that only
writes a row (the change feed, a webhook delivery) stays consistent with the change; anything
slow (evaluating rules, calling a URL) is queued with `transaction.on_commit`.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from django.apps import apps
from django.db import router
from django.db.models.deletion import Collector

from rapport.core.events import Event, publish

Operation = Literal["created", "updated", "deleted"]
OPERATIONS: tuple[Operation, ...] = ("created", "updated", "deleted")


@dataclass(frozen=True)
class RecordType:
    """What the apps above need to know about one kind of record.

    `key` is the stable name used in rules, webhook event types (`"<key>.<operation>"`) and the
    change feed (`"person"`, `"order"`); `model` is the Django label (`"customers.Person"`).
    `serialize(record) -> dict` gives the JSON-ready body a webhook or the change feed carries
    (ids, plain values, ISO dates, amounts as strings); `date_fields` are the fields a date rule
    may count from (`"birthday"`, `"expected_close"`); `person_field` / `company_field` name
    the foreign key to the customer the record is about ("" for none), which the timeline and
    conditions on "the record's person" use.
    """

    key: str
    model: str
    label: Any  # a lazy translated string
    serialize: Callable[[Any], dict] | None = None
    date_fields: tuple[str, ...] = ()
    person_field: str = ""
    company_field: str = ""
    owner_field: str = "owner"
    extra: dict = field(default_factory=dict)


_record_types: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> None:
    existing = _record_types.get(record_type.key)
    if existing is not None and existing.model != record_type.model:
        raise ValueError(f"record type {record_type.key!r} is already {existing.model}")
    _record_types[record_type.key] = record_type


def record_types() -> dict[str, RecordType]:
    """Every registered record type by key, in registration order."""
    return dict(_record_types)


def record_type(key: str) -> RecordType | None:
    return _record_types.get(key)


@dataclass(frozen=True)
class RecordChanged(Event):
    """A record of a registered type was created, updated or deleted.

    `changed_fields` names the model fields an update changed (empty for a create or delete);
    `actor_id` is the user who did it (None for the system: a job, a rule, an inbound e-mail).
    `origin` says what caused it when that matters to a subscriber: `""` for a person's action,
    `"rule:<id>"` for an automation action (rules use it to cut loops), `"import:<id>"`.
    `start_rules` is False for a change whose author asked that it start no automation rule
    (an import with "start automation rules" unticked); the feed and webhooks still list it.
    """

    record_type: str
    record_id: int
    operation: Operation
    changed_fields: tuple[str, ...] = ()
    actor_id: int | None = None
    origin: str = ""
    start_rules: bool = True


@dataclass(frozen=True)
class RecordsChanged(Event):
    """The same change of many records of one type, announced at once: what a `RecordChanged`
    says of each of `record_ids`, in that order (see `records_changed`)."""

    record_type: str
    record_ids: tuple[int, ...]
    operation: Operation
    changed_fields: tuple[str, ...] = ()
    actor_id: int | None = None
    origin: str = ""
    start_rules: bool = True

    def each(self) -> Iterator[RecordChanged]:
        """The single events, for a subscriber with nothing to gain from the batch."""
        for record_id in self.record_ids:
            yield RecordChanged(
                record_type=self.record_type,
                record_id=record_id,
                operation=self.operation,
                changed_fields=self.changed_fields,
                actor_id=self.actor_id,
                origin=self.origin,
                start_rules=self.start_rules,
            )


_current_origin: ContextVar[str] = ContextVar("rapport_change_origin", default="")
_rules_started: ContextVar[bool] = ContextVar("rapport_change_starts_rules", default=True)


@contextmanager
def changes_caused_by(origin: str, *, start_rules: bool = True) -> Iterator[None]:
    """Mark every `record_changed` inside the block as caused by `origin` (e.g. a rule's run:
    `"rule:12:chain:<uuid>:depth:2"`, an import: `"import:7"`), so a subscriber can tell a
    rule's own changes from a person's without every service taking an `origin` argument.
    With `start_rules=False` the changes start no automation rule (see `RecordChanged`)."""
    token = _current_origin.set(origin)
    rules_token = _rules_started.set(start_rules and _rules_started.get())
    try:
        yield
    finally:
        _rules_started.reset(rules_token)
        _current_origin.reset(token)


def current_origin() -> str:
    return _current_origin.get()


def record_changed(
    record_type: str,
    record_id: int,
    operation: Operation,
    *,
    changed_fields=(),
    actor=None,
    origin: str = "",
) -> None:
    """Announce a change of a registered record (call it in the service, after the write)."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}")
    publish(
        RecordChanged(
            record_type=record_type,
            record_id=record_id,
            operation=operation,
            changed_fields=tuple(changed_fields),
            actor_id=getattr(actor, "pk", actor),
            origin=origin or _current_origin.get(),
            start_rules=_rules_started.get(),
        )
    )


def records_changed(
    record_type: str,
    record_ids: Iterable[int],
    operation: Operation,
    *,
    changed_fields=(),
    actor=None,
    origin: str = "",
) -> None:
    """Announce the same change of many records of one type (an import's batch, the rows a
    merge moved): one `RecordsChanged`; a single record as a `RecordChanged`, nothing when
    `record_ids` is empty. Records whose changed fields differ are announced in groups, one
    call per group."""
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}")
    ids = tuple(dict.fromkeys(int(pk) for pk in record_ids))
    if not ids:
        return
    if len(ids) == 1:
        record_changed(
            record_type,
            ids[0],
            operation,
            changed_fields=changed_fields,
            actor=actor,
            origin=origin,
        )
        return
    publish(
        RecordsChanged(
            record_type=record_type,
            record_ids=ids,
            operation=operation,
            changed_fields=tuple(changed_fields),
            actor_id=getattr(actor, "pk", actor),
            origin=origin or _current_origin.get(),
            start_rules=_rules_started.get(),
        )
    )


def _keys_by_model() -> dict[type, str]:
    keys = {}
    for key, registered in _record_types.items():
        try:
            keys[apps.get_model(registered.model)] = key
        except LookupError:  # an app that is not installed here
            continue
    return keys


def record_deletion(records, *, actor=None) -> int:
    """Delete `records` (a queryset, or a list of instances of one model) as `delete()` would,
    and announce every registered record the deletion removes or changes: `records`
    themselves and the dependants deleted with them (CASCADE) as deleted, the records whose
    link to them is cleared (SET_NULL and the like) as updated with that field. Raises
    `ProtectedError` / `RestrictedError` before anything is deleted, as `delete()` does.
    Returns how many rows were deleted, dependants included.

    The dependants are read before the deletion (one query per kind of dependant that is a
    registered record type), since a deleted row cannot be asked what it was."""
    records = list(records) if not hasattr(records, "query") else records
    if not len(records):
        return 0
    model = records.model if hasattr(records, "model") else type(records[0])
    collector = Collector(using=router.db_for_write(model), origin=records)
    collector.collect(records)
    keys = _keys_by_model()
    deleted: dict[str, list[int]] = {}
    for kind, instances in collector.data.items():
        if kind in keys:
            deleted.setdefault(keys[kind], []).extend(o.pk for o in instances)
    for queryset in collector.fast_deletes:
        if queryset.model in keys:
            deleted.setdefault(keys[queryset.model], []).extend(
                queryset.values_list("pk", flat=True)
            )
    gone = {(key, pk) for key, ids in deleted.items() for pk in ids}
    unlinked: dict[tuple[str, str], list[int]] = {}
    for (link, _value), batches in collector.field_updates.items():
        key = keys.get(link.model)
        if key is None:
            continue
        for batch in batches:
            ids = (
                batch.values_list("pk", flat=True)
                if hasattr(batch, "values_list")
                else [o.pk for o in batch]
            )
            unlinked.setdefault((key, link.name), []).extend(
                pk for pk in ids if (key, pk) not in gone
            )
    count, _counts = collector.delete()
    for (key, field_name), ids in unlinked.items():
        records_changed(key, sorted(ids), "updated", changed_fields=[field_name], actor=actor)
    root = keys.get(model)
    # The dependants first, the records asked for last.
    for key, ids in sorted(deleted.items(), key=lambda item: item[0] == root):
        records_changed(key, sorted(ids), "deleted", actor=actor)
    return count
