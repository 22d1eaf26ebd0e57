"""The sales app's record types, registered from `SalesConfig.ready()` (see
`rapport.core.records`).

Amounts are strings with the record's currency beside them; an order carries its lines, a
payment its order's currency. A payment belongs to its order's customer and is seen by whoever
sees the order, so its person, company and owner are lookup paths through the order
(`rapport.core.record_json.follow_path` reads them). A lead is about no customer until it is
converted; a product belongs to no one (the catalogue is shared).
"""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import plain_value, record_columns
from rapport.core.records import RecordType, register_record_type


def lead_json(lead) -> dict:
    return record_columns(lead)


def deal_json(deal) -> dict:
    return record_columns(deal)


def product_json(product) -> dict:
    return record_columns(product)


def order_json(order) -> dict:
    data = record_columns(order)
    data["lines"] = [
        {
            "id": line.pk,
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": plain_value(line.unit_price),
            "discount_percent": plain_value(line.discount_percent),
            "discount": plain_value(line.discount),
            "line_total": plain_value(line.line_total),
        }
        for line in order.lines.all()
    ]
    return data


def payment_json(payment) -> dict:
    data = record_columns(payment, exclude=("idempotency_key",))
    data["currency"] = payment.order.currency
    return data


def register() -> None:
    for record_type in (
        RecordType(
            key="lead",
            model="sales.Lead",
            label=_("Lead"),
            serialize=lead_json,
            date_fields=("created_at", "last_contacted_at", "converted_at"),
        ),
        RecordType(
            key="deal",
            model="sales.Deal",
            label=_("Deal"),
            serialize=deal_json,
            date_fields=("expected_close_date", "stage_entered_at", "closed_at", "created_at"),
            person_field="person",
            company_field="company",
        ),
        RecordType(
            key="product",
            model="sales.Product",
            label=_("Product"),
            serialize=product_json,
            date_fields=("created_at",),
            owner_field="",
        ),
        RecordType(
            key="order",
            model="sales.Order",
            label=_("Order"),
            serialize=order_json,
            date_fields=(
                "placed_at",
                "paid_at",
                "shipped_at",
                "received_at",
                "cancelled_at",
                "returned_at",
            ),
            person_field="person",
            company_field="company",
        ),
        RecordType(
            key="payment",
            model="sales.Payment",
            label=_("Payment"),
            serialize=payment_json,
            date_fields=("paid_at",),
            person_field="order__person",
            company_field="order__company",
            owner_field="order__owner",
        ),
    ):
        register_record_type(record_type)
