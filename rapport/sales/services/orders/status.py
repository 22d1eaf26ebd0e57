"""Moving an order through its statuses.

- `order_change_status` follows `TRANSITIONS`; each change stamps its `*_at` time and puts an
  entry on the customer's timeline. Cancelling or returning an order that holds money takes a
  refund decision (how much is paid back now, why the rest is kept).
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_money, clean_text, invalid
from rapport.core.errors import ApplicationError
from rapport.core.formats import format_money
from rapport.core.records import record_changed
from rapport.sales.models import Order, OrderStatus, PaymentMethod, RefundReason
from rapport.sales.services.orders.cleaning import clean_when
from rapport.sales.services.orders.placing import _order_entry
from rapport.sales.services.orders.refunds import refund_record

S = OrderStatus

# Which status an order may move to from each status. Reaching "paid" also needs the order to be
# fully paid (a payment that completes a placed order moves it there by itself).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLACED: (S.PAID, S.SHIPPED, S.CANCELLED),
    S.PAID: (S.SHIPPED, S.CANCELLED),
    S.SHIPPED: (S.RECEIVED, S.RETURNED),
    S.RECEIVED: (S.RETURNED,),
    S.CANCELLED: (),
    S.RETURNED: (),
}
STAMPS = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.RECEIVED: "received_at",
    S.CANCELLED: "cancelled_at",
    S.RETURNED: "returned_at",
}
# Orders that owe nothing any more and take no payments.
CLOSED_STATUSES = (S.CANCELLED, S.RETURNED)


class TransitionRefused(ApplicationError):
    """The order cannot move to that status from where it is; `details.allowed` says where."""

    status = 409


class RefundDecisionRequired(ApplicationError):
    """An order holding money is cancelled or returned without saying what is refunded."""

    status = 422

    def __init__(self, message: str, details: dict):
        super().__init__("refund_decision_required", message, details)


def allowed_statuses(order: Order) -> list[str]:
    """The statuses `order` may move to now (what the UI offers as buttons)."""
    allowed = list(TRANSITIONS[order.status])
    if S.PAID in allowed and order.outstanding > 0:
        allowed.remove(S.PAID)
    return allowed


@transaction.atomic
def order_change_status(
    *,
    actor: User,
    order: Order,
    status: str,
    note: str = "",
    at: datetime.datetime | None = None,
    refund_amount: Any = None,
    refund_method: str | None = None,
) -> Order:
    """Move the order along `TRANSITIONS`, stamping the time and telling the timeline.

    Refused with 409 `invalid_transition` (details name the allowed statuses) when the table
    does not allow it, and 409 `order_not_fully_paid` for "paid" with money outstanding.

    Cancelling or returning an order that holds money (`paid_amount`) needs the refund decision:
    `refund_amount`, from 0 to all of it, is paid back now (`refund_record`, the payments
    reversed newest first, by `refund_method` or each payment's own), and a `note` says why
    anything is kept (422 naming the missing fields otherwise).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    errors = FieldErrors()
    clean_choice(status, "status", errors, choices=S.values)
    note = clean_text(note, "note", errors, limit=2000, count=False)
    when = clean_when(at, "at", errors)
    errors.raise_if_any()
    closing = status in CLOSED_STATUSES and status in TRANSITIONS[order.status]
    refund = _refund_decision(order, refund_amount, refund_method, note) if closing else None
    if status not in TRANSITIONS[order.status]:
        allowed = list(TRANSITIONS[order.status])
        raise TransitionRefused(
            "invalid_transition",
            _("An order cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(order.status).label, "target": S(status).label},
            {"status": [_("Not allowed from here.")], "allowed": allowed},
        )
    if status == S.PAID and order.outstanding > 0:
        raise TransitionRefused(
            "order_not_fully_paid",
            _("%(outstanding)s %(currency)s is still outstanding; record the payment first.")
            % {"outstanding": order.outstanding, "currency": order.currency},
            {"status": [_("The order is not fully paid.")], "allowed": allowed_statuses(order)},
        )
    if when < order.placed_at:
        raise invalid("at", _("This is before the order was placed."))
    order.status = status
    stamp = STAMPS[status]
    if getattr(order, stamp) is None or status != S.PAID:
        setattr(order, stamp, when)
    order.version += 1
    order.save()
    record_changed("order", order.pk, "updated", changed_fields=["status", stamp], actor=actor)
    _order_entry(order, f"order.{status}", actor=actor, occurred_at=when, body=note)
    if refund:
        # After the status change, so the refund lowers what the closed order kept rather than
        # crediting an open one.
        refund_record(
            actor=actor,
            order=order,
            amount=refund,
            refunded_at=when,
            method=refund_method or None,
            reason=RefundReason.CANCELLED if status == S.CANCELLED else RefundReason.RETURNED,
            notes=note,
        )
        order.refresh_from_db()
    return order


def _refund_decision(order: Order, amount: Any, method: str | None, note: str):
    """The amount to refund when `order` is cancelled or returned (None: nothing to refund)."""
    held = order.paid_amount
    if held == 0:
        return None
    errors = FieldErrors()
    if amount is None or amount == "":
        message = _(
            "This order holds %(held)s. Say how much of it is refunded (all of it, part or "
            "nothing) and, if anything is kept, why."
        ) % {"held": format_money(held, order.currency)}
        raise RefundDecisionRequired(
            message,
            {"refund_amount": [message], "refund_method": [_("Optional: how it is paid back.")]},
        )
    refund = clean_money(amount, "refund_amount", errors)
    if refund is not None and refund > held:
        errors.add(
            "refund_amount",
            _("This order holds %(held)s; no more can be refunded.")
            % {"held": format_money(held, order.currency)},
        )
    if method:
        clean_choice(method, "refund_method", errors, choices=PaymentMethod.values)
    if refund is not None and refund < held and not note:
        errors.add(
            "note",
            _("%(kept)s is kept: say why (a cancellation fee, a credit for the next order…).")
            % {"kept": format_money(held - refund, order.currency)},
        )
    errors.raise_if_any()
    return refund or None
