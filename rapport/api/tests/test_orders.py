"""The orders, payments, receivables and catalogue API: exact money, 4xx errors, 404 for others."""

from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.api.tests.conftest import client_for
from rapport.sales.models import Order, Payment, Product
from rapport.sales.services.catalog import price_list_create, product_create
from rapport.sales.services.deals import deal_create, deal_win
from rapport.sales.services.orders import order_create, payment_record


@pytest.fixture
def tea(admin_user):
    return product_create(
        actor=admin_user, data={"sku": "TEA-001", "name": "龙井茶礼盒", "unit_price": "388.00"}
    )


@pytest.fixture
def east_order(alice, east_person):
    return order_create(
        actor=alice,
        data={
            "person_id": east_person.pk,
            "placed_at": "2026-01-01T10:00:00+08:00",
            "lines": [{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
            "instalments": [
                {"due_date": "2026-01-10", "amount": "400.00"},
                {"due_date": "2026-02-10", "amount": "600.00"},
            ],
        },
    )


@pytest.fixture
def east_payment(alice, east_order):
    return payment_record(actor=alice, order=east_order, amount="100.00", method="cash")


@pytest.fixture
def won_deal(alice, east_person):
    deal = deal_create(
        actor=alice, data={"title": "年度合同", "person_id": east_person.pk, "amount": "5000"}
    )
    return deal_win(actor=alice, deal=deal)


# --- Placing and reading orders ------------------------------------------------------------------


def test_rep_places_an_order_and_gets_exact_amounts(as_alice, east_person, tea):
    response = as_alice.post(
        "/orders",
        {
            "person_id": east_person.pk,
            "lines": [
                {"product_id": tea.pk, "quantity": 3, "discount": "0.10"},
                {"description": "运费", "quantity": 1, "unit_price": "15.5"},
            ],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("SO-")
    assert (body["subtotal"], body["discount_total"], body["total"]) == (
        "1179.50",
        "0.10",
        "1179.40",
    )
    assert body["outstanding"] == "1179.40"
    assert body["lines"][0]["line_total"] == "1163.90"
    assert [i["amount"] for i in body["instalments"]] == ["1179.40"]
    assert body["allowed_statuses"] == ["shipped", "cancelled"]
    assert body["owner"]["name"] == "alice"


def test_json_number_amounts_are_read_exactly(as_alice, east_person):
    response = as_alice.post(
        "/orders",
        {
            "person_id": east_person.pk,
            "lines": [{"description": "Tea", "quantity": 3, "unit_price": 0.1}],
        },
    )

    assert response.status_code == 201
    assert response.json()["total"] == "0.30"
    assert Order.objects.get().total == Decimal("0.30")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "Tea", "quantity": -2, "unit_price": "10"}, "lines.0.quantity"),
        ({"description": "Tea", "quantity": 1, "unit_price": "-10"}, "lines.0.unit_price"),
        (
            {"description": "Tea", "quantity": 1, "unit_price": "10", "discount": "-1"},
            "lines.0.discount",
        ),
        (
            {"description": "Tea", "quantity": 1, "unit_price": "10", "discount": "11"},
            "lines.0.discount",
        ),
        ({"description": "Tea", "quantity": 1, "unit_price": "ten"}, "lines.0.unit_price"),
        ({"description": "Tea", "quantity": "many", "unit_price": "10"}, "lines.0.quantity"),
    ],
)
def test_bad_line_is_a_422_naming_the_field(as_alice, east_person, line, field):
    response = as_alice.post("/orders", {"person_id": east_person.pk, "lines": [line]})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["details"]
    assert not Order.objects.exists()


def test_instalments_that_do_not_add_up_are_refused(as_alice, east_person):
    response = as_alice.post(
        "/orders",
        {
            "person_id": east_person.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "100"}],
            "instalments": [{"due_date": "2030-01-01", "amount": "99.99"}],
        },
    )

    assert response.status_code == 422
    assert "instalments" in response.json()["details"]


def test_order_detail_shows_lines_instalments_and_payments(as_alice, east_order, east_payment):
    response = as_alice.get(f"/orders/{east_order.pk}")

    assert response.status_code == 200
    body = response.json()
    assert [(i["amount"], i["paid_amount"], i["outstanding"]) for i in body["instalments"]] == [
        ("400.00", "100.00", "300.00"),
        ("600.00", "0.00", "600.00"),
    ]
    assert body["payments"][0]["amount"] == "100.00"
    assert body["paid_amount"] == "100.00"


def test_order_list_filters_and_pages_in_constant_queries(
    as_alice, alice, east_person, east_company, django_assert_max_num_queries
):
    for i in range(6):
        order_create(
            actor=alice,
            data={
                "person_id": east_person.pk if i % 2 else None,
                "company_id": east_company.pk,
                "lines": [{"description": f"Item {i}", "quantity": 1, "unit_price": "10"}],
            },
        )

    with django_assert_max_num_queries(6):
        response = as_alice.get("/orders", {"person_id": east_person.pk, "limit": 2})

    body = response.json()
    assert len(body["items"]) == 2
    assert body["next_cursor"]
    assert {item["person"]["id"] for item in body["items"]} == {east_person.pk}
    follow = as_alice.get("/orders", {"person_id": east_person.pk, "cursor": body["next_cursor"]})
    assert len(follow.json()["items"]) == 1


@pytest.mark.parametrize("sort", ["-total", "total"])
def test_order_list_pages_by_money_with_an_exact_cursor(as_alice, alice, east_person, sort):
    # Totals with equal values and cents that a float would round differently.
    for price in ["10.10", "20.20", "20.20", "30.30", "0.30"]:
        order_create(
            actor=alice,
            data={
                "person_id": east_person.pk,
                "lines": [{"description": "x", "quantity": 1, "unit_price": price}],
            },
        )

    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = as_alice.get("/orders", params)
        assert response.status_code == 200, response.json()
        body = response.json()
        seen += [item["total"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break

    expected = sorted(["10.10", "20.20", "20.20", "30.30", "0.30"], key=Decimal)
    assert seen == (expected[::-1] if sort.startswith("-") else expected)


def test_order_list_filters_by_status_and_dates(as_alice, east_order, alice, east_person):
    order_create(
        actor=alice,
        data={
            "person_id": east_person.pk,
            "lines": [{"description": "x", "quantity": 1, "unit_price": "1"}],
        },
    )

    january = as_alice.get("/orders", {"placed_from": "2026-01-01", "placed_until": "2026-01-31"})
    placed = as_alice.get("/orders", {"status": "placed"})
    shipped = as_alice.get("/orders", {"status": "shipped"})

    assert [o["id"] for o in january.json()["items"]] == [east_order.pk]
    assert len(placed.json()["items"]) == 2
    assert shipped.json()["items"] == []


def test_bad_sort_or_status_is_a_422(as_alice):
    assert as_alice.get("/orders", {"sort": "secret"}).status_code == 422
    assert as_alice.get("/orders", {"status": "lost"}).status_code == 422


def test_notes_can_be_patched(as_alice, east_order):
    response = as_alice.patch(f"/orders/{east_order.pk}", {"notes": "送货前电话", "version": 1})

    assert response.status_code == 200
    assert response.json()["notes"] == "送货前电话"


def test_paid_order_lines_are_locked(as_alice, east_order, east_payment):
    response = as_alice.patch(
        f"/orders/{east_order.pk}",
        {
            "lines": [{"description": "x", "quantity": 1, "unit_price": "1"}],
            "version": Order.objects.get(pk=east_order.pk).version,
        },
    )

    assert response.status_code == 409
    assert response.json()["code"] == "order_locked"


# --- Status and payments -------------------------------------------------------------------------


def test_status_change_and_illegal_one(as_alice, east_order):
    shipped = as_alice.post(f"/orders/{east_order.pk}/status", {"status": "shipped"})
    illegal = as_alice.post(f"/orders/{east_order.pk}/status", {"status": "cancelled"})

    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["shipped_at"]
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "invalid_transition"
    assert illegal.json()["details"]["allowed"] == ["received", "returned"]


def test_paid_status_needs_full_payment(as_alice, east_order):
    response = as_alice.post(f"/orders/{east_order.pk}/status", {"status": "paid"})

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_fully_paid"


def test_recording_payments_until_paid(as_alice, east_order):
    first = as_alice.post(
        f"/orders/{east_order.pk}/payments",
        {"amount": "400.00", "method": "alipay", "reference": "AP-1"},
    )
    rest = as_alice.post(f"/orders/{east_order.pk}/payments", {"amount": "600"})

    assert first.status_code == 201
    assert first.json()["order_number"] == east_order.number
    assert rest.status_code == 201
    assert rest.json()["method"] == "bank_transfer"
    order = as_alice.get(f"/orders/{east_order.pk}").json()
    assert (order["status"], order["outstanding"]) == ("paid", "0.00")


def test_overpayment_is_a_422_and_nothing_is_saved(as_alice, east_order):
    response = as_alice.post(f"/orders/{east_order.pk}/payments", {"amount": "1000.01"})

    assert response.status_code == 422
    assert "amount" in response.json()["details"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["-1", "0", "1.005", "NaN"])
def test_bad_payment_amount_is_a_422(as_alice, east_order, amount):
    response = as_alice.post(f"/orders/{east_order.pk}/payments", {"amount": amount})

    assert response.status_code == 422
    assert not Payment.objects.exists()


def test_payment_on_cancelled_order_is_a_409(as_alice, east_order):
    as_alice.post(f"/orders/{east_order.pk}/status", {"status": "cancelled"})

    response = as_alice.post(f"/orders/{east_order.pk}/payments", {"amount": "1"})

    assert response.status_code == 409
    assert response.json()["code"] == "order_closed"


def test_payment_lists(as_alice, east_order, east_payment, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        everything = as_alice.get("/payments", {"method": "cash"})
    of_order = as_alice.get(f"/orders/{east_order.pk}/payments")
    one = as_alice.get(f"/payments/{east_payment.pk}")

    assert [p["id"] for p in everything.json()["items"]] == [east_payment.pk]
    assert [p["id"] for p in of_order.json()["items"]] == [east_payment.pk]
    assert one.json()["amount"] == "100.00"


# --- Deal → order --------------------------------------------------------------------------------


def test_won_deal_becomes_an_order_once(as_alice, won_deal):
    first = as_alice.post(f"/deals/{won_deal.pk}/order")
    again = as_alice.post(f"/deals/{won_deal.pk}/order")

    assert first.status_code == 201
    assert first.json()["deal_id"] == won_deal.pk
    assert first.json()["total"] == "5000.00"
    assert again.status_code == 409
    assert again.json()["code"] == "deal_already_ordered"
    assert again.json()["details"]["order_id"] == first.json()["id"]


# --- Receivables ---------------------------------------------------------------------------------


def _cny(amount: str) -> dict:
    """A money total of `amount` CNY only, as the API answers it on a day with no rates."""
    return {
        "currency": "CNY",
        "converted": amount,
        "complete": True,
        "amounts": [
            {
                "currency": "CNY",
                "amount": amount,
                "converted": amount,
                "rate": None,
                "rate_date": None,
            }
        ],
        "missing": [],
        "rates_on": timezone.localdate().isoformat(),
    }


def test_receivables_report_and_per_customer(as_alice, east_order, east_payment, east_person):
    report = as_alice.get("/receivables")
    person = as_alice.get(f"/persons/{east_person.pk}/receivables")

    assert report.status_code == 200
    body = report.json()
    assert (body["outstanding"], body["overdue"], body["open_orders"]) == (
        _cny("900.00"),
        _cny("900.00"),
        1,
    )
    assert [b["amount"]["converted"] for b in body["aging"]][-1] == "900.00"
    assert body["debtors"][0] == {
        "kind": "person",
        "id": east_person.pk,
        "name": "张伟",
        "outstanding": _cny("900.00"),
        "overdue": _cny("900.00"),
        "open_orders": 1,
    }
    assert (body["held"]["amounts"], body["held_orders"]) == ([], 0)
    assert person.json() == {
        "outstanding": _cny("900.00"),
        "overdue": _cny("900.00"),
        "open_orders": 1,
    }


def test_customer_value(as_alice, east_order, east_payment, east_person):
    response = as_alice.get(f"/persons/{east_person.pk}/value")

    assert response.status_code == 200
    body = response.json()
    assert (body["net_value"], body["received"], body["orders"]) == (
        _cny("1000.00"),
        _cny("100.00"),
        1,
    )
    assert body["refunded"]["amounts"] == []


def test_other_team_sees_no_receivables(as_charlie, east_order):
    body = as_charlie.get("/receivables").json()

    assert (body["outstanding"]["converted"], body["outstanding"]["amounts"]) == ("0.00", [])
    assert body["debtors"] == []


# --- Another team's records: 404 everywhere ------------------------------------------------------

ENDPOINTS = [
    ("get", "/orders/{order}", None),
    ("patch", "/orders/{order}", {"notes": "mine now", "version": 1}),
    ("post", "/orders/{order}/status", {"status": "cancelled"}),
    ("get", "/orders/{order}/payments", None),
    ("post", "/orders/{order}/payments", {"amount": "1.00"}),
    ("get", "/orders/{order}/refunds", None),
    ("post", "/orders/{order}/refunds", {"amount": "1.00"}),
    ("get", "/payments/{payment}", None),
    ("post", "/deals/{deal}/order", {}),
    ("get", "/persons/{person}/receivables", None),
    ("get", "/companies/{company}/receivables", None),
    ("get", "/persons/{person}/value", None),
    ("get", "/companies/{company}/value", None),
    ("post", "/orders", {"person_id": "{person}"}),
    ("post", "/orders", {"company_id": "{company}"}),
]


@pytest.fixture
def east_records(east_order, east_payment, won_deal, east_person, east_company):
    return {
        "order": east_order.pk,
        "payment": east_payment.pk,
        "deal": won_deal.pk,
        "person": east_person.pk,
        "company": east_company.pk,
    }


def _body(body, records):
    if body is None:
        return ()
    filled = {
        key: int(value.format(**records)) if isinstance(value, str) and "{" in value else value
        for key, value in body.items()
    }
    if "person_id" in filled or "company_id" in filled:
        filled["lines"] = [{"description": "x", "quantity": 1, "unit_price": "1"}]
    return (filled,)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_team_order_answers_404(as_charlie, east_records, method, path, body):
    response = getattr(as_charlie, method)(path.format(**east_records), *_body(body, east_records))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_team_order_is_left_untouched(as_charlie, east_records, method, path, body):
    getattr(as_charlie, method)(path.format(**east_records), *_body(body, east_records))

    order = Order.objects.get(pk=east_records["order"])
    assert (order.status, order.notes, order.paid_amount) == ("placed", "", Decimal("100.00"))
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_other_team_lists_leave_out_east_orders(as_charlie, east_records):
    orders = as_charlie.get("/orders").json()["items"]
    by_person = as_charlie.get("/orders", {"person_id": east_records["person"]}).json()["items"]
    payments = as_charlie.get("/payments").json()["items"]

    assert (orders, by_person, payments) == ([], [], [])


def test_colleague_and_manager_see_the_order(bob, diana, east_order):
    for user in (bob, diana):
        assert client_for(user).get(f"/orders/{east_order.pk}").status_code == 200


# --- Catalogue -----------------------------------------------------------------------------------


def test_everyone_reads_the_catalogue(as_charlie, tea, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = as_charlie.get("/products", {"q": "TEA"})

    assert [(p["sku"], p["unit_price"]) for p in response.json()["items"]] == [
        ("TEA-001", "388.00")
    ]
    assert as_charlie.get(f"/products/{tea.pk}").json()["name"] == "龙井茶礼盒"


def test_rep_cannot_change_the_catalogue(as_alice, tea):
    created = as_alice.post("/products", {"sku": "X-1", "name": "X", "unit_price": "1"})
    patched = as_alice.patch(f"/products/{tea.pk}", {"unit_price": "1"})
    deleted = as_alice.delete(f"/products/{tea.pk}")
    price_list = as_alice.post("/price-lists", {"name": "Mine"})

    assert [r.status_code for r in (created, patched, deleted, price_list)] == [403] * 4
    assert Product.objects.get(pk=tea.pk).unit_price == Decimal("388.00")


def test_manager_maintains_products_and_prices(diana, tea):
    as_diana = client_for(diana)

    created = as_diana.post(
        "/products", {"sku": "CUP-1", "name": "青瓷茶杯", "unit_price": "45.50", "category": "茶具"}
    )
    duplicate = as_diana.post("/products", {"sku": "CUP-1", "name": "Again", "unit_price": "1"})
    negative = as_diana.post("/products", {"sku": "NEG", "name": "Neg", "unit_price": "-1"})
    deactivated = as_diana.patch(f"/products/{tea.pk}", {"is_active": False})
    price_list = as_diana.post("/price-lists", {"name": "会员价", "is_default": True})
    price = as_diana.put(
        f"/price-lists/{price_list.json()['id']}/items/{tea.pk}", {"unit_price": "350.00"}
    )
    items = as_diana.get(f"/price-lists/{price_list.json()['id']}/items")

    assert created.status_code == 201
    assert duplicate.status_code == 422
    assert "sku" in duplicate.json()["details"]
    assert negative.status_code == 422
    assert deactivated.json()["is_active"] is False
    assert price.json()["unit_price"] == "350.00"
    assert items.json()["items"][0]["product"]["sku"] == "TEA-001"


def test_unknown_product_and_price_list_are_404(as_alice, admin_user):
    price_list = price_list_create(actor=admin_user, data={"name": "会员价"})

    assert as_alice.get("/products/999999").status_code == 404
    assert as_alice.get("/price-lists/999999").status_code == 404
    assert as_alice.get(f"/price-lists/{price_list.pk}/items").status_code == 200


def test_openapi_documents_the_sales_endpoints(as_alice):
    paths = as_alice.get("/openapi.json").json()["paths"]

    for path in (
        "/api/v1/orders",
        "/api/v1/orders/{order_id}/status",
        "/api/v1/orders/{order_id}/payments",
        "/api/v1/deals/{deal_id}/order",
        "/api/v1/receivables",
        "/api/v1/products",
        "/api/v1/price-lists/{price_list_id}/items/{product_id}",
    ):
        assert path in paths
