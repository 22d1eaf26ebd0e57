"""The daily facts equal a direct query of the sales tables after every kind of change: orders
placed, their lines and amounts edited, paid, refunded, cancelled, returned, moved to another
date or owner, their customer moved to another province, and two customers merged.

`expected_*` below read the source rows one by one in Python (no GROUP BY, no code shared with
the upkeep), by the rules of docs/decisions.md ("Daily facts")."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.analytics.facts.models import (
    CashFact,
    CustomerDayFact,
    CustomerFact,
    OrderFact,
    OrderFactSlice,
    OrderLineFact,
    OrderLineMonthFact,
    ReceivableFact,
)
from rapport.analytics.facts.selectors import receivables_totals
from rapport.analytics.facts.upkeep import (
    fact_zone,
    facts_compare,
    facts_rebuild,
    facts_refresh_orders,
)
from rapport.core.records import record_changed
from rapport.customers.services import company_create, person_create, person_update
from rapport.dataio.services.dedup.merge import person_merge
from rapport.sales.models import Order, OrderLine, Payment, Refund
from rapport.sales.selectors.money import RateBook
from rapport.sales.selectors.orders import receivables_report
from rapport.sales.services.orders import (
    order_change_status,
    order_create,
    order_update,
    payment_record,
    refund_record,
)

pytestmark = pytest.mark.django_db

CLOSED = ("cancelled", "returned")
NO_DIFFERENCES = {
    "orders": [],
    "lines": [],
    "line_months": [],
    "cash": [],
    "receivables": [],
    "customers": [],
    "customer_days": [],
    "customer_pointers": [],
}


def day_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, fact_zone()).date()


def province_of(order: Order) -> str:
    return (order.person.region if order.person_id else order.company.region) or ""


def expected_orders() -> dict:
    cells = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for o in Order.objects.select_related("person", "company"):
        key = (day_of(o.placed_at), o.owner_id, o.team_id, o.currency, province_of(o))
        cell = cells[key]
        cell[0] += 1
        if o.status not in CLOSED:
            cell[1] += 1
            cell[2] += o.total
            cell[3] += o.credited_amount
        else:
            cell[4] += o.paid_amount
        cell[5] += o.net_value
        cell[6] += o.paid_amount
    return {key: tuple(cell) for key, cell in cells.items()}


def stored_orders() -> dict:
    return {
        (f.day, f.owner_id, f.team_id, f.currency, f.province): (
            f.orders,
            f.open_orders,
            f.total,
            f.credited,
            f.kept,
            f.revenue,
            f.paid,
        )
        for f in OrderFact.objects.all()
    }


def expected_lines(*, monthly: bool = False) -> dict:
    cells = defaultdict(lambda: [0, 0, Decimal(0)])
    for line in OrderLine.objects.select_related("order__person", "order__company"):
        o = line.order
        if o.status in CLOSED:
            continue
        day = day_of(o.placed_at)
        if monthly:
            key = (day.replace(day=1), o.owner_id, o.currency, province_of(o), line.product_id)
        else:
            key = (day, o.owner_id, o.currency, line.product_id)
        cells[key][0] += 1
        cells[key][1] += line.quantity
        cells[key][2] += line.line_total
    return {key: tuple(cell) for key, cell in cells.items()}


def stored_lines(*, monthly: bool = False) -> dict:
    if monthly:
        return {
            (f.day, f.owner_id, f.currency, f.province, f.product_id): (
                f.lines,
                f.quantity,
                f.revenue,
            )
            for f in OrderLineMonthFact.objects.all()
        }
    return {
        (f.day, f.owner_id, f.currency, f.product_id): (f.lines, f.quantity, f.revenue)
        for f in OrderLineFact.objects.all()
    }


def expected_cash() -> dict:
    cells = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for p in Payment.objects.select_related("order"):
        cells[(day_of(p.paid_at), p.order.owner_id, p.order.currency)][0] += p.amount
    for r in Refund.objects.select_related("order"):
        cells[(day_of(r.refunded_at), r.order.owner_id, r.order.currency)][1] += r.amount
    return {key: tuple(cell) for key, cell in cells.items()}


def stored_cash() -> dict:
    cells = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for f in CashFact.objects.all():
        cells[(f.day, f.owner_id, f.currency)][0] += f.received
        cells[(f.day, f.owner_id, f.currency)][1] += f.refunded
    return {key: tuple(cell) for key, cell in cells.items()}


def expected_receivables() -> dict:
    """What each open order owes: by the order's day, owner, team and currency, per due date of
    its unpaid instalments (amount less paid) and, without a date, the order's own balance."""
    cells = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for o in Order.objects.prefetch_related("instalments"):
        if o.status in CLOSED:
            continue
        key = (day_of(o.placed_at), o.owner_id, o.team_id, o.currency)
        balance = o.total - o.credited_amount - o.paid_amount
        if balance > 0:
            cells[(*key, None)][1] += balance
            cells[(*key, None)][2] += 1
        for i in o.instalments.all():
            if i.paid_amount < i.amount:
                cells[(*key, i.due_date)][0] += i.amount - i.paid_amount
    return {key: tuple(cell) for key, cell in cells.items()}


def stored_receivables() -> dict:
    cells = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for f in ReceivableFact.objects.all():
        cell = cells[(f.day, f.owner_id, f.team_id, f.currency, f.due_date)]
        cell[0] += f.owed
        cell[1] += f.outstanding
        cell[2] += f.open_orders
    return {key: tuple(cell) for key, cell in cells.items()}


def expected_customers() -> tuple[dict, dict]:
    """Per customer (its person and company), owner, team and currency: first and last day,
    orders and revenue of the counted orders; and the same per day."""
    customers, days = {}, defaultdict(lambda: [0, Decimal(0)])
    for o in Order.objects.exclude(status__in=CLOSED):
        key = (o.person_id, o.company_id, o.owner_id, o.team_id, o.currency)
        day, revenue = day_of(o.placed_at), o.total - o.credited_amount
        first, last, count, total = customers.get(key, (day, day, 0, Decimal(0)))
        customers[key] = (min(first, day), max(last, day), count + 1, total + revenue)
        days[(day, *key)][0] += 1
        days[(day, *key)][1] += revenue
    return customers, {key: tuple(cell) for key, cell in days.items()}


def stored_customers() -> tuple[dict, dict]:
    customers = {
        (f.person_id, f.company_id, f.owner_id, f.team_id, f.currency): (
            f.first_day,
            f.last_day,
            f.orders,
            f.revenue,
        )
        for f in CustomerFact.objects.all()
    }
    days = {
        (f.day, f.person_id, f.company_id, f.owner_id, f.team_id, f.currency): (
            f.orders,
            f.revenue,
        )
        for f in CustomerDayFact.objects.all()
    }
    return customers, days


def expected_pointers() -> dict:
    """Per customer day row: the day of its customer's row before it and the customer's first
    day, over all the customer's rows and within the row's team. The customer is the person,
    else the company; its rows in the order of day, owner, team, currency and company."""
    _customers, days = expected_customers()
    found, last, first = {}, {}, {}
    # key: (day, person, company, owner, team, currency)
    for key in sorted(days, key=lambda k: (k[0], k[3], k[4] or 0, k[5], k[2] or 0)):
        customer = key[1] or -(key[2] or 0)
        mine, team = (customer,), (customer, key[4])
        found[key] = (
            last.get(mine),
            first.setdefault(mine, key[0]),
            last.get(team),
            first.setdefault(team, key[0]),
        )
        last[mine] = last[team] = key[0]
    return found


def stored_pointers() -> dict:
    return {
        (f.day, f.person_id, f.company_id, f.owner_id, f.team_id, f.currency): (
            f.prev_all,
            f.first_all,
            f.prev_team,
            f.first_team,
        )
        for f in CustomerDayFact.objects.all()
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for the commit (the facts' refresh) at the end of the block, as the
    commit of the change would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def assert_receivables_read_what_the_report_says(readers, teams=()):
    """The executive's receivables (totals and aging, from the facts) equal the sales report's,
    for each reader, team filter and a few days (each aging bucket)."""
    for user in readers:
        for team in (None, *teams):
            for today in (
                datetime.date(2026, 3, 10),
                datetime.date(2026, 5, 20),
                datetime.date(2026, 9, 1),
            ):
                rates = RateBook(today)
                facts = receivables_totals(
                    user, today=today, team_id=team.pk if team else None, rates=rates
                )
                report = receivables_report(
                    user, today=today, team_id=team.pk if team else None, debtors=0
                )

                def figures(r):
                    return (
                        r.totals.outstanding.amounts,
                        r.totals.overdue.amounts,
                        r.totals.open_orders,
                        r.not_yet_due.amounts,
                        [b.amount.amounts for b in r.buckets],
                    )

                assert figures(facts) == figures(report)


def assert_facts_equal_the_orders():
    assert stored_orders() == expected_orders()
    assert stored_lines() == expected_lines()
    assert stored_lines(monthly=True) == expected_lines(monthly=True)
    assert stored_cash() == expected_cash()
    assert stored_receivables() == expected_receivables()
    assert stored_customers() == expected_customers()
    assert stored_pointers() == expected_pointers()
    assert facts_compare() == NO_DIFFERENCES


def place(actor, person, *, placed_at, lines, currency=None, company=None):
    data = {"person_id": person.pk if person else None, "placed_at": placed_at, "lines": lines}
    if company:
        data["company_id"] = company.pk
    if currency:
        data["currency"] = currency
    return order_create(actor=actor, data=data)


def test_the_facts_equal_a_direct_query_after_every_kind_of_change(
    alice, bob, charlie, admin_user, tea, cup, committed
):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    wang = person_create(actor=bob, data={"full_name": "王芳", "region": "江苏省"})
    emily = person_create(actor=charlie, data={"full_name": "Emily Carter", "region": "广东省"})
    firm = company_create(actor=alice, data={"name": "东方贸易有限公司", "region": "浙江省"})
    # Inserts: two orders of one customer on one day, one just before midnight (Shanghai),
    # one in another currency, one of another team, one of a company alone and one of the
    # company naming a person.
    with committed():
        first = place(
            alice,
            zhang,
            placed_at="2026-03-01T23:59:00+08:00",
            lines=[
                {"product_id": tea.pk, "quantity": 2},
                {"product_id": cup.pk, "quantity": 3, "discount": "5.00"},
            ],
        )
        second = place(
            alice,
            zhang,
            placed_at="2026-03-01T09:00:00+08:00",
            lines=[{"description": "Tea", "quantity": 1, "unit_price": "99.99"}],
        )
        dollars = place(
            alice,
            zhang,
            placed_at="2026-03-02T00:00:00+08:00",
            currency="USD",
            lines=[{"description": "Tea", "quantity": 4, "unit_price": "12.25"}],
        )
        theirs = place(
            charlie,
            emily,
            placed_at="2026-03-01T12:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 1}],
        )
        bobs = place(
            bob,
            wang,
            placed_at="2026-02-27T10:00:00+08:00",
            lines=[{"product_id": cup.pk, "quantity": 10}],
        )
        place(
            alice,
            None,
            company=firm,
            placed_at="2026-02-20T10:00:00+08:00",
            lines=[{"product_id": cup.pk, "quantity": 2}],
        )
        place(
            bob,
            wang,
            company=firm,
            placed_at="2026-03-03T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 1}],
        )
    assert OrderFact.objects.count() == 6  # zhang's orders of 1 March share a fact row
    assert_facts_equal_the_orders()

    # Updates of the amount: lines edited, one added, an order discount.
    with committed():
        order_update(
            actor=alice,
            order=first,
            data={
                "lines": [
                    {"product_id": tea.pk, "quantity": 5},
                    {"description": "Box", "quantity": 1, "unit_price": "8.00"},
                ],
                "discount": "10.00",
            },
        )
    assert_facts_equal_the_orders()

    # Payments, a credit, a payment undone, a cancellation and a return with a refund.
    with committed():
        payment_record(
            actor=alice, order=first, amount="500.00", paid_at="2026-03-03T10:00:00+08:00"
        )
        refund_record(
            actor=alice, order=first, amount="20.00", refunded_at="2026-03-04T10:00:00+08:00"
        )
    with committed():
        payment_record(
            actor=alice, order=dollars, amount="49.00", paid_at="2026-03-05T10:00:00+08:00"
        )
        refund_record(
            actor=alice,
            order=dollars,
            amount="9.00",
            owed_again=True,
            refunded_at="2026-03-06T10:00:00+08:00",
        )
        order_change_status(actor=alice, order=second, status="cancelled")
    assert_facts_equal_the_orders()
    with committed():
        payment_record(
            actor=charlie, order=theirs, amount=theirs.total, paid_at="2026-03-02T10:00:00+08:00"
        )
        order_change_status(actor=charlie, order=theirs, status="shipped")
        order_change_status(actor=charlie, order=theirs, status="received")
        order_change_status(
            actor=charlie, order=theirs, status="returned", refund_amount="300.00", note="Fee"
        )
    assert_facts_equal_the_orders()

    # Another date (as the demo moves an order placed from a deal), another owner (the
    # customer reassigned: its orders follow), another province.
    with committed():
        Order.objects.filter(pk=bobs.pk).update(
            placed_at=datetime.datetime(2026, 1, 15, 3, tzinfo=datetime.UTC)
        )
        record_changed("order", bobs.pk, "updated", changed_fields=["placed_at"])
    with committed():
        person_update(actor=admin_user, person=zhang, data={"owner_id": bob.pk}, version=None)
    assert Order.objects.get(pk=first.pk).owner_id == bob.pk
    assert_facts_equal_the_orders()
    # One order of zhang's counted for another owner and team (as an import may leave it): his
    # rows of 2 March are then of two teams, and each team's pointers skip the other's rows.
    with committed():
        Order.objects.filter(pk=dollars.pk).update(owner=charlie, team=charlie.team)
        record_changed("order", dollars.pk, "updated", changed_fields=["owner"])
    assert CustomerDayFact.objects.filter(person=zhang).values("team").distinct().count() == 2
    assert_facts_equal_the_orders()
    with committed():
        person_update(actor=admin_user, person=wang, data={"region": "上海市"}, version=None)
    assert_facts_equal_the_orders()

    # A merge: wang's orders move to zhang, and take zhang's owner and province.
    with committed():
        person_merge(actor=admin_user, survivor=zhang, other=wang)
    assert Order.objects.get(pk=bobs.pk).person_id == zhang.pk
    assert_facts_equal_the_orders()
    assert ReceivableFact.objects.filter(due_date__isnull=False).exists()
    assert_receivables_read_what_the_report_says(
        [admin_user, alice, bob, charlie], [alice.team, charlie.team]
    )


def test_a_change_rolled_back_leaves_the_facts_as_they_were(alice, tea, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        order = place(
            alice,
            zhang,
            placed_at="2026-03-01T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 3}],
        )
    before = stored_orders()

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        payment_record(actor=alice, order=order, amount="100.00")
        raise RuntimeError("the request failed after the payment")

    assert stored_orders() == before
    assert_facts_equal_the_orders()


def test_a_rebuild_gives_the_facts_the_upkeep_kept(alice, tea, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        order = place(
            alice,
            zhang,
            placed_at="2026-03-01T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 3}],
        )
        payment_record(
            actor=alice, order=order, amount="100.00", paid_at="2026-03-02T10:00:00+08:00"
        )

    def stored():
        return (
            stored_orders(),
            stored_lines(),
            stored_lines(monthly=True),
            stored_cash(),
            stored_receivables(),
            stored_customers(),
            stored_pointers(),
        )

    kept = stored()

    written = facts_rebuild()

    assert written == {
        "orders": 1,
        "lines": 1,
        "line_months": 1,
        "cash": 1,
        "slices": 1,
        "customers": 1,
        "customer_days": 1,
        "receivables": 2,  # the order's balance, and its one instalment owing part of it
    }
    assert stored() == kept


def test_the_check_finds_facts_written_behind_the_upkeeps_back(alice, tea, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        order = place(
            alice,
            zhang,
            placed_at="2026-03-01T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 3}],
        )
    Order.objects.filter(pk=order.pk).update(total=Decimal("1.00"))  # no announcement

    differences = facts_compare()

    assert [key[4] for key, _stored, _fresh in differences["orders"]] == ["浙江省"]
    call_command("rebuild_facts", "--check", stdout=io.StringIO())
    assert facts_compare()["orders"] == []


def test_the_check_finds_pointers_written_behind_the_upkeeps_back(alice, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        for day, currency in (("01", "CNY"), ("01", "USD"), ("05", "CNY")):
            place(
                alice,
                zhang,
                placed_at=f"2026-03-{day}T10:00:00+08:00",
                lines=[{"description": "Tea", "quantity": 1, "unit_price": "10.00"}],
                currency=currency,
            )
    assert stored_pointers() == expected_pointers()
    CustomerDayFact.objects.filter(day=datetime.date(2026, 3, 5)).update(prev_team=None)

    differences = facts_compare()

    assert [
        (key[0], stored[2], fresh[2]) for key, stored, fresh in differences.pop("customer_pointers")
    ] == [(datetime.date(2026, 3, 5), None, datetime.date(2026, 3, 1))]
    assert not any(differences.values())
    call_command("rebuild_facts", "--check", stdout=io.StringIO())
    assert stored_pointers() == expected_pointers()
    assert facts_compare() == NO_DIFFERENCES


def test_a_batch_of_one_owners_orders_costs_what_one_order_costs(alice, tea, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        orders = [
            place(
                alice,
                zhang,
                placed_at=f"2026-03-0{day}T10:00:00+08:00",
                lines=[{"product_id": tea.pk, "quantity": 1}],
            )
            for day in (1, 1, 2, 3, 3)
        ]
        for order in orders:
            payment_record(
                actor=alice, order=order, amount="10.00", paid_at="2026-03-05T10:00:00+08:00"
            )

    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            facts_refresh_orders(ids)
        return len(captured)

    assert queries([o.pk for o in orders]) == queries([orders[0].pk])


def test_the_customer_facts_alone_are_built_after_an_upgrade(alice, tea, committed):
    zhang = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江省"})
    with committed():
        place(
            alice,
            zhang,
            placed_at="2026-03-01T10:00:00+08:00",
            lines=[{"product_id": tea.pk, "quantity": 3}],
        )
    # As a database migrated from before the customer facts: none, and slices without customers.
    CustomerFact.objects.all().delete()
    CustomerDayFact.objects.all().delete()
    OrderFactSlice.objects.update(person_id=None)

    call_command("rebuild_facts", "--customers-only", stdout=io.StringIO())

    assert stored_customers() == expected_customers()
    assert stored_pointers() == expected_pointers()
    assert list(OrderFactSlice.objects.values_list("person_id", flat=True)) == [zhang.pk]
    assert facts_compare() == NO_DIFFERENCES
