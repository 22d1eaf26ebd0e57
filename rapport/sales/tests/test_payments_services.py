"""Recording payments: instalments filled oldest due first, never more than is owed."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from rapport.activities.models import TimelineEntry
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.sales.models import Order, OrderStatus, Payment
from rapport.sales.services.orders import order_change_status, payment_record
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order


def paid_by_instalment(order) -> list[Decimal]:
    return list(order.instalments.order_by("due_date").values_list("paid_amount", flat=True))


def test_payment_fills_the_oldest_due_instalment_first(alice, east_order):
    # Given 400 due 01-10 and 600 due 02-10; when 500 arrives
    payment_record(actor=alice, order=east_order, amount="500.00", method="bank_transfer")

    # Then the January instalment is paid and 100 goes to February
    assert paid_by_instalment(east_order) == [Decimal("400.00"), Decimal("100.00")]
    order = Order.objects.get(pk=east_order.pk)
    assert order.paid_amount == Decimal("500.00")
    assert order.outstanding == Decimal("500.00")
    assert order.status == OrderStatus.PLACED
    assert order.paid_at is None


def test_partial_then_final_payment_marks_the_order_paid(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="alipay")
    when = datetime.datetime(2026, 2, 1, 9, 30, tzinfo=datetime.UTC)

    payment_record(actor=alice, order=east_order, amount="600.00", method="alipay", paid_at=when)

    order = Order.objects.get(pk=east_order.pk)
    assert order.status == OrderStatus.PAID
    assert order.paid_at == when
    assert order.outstanding == Decimal("0.00")
    assert paid_by_instalment(order) == [Decimal("400.00"), Decimal("600.00")]


def test_payments_and_full_payment_are_on_the_timeline(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="wechat_pay")
    payment_record(actor=alice, order=east_order, amount="600.00", method="cash")

    kinds = list(
        TimelineEntry.objects.filter(person=east_order.person)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["payment.recorded", "payment.recorded", "order.paid"]
    first = TimelineEntry.objects.filter(kind="payment.recorded").order_by("id").first()
    assert first.display_title == (
        f"Payment of 400.00 CNY received for order {east_order.number} (WeChat Pay)"
    )


def test_payment_larger_than_outstanding_is_refused(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="999.00", method="cash")

    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount="1.01", method="cash")

    assert "amount" in caught.value.details
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=east_order.pk).paid_amount == Decimal("999.00")


@pytest.mark.parametrize("amount", ["0", "-5.00", "abc", "1.001", 12.5, None])
def test_bad_amount_is_refused(alice, east_order, amount):
    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount=amount, method="cash")

    assert "amount" in caught.value.details
    assert not Payment.objects.exists()


def test_unknown_method_is_refused(alice, east_order):
    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount="1.00", method="bitcoin")

    assert "method" in caught.value.details


def test_payment_before_the_order_was_placed_is_refused(alice, east_order):
    with pytest.raises(ValidationFailed) as caught:
        payment_record(
            actor=alice,
            order=east_order,
            amount="1.00",
            method="cash",
            paid_at="2025-12-31T10:00:00+08:00",
        )

    assert "paid_at" in caught.value.details


@pytest.mark.parametrize("status", ["cancelled", "returned"])
def test_closed_order_takes_no_payment(alice, east_person, status):
    order = place_order(alice, east_person)
    if status == "returned":
        order_change_status(actor=alice, order=order, status="shipped")
    order_change_status(actor=alice, order=order, status=status)

    with pytest.raises(ApplicationError) as caught:
        payment_record(actor=alice, order=order, amount="1.00", method="cash")

    assert caught.value.code == "order_closed"
    assert caught.value.status == 409


def test_shipped_order_paid_later_stays_shipped_but_is_stamped_paid(alice, east_order):
    order_change_status(actor=alice, order=east_order, status="shipped")

    payment_record(actor=alice, order=east_order, amount="1000.00", method="card")

    order = Order.objects.get(pk=east_order.pk)
    assert order.status == OrderStatus.SHIPPED
    assert order.paid_at is not None
    assert TimelineEntry.objects.filter(kind="order.paid", source_id=order.pk).exists()


def test_payment_records_who_and_how(alice, bob, east_order):
    payment = payment_record(
        actor=bob, order=east_order, amount="10.00", method="alipay", reference="AP-778"
    )

    assert (payment.recorded_by, payment.method, payment.reference) == (bob, "alipay", "AP-778")
    assert payment.amount == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_payments_cannot_exceed_the_total(alice, east_order):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with its database lock; the race needs PostgreSQL")
    # Given ¥1,000 outstanding; when two clerks record ¥600 at the same moment
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay():
        try:
            barrier.wait()
            payment_record(actor=alice, order=east_order, amount="600.00", method="cash")
            outcomes.append("recorded")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one is recorded and the order is never overpaid
    assert sorted(outcomes) == ["recorded", "refused"]
    order = Order.objects.get(pk=east_order.pk)
    assert order.paid_amount == Decimal("600.00")
    assert Payment.objects.count() == 1


# --- The same payment twice ----------------------------------------------------------------------


def test_the_same_payment_request_twice_records_once(alice, east_order):
    # Given a payment sent with a key; when the same request arrives again (a double click)
    first = payment_record(
        actor=alice, order=east_order, amount="1000.00", method="cash", idempotency_key="k-1"
    )
    again = payment_record(
        actor=alice, order=east_order, amount="1000.00", method="cash", idempotency_key="k-1"
    )

    # Then the second records nothing and answers with the first, though nothing is owed now
    assert again.pk == first.pk
    assert (first.replayed, again.replayed) == (False, True)
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=east_order.pk).paid_amount == Decimal("1000.00")


@pytest.mark.parametrize("other", ["amount", "order"])
def test_a_payment_key_sent_again_for_another_payment_is_refused(
    alice, east_person, east_order, other
):
    payment_record(
        actor=alice, order=east_order, amount="10.00", method="cash", idempotency_key="k-2"
    )
    order = place_order(alice, east_person) if other == "order" else east_order
    amount = "20.00" if other == "amount" else "10.00"

    with pytest.raises(ApplicationError) as caught:
        payment_record(actor=alice, order=order, amount=amount, idempotency_key="k-2")

    assert (caught.value.code, caught.value.status) == ("idempotency_key_reused", 422)
    assert "idempotency_key" in caught.value.details
    assert Payment.objects.count() == 1


def test_keys_are_per_user(alice, bob, east_order):
    payment_record(actor=alice, order=east_order, amount="10.00", idempotency_key="same")

    payment_record(actor=bob, order=east_order, amount="10.00", idempotency_key="same")

    assert Payment.objects.count() == 2


def test_overlong_key_is_refused(alice, east_order):
    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount="10.00", idempotency_key="k" * 101)

    assert "idempotency_key" in caught.value.details
    assert not Payment.objects.exists()


def test_a_bank_reference_already_recorded_on_the_order_is_refused(alice, east_person, east_order):
    payment_record(actor=alice, order=east_order, amount="10.00", reference="TX-2026-0042")
    other = place_order(alice, east_person)

    with pytest.raises(ValidationFailed) as caught:
        payment_record(actor=alice, order=east_order, amount="10.00", reference="TX-2026-0042")
    payment_record(actor=alice, order=other, amount="10.00", reference="TX-2026-0042")

    assert "TX-2026-0042" in caught.value.details["reference"][0]
    assert Payment.objects.filter(order=east_order).count() == 1
    assert Payment.objects.filter(order=other).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_record_one_payment(alice, east_order):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with its database lock; the race needs PostgreSQL")
    # Given two submissions of the same form (one key) arriving at the same moment
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def pay():
        try:
            barrier.wait()
            payment = payment_record(
                actor=alice, order=east_order, amount="600.00", idempotency_key="double-click"
            )
            answers.append(payment.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then both are answered with the one payment recorded
    assert len(answers) == 2
    assert len(set(answers)) == 1
    assert Payment.objects.count() == 1
    assert Order.objects.get(pk=east_order.pk).paid_amount == Decimal("600.00")
