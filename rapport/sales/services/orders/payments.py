"""Money received for an order, recorded in an append-only ledger.

- `payment_record` locks the order row, refuses more than is outstanding, fills instalments
  oldest due first, and marks the order paid when the last cent arrives;
- `clean_idempotency_key` and `IdempotencyKeyReused` are shared with refunds: a request that
  carries a key the same user already sent records nothing new (docs/decisions.md, "Refunds").
"""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.cleaning import FieldErrors, clean_choice, clean_money, clean_text
from rapport.core.errors import ApplicationError
from rapport.core.records import record_changed
from rapport.sales.models import Instalment, Order, OrderStatus, Payment, PaymentMethod
from rapport.sales.services.orders.cleaning import clean_when
from rapport.sales.services.orders.placing import _order_entry

S = OrderStatus


# The longest idempotency key kept (the column's size).
IDEMPOTENCY_KEY_LIMIT = 100


class OrderClosed(ApplicationError):
    status = 409


class IdempotencyKeyReused(ApplicationError):
    """The key was already sent by this user with another order or amount."""

    status = 422

    def __init__(self, message: str):
        super().__init__("idempotency_key_reused", message, {"idempotency_key": [message]})


def clean_idempotency_key(value: Any, errors: FieldErrors) -> str | None:
    """The request's idempotency key, stripped; None when none was sent."""
    key = clean_text(value, "idempotency_key", errors, limit=IDEMPOTENCY_KEY_LIMIT, count=False)
    return key or None


def key_reused_message() -> str:
    return _(
        "This request key was already used for another payment or refund. Send a new key "
        "for a new request."
    )


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


def _replayed(payment: Payment, *, order: Order, amount: Any) -> Payment:
    """The payment an earlier request with the same key recorded, if this one asks the same."""
    same_amount = clean_money(amount, "amount", FieldErrors(), positive=True) == payment.amount
    if payment.order_id != order.pk or not same_amount:
        raise IdempotencyKeyReused(key_reused_message())
    payment.replayed = True
    return payment


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
    idempotency_key: str | None = None,
) -> Payment:
    """Record money received for `order`.

    The order row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock serialises
    writers), so two payments at once cannot together exceed what is outstanding, and two
    requests with the same `idempotency_key` cannot both record. Refused on a cancelled or
    returned order (409 `order_closed`), for more than is outstanding (422 on `amount`; an open
    order owes `total - credited - paid`) and for a `reference` already recorded on the order
    (422 on `reference`). The payment that completes the order stamps `paid_at` and, if the
    order is still placed, moves it to paid.

    A key the actor already sent for this order and amount records nothing: the payment it
    recorded is returned with `replayed = True` (else `replayed` is False). The same key with
    another order or amount is 422 `idempotency_key_reused`.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    errors = FieldErrors()
    key = clean_idempotency_key(idempotency_key, errors)
    errors.raise_if_any()
    if key is not None:
        earlier = Payment.objects.filter(recorded_by=actor, idempotency_key=key).first()
        if earlier is not None:
            return _replayed(earlier, order=order, amount=amount)
    if order.is_closed:
        message = (
            _("A cancelled order takes no payments.")
            if order.status == S.CANCELLED
            else _("A returned order takes no payments.")
        )
        raise OrderClosed("order_closed", message)
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
    if reference and Payment.objects.filter(order=order, reference=reference).exists():
        errors.add(
            "reference",
            _("A payment with the reference %(reference)s is already recorded on this order.")
            % {"reference": reference},
        )
    notes = clean_text(notes, "notes", errors, limit=2000, count=False)
    errors.raise_if_any()
    try:
        # The order lock serialises requests for one order; the unique key catches the same
        # key sent at once for two orders.
        with transaction.atomic():
            payment = Payment.objects.create(
                order=order,
                amount=amount,
                paid_at=when,
                method=method,
                reference=reference,
                notes=notes,
                recorded_by=actor,
                idempotency_key=key,
            )
    except IntegrityError:
        if key is None:
            raise
        raise IdempotencyKeyReused(key_reused_message()) from None
    payment.replayed = False
    _allocate(order, amount)
    order.paid_amount += amount
    fully_paid = order.outstanding == 0
    changed = ["paid_amount"]
    if fully_paid:
        order.paid_at = when
        changed.append("paid_at")
        if order.status == S.PLACED:
            order.status = S.PAID
            changed.append("status")
    order.version += 1
    order.save()
    record_changed("payment", payment.pk, "created", actor=actor)
    record_changed("order", order.pk, "updated", changed_fields=changed, actor=actor)
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
