#!/usr/bin/env python
"""The key figures and cohort pages on a database of their own (issue 17).

    export RAPPORT_SQLITE_PATH=/var/tmp/kpimid/db.sqlite3   # or DATABASE_URL=postgres://...
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --persons 100000 --interactions 0 --orders 300000 \\
        --seed 17                       # builds the facts at the end (rebuild_facts)
    .venv/bin/python bench/kpis.py --requests 10

The pages read the per-customer facts (`rapport.analytics.facts`): a database loaded before them
needs `manage.py migrate` and `manage.py rebuild_facts` first (the script refuses to time pages
over empty facts). It prints the facts' sizes, including how many rows a (customer, month)
activity table would hold against the (customer, day) one the pages read.

Times each page in-process with Django's test Client (middleware, session, queries, template;
no network) as an administrator (sees every order) and as a representative (their own and
their team's), over the default range (twelve weeks, by week) and a year by month, and prints
p50/p95 wall time, CPU time of the process and queries per request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from rapport.accounts.models import Role, User
    from rapport.analytics.facts.models import CustomerDayFact, CustomerFact
    from rapport.sales.models import Order

    settings.DEBUG = True  # counts queries
    settings.ALLOWED_HOSTS = ["*"]
    # The bulk demo has managers and representatives only: the administrator is added.
    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.ADMINISTRATOR}
    )
    manager = User.objects.filter(role=Role.SALES_MANAGER, team__isnull=False).first()
    rep = User.objects.filter(role=Role.SALES_REP, team__isnull=False, is_active=True).first()
    today = timezone.localdate()
    year_ago = today.replace(year=today.year - 1)
    orders = Order.objects.count()
    customer_rows, day_rows = CustomerFact.objects.count(), CustomerDayFact.objects.count()
    if orders and not customer_rows:
        sys.exit("No customer facts: run manage.py migrate and manage.py rebuild_facts first.")
    with connection.cursor() as cursor:
        month = "substr(day, 1, 7)" if connection.vendor == "sqlite" else "date_trunc('month', day)"
        cursor.execute(
            "SELECT count(*) FROM (SELECT DISTINCT person_id, company_id, owner_id, team_id, "
            f"currency, {month} FROM {CustomerDayFact._meta.db_table}) AS months"
        )
        month_rows = cursor.fetchone()[0]
    print(
        f"{orders:,} orders; {connection.vendor}; customer facts {customer_rows:,} rows, "
        f"customer day facts {day_rows:,} rows ((customer, month) would be {month_rows:,})"
    )
    print("load average before:", Path("/proc/loadavg").read_text().strip())
    pages = {
        "kpis 12 weeks": "/analytics/kpis/",
        "kpis 1 year": f"/analytics/kpis/?start={year_ago}&by=month",
        "cohorts 12 months": "/analytics/kpis/cohorts/",
    }
    for who, user in (("admin", admin), ("manager", manager), ("rep", rep)):
        client = Client()
        client.force_login(user)
        for name, url in pages.items():
            client.get(url)  # warm up
            wall, cpu, queries = [], [], []
            for _ in range(args.requests):
                reset_queries()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                queries.append(len(connection.queries))
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{name:18s} {who:7s} p50 {statistics.median(wall):7.1f} p95 {p95(wall):7.1f} ms"
                f"  cpu p50 {statistics.median(cpu):7.1f} ms  queries {max(queries)}"
            )
    print("load average after:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
