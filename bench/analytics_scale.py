#!/usr/bin/env python
"""Analytics at scale: the daily facts' reads at 1,000,000 persons and 3,000,000 orders (issue 17).

Two steps, on a database of its own (never the test database):

    export RAPPORT_SQLITE_PATH=/var/tmp/analytics/bench.sqlite3   # or DATABASE_URL=postgres://...
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/analytics_scale.py fill --persons 1000000 --orders 3000000 \
        [--order-lines 10000000]
    .venv/bin/python bench/analytics_scale.py run --json /tmp/analytics_scale.json

`fill` is `seed_demo`'s bulk mode (persons, 50,000 companies, 40 users in 5 teams, orders with
lines, instalments and payments over two years, written with raw SQL), then `rebuild_facts`
(timed); on a database that already has its orders (`--facts-only`) only the facts are built.

`reports` runs two-dimension reports over all orders and lines as the report builder does
(`report_run`: from the facts when they can answer, else from the rows), and says which path
answered each.

`run` times the fact reads a dashboard and a report make, in-process through the selectors
(`rapport.analytics.facts.selectors`: the queries, the rows turned into Decimals; no HTTP, no
template), as an administrator (sees everything) and as a representative (their own and their
team's: about a fifth), and prints p50/p95 per read, plus the process's CPU time per read
(the machine is shared: CPU time says what the code costs). For comparison it also times the
two-dimension report asked of the orders table directly (GROUP BY over every order).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DASHBOARD_MS = 300
REPORT_MS = 1000


def _setup_django():
    import django

    django.setup()


def fill(persons: int, orders: int, order_lines: int | None, seed: int, facts_only: bool) -> None:
    from django.core.management import call_command

    from rapport.customers.models import Person

    started, cpu = time.monotonic(), time.process_time()
    if facts_only:
        call_command("rebuild_facts")
    else:
        call_command(
            "seed_demo",
            persons=0 if Person.objects.exists() else persons,
            interactions=0,
            orders=orders,
            order_lines=order_lines,
            seed=seed,
            append=Person.objects.exists(),
        )
    print(
        f"Filled in {time.monotonic() - started:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU (this process)."
    )


class Result:
    def __init__(self, name: str, who: str, target: int):
        self.name, self.who, self.target = name, who, target
        self.times_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.rows = 0

    @staticmethod
    def _p(values: list[float], share: int) -> float:
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=20, method="inclusive")[share]

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return self._p(self.times_ms, 18)

    @property
    def cpu_p95(self) -> float:
        return self._p(self.cpu_ms, 18)


def _readers():
    from django.db.models import Q

    from rapport.accounts.models import Role, User

    # An administrator sees everything; the bulk load makes none, and an unsaved one reads the
    # same (visibility asks only the role).
    admin = User.objects.filter(Q(is_superuser=True) | Q(role=Role.ADMINISTRATOR)).first()
    admin = admin or User(username="bench-admin", role=Role.ADMINISTRATOR, is_active=True)
    rep = (
        User.objects.filter(role=Role.SALES_REP, team__isnull=False, is_active=True)
        .order_by("pk")
        .first()
    )
    return [("admin", admin), ("rep", rep)]


def _scenarios(today: datetime.date, first: datetime.date):
    from django.db.models import Case, DecimalField, F, Sum, When
    from django.db.models.functions import TruncMonth

    from rapport.accounts.access import visible_records_q
    from rapport.analytics.facts.selectors import cash_facts, line_facts, order_facts
    from rapport.sales.models import Order

    year_ago = today - datetime.timedelta(days=364)
    last_year_start = today.replace(year=today.year - 1, month=1, day=1)

    def revenue_by_month_with_last_year(user):
        return order_facts(
            user,
            start=last_year_start,
            end=today,
            group_by=("month",),
            measures=("orders", "revenue"),
        )

    def revenue_by_province(user):
        return order_facts(
            user, start=year_ago, end=today, group_by=("province",), measures=("revenue",)
        )

    def top_products(user):
        rows = line_facts(
            user, start=year_ago, end=today, group_by=("product",), measures=("quantity", "revenue")
        )
        return sorted(rows, key=lambda r: r["revenue"], reverse=True)[:10]

    def cash_in_by_month(user):
        return cash_facts(user, start=year_ago, end=today, group_by=("month",))

    def report_month_by_province_all_orders(user):
        return order_facts(user, start=first, end=today, group_by=("month", "province"))

    month_end = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    month_end -= datetime.timedelta(days=1)

    def report_province_by_product_all_lines(user):
        # By province, lines are summed by whole months.
        return line_facts(
            user, start=first.replace(day=1), end=month_end, group_by=("province", "product")
        )

    def direct_month_by_province_all_orders(user):
        # The same report asked of the orders: what the facts save.
        net = Case(
            When(status__in=("cancelled", "returned"), then=F("paid_amount")),
            default=F("total") - F("credited_amount"),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
        province = Case(
            When(person__isnull=False, then=F("person__region")), default=F("company__region")
        )
        return list(
            Order.objects.filter(visible_records_q(user))
            .annotate(month=TruncMonth("placed_at"), province=province)
            .values("month", "province", "currency")
            .annotate(revenue=Sum(net))
            .order_by()
        )

    return [
        ("revenue by month, with last year", revenue_by_month_with_last_year, DASHBOARD_MS),
        ("revenue by province, a year", revenue_by_province, DASHBOARD_MS),
        ("top products, a year", top_products, DASHBOARD_MS),
        ("cash in by month, a year", cash_in_by_month, DASHBOARD_MS),
        ("report: month x province, all", report_month_by_province_all_orders, REPORT_MS),
        ("report: province x product, all", report_province_by_product_all_lines, REPORT_MS),
        ("orders table: month x province", direct_month_by_province_all_orders, None),
    ]


# Two-dimension reports over all orders and order lines, run as the report builder runs them
# (`report_run`: the facts when they can answer, else a GROUP BY of the rows). Target: 1 s.
OPEN = ["placed", "paid", "shipped", "received"]
REPORTS = [
    ("orders: month x province", {"dimensions": ["placed_at:month", "province"]}),
    ("orders: month x owner", {"dimensions": ["placed_at:month", "owner"]}),
    ("orders: province x team", {"dimensions": ["province", "team"]}),
    ("orders: month x status", {"dimensions": ["placed_at:month", "status"]}),
    (
        "lines: category x owner",
        {
            "subject": "order_lines",
            "dimensions": ["category", "owner"],
            "filters": {"status": OPEN},
        },
    ),
    (
        "lines: month x category",
        {
            "subject": "order_lines",
            "dimensions": ["order_placed_at:month", "category"],
            "filters": {"status": OPEN},
        },
    ),
    (
        "lines: province x product",
        {
            "subject": "order_lines",
            "dimensions": ["province", "product"],
            "filters": {"status": OPEN},
        },
    ),
    (
        "lines: category x owner, any status",
        {"subject": "order_lines", "dimensions": ["category", "owner"]},
    ),
]


def run_reports(requests: int, only: str) -> list[Result]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.analytics.reports.engine import parse_definition, report_run
    from rapport.analytics.reports.facts_route import facts_rows

    print(f"Database: {connection.vendor}; reports over all orders (target {REPORT_MS} ms)")
    results = []
    for name, spec in REPORTS:
        if only and only not in name:
            continue
        subject = spec.get("subject", "orders")
        measures = (
            ["count", "sum:line_total"] if subject == "order_lines" else ["count", "sum:revenue"]
        )
        definition = parse_definition({"subject": subject, "measures": measures, **spec})
        for who, user in _readers():
            routed = facts_rows(user, definition, money=True) is not None
            result = Result(name, who, REPORT_MS)
            count = requests if routed else 1
            for _ in range(count):
                started, cpu = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as queries:
                    found = report_run(user, definition)
                result.times_ms.append((time.perf_counter() - started) * 1000)
                result.cpu_ms.append((time.process_time() - cpu) * 1000)
                result.rows, result.queries = len(found.rows), len(queries)
            results.append(result)
            flag = "ok" if result.p95 <= REPORT_MS else "MISSED"
            print(
                f"{name:36s} {who:5s} {'facts' if routed else 'rows ':5s} p50 {result.p50:8.1f} "
                f"p95 {result.p95:8.1f} ms  cpu p95 {result.cpu_p95:7.1f} ms  "
                f"{result.queries} queries, {result.rows:,} rows  {flag}",
                flush=True,
            )
    return results


def run(requests: int, direct_requests: int, json_path: str | None) -> list[Result]:
    from django.db import connection
    from django.db.models import Min
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rapport.analytics.facts.models import CashFact, OrderFact, OrderLineFact
    from rapport.sales.models import Order, OrderLine

    today = timezone.localdate()
    first = OrderFact.objects.aggregate(first=Min("day"))["first"] or today
    print(
        f"Database: {connection.vendor}; {Order.objects.count():,} orders, "
        f"{OrderLine.objects.count():,} lines; facts: {OrderFact.objects.count():,} order, "
        f"{OrderLineFact.objects.count():,} line, {CashFact.objects.count():,} cash rows."
    )
    results = []
    for name, read, target in _scenarios(today, first):
        for who, user in _readers():
            result = Result(name, who, target or 0)
            count = requests if target else direct_requests
            read(user)  # warm the caches once, as a dashboard read again would find them
            for _ in range(count):
                started, cpu = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as queries:
                    rows = read(user)
                result.times_ms.append((time.perf_counter() - started) * 1000)
                result.cpu_ms.append((time.process_time() - cpu) * 1000)
                result.rows, result.queries = len(rows), len(queries)
            results.append(result)
            flag = "" if not target else ("ok" if result.p95 <= target else "MISSED")
            print(
                f"{name:36s} {who:5s} p50 {result.p50:7.1f} p95 {result.p95:7.1f} ms  "
                f"cpu p95 {result.cpu_p95:7.1f} ms  {result.queries} query, "
                f"{result.rows:,} rows  {flag}",
                flush=True,
            )
    results.append(_time_upkeep(requests))
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                [
                    {
                        "read": r.name,
                        "as": r.who,
                        "p50": r.p50,
                        "p95": r.p95,
                        "cpu_p95": r.cpu_p95,
                        "queries": r.queries,
                        "rows": r.rows,
                        "target_ms": r.target,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    return results


def _time_upkeep(requests: int) -> Result:
    """What a change of one order costs after its commit: its slices computed again (the day's
    orders and lines of its owner, the month's lines, the days its money moved). Idempotent:
    the facts are the same afterwards."""
    import random

    from django.db.models import Max

    from rapport.analytics.facts.upkeep import facts_refresh_orders
    from rapport.sales.models import Order

    rng = random.Random(17)
    last = Order.objects.aggregate(last=Max("pk"))["last"] or 0
    result = Result("upkeep: one order changed", "-", 0)
    for _ in range(requests):
        order_id = rng.randint(1, last)
        started, cpu = time.perf_counter(), time.process_time()
        facts_refresh_orders([order_id])
        result.times_ms.append((time.perf_counter() - started) * 1000)
        result.cpu_ms.append((time.process_time() - cpu) * 1000)
    result.queries, result.rows = 0, 0
    print(
        f"{result.name:36s} {result.who:5s} p50 {result.p50:7.1f} p95 {result.p95:7.1f} ms  "
        f"cpu p95 {result.cpu_p95:7.1f} ms",
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_fill = sub.add_parser("fill", help="Add persons and orders, then build the facts.")
    p_fill.add_argument("--persons", type=int, default=1_000_000)
    p_fill.add_argument("--orders", type=int, default=3_000_000)
    p_fill.add_argument("--order-lines", type=int, default=None)
    p_fill.add_argument("--seed", type=int, default=17)
    p_fill.add_argument(
        "--facts-only", action="store_true", help="Only build the facts of the orders there."
    )
    p_run = sub.add_parser("run", help="Time the fact reads.")
    p_run.add_argument("--requests", type=int, default=30)
    p_run.add_argument("--direct-requests", type=int, default=3)
    p_run.add_argument("--json", default=None)
    p_reports = sub.add_parser(
        "reports", help="Time two-dimension reports as the builder runs them."
    )
    p_reports.add_argument("--requests", type=int, default=10)
    p_reports.add_argument("--only", default="", help="Only the reports whose name has this.")
    args = parser.parse_args()
    _setup_django()
    if args.command == "fill":
        fill(args.persons, args.orders, args.order_lines, args.seed, args.facts_only)
    elif args.command == "reports":
        print("load average before:", Path("/proc/loadavg").read_text().strip())
        run_reports(args.requests, args.only)
        print("load average after:", Path("/proc/loadavg").read_text().strip())
    else:
        run(args.requests, args.direct_requests, args.json)


if __name__ == "__main__":
    main()
