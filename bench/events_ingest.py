#!/usr/bin/env python
"""Events per second into `POST /api/v1/events`, in batches of 1,000, through the real endpoint.

    .venv/bin/python bench/events_ingest.py                    # 200 batches, fresh SQLite
    DATABASE_URL=postgres://… .venv/bin/python bench/events_ingest.py --batches 200

Without DATABASE_URL (or RAPPORT_SQLITE_PATH) a fresh SQLite file in a temporary directory is
migrated and used; a database given by DATABASE_URL is migrated and used as it is. First
`seed_demo --persons N --append` adds the persons (default 20,000) the events name.

Each batch is what a shop's backend would send: 1,000 events of about 50 visits (sessions) of
20 events; three visits in four are of a known customer (by e-mail, one in ten of those by
phone-less external id once it is known), one in four of an anonymous visitor (anonymous_id +
session_id), and one anonymous visitor per batch identifies (its earlier events are joined).
Names: page_viewed (60 %), product_viewed (25 %), added_to_cart (10 %), signed_up and a custom
name; properties of about 120 bytes (path, title, sku, price). Every tenth batch continues the
visits of the batch before (their timeline entries are refreshed, not added).

The bodies are encoded before the clock starts; each call goes through Django's test Client
(middleware, API key authentication, ninja's parsing, the service, the commit), in one process,
one call after another. Reported: events/s over the whole run, per-call p50/p95 in ms, and the
queries of one call.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BATCH = 1000
EVENTS_PER_VISIT = 20
NAMES = ["page_viewed"] * 12 + ["product_viewed"] * 5 + ["added_to_cart"] * 2 + ["signed_up"]


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, check=True)


def make_batches(count: int, emails: list[str], rng: random.Random) -> list[bytes]:
    bodies = []
    previous_visits: list[dict] = []
    anon_counter = 0
    for number in range(count):
        if number % 10 == 9 and previous_visits:
            visits = previous_visits  # the same sessions go on: their entries are refreshed
        else:
            visits = []
            for _ in range(BATCH // EVENTS_PER_VISIT):
                if rng.random() < 0.75:
                    who = {"email": rng.choice(emails)}
                else:
                    anon_counter += 1
                    who = {"anonymous_id": f"anon-{anon_counter}"}
                who["session_id"] = f"s-{number}-{len(visits)}"
                visits.append(who)
        events = []
        for visit in visits:
            for step in range(EVENTS_PER_VISIT):
                name = rng.choice(NAMES) if step else "page_viewed"
                if step == 7 and rng.random() < 0.05:
                    name = "wishlist.added"
                event = {
                    "name": name,
                    "properties": {
                        "path": f"/products/{rng.randint(1, 5000)}",
                        "title": "Product page",
                        "sku": f"SKU-{rng.randint(1, 5000):05d}",
                        "price": rng.randint(10, 2000),
                    },
                    **visit,
                }
                events.append(event)
        anonymous = [v for v in visits if "anonymous_id" in v]
        if anonymous:  # one anonymous visitor per batch says who they are
            events[-1] = {
                "name": "identified",
                "anonymous_id": anonymous[0]["anonymous_id"],
                "session_id": anonymous[0]["session_id"],
                "email": rng.choice(emails),
            }
        previous_visits = visits
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rapport-events-bench-"))
    if not os.environ.get("DATABASE_URL") and not os.environ.get("RAPPORT_SQLITE_PATH"):
        os.environ["RAPPORT_SQLITE_PATH"] = str(work / "bench.sqlite3")
    manage("migrate", "--noinput", "-v0")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from rapport.accounts.models import Role, User
    from rapport.accounts.services import api_key_create, user_create
    from rapport.behaviour.models import Event
    from rapport.customers.models import PersonEmail

    if PersonEmail.objects.count() < args.persons:
        manage("seed_demo", "--persons", str(args.persons), "--append")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    actor = User.objects.filter(username="bench-events").first() or user_create(
        username="bench-events",
        password="bench-events-password-1",  # noqa: S106
        role=Role.ADMINISTRATOR,
        language="en",
    )
    _key, secret = api_key_create(user=actor, name="events bench")
    emails = list(PersonEmail.objects.values_list("email", flat=True)[: args.persons])
    rng = random.Random(args.seed)
    bodies = make_batches(args.batches, emails, rng)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def post(body: bytes):
        return client.post("/api/v1/events", body, content_type="application/json")

    before = Event.objects.count()
    # One call outside the clock with its queries counted (and the code paths warmed up). Not
    # CaptureQueriesContext: the request's start clears the connection's query log.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        warm = post(bodies[0])
    assert warm.status_code == 200, warm.content[:500]
    times = []
    started = time.perf_counter()
    for body in bodies[1:]:
        t0 = time.perf_counter()
        response = post(body)
        times.append(time.perf_counter() - t0)
        result = response.json()
        assert response.status_code == 200 and result["rejected"] == 0, result["errors"][:3]
    elapsed = time.perf_counter() - started
    events = (len(bodies) - 1) * BATCH
    assert Event.objects.count() - before == events + BATCH

    vendor = connection.vendor
    if vendor == "sqlite":
        version = connection.cursor().execute("select sqlite_version()").fetchone()[0]
    else:
        version = connection.cursor().connection.info.server_version
    print(f"database: {vendor} {version}; persons with e-mail: {len(emails):,}")
    print(f"events in the table after the run: {Event.objects.count():,}")
    print(f"queries of one 1,000-event call: {len(queries)}")
    print(
        f"{events:,} events in {len(bodies) - 1} calls: {elapsed:.1f} s, "
        f"{events / elapsed:,.0f} events/s"
    )
    ms = sorted(t * 1000 for t in times)
    print(
        f"per call: p50 {statistics.median(ms):.0f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms, "
        f"max {ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
