"""Refunds: a credit or an undone payment, never more than the order holds (docs/decisions.md)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.sales.models import Order, OrderStatus, Payment, Refund
from rapport.sales.selectors.orders import customer_receivables, customer_value
from rapport.sales.services.currency import exchange_rate_create
from rapport.sales.services.orders import (
    order_change_status,
    payment_record,
    refund_record,
)
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

JAN_5 = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
JAN_20 = datetime.datetime(2026, 1, 20, 10, 0, tzinfo=datetime.UTC)
FEB_1 = datetime.datetime(2026, 2, 1, 10, 0, tzinfo=datetime.UTC)


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def paid_by_instalment(order) -> list[Decimal]:
    return list(order.instalments.order_by("due_date").values_list("paid_amount", flat=True))


def sums(order) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """(paid, refunded, credited, outstanding, net value) as the order now stands."""
    order = fresh(order)
    return (
        order.paid_amount,
        order.refunded_amount,
        order.credited_amount,
        order.outstanding,
        order.net_value,
    )


def D(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture
def paid_order(alice, east_order):
    """The ¥1,000 order paid in full: 400 on Jan 5, 600 on Feb 1."""
    payment_record(actor=alice, order=east_order, amount="400.00", method="alipay", paid_at=JAN_5)
    payment_record(actor=alice, order=east_order, amount="600.00", method="card", paid_at=FEB_1)
    return fresh(east_order)


# --- Credits and undone payments on open orders --------------------------------------------------


def test_credit_on_a_part_paid_order_lowers_its_worth_not_what_is_owed(alice, east_order):
    # Given ¥1,000 with 500 paid (January's 400 and 100 of February's 600)
    payment_record(actor=alice, order=east_order, amount="500.00", method="cash", paid_at=JAN_5)

    # When 200 is paid back as a credit (the customer keeps the goods)
    refunds = refund_record(actor=alice, order=east_order, amount="200.00", reason="damaged")

    # Then the order holds 300, is worth 800 and still owes 500; the plan is untouched
    assert [r.amount for r in refunds] == [D("200.00")]
    assert sums(east_order) == (D("300.00"), D("200.00"), D("200.00"), D("500.00"), D("800.00"))
    assert paid_by_instalment(east_order) == [D("400.00"), D("100.00")]
    assert fresh(east_order).status == OrderStatus.PLACED


def test_credit_on_a_paid_order_keeps_it_paid(alice, paid_order):
    refund_record(actor=alice, order=paid_order, amount="150.00", reason="goodwill")

    order = fresh(paid_order)
    assert (order.status, order.paid_at) == (OrderStatus.PAID, FEB_1)
    assert sums(order) == (D("850.00"), D("150.00"), D("150.00"), D("0.00"), D("850.00"))
    assert paid_by_instalment(order) == [D("400.00"), D("600.00")]


def test_undone_payment_on_a_paid_order_is_owed_again_and_the_order_placed(alice, paid_order):
    # When 700 of what was paid is undone (a bounced transfer)
    refund_record(
        actor=alice, order=paid_order, amount="700.00", reason="paid_in_error", owed_again=True
    )

    # Then 700 is owed again, taken out of the instalments newest due first, and the order
    # is placed again, no longer stamped paid
    order = fresh(paid_order)
    assert sums(order) == (D("300.00"), D("700.00"), D("0.00"), D("700.00"), D("1000.00"))
    assert paid_by_instalment(order) == [D("300.00"), D("0.00")]
    assert (order.status, order.paid_at) == (OrderStatus.PLACED, None)


@pytest.mark.parametrize("status", ["shipped", "received"])
def test_undone_payment_on_a_delivered_order_keeps_its_status(alice, paid_order, status):
    order_change_status(actor=alice, order=paid_order, status="shipped")
    if status == "received":
        order_change_status(actor=alice, order=paid_order, status="received")

    refund_record(actor=alice, order=paid_order, amount="100.00", owed_again=True)

    order = fresh(paid_order)
    assert (order.status, order.paid_at) == (status, None)
    assert order.outstanding == D("100.00")


@pytest.mark.parametrize("status", ["shipped", "received"])
def test_credit_on_a_delivered_order_lowers_its_value(alice, paid_order, status):
    order_change_status(actor=alice, order=paid_order, status="shipped")
    if status == "received":
        order_change_status(actor=alice, order=paid_order, status="received")

    refund_record(actor=alice, order=paid_order, amount="250.00", reason="returned")

    order = fresh(paid_order)
    assert order.status == status
    assert (order.outstanding, order.net_value) == (D("0.00"), D("750.00"))


def test_payment_after_an_undone_one_makes_the_order_paid_again(alice, paid_order):
    refund_record(actor=alice, order=paid_order, amount="600.00", owed_again=True)

    payment_record(actor=alice, order=paid_order, amount="600.00", method="bank_transfer")

    order = fresh(paid_order)
    assert order.status == OrderStatus.PAID
    assert paid_by_instalment(order) == [D("400.00"), D("600.00")]


def test_payment_after_a_credit_is_limited_to_what_is_still_owed(alice, east_order):
    # Given 500 paid and 200 credited back: 1000 - 200 - 300 = 500 is owed
    payment_record(actor=alice, order=east_order, amount="500.00", method="cash")
    refund_record(actor=alice, order=east_order, amount="200.00")

    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount="500.01", method="cash")
    payment_record(actor=alice, order=east_order, amount="500.00", method="cash")

    assert "amount" in caught.value.details
    order = fresh(east_order)
    assert (order.status, order.outstanding, order.net_value) == ("paid", D("0.00"), D("800.00"))
    assert paid_by_instalment(order) == [D("400.00"), D("600.00")]


# --- Which payments a refund reverses ------------------------------------------------------------


def test_refund_larger_than_one_payment_reverses_the_newest_first(alice, east_order):
    first = payment_record(
        actor=alice, order=east_order, amount="400.00", method="alipay", paid_at=JAN_5
    )
    second = payment_record(
        actor=alice, order=east_order, amount="300.00", method="cash", paid_at=JAN_20
    )
    third = payment_record(
        actor=alice, order=east_order, amount="300.00", method="card", paid_at=FEB_1
    )

    refunds = refund_record(actor=alice, order=east_order, amount="500.00")

    assert [(r.payment_id, r.amount, r.method) for r in refunds] == [
        (third.pk, D("300.00"), "card"),
        (second.pk, D("200.00"), "cash"),
    ]
    refunded = dict(Payment.objects.values_list("pk", "refunded_amount"))
    assert refunded == {first.pk: D("0.00"), second.pk: D("200.00"), third.pk: D("300.00")}
    assert fresh(east_order).refunded_amount == D("500.00")


def test_refund_of_a_named_payment_reverses_only_it(alice, paid_order):
    january = paid_order.payments.get(paid_at=JAN_5)

    [refund] = refund_record(
        actor=alice, order=paid_order, amount="400.00", payment=january, method="cash"
    )

    assert (refund.payment_id, refund.method) == (january.pk, "cash")
    assert Payment.objects.get(pk=january.pk).refunded_amount == D("400.00")


def test_refund_cannot_exceed_what_is_left_of_the_named_payment(alice, paid_order):
    january = paid_order.payments.get(paid_at=JAN_5)
    refund_record(actor=alice, order=paid_order, amount="300.00", payment=january)

    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=paid_order, amount="100.01", payment=january)

    assert "amount" in caught.value.details
    assert Refund.objects.count() == 1


def test_refund_cannot_reverse_another_orders_payment(alice, east_person, paid_order):
    other = place_order(alice, east_person)
    payment = payment_record(actor=alice, order=other, amount="10.00", method="cash")

    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=paid_order, amount="5.00", payment=payment)

    assert "payment_id" in caught.value.details


@pytest.mark.parametrize("amount", ["1000.01", "0", "-1.00", "abc", "1.001", None])
def test_refund_beyond_the_money_held_or_unreadable_is_refused(alice, paid_order, amount):
    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=paid_order, amount=amount)

    assert "amount" in caught.value.details
    assert not Refund.objects.exists()
    assert sums(paid_order)[:3] == (D("1000.00"), D("0.00"), D("0.00"))


def test_order_without_payments_has_nothing_to_refund(alice, east_order):
    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=east_order, amount="1.00")

    assert "amount" in caught.value.details


def test_refund_before_the_payment_arrived_is_refused(alice, paid_order):
    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=paid_order, amount="600.00", refunded_at=JAN_20)

    assert "refunded_at" in caught.value.details


@pytest.mark.parametrize(
    ("field", "value"), [("method", "bitcoin"), ("reason", "whim"), ("owed_again", "yes")]
)
def test_unknown_method_reason_or_flag_is_refused(alice, paid_order, field, value):
    with pytest.raises(ValidationFailed) as caught:
        refund_record(actor=alice, order=paid_order, amount="1.00", **{field: value})

    assert field in caught.value.details


def test_refund_is_on_the_timeline_with_who_why_and_how_much(alice, paid_order):
    refund_record(actor=alice, order=paid_order, amount="700.00", reason="damaged", notes="碎了")

    [entry] = TimelineEntry.objects.filter(kind="refund.recorded")
    assert entry.person_id == paid_order.person_id
    assert (entry.actor_id, entry.body) == (alice.pk, "碎了")
    assert entry.display_title == (
        f"Refund of 700.00 CNY for order {paid_order.number} (Damaged or faulty)"
    )
    assert len(entry.data["refund_ids"]) == 2


# --- Idempotency ---------------------------------------------------------------------------------


def test_the_same_refund_request_twice_records_once(alice, paid_order):
    first = refund_record(actor=alice, order=paid_order, amount="700.00", idempotency_key="r-1")

    again = refund_record(actor=alice, order=paid_order, amount="700.00", idempotency_key="r-1")

    assert [r.pk for r in again] == [r.pk for r in first]
    assert [r.replayed for r in first] == [False, False]
    assert [r.replayed for r in again] == [True, True]
    assert Refund.objects.count() == 2
    assert fresh(paid_order).paid_amount == D("300.00")


def test_a_refund_key_sent_again_for_another_amount_is_refused(alice, paid_order):
    refund_record(actor=alice, order=paid_order, amount="100.00", idempotency_key="r-2")

    with pytest.raises(ApplicationError) as caught:
        refund_record(actor=alice, order=paid_order, amount="200.00", idempotency_key="r-2")

    assert (caught.value.code, caught.value.status) == ("idempotency_key_reused", 422)
    assert fresh(paid_order).refunded_amount == D("100.00")


# --- Cancelled and returned orders ---------------------------------------------------------------


def test_cancelling_an_order_holding_money_needs_the_refund_decision(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="cash")

    with pytest.raises(ApplicationError) as caught:
        order_change_status(actor=alice, order=east_order, status="cancelled")

    assert (caught.value.code, caught.value.status) == ("refund_decision_required", 422)
    assert set(caught.value.details) == {"refund_amount", "refund_method"}
    assert "400.00 CNY" in caught.value.message
    assert fresh(east_order).status == OrderStatus.PLACED


def test_cancelling_with_everything_refunded_leaves_an_order_worth_nothing(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="alipay", paid_at=JAN_5)

    order_change_status(
        actor=alice, order=east_order, status="cancelled", refund_amount="400.00", at=JAN_20
    )

    order = fresh(east_order)
    assert order.status == OrderStatus.CANCELLED
    assert sums(order) == (D("0.00"), D("400.00"), D("0.00"), D("0.00"), D("0.00"))
    [refund] = Refund.objects.all()
    assert (refund.reason, refund.method, refund.refunded_at) == ("cancelled", "alipay", JAN_20)
    kinds = list(
        TimelineEntry.objects.filter(person=order.person)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["order.cancelled", "refund.recorded"]


def test_returning_with_part_kept_needs_a_note_saying_why(alice, paid_order):
    order_change_status(actor=alice, order=paid_order, status="shipped")

    with pytest.raises(ValidationFailed) as caught:
        order_change_status(
            actor=alice, order=paid_order, status="returned", refund_amount="800.00"
        )
    order_change_status(
        actor=alice,
        order=paid_order,
        status="returned",
        refund_amount="800.00",
        refund_method="bank_transfer",
        note="Restocking fee",
    )

    assert "note" in caught.value.details
    order = fresh(paid_order)
    assert order.status == OrderStatus.RETURNED
    assert sums(order) == (D("200.00"), D("800.00"), D("0.00"), D("0.00"), D("200.00"))
    assert set(Refund.objects.values_list("reason", "method")) == {("returned", "bank_transfer")}


def test_cancelling_and_keeping_everything_records_no_refund(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="cash")

    order_change_status(
        actor=alice, order=east_order, status="cancelled", refund_amount="0", note="Fee"
    )

    assert not Refund.objects.exists()
    assert sums(east_order) == (D("400.00"), D("0.00"), D("0.00"), D("0.00"), D("400.00"))


def test_refund_decision_cannot_exceed_the_money_held(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="cash")

    with pytest.raises(ValidationFailed) as caught:
        order_change_status(
            actor=alice, order=east_order, status="cancelled", refund_amount="400.01"
        )

    assert "refund_amount" in caught.value.details
    assert fresh(east_order).status == OrderStatus.PLACED


def test_cancelling_an_order_without_money_needs_no_decision(alice, east_order):
    order_change_status(actor=alice, order=east_order, status="cancelled")

    assert fresh(east_order).status == OrderStatus.CANCELLED


def test_later_refund_on_a_closed_order_lowers_what_it_kept(alice, east_order):
    # Given a cancelled order that kept 400 as a fee
    payment_record(actor=alice, order=east_order, amount="400.00", method="cash")
    order_change_status(
        actor=alice, order=east_order, status="cancelled", refund_amount="0", note="Fee"
    )

    # When 150 of it is paid back after all, even when asked as "owed again"
    refund_record(actor=alice, order=east_order, amount="150.00", owed_again=True)

    # Then it owes nothing, credits nothing and is worth what it still holds
    assert sums(east_order) == (D("250.00"), D("150.00"), D("0.00"), D("0.00"), D("250.00"))
    assert Refund.objects.get().owed_again is False


# --- What refunds do to receivables and a customer's value, in several currencies ----------------


def test_refunds_change_receivables_and_value_per_currency(admin_user, alice, east_person):
    # Given rates for USD and EUR (none for JPY) and 张伟's orders in four currencies
    today = timezone.localdate()
    for currency, rate in (("USD", "7.1234"), ("EUR", "7.7777")):
        exchange_rate_create(
            actor=admin_user,
            data={
                "currency": currency,
                "valid_from": (today - datetime.timedelta(days=3)).isoformat(),
                "rate": rate,
            },
        )

    def paid(currency: str, total: str, paid_amount: str) -> Order:
        order = place_order(
            alice,
            east_person,
            currency=currency,
            lines=[{"description": "Tea", "quantity": 1, "unit_price": total}],
        )
        payment_record(actor=alice, order=order, amount=paid_amount, method="bank_transfer")
        return order

    cny_paid = paid("CNY", "1000.00", "1000.00")
    cny_part = paid("CNY", "500.00", "200.00")
    usd = paid("USD", "200.00", "200.00")
    eur = paid("EUR", "150.00", "150.00")
    jpy = paid("JPY", "5000.00", "5000.00")

    # When credits are given in CNY and payments are undone in the other currencies
    refund_record(actor=alice, order=cny_paid, amount="100.00", reason="goodwill")
    refund_record(actor=alice, order=cny_part, amount="50.00", reason="damaged")
    refund_record(actor=alice, order=usd, amount="50.55", owed_again=True)
    refund_record(actor=alice, order=eur, amount="20.01", owed_again=True)
    refund_record(actor=alice, order=jpy, amount="1000.00", owed_again=True)
    owed = customer_receivables(alice, person=east_person).outstanding
    value = customer_value(alice, person=east_person)

    # Then a credit leaves what is owed alone (500 - 50 credited - 150 held = 300) and lowers
    # the value; an undone payment is owed again; JPY has no rate and is left out, not zero
    def cny(amount: str, rate: str = "1") -> Decimal:
        return (D(amount) * D(rate)).quantize(D("0.01"), rounding=ROUND_HALF_UP)

    assert owed.amounts == {
        "CNY": D("300.00"),
        "USD": D("50.55"),
        "EUR": D("20.01"),
        "JPY": D("1000.00"),
    }
    assert owed.missing == {"JPY": D("1000.00")}
    assert owed.converted == cny("300.00") + cny("50.55", "7.1234") + cny("20.01", "7.7777")
    assert value.net_value.amounts == {
        "CNY": D("1350.00"),
        "USD": D("200.00"),
        "EUR": D("150.00"),
        "JPY": D("5000.00"),
    }
    assert value.net_value.converted == (
        cny("1350.00") + cny("200.00", "7.1234") + cny("150.00", "7.7777")
    )
    assert value.refunded.amounts == {
        "CNY": D("150.00"),
        "USD": D("50.55"),
        "EUR": D("20.01"),
        "JPY": D("1000.00"),
    }


def test_cancelled_order_counts_what_it_kept(admin_user, alice, east_person):
    # Given a USD order of 300 paid in full, cancelled with 250 refunded
    exchange_rate_create(
        actor=admin_user,
        data={"currency": "USD", "valid_from": "2026-01-01", "rate": "7.0555"},
    )
    order = place_order(
        alice,
        east_person,
        currency="USD",
        lines=[{"description": "Tea", "quantity": 3, "unit_price": "100.00"}],
    )
    payment_record(actor=alice, order=order, amount="300.00", method="card")

    order_change_status(
        actor=alice, order=order, status="cancelled", refund_amount="250.00", note="Fee"
    )

    # Then it owes nothing and is worth the 50 it kept
    owed = customer_receivables(alice, person=east_person).outstanding
    value = customer_value(alice, person=east_person).net_value
    assert (owed.amounts, owed.converted) == ({}, D("0.00"))
    assert value.amounts == {"USD": D("50.00")}
    assert value.converted == (D("50.00") * D("7.0555")).quantize(D("0.01"), ROUND_HALF_UP)
