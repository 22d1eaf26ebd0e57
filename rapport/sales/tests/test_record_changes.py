"""Leads, deals, products, orders and payments announce every create, update and delete
(rapport.core.records), with the fields that changed: a deal's stage, an order's status."""

import pytest

from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged, record_type
from rapport.customers.services import person_create
from rapport.sales.services.catalog import product_create, product_delete, product_update
from rapport.sales.services.deals import (
    deal_create,
    deal_lose,
    deal_move_stage,
    deal_reopen,
    deal_update,
    lost_reason_create,
    pipeline_get_default,
)
from rapport.sales.services.leads import lead_create, lead_disqualify, lead_update
from rapport.sales.services.orders import (
    order_change_status,
    order_create,
    payment_record,
    refund_record,
)


@pytest.fixture
def changes():
    seen: list[tuple] = []

    def collect(event: RecordChanged) -> None:
        seen.append((event.record_type, event.record_id, event.operation, event.changed_fields))

    subscribe(RecordChanged)(collect)
    yield seen
    _handlers[RecordChanged].remove(collect)


def of(changes, key: str) -> list[tuple]:
    return [c for c in changes if c[0] == key]


def test_deal_stage_moves_closing_and_reopening_are_updates_naming_the_stage(alice, changes):
    stages = {s.name: s for s in pipeline_get_default().stages.all()}
    deal = deal_create(actor=alice, data={"title": "龙井茶 100 盒"})
    deal_update(actor=alice, deal=deal, data={"notes": "Asked for a tasting"})
    deal_move_stage(actor=alice, deal=deal, stage=stages["Needs analysis"])

    assert of(changes, "deal")[0] == ("deal", deal.pk, "created", ())
    assert of(changes, "deal")[1] == ("deal", deal.pk, "updated", ("notes",))
    moved = of(changes, "deal")[2]
    assert moved[2] == "updated"
    assert "stage" in moved[3]


def test_deal_lost_and_reopened_announce_stage_and_status(alice, admin_user, changes):
    reason = lost_reason_create(actor=admin_user, data={"name": "Price too high"})
    deal = deal_create(actor=alice, data={"title": "青瓷茶杯"})
    deal_lose(actor=alice, deal=deal, reason_id=reason.pk)
    deal_reopen(actor=alice, deal=deal)

    lost, reopened = of(changes, "deal")[1:]
    assert {"stage", "status"} <= set(lost[3])
    assert {"stage", "status"} <= set(reopened[3])


def test_lead_changes_are_announced(alice, changes):
    lead = lead_create(actor=alice, data={"full_name": "王芳", "phone": "+8613800138000"})
    lead_update(actor=alice, lead=lead, data={"company_name": "西湖茶社"}, version=None)
    lead_disqualify(actor=alice, lead=lead, reason="Student project")

    assert of(changes, "lead") == [
        ("lead", lead.pk, "created", ()),
        ("lead", lead.pk, "updated", ("company_name",)),
        ("lead", lead.pk, "updated", ("status", "disqualify_reason")),
    ]


def test_product_changes_are_announced(admin_user, changes):
    product = product_create(
        actor=admin_user, data={"sku": "TEA-1", "name": "龙井", "unit_price": "388.00"}
    )
    product_update(actor=admin_user, product=product, data={"unit_price": "398.00"})
    product_id = product.pk
    product_delete(actor=admin_user, product=product)

    assert of(changes, "product") == [
        ("product", product_id, "created", ()),
        ("product", product_id, "updated", ("unit_price",)),
        ("product", product_id, "deleted", ()),
    ]


def test_order_status_payments_and_refunds_are_announced(alice, changes):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    order = order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "lines": [{"description": "Tea", "quantity": 2, "unit_price": "100.00"}],
        },
    )
    payment = payment_record(actor=alice, order=order, amount="200.00")
    order_change_status(actor=alice, order=order, status="shipped")
    refund_record(actor=alice, order=order, amount="50.00")

    assert of(changes, "order") == [
        ("order", order.pk, "created", ()),
        ("order", order.pk, "updated", ("paid_amount", "paid_at", "status")),
        ("order", order.pk, "updated", ("status", "shipped_at")),
        ("order", order.pk, "updated", ("paid_amount", "refunded_amount", "credited_amount")),
    ]
    assert of(changes, "payment") == [
        ("payment", payment.pk, "created", ()),
        ("payment", payment.pk, "updated", ("refunded_amount",)),
    ]
    data = record_type("payment").serialize(payment)
    assert (data["amount"], data["currency"], data["order_id"]) == ("200.00", "CNY", order.pk)
    lines = record_type("order").serialize(order)["lines"]
    assert [(line["quantity"], line["line_total"]) for line in lines] == [(2, "200.00")]
