"""Batches: up to 500 records per call, a result for each, a bad one does not stop the others;
what a batch needs is read once, so sending it again costs a few queries whatever its size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers.models import Person
from rapport.integration import services
from rapport.integration.models import ExternalId
from rapport.sales.models import Order, Payment

# Queries per record a batch creates (see the test's comments).
ORDER_QUERIES = 15
PAYMENT_QUERIES = 18


def test_one_bad_record_does_not_stop_the_others(as_alice):
    response = as_alice.post(
        "/batch/persons",
        {
            "system": "shop",
            "records": [
                {"external_id": "C-1", "data": {"full_name": "张伟"}},
                {"external_id": "C-2", "data": {"full_name": "王芳", "shoe_size": 42}},
                {"external_id": "C-3", "data": {"full_name": "李娜", "birthday": "1990-02-30"}},
                {"external_id": "C-4", "data": {"full_name": "Emily Carter"}},
            ],
        },
    )

    body = response.json()
    assert response.status_code == 200, body
    assert [r["status"] for r in body["results"]] == ["created", "error", "error", "created"]
    assert body["results"][1]["error"]["details"] == {"shoe_size": ["Unknown field."]}
    assert body["results"][2]["http_status"] == 422
    assert body["counts"] == {"created": 2, "error": 2}
    assert set(Person.objects.values_list("full_name", flat=True)) == {"张伟", "Emily Carter"}


def test_a_batch_sent_again_changes_nothing(as_alice):
    batch = {"system": "shop", "records": [{"external_id": "C-1", "data": {"full_name": "张伟"}}]}
    as_alice.post("/batch/persons", batch)

    again = as_alice.post("/batch/persons", batch).json()

    assert again["counts"] == {"unchanged": 1}


def test_more_than_500_records_is_a_422(as_alice):
    records = [{"external_id": f"C-{i}", "data": {"full_name": "x"}} for i in range(501)]

    response = as_alice.post("/batch/persons", {"system": "shop", "records": records})

    assert response.status_code == 422
    assert not Person.objects.exists()


def _person_named(external_id: str) -> Person:
    link = ExternalId.objects.get(system="shop", external_id=external_id)
    return Person.objects.get(pk=link.object_id)


def _send(client, kind: str, records: list[dict]) -> dict:
    response = client.post(f"/batch/{kind}", {"system": "shop", "records": records})
    assert response.status_code == 200, response.json()
    return response.json()


def _customers_and_products(as_alice, as_admin) -> None:
    _send(as_alice, "persons", [{"external_id": "C-1", "data": {"full_name": "张伟"}}])
    products = [
        {"external_id": f"P-{p}", "data": {"sku": f"TEA-{p}", "name": "龙井", "unit_price": "9.50"}}
        for p in range(2)
    ]
    _send(as_admin, "products", products)


def _orders(first: int, count: int) -> list[dict]:
    return [
        {
            "external_id": f"SO-{o}",
            "data": {
                "person_external_id": "C-1",
                "placed_at": "2026-03-01T09:00:00+08:00",
                "lines": [{"product_external_id": f"P-{o % 2}", "quantity": 2}],
            },
        }
        for o in range(first, first + count)
    ]


def _payments(first: int, count: int) -> list[dict]:
    return [
        {"external_id": f"PAY-{o}", "data": {"order_external_id": f"SO-{o}", "amount": "19.00"}}
        for o in range(first, first + count)
    ]


def _queries(client, kind: str, records: list[dict]) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        body = _send(client, kind, records)
    return len(queries.captured_queries), body["counts"]


def test_a_batch_sent_again_costs_the_same_few_queries_whatever_its_size(as_alice, as_admin):
    _customers_and_products(as_alice, as_admin)
    small_orders, large_orders = _orders(0, 2), _orders(2, 40)
    small_payments, large_payments = _payments(0, 2), _payments(2, 40)
    for kind, records in (
        ("orders", small_orders),
        ("orders", large_orders),
        ("payments", small_payments),
        ("payments", large_payments),
    ):
        _send(as_alice, kind, records)

    small = _queries(as_alice, "orders", small_orders)
    large = _queries(as_alice, "orders", large_orders)
    small_paid = _queries(as_alice, "payments", small_payments)
    large_paid = _queries(as_alice, "payments", large_payments)

    # The API key, the batch's external ids, which of their records the representative sees.
    assert small == (3, {"unchanged": 2})
    assert large == (3, {"unchanged": 40})
    assert small_paid == (3, {"unchanged": 2})
    assert large_paid == (3, {"unchanged": 40})


def test_each_created_order_and_payment_costs_a_bounded_number_of_queries(as_alice, as_admin):
    _customers_and_products(as_alice, as_admin)
    # The first order and payment also fill the per-process caches (content types, rules).
    _send(as_alice, "orders", _orders(0, 1))
    _send(as_alice, "payments", _payments(0, 1))

    one_order, _counts = _queries(as_alice, "orders", _orders(1, 1))
    orders, counts = _queries(as_alice, "orders", _orders(2, 10))
    one_payment, _counts = _queries(as_alice, "payments", _payments(1, 1))
    payments, paid_counts = _queries(as_alice, "payments", _payments(2, 10))

    assert (counts, paid_counts) == ({"created": 10}, {"created": 10})
    # Per order: the customer and the price list the order service checks, and its product;
    # the order, its number, line and instalment; the timeline, the rule lookup, the feed;
    # the external id; the savepoints of the record's own transaction and of the service's.
    assert orders - one_order <= 9 * ORDER_QUERIES
    # Per payment: the order locked, the payment, its instalments read and paid, the order
    # saved; for the payment and the paid order each a timeline entry, a rule lookup and a
    # feed row; the external id; three savepoints (the record's, the service's, the insert's).
    assert payments - one_payment <= 9 * PAYMENT_QUERIES
    # What the batch reads once: the API key, the external ids of its records and of those
    # they name (one query per kind), and which of the named records the representative sees.
    assert orders - 10 * ORDER_QUERIES <= 6
    assert payments - 10 * PAYMENT_QUERIES <= 4
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    assert Payment.objects.count() == 12


def test_another_teams_record_is_a_404_in_its_place_and_the_others_are_kept(as_alice, as_charlie):
    _send(as_alice, "persons", [{"external_id": "C-1", "data": {"full_name": "张伟"}}])

    body = _send(
        as_charlie,
        "persons",
        [
            {"external_id": "C-1", "data": {"full_name": "Someone else"}},
            {"external_id": "C-2", "data": {"full_name": "王芳"}},
        ],
    )

    assert [(r["status"], r["http_status"]) for r in body["results"]] == [
        ("error", 404),
        ("created", 201),
    ]
    assert _person_named("C-1").full_name == "张伟"


def test_an_order_naming_another_teams_customer_is_a_422_in_its_place(as_alice, as_charlie):
    _send(as_alice, "persons", [{"external_id": "C-1", "data": {"full_name": "张伟"}}])
    _send(as_charlie, "persons", [{"external_id": "C-2", "data": {"full_name": "王芳"}}])
    line = {"description": "Tea", "quantity": 1, "unit_price": "10.00"}

    body = _send(
        as_charlie,
        "orders",
        [
            {"external_id": "SO-1", "data": {"person_external_id": "C-1", "lines": [line]}},
            {"external_id": "SO-2", "data": {"person_external_id": "C-2", "lines": [line]}},
        ],
    )

    first, second = body["results"]
    assert (first["http_status"], list(first["error"]["details"])) == (422, ["person_external_id"])
    assert second["status"] == "created"
    assert Order.objects.get().person_id == _person_named("C-2").pk


def test_the_same_id_twice_in_a_batch_is_created_then_updated(as_alice):
    body = _send(
        as_alice,
        "persons",
        [
            {"external_id": "C-1", "data": {"full_name": "张伟"}},
            {"external_id": "C-1", "data": {"full_name": "张伟", "region": "Beijing"}},
            {"external_id": "C-1", "data": {"full_name": "张伟", "region": "Beijing"}},
        ],
    )

    assert [r["status"] for r in body["results"]] == ["created", "updated", "unchanged"]
    assert Person.objects.get().region == "Beijing"


def test_a_record_deleted_without_its_link_is_created_again(as_alice):
    batch = [{"external_id": "C-1", "data": {"full_name": "张伟"}}]
    first = _send(as_alice, "persons", batch)["results"][0]["id"]
    # A path that announced nothing: the external id still points at the deleted row.
    Person.objects.filter(pk=first).delete()

    again = _send(as_alice, "persons", batch)["results"][0]

    assert again["status"] == "created"
    assert Person.objects.get().pk == again["id"] != first


def test_an_id_another_request_created_meanwhile_makes_the_upsert_an_update(alice):
    upserts = services.Upserts(actor=alice, system="shop")
    upserts.load(services.PERSONS, [("C-1", {"full_name": "王芳"})])
    # Another request creates the same id after this batch read its external ids.
    services.record_upsert(
        actor=alice,
        kind=services.PERSONS,
        system="shop",
        external_id="C-1",
        data={"full_name": "张伟"},
    )

    result = upserts.upsert(services.PERSONS, "C-1", {"full_name": "王芳"})

    assert result.status == "updated"
    assert list(Person.objects.values_list("full_name", flat=True)) == ["王芳"]
