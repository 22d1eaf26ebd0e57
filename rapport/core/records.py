"""The record types every module can react to: one registry, filled by the apps that own them.

Automation rules trigger on them, webhooks are subscribed to them, and the change feed lists
them. An app registers each of its record types from `AppConfig.ready()`
(`register_record_type(RecordType(...))`) and announces every create, update and delete with
`record_changed(...)` inside the service's transaction; the apps above subscribe to
`RecordChanged` through `rapport.core.events`, so no lower app ever imports them.

Handlers run inside the publisher's transaction (see `core.events`): a subscriber that only
writes a row (the change feed, a webhook delivery) stays consistent with the change; anything
slow (evaluating rules, calling a URL) is queued with `transaction.on_commit`.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

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
    """

    record_type: str
    record_id: int
    operation: Operation
    changed_fields: tuple[str, ...] = ()
    actor_id: int | None = None
    origin: str = ""


_current_origin: ContextVar[str] = ContextVar("rapport_change_origin", default="")


@contextmanager
def changes_caused_by(origin: str) -> Iterator[None]:
    """Mark every `record_changed` inside the block as caused by `origin` (e.g. a rule's run:
    `"rule:12:chain:<uuid>:depth:2"`), so a subscriber can tell a rule's own changes from a
    person's without every service taking an `origin` argument."""
    token = _current_origin.set(origin)
    try:
        yield
    finally:
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
        )
    )
