"""Keeping the per-customer facts (`CustomerFact`, `CustomerDayFact`) equal to the orders.

The grain is the customer: when orders change, every fact row of their persons and companies,
as they are now and as they were last counted (`OrderFactSlice`, since a merge announces the
order after it moved), is deleted and computed again from all of that person's or company's
orders. A customer has a handful of orders, so the cost does not grow with history; a row
(person, company) is recomputed whole whichever of the two is refreshed, so refreshing a person
and its company in either order gives the same rows.

Only counted orders are in these facts: neither cancelled nor returned (not a purchase), at
their total less credits (`rapport.analytics.kpis`, "revenue").
"""

import datetime
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from rapport.analytics.facts.models import CustomerDayFact, CustomerFact, OrderFactSlice
from rapport.analytics.facts.zone import day_start, fact_zone, local_day
from rapport.customers.models import Company, Person
from rapport.sales.models import Order, OrderStatus
from rapport.sales.selectors.money import to_cents

NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
MONEY_SUM = DecimalField(max_digits=18, decimal_places=2)
CHUNK = 500
BATCH = 5000
# Customers compared at once by `customer_facts_compare`: ids, not rows, so a chunk is a range.
COMPARE_IDS = 50_000

KEYS = ("person_id", "company_id", "owner_id", "team_id", "currency")
CUSTOMER_KEYS = KEYS
CUSTOMER_MEASURES = ("first_day", "last_day", "orders", "revenue")
DAY_KEYS = ("day", *KEYS)
DAY_MEASURES = ("orders", "revenue")


def _revenue():
    return Coalesce(
        Sum(F("total") - F("credited_amount"), output_field=MONEY_SUM),
        0,
        output_field=MONEY_SUM,
    )


def _counted(orders: QuerySet) -> QuerySet:
    return orders.exclude(status__in=NOT_COUNTED).order_by()


def customer_rows(orders: QuerySet) -> Iterator[CustomerFact]:
    """The `CustomerFact` rows of `orders` (whole customers' orders), streamed."""
    rows = (
        _counted(orders)
        .values(*KEYS)
        .annotate(first=Min("placed_at"), last=Max("placed_at"), n=Count("pk"), s=_revenue())
    )
    for row in rows.iterator(chunk_size=BATCH):
        yield CustomerFact(
            **{key: row[key] for key in KEYS},
            first_day=local_day(row["first"]),
            last_day=local_day(row["last"]),
            orders=row["n"],
            revenue=to_cents(row["s"]),
        )


def customer_day_rows(orders: QuerySet) -> list[CustomerDayFact]:
    """The `CustomerDayFact` rows of `orders` (whole days of whole customers)."""
    rows = (
        _counted(orders)
        .annotate(fact_day=TruncDate("placed_at", tzinfo=fact_zone()))
        .values("fact_day", *KEYS)
        .annotate(n=Count("pk"), s=_revenue())
    )
    return [
        CustomerDayFact(
            day=row["fact_day"],
            **{key: row[key] for key in KEYS},
            orders=row["n"],
            revenue=to_cents(row["s"]),
        )
        for row in rows
    ]


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock_customers(person_ids: list[int], company_ids: list[int]) -> None:
    # Two refreshes of one customer's orders (of two owners, say) must not insert its rows from
    # two snapshots (PostgreSQL; SQLite has one writer anyway). In id order: no deadlock.
    for model, ids in ((Person, person_ids), (Company, company_ids)):
        if ids:
            list(
                model._base_manager.select_for_update()
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )


def _bulk_create(model, rows: Iterable) -> int:
    written, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            written += len(model.objects.bulk_create(batch))
            batch = []
    if batch:
        written += len(model.objects.bulk_create(batch))
    return written


@transaction.atomic
def customer_facts_refresh(*, person_ids: Iterable[int], company_ids: Iterable[int]) -> None:
    """Compute again every per-customer fact row of these persons and companies."""
    persons = sorted({int(pk) for pk in person_ids if pk is not None})
    companies = sorted({int(pk) for pk in company_ids if pk is not None})
    for field, ids in (("person_id", persons), ("company_id", companies)):
        for chunk in _chunks(ids):
            if field == "person_id":
                _lock_customers(chunk, [])
            else:
                _lock_customers([], chunk)
            mine = Q(**{f"{field}__in": chunk})
            CustomerFact.objects.filter(mine).delete()
            CustomerDayFact.objects.filter(mine).delete()
            orders = Order.objects.filter(mine)
            _bulk_create(CustomerFact, customer_rows(orders))
            _bulk_create(CustomerDayFact, customer_day_rows(orders))


def customer_facts_rebuild_alone(progress: Callable[[str], None] = lambda line: None) -> dict:
    """Delete the per-customer facts and compute them again, the day facts a month of orders
    per transaction, and note each order's customer where `OrderFactSlice` remembers it: after
    upgrading a database whose daily facts are right, without rebuilding those. Returns the rows
    written per table."""
    written = {"customer_days": 0, "customers": 0}
    CustomerDayFact.objects.all().delete()
    bounds = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    if bounds["first"] is not None:
        month = local_day(bounds["first"]).replace(day=1)
        while month <= local_day(bounds["last"]):
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            with transaction.atomic():
                orders = Order.objects.filter(
                    placed_at__gte=day_start(month), placed_at__lt=day_start(following)
                )
                written["customer_days"] += _bulk_create(CustomerDayFact, customer_day_rows(orders))
            progress(f"{month:%Y-%m}: {written['customer_days']:,} customer day facts so far")
            month = following
    written["customers"] = customer_facts_rebuild()
    progress(f"{written['customers']:,} customer facts")
    with transaction.atomic():
        order = Order.objects.filter(pk=OuterRef("order_id"))
        OrderFactSlice.objects.update(
            person_id=Subquery(order.values("person_id")[:1]),
            company_id=Subquery(order.values("company_id")[:1]),
        )
    with connection.cursor() as cursor:
        for model in (CustomerFact, CustomerDayFact, OrderFactSlice):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written


def customer_facts_rebuild() -> int:
    """Delete every `CustomerFact` and compute them all again in one pass over the orders,
    inserted in batches (the day facts are rebuilt a month at a time with the daily facts).
    Returns the rows written."""
    with transaction.atomic():
        CustomerFact.objects.all().delete()
        return _bulk_create(CustomerFact, customer_rows(Order.objects.all()))


def _table(rows: Iterable, keys: tuple[str, ...], measures: tuple[str, ...]) -> dict:
    return {
        tuple(getattr(row, k) for k in keys): tuple(
            to_cents(getattr(row, m)) if m == "revenue" else getattr(row, m) for m in measures
        )
        for row in rows
    }


def _differences(stored: dict, fresh: dict) -> list:
    return [
        (key, stored.get(key), fresh.get(key))
        for key in sorted(stored.keys() | fresh.keys(), key=repr)
        if stored.get(key) != fresh.get(key)
    ]


def customer_day_differences(start: datetime.date, end: datetime.date) -> list:
    """`CustomerDayFact` rows of the days start..end that differ from a direct query:
    (key, stored, computed)."""
    stored = _table(CustomerDayFact.objects.filter(day__range=(start, end)), DAY_KEYS, DAY_MEASURES)
    orders = Order.objects.filter(
        placed_at__gte=day_start(start),
        placed_at__lt=day_start(end + datetime.timedelta(days=1)),
    )
    return _differences(stored, _table(customer_day_rows(orders), DAY_KEYS, DAY_MEASURES))


def customer_differences() -> list:
    """`CustomerFact` rows that differ from a direct query, read by ranges of person ids, then
    of company ids (rows without a person)."""
    found = []
    for field, model in (("person_id", Person), ("company_id", Company)):
        top = model._base_manager.aggregate(top=Max("pk"))["top"] or 0
        stored_top = CustomerFact.objects.aggregate(top=Max(field))["top"] or 0
        for low in range(0, max(top, stored_top) + 1, COMPARE_IDS):
            mine = Q(**{f"{field}__gte": low, f"{field}__lt": low + COMPARE_IDS})
            if field == "company_id":
                mine &= Q(person_id__isnull=True)
            stored = _table(CustomerFact.objects.filter(mine), CUSTOMER_KEYS, CUSTOMER_MEASURES)
            fresh = _table(
                customer_rows(Order.objects.filter(mine)), CUSTOMER_KEYS, CUSTOMER_MEASURES
            )
            found.extend(_differences(stored, fresh))
    return found
