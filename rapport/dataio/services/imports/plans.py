"""The plan of a batch and what writing it gave: plain records shared by the batch writer
(`writer/`) and the target modules it calls (`orders.py`, `interactions.py`), kept apart so
that those can import them without importing the writer."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rejected:
    row_number: int
    values: list[str]
    reasons: list[str]


@dataclass
class Planned:
    row_number: int
    row: Any  # the cleaner's CleanRow
    owner: tuple[int, int | None]  # (owner id, team id)
    target_id: int | None = None  # the record to update
    customer: tuple[int, int | None] | None = None  # an interaction's (person id, company id)
    order_id: int | None = None  # a payment's order
    values: list[str] | None = None  # the raw row, for a payment the service may yet refuse
    order_data: dict | None = None  # an order's input for `order_create`
    order_rows: list[tuple[int, list[str]]] | None = None  # an order's rows (number, values)


@dataclass
class BatchPlan:
    creates: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    rows: int = 0
    # Rows imported with a field left out, with the warnings (`reasons`), in file order.
    warned: list[Rejected] = field(default_factory=list)


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    # Rows refused while writing (a payment `payment_record` refuses), for the rejected file.
    rejected: list[Rejected] = field(default_factory=list)
