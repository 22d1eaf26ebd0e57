"""How much is owed: per customer, in total, aged, per owner and by top debtor, in the database."""

import datetime
from decimal import Decimal

import pytest

from rapport.sales.selectors.orders import (
    OrderFilters,
    customer_receivables,
    orders_list,
    receivables_report,
)
from rapport.sales.services.orders import order_change_status, payment_record
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

TODAY = datetime.date(2026, 6, 30)
D = Decimal


@pytest.fixture
def book(alice, charlie, east_person, east_company, west_person, east_order):
    """East owes 1,550.00 of which 1,450.00 is overdue on TODAY; West owes 700.00."""
    # 张伟's first order: 1,000 due in January and February, 250 paid → 750 open, all 91+ days late
    payment_record(actor=alice, order=east_order, amount="250.00", method="cash")
    # 张伟's second order: 100 each due 05-15 (46 days late), 06-20 (10 days), 07-15 (not yet)
    place_order(
        alice,
        east_person,
        placed_at="2026-04-01T10:00:00+08:00",
        lines=[{"description": "Cups", "quantity": 3, "unit_price": "100.00"}],
        instalments=[
            {"due_date": "2026-05-15", "amount": "100.00"},
            {"due_date": "2026-06-20", "amount": "100.00"},
            {"due_date": "2026-07-15", "amount": "100.00"},
        ],
    )
    # 东方贸易: 500 due 04-15 (76 days late)
    place_order(
        alice,
        company=east_company,
        placed_at="2026-04-01T10:00:00+08:00",
        lines=[{"description": "Tables", "quantity": 1, "unit_price": "500.00"}],
        instalments=[{"due_date": "2026-04-15", "amount": "500.00"}],
    )
    # Owing nothing: a cancelled order and a fully paid one
    cancelled = place_order(alice, east_person, placed_at="2026-02-01T10:00:00+08:00")
    order_change_status(actor=alice, order=cancelled, status="cancelled")
    paid = place_order(alice, east_person, placed_at="2026-02-01T10:00:00+08:00")
    payment_record(actor=alice, order=paid, amount="200.00", method="cash")
    # West's customer owes 700
    place_order(
        charlie,
        west_person,
        placed_at="2026-03-01T10:00:00+08:00",
        lines=[{"description": "Desk", "quantity": 1, "unit_price": "700.00"}],
        instalments=[{"due_date": "2026-03-31", "amount": "700.00"}],
    )


def test_customer_receivables_sum_open_orders_and_overdue_instalments(
    alice, east_person, east_company, book
):
    person = customer_receivables(alice, person=east_person, today=TODAY)
    company = customer_receivables(alice, company=east_company, today=TODAY)

    assert (person.outstanding.amounts, person.overdue.amounts, person.open_orders) == (
        {"CNY": D("1050.00")},
        {"CNY": D("950.00")},
        2,
    )
    assert (company.outstanding.amounts, company.overdue.amounts, company.open_orders) == (
        {"CNY": D("500")},
        {"CNY": D("500")},
        1,
    )


def test_other_team_learns_nothing_about_receivables(charlie, east_person, book):
    seen = customer_receivables(charlie, person=east_person, today=TODAY)

    assert (seen.outstanding.amounts, seen.overdue.amounts, seen.open_orders) == ({}, {}, 0)


def test_report_totals_and_aging_buckets(alice, book, django_assert_max_num_queries):
    # Ten: the exchange rates, the aging, the owners' sums (with the money held on closed
    # orders), their overdue part and names, and the debtors' ranking, sums, overdue and names.
    with django_assert_max_num_queries(10):
        report = receivables_report(alice, today=TODAY)

    assert report.totals.outstanding.amounts == {"CNY": D("1550.00")}
    assert report.totals.overdue.amounts == {"CNY": D("1450.00")}
    assert report.totals.open_orders == 3
    assert report.not_yet_due.amounts == {"CNY": D("100.00")}
    assert [(b.first_day, b.last_day, b.amount.converted) for b in report.buckets] == [
        (1, 30, D("100.00")),
        (31, 60, D("100.00")),
        (61, 90, D("500.00")),
        (91, None, D("750.00")),
    ]


def test_report_lists_who_owes_most_first(alice, east_person, east_company, book):
    report = receivables_report(alice, today=TODAY)

    assert [
        (d.kind, d.customer, d.outstanding.converted, d.overdue.converted, d.open_orders)
        for d in report.debtors
    ] == [
        ("person", east_person, D("1050.00"), D("950.00"), 2),
        ("company", east_company, D("500.00"), D("500.00"), 1),
    ]


def test_report_per_owner_and_for_the_administrator(alice, charlie, admin_user, book):
    mine = receivables_report(alice, today=TODAY)
    everyone = receivables_report(admin_user, today=TODAY)
    west_only = receivables_report(admin_user, owner_id=charlie.pk, today=TODAY)

    assert [(row.owner, row.outstanding.converted) for row in mine.by_owner] == [
        (alice, D("1550.00"))
    ]
    assert everyone.totals.outstanding.amounts == {"CNY": D("2250.00")}
    assert [(row.owner, row.overdue.converted) for row in everyone.by_owner] == [
        (alice, D("1450.00")),
        (charlie, D("700.00")),
    ]
    assert west_only.totals.outstanding.amounts == {"CNY": D("700.00")}


def test_report_query_count_does_not_grow_with_debtors(
    alice, east_person, book, django_assert_max_num_queries
):
    for _ in range(5):
        place_order(alice, east_person)

    with django_assert_max_num_queries(10):
        receivables_report(alice, today=TODAY)


def test_customer_history_is_newest_first(alice, east_person, book):
    orders = list(
        orders_list(alice, OrderFilters(person_id=east_person.pk)).order_by("-placed_at", "-pk")
    )

    assert [o.placed_at.date() for o in orders] == sorted(
        (o.placed_at.date() for o in orders), reverse=True
    )
    assert {o.person_id for o in orders} == {east_person.pk}


def test_open_only_filter_leaves_out_paid_and_cancelled(alice, east_person, book):
    open_orders = orders_list(alice, OrderFilters(person_id=east_person.pk, open_only=True))

    assert sorted(o.outstanding for o in open_orders) == [D("300.00"), D("750.00")]
