"""Placing orders and moving them through their statuses: exact money, visibility, timeline."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.customers.services import person_update
from rapport.sales.models import Instalment, Order, OrderLine, OrderStatus
from rapport.sales.selectors.orders import get_order_for_user, orders_visible_to
from rapport.sales.services.catalog import price_list_create, price_list_set_price
from rapport.sales.services.orders import (
    TRANSITIONS,
    allowed_statuses,
    order_change_status,
    order_create,
    order_update,
    payment_record,
)
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

S = OrderStatus


# --- Placing an order ----------------------------------------------------------------------------


def test_totals_are_exact_decimals_from_lines_and_discounts(alice, east_person, tea, cup):
    # Given two catalogue products (388.00 and 45.50)
    # When alice orders 3 teas with 0.10 off and 7 cups with 10.00 off
    order = place_order(
        alice,
        east_person,
        lines=[
            {"product_id": tea.pk, "quantity": 3, "discount": "0.10"},
            {"product_id": cup.pk, "quantity": 7, "discount": "10.00"},
        ],
    )

    # Then the totals are exact to the cent, stored as Decimal
    order.refresh_from_db()
    assert order.subtotal == Decimal("1482.50")  # 3 × 388.00 + 7 × 45.50
    assert order.discount_total == Decimal("10.10")
    assert order.total == Decimal("1472.40")
    assert isinstance(order.total, Decimal)
    lines = list(order.lines.values_list("description", "unit_price", "line_total"))
    assert lines == [
        ("龙井茶礼盒", Decimal("388.00"), Decimal("1163.90")),
        ("青瓷茶杯", Decimal("45.50"), Decimal("308.50")),
    ]


def test_order_copies_owner_and_team_from_the_customer(bob, alice, east, east_person):
    # Given alice's customer; when her colleague bob places the order
    order = place_order(bob, east_person)

    # Then the order belongs where the customer does, so the same people see it
    assert (order.owner, order.team) == (alice, east)


def test_order_number_is_readable_and_unique(alice, east_person):
    first = place_order(alice, east_person, placed_at="2026-03-01T09:00:00+08:00")
    second = place_order(alice, east_person)

    assert re.fullmatch(r"SO-2026-\d{6}", first.number)
    assert first.number == f"SO-2026-{first.pk:06d}"
    assert second.number != first.number


def test_price_comes_from_the_price_list_before_the_product(admin_user, alice, east_person, tea):
    # Given a distributor price list selling tea at 300.00
    distributors = price_list_create(actor=admin_user, data={"name": "经销商价"})
    price_list_set_price(actor=admin_user, price_list=distributors, product=tea, unit_price="300")

    # When an order on that list names the tea without a price
    order = place_order(
        alice,
        east_person,
        price_list_id=distributors.pk,
        lines=[{"product_id": tea.pk, "quantity": 2}],
    )

    # Then the list's price applies
    assert order.lines.get().unit_price == Decimal("300.00")
    assert order.total == Decimal("600.00")
    assert order.price_list == distributors


def test_default_price_list_applies_when_none_is_named(admin_user, alice, east_person, tea):
    members = price_list_create(actor=admin_user, data={"name": "会员价", "is_default": True})
    price_list_set_price(actor=admin_user, price_list=members, product=tea, unit_price="350.00")

    order = place_order(alice, east_person, lines=[{"product_id": tea.pk, "quantity": 1}])

    assert order.total == Decimal("350.00")


def test_without_a_plan_one_instalment_is_due_after_the_payment_terms(settings, alice, east_person):
    settings.RAPPORT_PAYMENT_TERMS_DAYS = 45

    order = place_order(alice, east_person, placed_at="2026-03-01T09:00:00+08:00")

    instalment = order.instalments.get()
    assert instalment.amount == order.total == Decimal("200.00")
    assert instalment.due_date == datetime.date(2026, 4, 15)


def test_instalments_are_stored_in_due_order(east_order):
    plan = list(east_order.instalments.values_list("sequence", "due_date", "amount"))

    assert plan == [
        (1, datetime.date(2026, 1, 10), Decimal("400.00")),
        (2, datetime.date(2026, 2, 10), Decimal("600.00")),
    ]


def test_instalments_must_add_up_to_the_total_exactly(alice, east_person):
    with pytest.raises(ValidationFailed) as caught:
        place_order(
            alice,
            east_person,
            instalments=[
                {"due_date": "2030-01-01", "amount": "100.00"},
                {"due_date": "2030-02-01", "amount": "99.99"},
            ],
        )

    assert "instalments" in caught.value.details
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "Tea", "quantity": -1, "unit_price": "10.00"}, "lines.0.quantity"),
        ({"description": "Tea", "quantity": 0, "unit_price": "10.00"}, "lines.0.quantity"),
        ({"description": "Tea", "quantity": 1.5, "unit_price": "10.00"}, "lines.0.quantity"),
        ({"description": "Tea", "quantity": 1, "unit_price": "-10.00"}, "lines.0.unit_price"),
        ({"description": "Tea", "quantity": 1, "unit_price": 10.5}, "lines.0.unit_price"),
        ({"description": "Tea", "quantity": 1, "unit_price": "10.001"}, "lines.0.unit_price"),
        ({"description": "Tea", "quantity": 1, "unit_price": "NaN"}, "lines.0.unit_price"),
        (
            {"description": "Tea", "quantity": 2, "unit_price": "10.00", "discount": "20.01"},
            "lines.0.discount",
        ),
        (
            {"description": "Tea", "quantity": 1, "unit_price": "1", "discount": "-1"},
            "lines.0.discount",
        ),
        ({"quantity": 1, "unit_price": "10.00"}, "lines.0.description"),
        ({"description": "Tea", "quantity": 1}, "lines.0.unit_price"),
        ({"product_id": 999999, "quantity": 1}, "lines.0.product_id"),
        (
            {"description": "Tea", "quantity": 1, "unit_price": "1", "colour": "red"},
            "lines.0.colour",
        ),
    ],
)
def test_bad_line_is_refused_with_a_field_error_and_nothing_saved(alice, east_person, line, field):
    with pytest.raises(ValidationFailed) as caught:
        place_order(alice, east_person, lines=[line])

    assert field in caught.value.details
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not TimelineEntry.objects.filter(kind__startswith="order.").exists()


def test_order_without_lines_is_refused(alice, east_person):
    with pytest.raises(ValidationFailed) as caught:
        place_order(alice, east_person, lines=[])

    assert "lines" in caught.value.details


def test_inactive_product_cannot_be_ordered(admin_user, alice, east_person, tea):
    from rapport.sales.services.catalog import product_deactivate

    product_deactivate(actor=admin_user, product=tea)

    with pytest.raises(ValidationFailed) as caught:
        place_order(alice, east_person, lines=[{"product_id": tea.pk, "quantity": 1}])

    assert "lines.0.product_id" in caught.value.details


def test_order_in_the_future_is_refused(alice, east_person):
    tomorrow = timezone.now() + datetime.timedelta(days=1)

    with pytest.raises(ValidationFailed) as caught:
        place_order(alice, east_person, placed_at=tomorrow.isoformat())

    assert "placed_at" in caught.value.details


def test_order_needs_a_customer(alice):
    with pytest.raises(ValidationFailed) as caught:
        order_create(
            actor=alice, data={"lines": [{"description": "x", "quantity": 1, "unit_price": "1"}]}
        )

    assert "person_id" in caught.value.details


def test_order_for_a_customer_the_actor_cannot_see_is_not_found(charlie, east_person):
    with pytest.raises(NotFound):
        place_order(charlie, east_person)

    assert not Order.objects.exists()


def test_order_for_a_company_the_actor_cannot_see_is_not_found(charlie, east_company):
    with pytest.raises(NotFound):
        place_order(charlie, company=east_company)


def test_placing_an_order_puts_it_on_the_customers_timeline(alice, east_person, east_company):
    order = place_order(alice, east_person, east_company, placed_at="2026-05-05T10:00:00+08:00")

    entry = TimelineEntry.objects.get(kind="order.placed")
    assert (entry.person_id, entry.company_id) == (east_person.pk, east_company.pk)
    assert (entry.source_type, entry.source_id) == ("order", order.pk)
    assert entry.occurred_at == order.placed_at
    assert entry.display_title == f"Order {order.number} placed: 200.00 CNY"


def test_timeline_words_an_order_in_the_readers_language(alice, east_person):
    from django.utils import translation

    order = place_order(alice, east_person)
    entry = TimelineEntry.objects.get(kind="order.placed")

    with translation.override("zh-hans"):
        title = entry.display_title

    assert order.number in title
    assert "placed" not in title


# --- Visibility ----------------------------------------------------------------------------------


def test_other_team_cannot_see_the_order(alice, bob, charlie, diana, admin_user, east_order):
    for user in (alice, bob, diana, admin_user):
        assert get_order_for_user(user, east_order.pk) == east_order
    with pytest.raises(NotFound):
        get_order_for_user(charlie, east_order.pk)
    assert not orders_visible_to(charlie).exists()


def test_orders_follow_their_customer_to_another_team(admin_user, charlie, west, east_order):
    # Given 张伟's order is East's; when an administrator gives 张伟 to charlie (West)
    person_update(
        actor=admin_user, person=east_order.person, data={"owner_id": charlie.pk}, version=None
    )

    # Then the order follows the customer
    east_order.refresh_from_db()
    assert (east_order.owner, east_order.team) == (charlie, west)
    assert get_order_for_user(charlie, east_order.pk) == east_order


# --- The state machine ---------------------------------------------------------------------------

ALL = list(S.values)
EXPECTED = {
    ("placed", "shipped"),
    ("placed", "cancelled"),
    ("paid", "shipped"),
    ("paid", "cancelled"),
    ("shipped", "received"),
    ("shipped", "returned"),
    ("received", "returned"),
}


def test_transition_table_is_the_documented_one():
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}

    assert allowed == EXPECTED | {("placed", "paid")}


def _order_in(status: str, actor, person) -> Order:
    """A fully paid ¥200 order brought to `status` through the services."""
    order = place_order(actor, person)
    path = {
        "placed": [],
        "paid": [],
        "shipped": ["shipped"],
        "received": ["shipped", "received"],
        "cancelled": ["cancelled"],
        "returned": ["shipped", "returned"],
    }[status]
    if status != "placed":
        if status != "cancelled":
            payment_record(actor=actor, order=order, amount="200.00", method="cash")
        for step in path:
            order_change_status(
                actor=actor, order=order, status=step, note="fee kept", refund_amount="0"
            )
    order.refresh_from_db()
    assert order.status == status
    return order


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_status_change_follows_the_table(alice, east_person, source, target):
    order = _order_in(source, alice, east_person)
    legal = (source, target) in EXPECTED

    if legal:
        changed = order_change_status(
            actor=alice, order=order, status=target, note="fee kept", refund_amount="0"
        )
        assert changed.status == target
        assert getattr(changed, f"{target}_at") is not None
        assert TimelineEntry.objects.filter(kind=f"order.{target}", source_id=order.pk).exists()
    else:
        with pytest.raises(ApplicationError) as caught:
            order_change_status(
                actor=alice, order=order, status=target, note="fee kept", refund_amount="0"
            )
        assert 400 <= caught.value.status < 500
        order.refresh_from_db()
        assert order.status == source


def test_refused_transition_names_the_allowed_ones(alice, east_person):
    order = _order_in("shipped", alice, east_person)

    with pytest.raises(ApplicationError) as caught:
        order_change_status(actor=alice, order=order, status="cancelled")

    assert caught.value.code == "invalid_transition"
    assert caught.value.status == 409
    assert caught.value.details["allowed"] == ["received", "returned"]


def test_placed_order_becomes_paid_only_when_fully_paid(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="400.00", method="cash")

    with pytest.raises(ApplicationError) as caught:
        order_change_status(actor=alice, order=east_order, status="paid")

    assert caught.value.code == "order_not_fully_paid"
    assert "paid" not in allowed_statuses(Order.objects.get(pk=east_order.pk))


def test_order_with_nothing_to_pay_can_be_marked_paid(alice, east_person):
    order = place_order(
        alice,
        east_person,
        lines=[{"description": "Sample", "quantity": 1, "unit_price": "0.00"}],
    )

    assert not order.instalments.exists()
    changed = order_change_status(actor=alice, order=order, status="paid")
    assert changed.status == "paid"


def test_cancelling_a_paid_order_needs_a_refund_decision(alice, east_person):
    # (The decision itself is tested in test_refunds.py.)
    order = _order_in("paid", alice, east_person)

    with pytest.raises(ApplicationError) as caught:
        order_change_status(actor=alice, order=order, status="cancelled")
    assert "refund_amount" in caught.value.details

    cancelled = order_change_status(
        actor=alice, order=order, status="cancelled", refund_amount="200.00", note="By transfer"
    )
    entry = TimelineEntry.objects.get(kind="order.cancelled")
    assert (cancelled.status, cancelled.paid_amount) == ("cancelled", Decimal("0.00"))
    assert entry.body == "By transfer"


def test_status_change_stamps_the_given_time(alice, east_order):
    when = datetime.datetime(2026, 1, 5, 15, 0, tzinfo=datetime.UTC)

    shipped = order_change_status(actor=alice, order=east_order, status="shipped", at=when)

    assert shipped.shipped_at == when
    assert TimelineEntry.objects.get(kind="order.shipped").occurred_at == when


def test_unknown_status_is_a_field_error(alice, east_order):
    with pytest.raises(ValidationFailed) as caught:
        order_change_status(actor=alice, order=east_order, status="lost")

    assert "status" in caught.value.details


# --- Changing an order ---------------------------------------------------------------------------


def test_placed_unpaid_order_can_have_its_lines_changed(alice, east_order):
    changed = order_update(
        actor=alice,
        order=east_order,
        data={"lines": [{"description": "Tea", "quantity": 3, "unit_price": "100.00"}]},
    )

    assert changed.total == Decimal("300.00")
    assert list(changed.instalments.values_list("amount", flat=True)) == [Decimal("300.00")]
    assert TimelineEntry.objects.filter(kind="order.updated").exists()


def test_paid_order_keeps_its_lines(alice, east_order):
    payment_record(actor=alice, order=east_order, amount="1.00", method="cash")

    with pytest.raises(ApplicationError) as caught:
        order_update(actor=alice, order=east_order, data={"lines": []})

    assert caught.value.code == "order_locked"
    assert Order.objects.get(pk=east_order.pk).total == Decimal("1000.00")


def test_notes_can_always_change(alice, east_person):
    order = _order_in("received", alice, east_person)

    changed = order_update(actor=alice, order=order, data={"notes": "Gift wrap"})

    assert changed.notes == "Gift wrap"


def test_stale_version_is_a_conflict(alice, east_order):
    with pytest.raises(ApplicationError) as caught:
        order_update(actor=alice, order=east_order, data={"notes": "x"}, version=99)

    assert caught.value.status == 409


def test_instalment_rows_match_the_order(east_order):
    total = sum(Instalment.objects.filter(order=east_order).values_list("amount", flat=True))

    assert total == east_order.total
