"""Moving an order through its statuses.

- `order_change_status` follows `TRANSITIONS`; each change stamps its `*_at` time and puts an
  entry on the customer's timeline.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_text, invalid
from rapport.core.errors import ApplicationError
from rapport.sales.models import Order, OrderStatus
from rapport.sales.services.orders.cleaning import clean_when
from rapport.sales.services.orders.placing import _order_entry

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


def allowed_statuses(order: Order) -> list[str]:
    """The statuses `order` may move to now (what the UI offers as buttons)."""
    allowed = list(TRANSITIONS[order.status])
    if S.PAID in allowed and order.total > order.paid_amount:
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
) -> Order:
    """Move the order along `TRANSITIONS`, stamping the time and telling the timeline.

    Refused with 409 `invalid_transition` (details name the allowed statuses) when the table
    does not allow it, and 409 `order_not_fully_paid` for "paid" with money outstanding.
    Cancelling an order that received money needs a `note` saying how it is refunded.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    errors = FieldErrors()
    clean_choice(status, "status", errors, choices=S.values)
    note = clean_text(note, "note", errors, limit=2000, count=False)
    when = clean_when(at, "at", errors)
    errors.raise_if_any()
    if status not in TRANSITIONS[order.status]:
        allowed = list(TRANSITIONS[order.status])
        raise TransitionRefused(
            "invalid_transition",
            _("An order cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(order.status).label, "target": S(status).label},
            {"status": [_("Not allowed from here.")], "allowed": allowed},
        )
    if status == S.PAID and order.paid_amount < order.total:
        raise TransitionRefused(
            "order_not_fully_paid",
            _("%(outstanding)s %(currency)s is still outstanding; record the payment first.")
            % {"outstanding": order.outstanding, "currency": order.currency},
            {"status": [_("The order is not fully paid.")], "allowed": allowed_statuses(order)},
        )
    if status == S.CANCELLED and order.paid_amount > 0 and not note:
        raise invalid("note", _("Money was received for this order: say how it is refunded."))
    if when < order.placed_at:
        raise invalid("at", _("This is before the order was placed."))
    order.status = status
    stamp = STAMPS[status]
    if getattr(order, stamp) is None or status != S.PAID:
        setattr(order, stamp, when)
    order.version += 1
    order.save()
    _order_entry(order, f"order.{status}", actor=actor, occurred_at=when, body=note)
    return order
