"""Placing an order, and changing it while it is open.

- `order_create` copies owner and team from the customer, so an order is visible exactly to
  those who see its customer (`selectors.orders.orders_visible_to`).
"""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.activities.services import timeline_add
from rapport.core.cleaning import FieldErrors, clean_text, reject_unknown
from rapport.core.errors import ApplicationError, check_version
from rapport.core.records import record_changed
from rapport.customers.models import Company, Person
from rapport.sales.models import Deal, Instalment, Order, OrderLine, OrderStatus
from rapport.sales.services.orders.cleaning import (
    CleanLine,
    _clean_content,
    _resolve_customer,
    clean_when,
)

S = OrderStatus

ORDER_FIELDS = (
    "person_id",
    "company_id",
    "price_list_id",
    "currency",
    "placed_at",
    "notes",
    "lines",
    "discount",
    "discount_percent",
    "instalments",
)
# While an order is placed and unpaid its content may still change; afterwards only its notes.
EDITABLE_WHILE_OPEN = (
    "price_list_id",
    "currency",
    "lines",
    "discount",
    "discount_percent",
    "instalments",
)
ORDER_DISCOUNT_FIELDS = ("discount", "discount_percent")


class OrderLocked(ApplicationError):
    status = 409


def order_number(order: Order) -> str:
    """SO-<year placed>-<id>: unique because the id is, readable, and free of races."""
    year = timezone.localtime(order.placed_at).year
    return f"SO-{year}-{order.pk:06d}"


# --- Saving --------------------------------------------------------------------------------------


def _save_lines_and_plan(order: Order, lines: list[CleanLine], plan: list) -> None:
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            discount_percent=line.discount_percent,
            line_total=line.line_total,
        )
        for line in lines
    )
    Instalment.objects.bulk_create(
        Instalment(order=order, sequence=i, due_date=due, amount=amount)
        for i, (due, amount) in enumerate(plan, start=1)
    )


def _order_entry(
    order: Order,
    kind: str,
    *,
    actor: User,
    occurred_at: datetime.datetime,
    body: str = "",
    **extra,
) -> None:
    timeline_add(
        kind=kind,
        title=order.number,
        body=body,
        person_id=order.person_id,
        company_id=order.company_id,
        occurred_at=occurred_at,
        actor_id=actor.pk,
        source_type="order",
        source_id=order.pk,
        data={
            "order_id": order.pk,
            "number": order.number,
            "total": str(order.total),
            "currency": order.currency,
            **extra,
        },
    )


def _create(*, actor: User, data: dict, deal: Deal | None = None) -> Order:
    person, company = _resolve_customer(actor, data)
    errors = FieldErrors()
    reject_unknown(data, ORDER_FIELDS, errors)
    placed_at = clean_when(data.get("placed_at"), "placed_at", errors)
    price_list, currency, lines, totals, plan = _clean_content(
        data, placed_at=placed_at, errors=errors
    )
    notes = clean_text(data.get("notes"), "notes", errors, limit=5000, count=False)
    errors.raise_if_any()
    # The order follows its customer's access: the person's owner and team, else the company's.
    customer = person or company
    order = Order.objects.create(
        number=f"new-{uuid.uuid4().hex[:28]}",
        person=person,
        company=company,
        deal=deal,
        price_list=price_list,
        owner_id=customer.owner_id,
        team_id=customer.team_id,
        currency=currency,
        placed_at=placed_at,
        subtotal=totals.subtotal,
        discount_percent=totals.order_discount_percent,
        order_discount=totals.order_discount,
        discount_total=totals.discount_total,
        total=totals.total,
        notes=notes,
    )
    order.number = order_number(order)
    order.save(update_fields=["number"])
    _save_lines_and_plan(order, lines, plan)
    extra = {"deal_id": deal.pk} if deal is not None else {}
    _order_entry(order, "order.placed", actor=actor, occurred_at=placed_at, **extra)
    record_changed("order", order.pk, "created", actor=actor)
    return order


@transaction.atomic
def order_create(*, actor: User, data: dict) -> Order:
    """Place an order for a person and/or a company the actor can see.

    `data`: `person_id` / `company_id`; `lines` — a list of `{product_id or description,
    quantity, unit_price?, discount? or discount_percent?}` where the price defaults to the
    price list's (the given `price_list_id`, else the default list in force) and then the
    product's own, and the discount is an amount off the line or a percentage of it; optional
    `discount` (an amount) or `discount_percent` off the whole order (of what the lines come to
    after their discounts), percentages turned into amounts once, rounded half up to the cent
    (docs/decisions.md, "Discounts"); optional `instalments` — `{due_date, amount}` that add
    up to the total exactly (none: the whole total due after RAPPORT_PAYMENT_TERMS_DAYS); optional
    `placed_at` (not in the future), `currency` and `notes`. A hidden customer raises NotFound.
    """
    return _create(actor=actor, data=data)


@transaction.atomic
def order_update(*, actor: User, order: Order, data: dict, version: int | None = None) -> Order:
    """Change the notes of any order; lines, discounts, price list and instalments only while it
    is placed and nothing has been paid (a percentage kept is worked out again on new lines).
    The customer and the order date never change."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    check_version(
        order, version, _("Someone else changed this order while you were editing it. Reload it.")
    )
    errors = FieldErrors()
    reject_unknown(data, ("notes", *EDITABLE_WHILE_OPEN), errors)
    errors.raise_if_any()
    content_keys = [key for key in EDITABLE_WHILE_OPEN if key in data]
    if content_keys and (order.status != S.PLACED or order.paid_amount > 0):
        raise OrderLocked(
            "order_locked",
            _("Only a placed order with nothing paid can have its lines or plan changed."),
            {key: [_("This can no longer be changed.")] for key in content_keys},
        )
    changed = []
    if "notes" in data:
        notes = clean_text(data["notes"], "notes", errors, limit=5000, count=False)
        if notes != order.notes:
            changed.append("notes")
        order.notes = notes
    if content_keys:
        merged = {
            "price_list_id": order.price_list_id,
            "currency": order.currency,
            "lines": [
                {
                    "product_id": line.product_id,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    **(
                        {"discount_percent": str(line.discount_percent)}
                        if line.discount_percent is not None
                        else {"discount": str(line.discount)}
                    ),
                }
                for line in order.lines.all()
            ],
            # A percentage is kept as one: new lines change the amount it comes to.
            **(
                {"discount_percent": str(order.discount_percent)}
                if order.discount_percent is not None
                else {"discount": str(order.order_discount)}
            ),
            **{key: data[key] for key in content_keys},
        }
        if any(key in data for key in ORDER_DISCOUNT_FIELDS):
            # The order's discount is given anew: as an amount or a percentage, whichever came.
            for key in ORDER_DISCOUNT_FIELDS:
                merged[key] = data.get(key)
        price_list, currency, lines, totals, plan = _clean_content(
            merged, placed_at=order.placed_at, errors=errors
        )
    errors.raise_if_any()
    if content_keys:
        order.lines.all().delete()
        order.instalments.all().delete()
        _save_lines_and_plan(order, lines, plan)
        order.price_list, order.currency = price_list, currency
        order.subtotal, order.discount_total = totals.subtotal, totals.discount_total
        order.order_discount = totals.order_discount
        order.discount_percent = totals.order_discount_percent
        order.total = totals.total
        _order_entry(order, "order.updated", actor=actor, occurred_at=timezone.now())
        changed += ["lines", "instalments", "price_list", "currency", "subtotal"]
        changed += ["discount_total", "order_discount", "discount_percent", "total"]
    order.version += 1
    order.save()
    record_changed("order", order.pk, "updated", changed_fields=changed, actor=actor)
    return order


def orders_follow_customer(*, person_id: int | None = None, company_id: int | None = None) -> int:
    """Give a customer's orders the customer's current owner and team, after a reassignment.

    Orders are visible by their own owner and team, copied from the customer when placed; this
    keeps them following the customer. A company's orders that name a person follow the person.
    """
    updated: list[int] = []
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).values("owner_id", "team_id").first()
        if person is not None:
            updated += _follow(Order.objects.filter(person_id=person_id), person)
    if company_id is not None:
        company = Company.objects.filter(pk=company_id).values("owner_id", "team_id").first()
        if company is not None:
            orders = Order.objects.filter(company_id=company_id, person__isnull=True)
            updated += _follow(orders, company)
    for pk in updated:
        record_changed("order", pk, "updated", changed_fields=["owner", "team"])
    return len(updated)


def _follow(orders, owner_and_team: dict) -> list[int]:
    # Only the orders that change: each is announced (rapport.core.records).
    ids = list(orders.exclude(**owner_and_team).values_list("pk", flat=True))
    if ids:
        Order.objects.filter(pk__in=ids).update(**owner_and_team)
    return ids
