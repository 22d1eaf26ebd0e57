"""Money received for an order, recorded in an append-only ledger.

- `payment_record` locks the order row, refuses more than is outstanding, fills instalments
  oldest due first, and marks the order paid when the last cent arrives.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.cleaning import FieldErrors, clean_choice, clean_money, clean_text
from rapport.core.errors import ApplicationError
from rapport.sales.models import Instalment, Order, OrderStatus, Payment, PaymentMethod
from rapport.sales.services.orders.cleaning import clean_when
from rapport.sales.services.orders.placing import _order_entry
from rapport.sales.services.orders.status import CLOSED_STATUSES

S = OrderStatus


class OrderClosed(ApplicationError):
    status = 409


def _allocate(order: Order, amount: Decimal) -> None:
    """Fill the instalments oldest due first with `amount`."""
    remaining = amount
    changed = []
    instalments = (
        Instalment.objects.select_for_update()
        .filter(order=order, paid_amount__lt=F("amount"))
        .order_by("due_date", "sequence")
    )
    for instalment in instalments:
        if remaining <= 0:
            break
        share = min(remaining, instalment.amount - instalment.paid_amount)
        instalment.paid_amount += share
        remaining -= share
        changed.append(instalment)
    Instalment.objects.bulk_update(changed, ["paid_amount"])


@transaction.atomic
def payment_record(
    *,
    actor: User,
    order: Order,
    amount: Any,
    paid_at: Any = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    notes: str = "",
) -> Payment:
    """Record money received for `order`.

    The order row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock serialises
    writers), so two payments at once cannot together exceed what is outstanding. Refused on a
    cancelled or returned order (409 `order_closed`) and for more than is outstanding (422).
    The payment that completes the order stamps `paid_at` and, if the order is still placed,
    moves it to paid.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status in CLOSED_STATUSES:
        message = (
            _("A cancelled order takes no payments.")
            if order.status == S.CANCELLED
            else _("A returned order takes no payments.")
        )
        raise OrderClosed("order_closed", message)
    errors = FieldErrors()
    amount = clean_money(amount, "amount", errors, positive=True)
    if amount is not None and amount > order.outstanding:
        errors.add(
            "amount",
            _("Only %(outstanding)s %(currency)s is outstanding on this order.")
            % {"outstanding": order.outstanding, "currency": order.currency},
        )
    when = clean_when(paid_at, "paid_at", errors)
    if when is not None and when < order.placed_at:
        errors.add("paid_at", _("This is before the order was placed."))
    clean_choice(method, "method", errors, choices=PaymentMethod.values)
    reference = clean_text(reference, "reference", errors, limit=100, count=False)
    notes = clean_text(notes, "notes", errors, limit=2000, count=False)
    errors.raise_if_any()
    payment = Payment.objects.create(
        order=order,
        amount=amount,
        paid_at=when,
        method=method,
        reference=reference,
        notes=notes,
        recorded_by=actor,
    )
    _allocate(order, amount)
    order.paid_amount += amount
    fully_paid = order.paid_amount == order.total
    if fully_paid:
        order.paid_at = when
        if order.status == S.PLACED:
            order.status = S.PAID
    order.version += 1
    order.save()
    timeline_add(
        kind="payment.recorded",
        title=order.number,
        person_id=order.person_id,
        company_id=order.company_id,
        occurred_at=when,
        actor_id=actor.pk,
        source_type="payment",
        source_id=payment.pk,
        data={
            "order_id": order.pk,
            "number": order.number,
            "amount": str(amount),
            "currency": order.currency,
            "method": method,
        },
    )
    if fully_paid:
        _order_entry(order, "order.paid", actor=actor, occurred_at=when)
    return payment
