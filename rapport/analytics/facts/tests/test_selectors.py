"""Reading the facts: per period and dimension, per currency, only what the reader may see, in
one query."""

import datetime
from decimal import Decimal

import pytest

from rapport.analytics.facts.selectors import (
    FactFilters,
    cash_facts,
    customer_retention,
    line_facts,
    new_and_repeat_customers,
    order_facts,
    top_customers,
)
from rapport.core.errors import ValidationFailed
from rapport.customers.services import person_create
from rapport.sales.selectors.money import RateBook
from rapport.sales.services.orders import order_create, payment_record

pytestmark = pytest.mark.django_db

YEAR = {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31)}


@pytest.fixture
def orders(alice, charlie, tea, cup, django_capture_on_commit_callbacks):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    emily = person_create(actor=charlie, data={"full_name": "Emily Carter", "region": "广东省"})
    with django_capture_on_commit_callbacks(execute=True):
        for when, person, actor, lines in (
            ("2026-01-05T10:00:00+08:00", zhang, alice, [{"product_id": tea.pk, "quantity": 1}]),
            ("2026-01-20T10:00:00+08:00", zhang, alice, [{"product_id": cup.pk, "quantity": 2}]),
            ("2026-02-03T10:00:00+08:00", zhang, alice, [{"product_id": tea.pk, "quantity": 2}]),
            ("2026-02-04T10:00:00+08:00", emily, charlie, [{"product_id": tea.pk, "quantity": 5}]),
        ):
            order = order_create(
                actor=actor, data={"person_id": person.pk, "placed_at": when, "lines": lines}
            )
        payment_record(
            actor=charlie, order=order, amount="100.00", paid_at="2026-02-05T10:00:00+08:00"
        )


def test_revenue_by_month_counts_only_what_the_reader_may_see(
    alice, orders, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = order_facts(alice, **YEAR, group_by=("month",), measures=("orders", "revenue"))

    assert rows == [
        {
            "period": datetime.date(2026, 1, 1),
            "currency": "CNY",
            "orders": 2,
            "revenue": Decimal("479.00"),
        },
        {
            "period": datetime.date(2026, 2, 1),
            "currency": "CNY",
            "orders": 1,
            "revenue": Decimal("776.00"),
        },
    ]


def test_an_administrator_sees_every_province(admin_user, orders):
    rows = order_facts(admin_user, **YEAR, group_by=("province",), measures=("revenue",))

    assert [(r["province"], r["revenue"]) for r in rows] == [
        ("广东省", Decimal("1940.00")),
        ("浙江省", Decimal("1255.00")),
    ]


def test_top_products_by_category_and_quarter(admin_user, orders, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = line_facts(
            admin_user,
            **YEAR,
            group_by=("quarter", "category"),
            filters=FactFilters(categories=("茶",)),
            measures=("quantity", "revenue"),
        )

    assert rows == [
        {
            "period": datetime.date(2026, 1, 1),
            "category": "茶",
            "currency": "CNY",
            "quantity": 8,
            "revenue": Decimal("3104.00"),
        }
    ]


def test_cash_in_by_day(charlie, alice, orders):
    assert cash_facts(charlie, **YEAR, group_by=("day", "method"), measures=("received",)) == [
        {
            "period": datetime.date(2026, 2, 5),
            "method": "bank_transfer",
            "currency": "CNY",
            "received": Decimal("100.00"),
        }
    ]
    assert cash_facts(alice, **YEAR) == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"group_by": ("month", "week")},
        {"group_by": ("colour",)},
        {"measures": ("profit",)},
        {"filters": FactFilters(methods=("cash",))},
        {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 1, 1)},
    ],
)
def test_a_question_the_facts_cannot_answer_is_refused(alice, arguments):
    with pytest.raises(ValidationFailed):
        order_facts(alice, **{**YEAR, **arguments})


def test_sales_by_province_and_product_by_month(admin_user, orders, tea):
    rows = line_facts(
        admin_user,
        start=datetime.date(2026, 2, 1),
        end=datetime.date(2026, 2, 28),
        group_by=("month", "province", "product"),
        measures=("quantity",),
    )

    assert rows == [
        {
            "period": datetime.date(2026, 2, 1),
            "province": province,
            "product": tea.pk,
            "currency": "CNY",
            "quantity": quantity,
        }
        for province, quantity in (("广东省", 5), ("浙江省", 2))
    ]


def test_lines_by_province_are_asked_by_whole_months(admin_user, orders):
    with pytest.raises(ValidationFailed):
        line_facts(
            admin_user,
            start=datetime.date(2026, 2, 3),
            end=datetime.date(2026, 2, 28),
            group_by=("province",),
        )


# --- Customers -----------------------------------------------------------------------------------
# 张伟 (alice) ordered on 5 and 20 January and 3 February, Emily (charlie) on 4 February.

JAN_FEB = {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 2, 28)}


def test_new_and_repeat_customers_by_month_as_each_reader_sees_them(alice, admin_user, orders):
    mine = new_and_repeat_customers(alice, **JAN_FEB, period="month")
    everyone = new_and_repeat_customers(admin_user, **JAN_FEB, period="month")

    assert [(r["period"].month, r["active"], r["new"], r["repeat"]) for r in mine] == [
        (1, 1, 1, 0),
        (2, 1, 0, 1),
    ]
    assert [(r["active"], r["new"], r["repeat"]) for r in everyone] == [(1, 1, 0), (2, 1, 1)]


def test_retention_of_the_customers_of_the_period_before(admin_user, charlie, orders):
    february = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}

    everyone = customer_retention(admin_user, **february, period="month")
    theirs = customer_retention(charlie, **february, period="month")

    assert everyone == [
        {"period": datetime.date(2026, 2, 1), "base": 1, "retained": 1, "share": 100.0}
    ]
    assert theirs == [
        {"period": datetime.date(2026, 2, 1), "base": 0, "retained": 0, "share": None}
    ]


def test_top_customers_by_revenue_in_the_range(
    alice, admin_user, orders, django_assert_max_num_queries
):
    rates = RateBook(datetime.date(2026, 3, 1))

    with django_assert_max_num_queries(3):  # the ranking, the customers' sums, the rates
        everyone = top_customers(admin_user, **JAN_FEB, rates=rates)
    mine = top_customers(alice, start=datetime.date(2026, 2, 1), end=JAN_FEB["end"], rates=rates)

    assert [(r["company_id"], r["revenue"]) for r in everyone] == [
        (None, {"CNY": Decimal("1940.00")}),
        (None, {"CNY": Decimal("1255.00")}),
    ]
    assert [(r["revenue"], r["converted"]) for r in mine] == [
        ({"CNY": Decimal("776.00")}, Decimal("776.00"))
    ]
