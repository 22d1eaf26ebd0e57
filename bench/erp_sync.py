#!/usr/bin/env python
"""An ERP syncing with Rapport at full size: 10,000 orders and their payments pushed through
the batch endpoints twice, then the change feed read from zero to the end (issue 15, item 8).

The same scenario as rapport/integration/tests/test_erp_sync.py (which CI runs with 10,000
orders on PostgreSQL and 500 on SQLite), against a real database:

    RAPPORT_SQLITE_PATH=/tmp/erp.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/erp.sqlite3 .venv/bin/python bench/erp_sync.py --orders 10000

(or with DATABASE_URL=postgres://... for PostgreSQL). Prints the time of each phase and checks
what the test checks: the second push changes nothing and every change is read exactly once.
"""

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args()
    os.environ["RAPPORT_ERP_TEST_ORDERS"] = str(args.orders)

    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    from rapport.accounts.models import Role
    from rapport.accounts.services import api_key_create, user_create
    from rapport.integration.models import Change
    from rapport.integration.tests import test_erp_sync as erp
    from rapport.integration.tests.conftest import ApiClient

    erp.ORDERS = args.orders
    name = f"erp-{uuid.uuid4().hex[:8]}"
    admin = user_create(username=name, password=uuid.uuid4().hex, role=Role.ADMINISTRATOR)
    _key, secret = api_key_create(user=admin, name=name)
    client = ApiClient(secret)
    before = Change.objects.count()
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        # Wall time, and this process's CPU time: on a shared machine the second says more.
        started, cpu = time.perf_counter(), time.process_time()
        first = erp.push(client)
        first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        second = erp.push(client)
        second_s, second_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        entries = erp.read_feed(client)
        feed_s, feed_cpu = time.perf_counter() - started, time.process_time() - cpu
    new = Change.objects.count() - before
    print(f"orders: {args.orders}  database: {django.db.connection.vendor}")
    print(f"first push:  {first_s:8.1f} s  (CPU {first_cpu:6.1f} s)  {dict(first)}")
    print(f"second push: {second_s:8.1f} s  (CPU {second_cpu:6.1f} s)  {dict(second)}")
    print(
        f"feed read:   {feed_s:8.1f} s  (CPU {feed_cpu:6.1f} s)  "
        f"{len(entries)} entries, {new} changes written"
    )
    assert all(k.endswith(".unchanged") for k in second), second
    cursors = [e["cursor"] for e in entries]
    assert len(set(cursors)) == len(cursors)
    created = Counter(
        (e["record_type"], e["record_id"]) for e in entries if e["operation"] == "created"
    )
    assert set(created.values()) == {1}
    print("checks: the second push changed nothing; every change read exactly once")


if __name__ == "__main__":
    main()
