#!/usr/bin/env python
"""Dashboards at scale: every dashboard page, whole, at 1,000,000 persons and 3,000,000 orders
(issue 17: each dashboard's p95 within 300 ms), and each of its widgets alone, so that the slow
ones show.

On a database of its own (never the test database), filled by `seed_demo`'s bulk mode and then
`rebuild_facts`, for example (see docs/benchmarks.md, "Dashboards at 1,000,000 persons"):

    export RAPPORT_SQLITE_PATH=/var/tmp/big/big.sqlite3  # or DATABASE_URL=postgres://...
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --persons 1000000 --interactions 2000000 \
        --leads 300000 --deals 500000 --orders 3000000 --order-lines 10000000 --seed 17
    .venv/bin/python manage.py rebuild_facts
    .venv/bin/python bench/dashboards_scale.py --json /tmp/dashboards_scale.json

Pages are requested in-process through Django's test Client (middleware, session, queries,
template; no network, no web server), as an administrator (sees everything; `bench_admin` is
created if the database has none), a sales manager and a sales representative of the bulk
data's teams, each on every dashboard their role may open, with the default filters (the last
twelve weeks) and a year's range. Each page is requested once to warm up, then `--requests`
times: p50/p95 of wall time and of this process's CPU time (on PostgreSQL the server's own CPU
is not in it), and the page's query count.

Then each widget alone (`--widget-requests` times): a fresh dashboard source and the one
widget's selector, so a widget pays for every read it needs (on the page, widgets share the
source's reads: the page costs less than the sum of its widgets).

The machine's load average is printed before and after: on a shared machine a figure means
little without it.
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

PAGE_TARGET_MS = 300


def _setup_django():
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Plain static URLs: what is measured is the page, not the manifest lookup.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The benchmark writes nothing (but `bench_admin`, once): sessions in a signed cookie and
    # no last-login update, so that it reads a database while a load or `rebuild_facts` holds
    # SQLite's one write lock.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login

    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "?"


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[18]


class Timing:
    def __init__(self, kind: str, who: str, dashboard: str, range_name: str, widget: str = ""):
        self.kind, self.who, self.dashboard = kind, who, dashboard
        self.range_name, self.widget = range_name, widget
        self.wall_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.queries = 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "as": self.who,
            "dashboard": self.dashboard,
            "range": self.range_name,
            "widget": self.widget,
            "p50": round(statistics.median(self.wall_ms), 1),
            "p95": round(_p95(self.wall_ms), 1),
            "cpu_p50": round(statistics.median(self.cpu_ms), 1),
            "cpu_p95": round(_p95(self.cpu_ms), 1),
            "queries": self.queries,
            "samples": len(self.wall_ms),
        }

    def line(self) -> str:
        d = self.as_dict()
        name = f"  {self.widget}" if self.widget else f"{self.dashboard} ({self.range_name})"
        flag = ""
        if self.kind == "page":
            flag = "ok" if d["p95"] <= PAGE_TARGET_MS else "MISSED"
        return (
            f"{self.who:7s} {name:36s} p50 {d['p50']:8.1f} p95 {d['p95']:8.1f} ms  "
            f"cpu p50 {d['cpu_p50']:8.1f} p95 {d['cpu_p95']:8.1f} ms  "
            f"{d['queries']:3d} q  {flag}"
        )


def _readers() -> list[tuple[str, object]]:
    from rapport.accounts.models import Role, User
    from rapport.sales.models import Deal

    admin = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).order_by("pk").first()
    if admin is None:
        from django.db import OperationalError

        from rapport.accounts.services import user_create

        for attempt in range(60):
            try:
                admin = user_create(
                    username="bench_admin", password=os.urandom(16).hex(), role=Role.ADMINISTRATOR
                )
                break
            except OperationalError:  # SQLite's write lock held by a load: wait for it
                if attempt == 59:
                    raise
                time.sleep(10)
    team_users = User.objects.filter(team__isnull=False, is_active=True).order_by("pk")
    manager = team_users.filter(role=Role.SALES_MANAGER).first()
    # A representative with deals, so their pipeline is not empty.
    rep = next(
        (
            u
            for u in team_users.filter(role=Role.SALES_REP)[:10]
            if Deal.objects.filter(owner=u).exists()
        ),
        team_users.filter(role=Role.SALES_REP).first(),
    )
    if manager is None or rep is None:
        sys.exit("No sales manager or representative in a team: seed the database first.")
    return [("admin", admin), ("manager", manager), ("rep", rep)]


def _ranges(today: datetime.date) -> dict[str, dict[str, str]]:
    return {
        "default": {},
        "year": {
            "start": (today - datetime.timedelta(days=364)).isoformat(),
            "end": today.isoformat(),
        },
    }


def _measure(run, timing: Timing, count: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm up: the first request of a process pays for imports and template loading
    for _ in range(count):
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            run()
        timing.wall_ms.append((time.perf_counter() - started) * 1000)
        timing.cpu_ms.append((time.process_time() - cpu) * 1000)
        timing.queries = len(queries)


def run(args) -> list[Timing]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from rapport.analytics import catalogue
    from rapport.analytics.dashboards import DashboardFilters
    from rapport.customers.models import Person
    from rapport.sales.models import Order, OrderLine

    today = timezone.localdate()
    print(
        f"Database: {connection.vendor}; {Person.objects.count():,} persons, "
        f"{Order.objects.count():,} orders, {OrderLine.objects.count():,} order lines.\n"
        f"Load average before: {_load()}; {os.cpu_count()} CPUs.",
        flush=True,
    )
    results: list[Timing] = []
    ranges = {k: v for k, v in _ranges(today).items() if k in args.ranges}
    for who, user in _readers():
        if who not in args.users:
            continue
        client = Client()
        client.force_login(user)
        for dashboard in catalogue.dashboards_for(user):
            if args.only and dashboard.key not in args.only:
                continue
            url = (
                reverse("analytics:service_dashboard")
                if dashboard.key == "service"
                else reverse("analytics:dashboard", args=[dashboard.key])
            )
            for range_name, query in ranges.items():

                def page(url=url, query=query, client=client):
                    response = client.get(url, query)
                    assert response.status_code == 200, (url, response.status_code)

                timing = Timing("page", who, dashboard.key, range_name)
                _measure(page, timing, args.requests)
                results.append(timing)
                print(timing.line(), flush=True)
                if not args.widget_requests:
                    continue
                filters = DashboardFilters.from_query(
                    start=datetime.date.fromisoformat(query["start"]) if query else None,
                    end=datetime.date.fromisoformat(query["end"]) if query else None,
                    team_id=None,
                )
                for widget in dashboard.widgets:

                    def alone(widget=widget, dashboard=dashboard, filters=filters, user=user):
                        widget.selector(dashboard.source(user, filters))

                    timing = Timing("widget", who, dashboard.key, range_name, widget.key)
                    _measure(alone, timing, args.widget_requests)
                    results.append(timing)
                    print(timing.line(), flush=True)
    print(f"Load average after: {_load()}.", flush=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": connection.vendor,
                    "load_after": _load(),
                    "results": [t.as_dict() for t in results],
                },
                indent=2,
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    parser.add_argument(
        "--widget-requests", type=int, default=5, help="timed reads per widget (0: pages only)"
    )
    parser.add_argument(
        "--users", nargs="+", default=["admin", "manager", "rep"], help="admin, manager, rep"
    )
    parser.add_argument("--ranges", nargs="+", default=["default", "year"], help="default, year")
    parser.add_argument("--only", nargs="*", help="dashboard keys (rep, manager, ...)")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    _setup_django()
    results = run(args)
    missed = [t for t in results if t.kind == "page" and _p95(t.wall_ms) > PAGE_TARGET_MS]
    print(f"{len(missed)} of {sum(t.kind == 'page' for t in results)} pages over 300 ms p95.")


if __name__ == "__main__":
    main()
