"""An ERP syncing with Rapport (issue 15, item 8): it pushes its orders and their payments through
the batch endpoints twice (the second time nothing changes) and reads the change feed from zero
to the end, finding each change exactly once.

CI plays it with 500 orders and 500 payments on both databases. Issue 15's full size, 10,000 of
each, is bench/erp_sync.py: the same scenario with the same checks against a real database, run
on SQLite and PostgreSQL with its figures in docs/benchmarks.md ("ERP sync"). Every order and
payment goes through the order services (15 and 18 queries, about 8 and 10 ms of CPU each), so
10,000 of each take several minutes per database on this machine, more than CI's 30 minutes for
both suites can give one test; the batch path itself is the same code at any size.
RAPPORT_ERP_TEST_ORDERS=10000 runs the test at full size."""

import os
from collections import Counter

from rapport.customers.models import Person
from rapport.integration.models import Change, ExternalId
from rapport.sales.models import Order, Payment

ORDERS = int(os.environ.get("RAPPORT_ERP_TEST_ORDERS") or 500)
CUSTOMERS = 50
PRODUCTS = 5
BATCH = 500


def erp_batches() -> list[tuple[str, list[dict]]]:
    """What the ERP sends, in order: customers, products, orders, payments."""
    persons = [
        {"external_id": f"C{c}", "data": {"full_name": f"客户 {c}", "region": "Shanghai"}}
        for c in range(CUSTOMERS)
    ]
    products = [
        {
            "external_id": f"P{p}",
            "data": {"sku": f"ERP-{p}", "name": f"产品 {p}", "unit_price": f"{10 + p}.50"},
        }
        for p in range(PRODUCTS)
    ]
    orders, payments = [], []
    for o in range(ORDERS):
        product = o % PRODUCTS
        quantity = 1 + o % 3
        orders.append(
            {
                "external_id": f"SO{o}",
                "data": {
                    "person_external_id": f"C{o % CUSTOMERS}",
                    "placed_at": "2026-03-01T09:00:00+08:00",
                    "lines": [{"product_external_id": f"P{product}", "quantity": quantity}],
                },
            }
        )
        payments.append(
            {
                "external_id": f"PAY{o}",
                "data": {
                    "order_external_id": f"SO{o}",
                    "amount": f"{(10 + product + 0.5) * quantity:.2f}",
                    "paid_at": "2026-03-02T09:00:00+08:00",
                    "method": "bank_transfer",
                },
            }
        )
    batches = []
    for kind, records in (
        ("persons", persons),
        ("products", products),
        ("orders", orders),
        ("payments", payments),
    ):
        for start in range(0, len(records), BATCH):
            batches.append((kind, records[start : start + BATCH]))
    return batches


def push(client) -> Counter:
    counts: Counter = Counter()
    for kind, records in erp_batches():
        response = client.post(f"/batch/{kind}", {"system": "erp", "records": records})
        assert response.status_code == 200, response.json()
        body = response.json()
        errors = [r for r in body["results"] if r["status"] == "error"]
        assert errors == []
        counts.update({f"{kind}.{k}": v for k, v in body["counts"].items()})
    return counts


def read_feed(client) -> list[dict]:
    entries, after = [], "0"
    while True:
        page = client.get("/changes", {"after": after, "limit": 1000}).json()
        entries += page["changes"]
        after = page["next"]
        if not page["has_more"]:
            return entries


def test_erp_pushes_orders_and_payments_twice_and_reads_each_change_once(as_admin):
    first = push(as_admin)
    rows = (
        Person.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
        ExternalId.objects.count(),
        Change.objects.count(),
    )
    second = push(as_admin)

    assert first["orders.created"] == first["payments.created"] == ORDERS
    assert second == Counter(
        {
            "persons.unchanged": CUSTOMERS,
            "products.unchanged": PRODUCTS,
            "orders.unchanged": ORDERS,
            "payments.unchanged": ORDERS,
        }
    )
    assert rows == (
        Person.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
        ExternalId.objects.count(),
        Change.objects.count(),
    )
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}

    entries = read_feed(as_admin)

    assert len(entries) == Change.objects.count()
    assert len({e["cursor"] for e in entries}) == len(entries)
    created = Counter(
        (e["record_type"], e["record_id"]) for e in entries if e["operation"] == "created"
    )
    assert sum(1 for (kind, _id) in created if kind == "order") == ORDERS
    assert sum(1 for (kind, _id) in created if kind == "payment") == ORDERS
    assert set(created.values()) == {1}
    paid = [e for e in entries if e["record_type"] == "order" and "status" in e["changed_fields"]]
    assert len(paid) == ORDERS
    last_payment = next(e for e in reversed(entries) if e["record_type"] == "payment")
    assert last_payment["record"]["currency"] == "CNY"
    assert last_payment["external_ids"] == {"erp": f"PAY{ORDERS - 1}"}
