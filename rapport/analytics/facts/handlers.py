"""The facts hear every change of orders, payments and customers (`rapport.core.records`), one
at a time and in batches, and keep the touched slices right (`upkeep.py`).

What they hear: an order created, changed (lines, amounts, status, owner, a merge moving it to
another customer) or deleted — the services announce refunds and line edits as changes of the
order; a payment recorded or refunded (the cash facts); a person's or company's region changed
(the province their orders count in); an interaction, lead or deal created, changed or deleted
(the daily counts of `activity_upkeep.py`), and a person's or company's owner or team changed
(the owner and team their interactions count under).

The handlers only note what changed; once the change has committed (`transaction.on_commit`)
one job (`tasks.refresh_facts`) computes the slices of everything the transaction touched: an
import's batch of a thousand orders costs a few queries per owner and day instead of some
fifteen per order, a transaction that rolls back costs nothing, and the request that saved an
order does not wait for its slices (docs/decisions.md, "Daily facts")."""

from dataclasses import dataclass, field

from django.db import transaction

from rapport.analytics.facts.tasks import refresh_activity_facts, refresh_facts
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged

# A customer change moves its orders between provinces only through these fields (the
# person's or company's region, which an address given to a customer without one sets).
REGION_FIELDS = {"region", "addresses"}
# Interactions count under their person's (else company's) owner and team.
OWNER_FIELDS = {"owner", "team"}
ACTIVITY_TYPES = ("interaction", "lead", "deal")


@dataclass
class PendingFacts:
    """What one transaction changed, refreshed after its commit."""

    orders: set[int] = field(default_factory=set)
    payments: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)
    companies: set[int] = field(default_factory=set)
    interactions: set[int] = field(default_factory=set)
    leads: set[int] = field(default_factory=set)
    deals: set[int] = field(default_factory=set)
    owned_persons: set[int] = field(default_factory=set)
    owned_companies: set[int] = field(default_factory=set)
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        if self.orders or self.payments or self.persons or self.companies:
            refresh_facts(
                sorted(self.orders),
                sorted(self.payments),
                sorted(self.persons),
                sorted(self.companies),
            )
        if (
            self.interactions
            or self.leads
            or self.deals
            or self.owned_persons
            or self.owned_companies
        ):
            refresh_activity_facts(
                {
                    "interaction": sorted(self.interactions),
                    "lead": sorted(self.leads),
                    "deal": sorted(self.deals),
                },
                sorted(self.owned_persons),
                sorted(self.owned_companies),
            )


def pending() -> PendingFacts:
    """The current transaction's pending refresh, registered with `on_commit` on first use.

    Looked up among the connection's commit callbacks, so a transaction (or savepoint) that
    rolls back takes its refresh along, and the next one starts a new one."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            # (A test's `captureOnCommitCallbacks` runs callbacks and leaves them in the list.)
            if isinstance(callback, PendingFacts) and not callback.done:
                return callback
    refresh = PendingFacts()
    # Outside a transaction there is nothing to wait for: the caller fills it and runs it.
    if connection.in_atomic_block:
        transaction.on_commit(refresh, robust=True)
    return refresh


def _targets(refresh: PendingFacts, record_type: str, operation: str, fields: tuple) -> list:
    if record_type in ("person", "company"):
        if operation != "updated":
            return []
        found = []
        if REGION_FIELDS & set(fields):
            found.append(refresh.persons if record_type == "person" else refresh.companies)
        if OWNER_FIELDS & set(fields):
            person = record_type == "person"
            found.append(refresh.owned_persons if person else refresh.owned_companies)
        return found
    return [
        {
            "order": refresh.orders,
            "payment": refresh.payments,
            "interaction": refresh.interactions,
            "lead": refresh.leads,
            "deal": refresh.deals,
        }[record_type]
    ]


def _changed(record_type: str, ids, operation: str, fields: tuple) -> None:
    if record_type not in ("order", "payment", "person", "company", *ACTIVITY_TYPES):
        return
    if record_type in ("person", "company") and not (
        operation == "updated" and (REGION_FIELDS | OWNER_FIELDS) & set(fields or ())
    ):
        return
    connection = transaction.get_connection()
    refresh = pending()
    for target in _targets(refresh, record_type, operation, tuple(fields or ())):
        target.update(ids)
    if not connection.in_atomic_block:
        refresh()


def on_record_changed(event: RecordChanged) -> None:
    _changed(event.record_type, (event.record_id,), event.operation, event.changed_fields)


def on_records_changed(event: RecordsChanged) -> None:
    _changed(event.record_type, event.record_ids, event.operation, event.changed_fields)


def register() -> None:
    subscribe(RecordChanged)(on_record_changed)
    subscribe(RecordsChanged)(on_records_changed)
