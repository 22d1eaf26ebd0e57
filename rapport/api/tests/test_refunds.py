"""Refunds and idempotent payments over the API: the Idempotency-Key header, 404 for others."""

from decimal import Decimal

import pytest

from rapport.sales.models import Order, Payment, Refund
from rapport.sales.services.orders import order_create, payment_record


@pytest.fixture
def east_order(alice, east_person):
    return order_create(
        actor=alice,
        data={
            "person_id": east_person.pk,
            "placed_at": "2026-01-01T10:00:00+08:00",
            "lines": [{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
        },
    )


@pytest.fixture
def paid_order(alice, east_order):
    payment_record(
        actor=alice,
        order=east_order,
        amount="400.00",
        method="alipay",
        paid_at="2026-01-05T10:00:00+08:00",
    )
    payment_record(
        actor=alice,
        order=east_order,
        amount="600.00",
        method="card",
        paid_at="2026-01-20T10:00:00+08:00",
    )
    return Order.objects.get(pk=east_order.pk)


# --- Payments with an Idempotency-Key ------------------------------------------------------------


def test_payment_sent_twice_with_one_key_is_recorded_once(as_alice, east_order):
    url = f"/orders/{east_order.pk}/payments"
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c2a9e-pay-1"}

    first = as_alice.post(url, {"amount": "250.00", "method": "cash"}, **key)
    second = as_alice.post(url, {"amount": "250.00", "method": "cash"}, **key)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=east_order.pk).paid_amount == Decimal("250.00")


def test_payment_key_reused_for_another_amount_is_a_422(as_alice, east_order):
    url = f"/orders/{east_order.pk}/payments"
    as_alice.post(url, {"amount": "250.00"}, HTTP_IDEMPOTENCY_KEY="k-9")

    response = as_alice.post(url, {"amount": "300.00"}, HTTP_IDEMPOTENCY_KEY="k-9")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_overlong_idempotency_key_is_a_422(as_alice, east_order):
    response = as_alice.post(
        f"/orders/{east_order.pk}/payments", {"amount": "1.00"}, HTTP_IDEMPOTENCY_KEY="k" * 101
    )

    assert response.status_code == 422
    assert not Payment.objects.exists()


def test_payment_without_a_key_is_recorded_each_time(as_alice, east_order):
    url = f"/orders/{east_order.pk}/payments"

    as_alice.post(url, {"amount": "1.00"})
    as_alice.post(url, {"amount": "1.00"})

    assert Payment.objects.count() == 2


def test_a_bank_reference_is_recorded_once_per_order(as_alice, east_order):
    url = f"/orders/{east_order.pk}/payments"
    as_alice.post(url, {"amount": "1.00", "reference": "BANK-778"})

    response = as_alice.post(url, {"amount": "1.00", "reference": "BANK-778"})

    assert response.status_code == 422
    assert "reference" in response.json()["details"]


# --- Refunds -------------------------------------------------------------------------------------


def test_refund_reverses_the_newest_payments_and_answers_the_order(as_alice, paid_order):
    response = as_alice.post(
        f"/orders/{paid_order.pk}/refunds", {"amount": "700.00", "reason": "damaged"}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(r["amount"], r["method"], r["owed_again"]) for r in body["refunds"]] == [
        ("600.00", "card", False),
        ("100.00", "alipay", False),
    ]
    order = body["order"]
    assert (order["paid_amount"], order["refunded_amount"], order["credited_amount"]) == (
        "300.00",
        "700.00",
        "700.00",
    )
    assert (order["outstanding"], order["net_value"], order["status"]) == ("0.00", "300.00", "paid")
    assert [p["refunded_amount"] for p in order["payments"]] == ["100.00", "600.00"]
    assert len(order["refunds"]) == 2


def test_undone_payment_is_owed_again(as_alice, paid_order):
    payment = paid_order.payments.get(method="card")

    response = as_alice.post(
        f"/orders/{paid_order.pk}/refunds",
        {
            "amount": "600.00",
            "payment_id": payment.pk,
            "owed_again": True,
            "reason": "paid_in_error",
        },
    )

    order = response.json()["order"]
    assert (order["status"], order["outstanding"], order["net_value"]) == (
        "placed",
        "600.00",
        "1000.00",
    )


def test_refund_sent_twice_with_one_key_is_recorded_once(as_alice, paid_order):
    url = f"/orders/{paid_order.pk}/refunds"

    first = as_alice.post(url, {"amount": "700.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")
    second = as_alice.post(url, {"amount": "700.00"}, HTTP_IDEMPOTENCY_KEY="refund-1")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["refunds"] == first.json()["refunds"]
    assert Refund.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1000.01"}, "amount"),
        ({"amount": "1.00", "payment_id": 999999}, "payment_id"),
        ({"amount": "1.00", "reason": "whim"}, "reason"),
    ],
)
def test_bad_refund_is_a_422_naming_the_field(as_alice, paid_order, body, field):
    response = as_alice.post(f"/orders/{paid_order.pk}/refunds", body)

    assert response.status_code == 422
    assert field in str(response.json()["details"])
    assert not Refund.objects.exists()


def test_refunds_list_of_an_order(as_alice, paid_order, django_assert_max_num_queries):
    as_alice.post(f"/orders/{paid_order.pk}/refunds", {"amount": "700.00"})

    with django_assert_max_num_queries(6):
        response = as_alice.get(f"/orders/{paid_order.pk}/refunds")

    # Both at the same time: the one recorded last (the older payment's) comes first.
    assert [r["amount"] for r in response.json()["items"]] == ["100.00", "600.00"]


# --- Cancelling or returning an order that holds money -------------------------------------------


def test_cancelling_without_the_refund_decision_is_a_422_naming_the_fields(as_alice, paid_order):
    response = as_alice.post(f"/orders/{paid_order.pk}/status", {"status": "cancelled"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "refund_decision_required"
    assert "1,000.00 CNY" in body["message"]
    assert set(body["details"]) == {"refund_amount", "refund_method"}


def test_cancelling_with_a_refund(as_alice, paid_order):
    response = as_alice.post(
        f"/orders/{paid_order.pk}/status",
        {"status": "cancelled", "refund_amount": "900.00", "note": "Fee", "refund_method": "cash"},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["paid_amount"], body["net_value"]) == (
        "cancelled",
        "100.00",
        "100.00",
    )
    assert {r["reason"] for r in body["refunds"]} == {"cancelled"}
    assert {r["method"] for r in body["refunds"]} == {"cash"}


# --- Another team ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_team_refunds_answer_404(as_charlie, paid_order, method):
    url = f"/orders/{paid_order.pk}/refunds"

    response = as_charlie.get(url) if method == "get" else as_charlie.post(url, {"amount": "1.00"})

    assert response.status_code == 404
    assert not Refund.objects.exists()
