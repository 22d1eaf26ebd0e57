"""Money paid back to the customer, recorded in an append-only ledger beside the payments.

- `refund_record` reverses one payment, or several newest first, and keeps the order's sums
  (`paid_amount`, `refunded_amount`, `credited_amount`), instalments and status in step with
  what the refund means: a credit (the order is worth less) or an undone payment (the amount is
  owed again). docs/decisions.md, "Refunds", states the rules.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.cleaning import FieldErrors, clean_choice, clean_money, clean_text
from rapport.core.records import record_changed
from rapport.sales.models import (
    Instalment,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    RefundReason,
)
from rapport.sales.services.orders.cleaning import clean_when
from rapport.sales.services.orders.payments import (
    IdempotencyKeyReused,
    clean_idempotency_key,
    key_reused_message,
)

S = OrderStatus


def _unfill(order: Order, amount: Decimal) -> None:
    """Take `amount` back out of the instalments, newest due first (undoing `_allocate`)."""
    remaining = amount
    changed = []
    instalments = (
        Instalment.objects.select_for_update()
        .filter(order=order, paid_amount__gt=0)
        .order_by("-due_date", "-sequence")
    )
    for instalment in instalments:
        if remaining <= 0:
            break
        share = min(remaining, instalment.paid_amount)
        instalment.paid_amount -= share
        remaining -= share
        changed.append(instalment)
    Instalment.objects.bulk_update(changed, ["paid_amount"])


def _replayed(refunds: list[Refund], *, order: Order, amount: Any, payment: Payment | None):
    """The refunds an earlier request with the same key recorded, if this one asks the same."""
    same_amount = clean_money(amount, "amount", FieldErrors(), positive=True) == sum(
        (refund.amount for refund in refunds), Decimal("0.00")
    )
    same_payment = payment is None or {r.payment_id for r in refunds} == {payment.pk}
    if any(r.order_id != order.pk for r in refunds) or not same_amount or not same_payment:
        raise IdempotencyKeyReused(key_reused_message())
    for refund in refunds:
        refund.replayed = True
    return refunds


def _shares(
    order: Order, amount: Decimal, payment: Payment | None
) -> list[tuple[Payment, Decimal]]:
    """Which payments the refund reverses and by how much: the one named, else newest first."""
    if payment is not None:
        return [(payment, amount)]
    shares = []
    remaining = amount
    payments = (
        Payment.objects.select_for_update()
        .filter(order=order, refunded_amount__lt=F("amount"))
        .order_by("-paid_at", "-id")
    )
    for candidate in payments:
        if remaining <= 0:
            break
        share = min(remaining, candidate.amount - candidate.refunded_amount)
        shares.append((candidate, share))
        remaining -= share
    return shares


@transaction.atomic
def refund_record(
    *,
    actor: User,
    order: Order,
    amount: Any,
    payment: Payment | None = None,
    refunded_at: Any = None,
    method: str | None = None,
    reason: str = RefundReason.OTHER,
    owed_again: bool = False,
    reference: str = "",
    notes: str = "",
    idempotency_key: str | None = None,
) -> list[Refund]:
    """Pay `amount` back to the customer of `order`; one `Refund` per payment it reverses.

    The refund reverses `payment` (at most what is left of it), or without one the payments
    newest first. It is never more than the money the order holds (`paid_amount`); `method`
    defaults to each reversed payment's own. The order row is locked as `payment_record` does.

    On an open order the refund is a credit (the order is worth that much less: its
    `credited_amount` grows and the instalments stay settled) unless `owed_again`: then the
    amount is owed again, the instalments are unfilled newest due first, and an order no longer
    fully paid loses its paid time and, if it was "paid", goes back to "placed". On a cancelled
    or returned order it only lowers what the order kept (`owed_again` means nothing there).

    A key the actor already sent for this order, amount (and payment) records nothing: the
    refunds it recorded are returned, each with `replayed = True`.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    errors = FieldErrors()
    key = clean_idempotency_key(idempotency_key, errors)
    errors.raise_if_any()
    if key is not None:
        earlier = list(Refund.objects.filter(recorded_by=actor, idempotency_key=key))
        if earlier:
            return _replayed(earlier, order=order, amount=amount, payment=payment)

    amount = clean_money(amount, "amount", errors, positive=True)
    if payment is not None:
        payment = Payment.objects.select_for_update().filter(pk=payment.pk, order=order).first()
        if payment is None:
            errors.add("payment_id", _("This payment was not made for this order."))
    if amount is not None:
        if amount > order.paid_amount:
            errors.add(
                "amount",
                _("This order holds %(held)s %(currency)s; no more can be refunded.")
                % {"held": order.paid_amount, "currency": order.currency},
            )
        elif payment is not None and amount > payment.amount - payment.refunded_amount:
            errors.add(
                "amount",
                _("Only %(left)s %(currency)s of this payment is left to refund.")
                % {"left": payment.amount - payment.refunded_amount, "currency": order.currency},
            )
    shares = _shares(order, amount, payment) if amount is not None and not errors else []
    when = clean_when(refunded_at, "refunded_at", errors)
    if when is not None and any(when < paid.paid_at for paid, _share in shares):
        errors.add("refunded_at", _("This is before the payment was received."))
    if method:
        clean_choice(method, "method", errors, choices=PaymentMethod.values)
    reason = clean_choice(reason, "reason", errors, choices=RefundReason.values)
    if not isinstance(owed_again, bool):
        errors.add("owed_again", _("Choose yes or no."))
    reference = clean_text(reference, "reference", errors, limit=100, count=False)
    notes = clean_text(notes, "notes", errors, limit=2000, count=False)
    errors.raise_if_any()

    closed = order.is_closed
    owed_again = owed_again and not closed
    refunds = []
    for reversed_payment, share in shares:
        refunds.append(
            Refund.objects.create(
                order=order,
                payment=reversed_payment,
                amount=share,
                refunded_at=when,
                method=method or reversed_payment.method,
                reason=reason,
                owed_again=owed_again,
                reference=reference,
                notes=notes,
                recorded_by=actor,
                idempotency_key=key,
            )
        )
        Payment.objects.filter(pk=reversed_payment.pk).update(
            refunded_amount=F("refunded_amount") + share
        )
    for refund in refunds:
        refund.replayed = False

    order.paid_amount -= amount
    order.refunded_amount += amount
    changed = ["paid_amount", "refunded_amount"]
    if owed_again:
        _unfill(order, amount)
        changed.append("paid_at")
        order.paid_at = None
        if order.status == S.PAID:
            order.status = S.PLACED
            changed.append("status")
    elif not closed:
        order.credited_amount += amount
        changed.append("credited_amount")
    order.version += 1
    order.save()
    # A refund is not a record type of its own: the order and the payments it reversed change.
    for refund in refunds:
        record_changed(
            "payment", refund.payment_id, "updated", changed_fields=["refunded_amount"], actor=actor
        )
    record_changed("order", order.pk, "updated", changed_fields=changed, actor=actor)
    _refund_entry(order, refunds, actor=actor, occurred_at=when, reason=reason, notes=notes)
    return refunds


def _refund_entry(
    order: Order,
    refunds: list[Refund],
    *,
    actor: User,
    occurred_at: datetime.datetime,
    reason: str,
    notes: str,
) -> None:
    """One timeline entry for the request, however many payments it reversed."""
    first = refunds[0]
    timeline_add(
        kind="refund.recorded",
        title=order.number,
        body=notes,
        person_id=order.person_id,
        company_id=order.company_id,
        occurred_at=occurred_at,
        actor_id=actor.pk,
        source_type="refund",
        source_id=first.pk,
        data={
            "order_id": order.pk,
            "number": order.number,
            "amount": str(sum((r.amount for r in refunds), Decimal("0.00"))),
            "currency": order.currency,
            "method": first.method,
            "reason": reason,
            "owed_again": first.owed_again,
            "refund_ids": [r.pk for r in refunds],
        },
    )
