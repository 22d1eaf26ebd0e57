"""The facts hear every change of orders, payments and customers (`rapport.core.records`), one
at a time and in batches, and keep the touched slices right (`upkeep.py`).

What they hear: an order created, changed (lines, amounts, status, owner, a merge moving it to
another customer) or deleted — the services announce refunds and line edits as changes of the
order; a payment recorded or refunded (the cash facts); a person's or company's region changed
(the province their orders count in)."""

from rapport.analytics.facts.upkeep import (
    facts_refresh_customers,
    facts_refresh_orders,
    facts_refresh_payments,
)
from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged

# A customer change moves its orders between provinces only through these fields (the
# person's or company's region, which an address given to a customer without one sets).
REGION_FIELDS = {"region", "addresses"}


def _changed(record_type: str, ids: tuple[int, ...], operation: str, fields: tuple) -> None:
    if record_type == "order":
        facts_refresh_orders(ids)
    elif record_type == "payment":
        facts_refresh_payments(ids)
    elif (
        record_type in ("person", "company")
        and operation == "updated"
        and REGION_FIELDS & set(fields)
    ):
        key = "person_ids" if record_type == "person" else "company_ids"
        facts_refresh_customers(**{key: ids})


def on_record_changed(event: RecordChanged) -> None:
    _changed(event.record_type, (event.record_id,), event.operation, event.changed_fields)


def on_records_changed(event: RecordsChanged) -> None:
    _changed(event.record_type, event.record_ids, event.operation, event.changed_fields)


def register() -> None:
    subscribe(RecordChanged)(on_record_changed)
    subscribe(RecordsChanged)(on_records_changed)
