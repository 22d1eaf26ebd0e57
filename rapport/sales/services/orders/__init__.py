"""Writes to orders, their payment plans (instalments) and payments.

Orders are the ground truth for customer value, RFM and lifetime value, so every amount is a
`Decimal` quantized to cents and every time is timezone-aware. Orders are never deleted: a
mistaken order is cancelled, which keeps its history. Payments are an append-only ledger.

One module per part; callers import the services from this package, which re-exports them:

- `placing`: place an order, change it while it is open, keep it following its customer;
- `status`: move an order through its statuses (`TRANSITIONS`);
- `payments`: record money received against the payment plan;
- `refunds`: record money paid back, as a credit or as an undone payment;
- `from_deal`: turn a won deal into an order;
- `cleaning`: read order input (lines, prices, instalments, times) into exact values.
"""

from rapport.sales.services.orders.cleaning import clean_when, payment_terms_days
from rapport.sales.services.orders.from_deal import DealNotReady, order_create_from_deal
from rapport.sales.services.orders.payments import (
    IdempotencyKeyReused,
    OrderClosed,
    payment_record,
)
from rapport.sales.services.orders.placing import (
    OrderLocked,
    order_create,
    order_number,
    order_update,
    orders_follow_customer,
)
from rapport.sales.services.orders.refunds import refund_record
from rapport.sales.services.orders.status import (
    CLOSED_STATUSES,
    STAMPS,
    TRANSITIONS,
    RefundDecisionRequired,
    TransitionRefused,
    allowed_statuses,
    order_change_status,
)

__all__ = [
    "CLOSED_STATUSES",
    "STAMPS",
    "TRANSITIONS",
    "DealNotReady",
    "IdempotencyKeyReused",
    "OrderClosed",
    "OrderLocked",
    "RefundDecisionRequired",
    "TransitionRefused",
    "allowed_statuses",
    "clean_when",
    "order_change_status",
    "order_create",
    "order_create_from_deal",
    "order_number",
    "order_update",
    "orders_follow_customer",
    "payment_record",
    "payment_terms_days",
    "refund_record",
]
