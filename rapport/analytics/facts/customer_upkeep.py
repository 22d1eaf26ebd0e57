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
    # Whose pointers move: a company's refresh also rewrites its rows naming a person, who is
    # the customer of those rows, before and after.
    pointed = set(persons)
    for field, ids in (("person_id", persons), ("company_id", companies)):
        for chunk in _chunks(ids):
            if field == "person_id":
                _lock_customers(chunk, [])
            else:
                _lock_customers([], chunk)
            mine = Q(**{f"{field}__in": chunk})
            if field == "company_id":
                pointed.update(_persons_of(CustomerDayFact.objects.filter(mine)))
            CustomerFact.objects.filter(mine).delete()
            CustomerDayFact.objects.filter(mine).delete()
            orders = Order.objects.filter(mine)
            _bulk_create(CustomerFact, customer_rows(orders))
            day_rows = customer_day_rows(orders)
            _bulk_create(CustomerDayFact, day_rows)
            pointed.update(row.person_id for row in day_rows if row.person_id is not None)
    customer_pointers_refresh(person_ids=pointed, company_ids=companies)


def _persons_of(rows: QuerySet) -> list[int]:
    return list(rows.filter(person_id__isnull=False).values_list("person_id", flat=True).distinct())


# --- Pointers: each customer day row's previous day and the customer's first day ---------------
#
# Over a customer's rows (the person, else the company, else neither: 0), in the order of day,
# owner, team, currency and company, which is total within a customer (a person's rows of one
# day, owner, team and currency differ by company), so a row's pointers are one answer that the
# upkeep, the rebuild and the check all compute alike. Window functions in an UPDATE … FROM
# (PostgreSQL, and SQLite since 3.33), restricted to whole customers.

_CUSTOMER = "COALESCE(person_id, -company_id, 0)"
_ORDER = "day, owner_id, COALESCE(team_id, 0), currency, COALESCE(company_id, 0)"
POINTERS = ("prev_all", "first_all", "prev_team", "first_team")


def _pointers_sql(where: str) -> str:
    """SELECT id and the four pointers of the rows of whole customers matching `where`."""
    table = CustomerDayFact._meta.db_table
    return f"""
        SELECT id,
            LAG(day) OVER (PARTITION BY {_CUSTOMER} ORDER BY {_ORDER}) AS prev_all,
            MIN(day) OVER (PARTITION BY {_CUSTOMER}) AS first_all,
            LAG(day) OVER (PARTITION BY {_CUSTOMER}, team_id ORDER BY {_ORDER}) AS prev_team,
            MIN(day) OVER (PARTITION BY {_CUSTOMER}, team_id) AS first_team
        FROM {table} WHERE {where}
    """  # noqa: S608 (constants; values are parameters)


def _differs(column: str) -> str:
    null_safe = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    table = CustomerDayFact._meta.db_table
    return f"{table}.{column} {null_safe} w.{column}"


def _update_pointers(where: str, params: list) -> int:
    table = CustomerDayFact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET {", ".join(f"{c} = w.{c}" for c in POINTERS)}
            FROM ({_pointers_sql(where)}) AS w
            WHERE {table}.id = w.id AND ({" OR ".join(_differs(c) for c in POINTERS)})
            """,  # noqa: S608 (constants; values are parameters)
            params,
        )
        return cursor.rowcount


def _placeholders(ids: list) -> str:
    return ", ".join(["%s"] * len(ids))


def customer_pointers_refresh(*, person_ids: Iterable[int], company_ids: Iterable[int]) -> None:
    """Compute again the pointers of every row of these persons and of these companies as
    customers (their rows without a person): one UPDATE per chunk of customers."""
    persons = sorted({int(pk) for pk in person_ids if pk is not None})
    companies = sorted({int(pk) for pk in company_ids if pk is not None})
    for chunk in _chunks(persons):
        _update_pointers(f"person_id IN ({_placeholders(chunk)})", chunk)
    for chunk in _chunks(companies):
        _update_pointers(f"person_id IS NULL AND company_id IN ({_placeholders(chunk)})", chunk)


def _customer_ranges() -> Iterator[tuple[str, list]]:
    """Conditions that cut the rows into whole customers: ranges of person ids, then of the
    company ids of rows without a person, then the rows with neither."""
    for field, other in (("person_id", ""), ("company_id", "person_id IS NULL AND ")):
        top = CustomerDayFact.objects.aggregate(top=Max(field))["top"] or 0
        for low in range(0, top + 1, COMPARE_IDS):
            yield f"{other}{field} >= %s AND {field} < %s", [low, low + COMPARE_IDS]
    yield "person_id IS NULL AND company_id IS NULL", []


def customer_pointers_fill() -> int:
    """Compute every row's pointers (after a bulk insert), by ranges of customers, each its
    own transaction. Returns the rows whose pointers changed."""
    changed = 0
    for where, params in _customer_ranges():
        with transaction.atomic():
            changed += _update_pointers(where, params)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Every row was just written twice: without a vacuum the flow counts' index-only scans
        # visit the heap until autovacuum comes by.
        with connection.cursor() as cursor:
            cursor.execute(
                f"VACUUM (ANALYZE) {connection.ops.quote_name(CustomerDayFact._meta.db_table)}"
            )
    return changed


def customer_pointer_differences() -> list:
    """Rows whose stored pointers differ from those computed again from the rows:
    (key, stored, computed), keyed like the day facts."""
    table = CustomerDayFact._meta.db_table
    found = []
    with connection.cursor() as cursor:
        for where, params in _customer_ranges():
            cursor.execute(
                f"""
                SELECT {", ".join(f"{table}.{k}" for k in DAY_KEYS)},
                    {", ".join(f"{table}.{c}" for c in POINTERS)},
                    {", ".join(f"w.{c}" for c in POINTERS)}
                FROM {table} JOIN ({_pointers_sql(where)}) AS w ON {table}.id = w.id
                WHERE {" OR ".join(_differs(c) for c in POINTERS)}
                """,  # noqa: S608 (constants; values are parameters)
                params,
            )
            width = len(DAY_KEYS)
            for row in cursor.fetchall():
                key = (*_dates(row[:1]), *row[1:width])
                found.append((key, _dates(row[width : width + 4]), _dates(row[width + 4 :])))
    return sorted(found, key=repr)


def _dates(values) -> tuple:
    # SQLite answers dates as text.
    return tuple(datetime.date.fromisoformat(v) if isinstance(v, str) else v for v in values)


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
    customer_pointers_fill()
    progress("customer day facts' pointers computed")
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
