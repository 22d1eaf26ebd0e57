#!/usr/bin/env python
"""The periodic SLA check over 100,000 open tickets: time and queries.

    RAPPORT_SQLITE_PATH=/tmp/sla.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/sla.sqlite3 .venv/bin/python bench/sla_check.py [--tickets 100000]

(or with DATABASE_URL=postgres://... for PostgreSQL). Creates `--tickets` open tickets in one
support team of 20 agents, each with a running first response and resolution target (and a
next response on every third), in bulk, straight into the tables; then runs
`services.sla.sla_check` (what `config/schedules.py` runs every minute) in three scenarios:

- **a minute's work**: 1 % of the targets reach their warning time and 1 % their due time
  since the last check (about 2,300 warnings and 2,300 escalations; on a breach the team lead
  and the assignee are told, someone told of more than 10 at once gets one digest);
- **nothing due**: the same check again a second later: it finds nothing (the exactly-once
  conditions) and must cost next to nothing;
- **backlog**: every ticket's first response breached at once (after the worker was down):
  100,000 escalations, told as digests to the 20 agents and the lead;
- **backlog + priority**: the same with the policy raising each breached ticket's priority.
  The check escalates all of them and raises the first batch (`ACTION_BATCH` tickets); the
  rest is `tasks.apply_sla_actions`' work, run here as the job runs it, batch after batch, and
  reported apart: its number of batches, the slowest batch and the total (each batch is one
  short transaction in production; here all of them sit in the bench's one transaction).

Prints wall time, the time spent waiting for queries, the process's CPU time and the query
count of each (`--queries N`: and its N slowest queries); the load average at the end. The
target is ≤ 10 s. Everything runs in one transaction rolled back at the end, so the database is
left as it was.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET_S = 10


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument(
        "--queries", type=int, default=0, help="Print each scenario's N slowest queries."
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from rapport.accounts.models import Role, Team, User
    from rapport.service.models import SlaPolicy, SlaTarget, SlaTargetKind, Ticket
    from rapport.service.services.sla import sla_apply_actions, sla_check

    # A worker has its URLs loaded after its first job; the check names ticket pages.
    reverse("service:ticket_detail", args=[1])
    now = timezone.now().replace(microsecond=0)
    minute = datetime.timedelta(minutes=1)
    print(f"SLA check, {args.tickets:,} open tickets, {connection.vendor}")

    def run(label: str, at: datetime.datetime) -> None:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            cpu = time.process_time()
            result = sla_check(now=at)
            cpu = time.process_time() - cpu
            elapsed = time.perf_counter() - started
        verdict = "ok" if elapsed <= TARGET_S else "OVER TARGET"
        in_queries = sum(float(q["time"]) for q in queries.captured_queries)
        print(
            f"  {label:<18} {elapsed:7.2f} s wall ({in_queries:6.2f} s in queries, "
            f"{cpu:5.2f} s CPU)  {len(queries.captured_queries):4d} queries  "
            f"warned {result['warned']:>7,}  breached {result['breached']:>7,}  {verdict}",
            flush=True,
        )
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        for q in slowest[: args.queries]:
            print(f"      {float(q['time']):6.2f} s  {q['sql'][:160]}")

    def run_actions() -> None:
        """The job the check queued: batches until none is left."""
        walls, queries_n = [], 0
        cpu = time.process_time()
        while True:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                done = sla_apply_actions()
                walls.append(time.perf_counter() - started)
            queries_n += len(queries.captured_queries)
            if not done:
                break
        cpu = time.process_time() - cpu
        print(
            f"  {'  then the job':<18} {sum(walls):7.2f} s wall in {len(walls) - 1} batches "
            f"(slowest {max(walls):.2f} s, {cpu:5.2f} s CPU)  {queries_n:4d} queries",
            flush=True,
        )

    try:
        with transaction.atomic():
            team = Team.objects.create(name=f"SLA bench {now.timestamp():.0f}")
            agents = User.objects.bulk_create(
                User(username=f"sla-bench-{team.pk}-{n}", role=Role.SERVICE_AGENT, team=team)
                for n in range(20)
            )
            User.objects.create(
                username=f"sla-bench-lead-{team.pk}", role=Role.SALES_MANAGER, team=team
            )
            policy = SlaPolicy.objects.create(
                name="bench",
                first_response_minutes=60,
                next_response_minutes=120,
                resolution_minutes=2400,
                raise_priority=True,
            )
            started = time.perf_counter()
            tickets = Ticket.objects.bulk_create(
                (
                    Ticket(
                        subject=f"Bench ticket {n}",
                        team=team,
                        assignee=agents[n % len(agents)],
                        status="open",
                    )
                    for n in range(args.tickets)
                ),
                batch_size=2000,
            )
            if tickets[0].pk is None:  # a backend that does not return ids
                tickets = list(Ticket.objects.filter(team=team).order_by("pk"))
            targets = []
            for n, ticket in enumerate(tickets):
                kinds = [SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION]
                if n % 3 == 0:
                    kinds.append(SlaTargetKind.NEXT_RESPONSE)
                for k, kind in enumerate(kinds):
                    slot = (n * 3 + k) % 100
                    # 1 % warn in the coming minute, 1 % fall due in it, the rest later.
                    if slot == 0:
                        warn_at, due_at = now + minute / 2, now + 30 * minute
                    elif slot == 1:
                        warn_at, due_at = now - 10 * minute, now + minute / 2
                    else:
                        warn_at = now + (slot + 10) * minute
                        due_at = warn_at + 15 * minute
                    targets.append(
                        SlaTarget(
                            ticket=ticket,
                            policy=policy,
                            kind=kind,
                            minutes=60,
                            started_at=now - 30 * minute,
                            warn_at=warn_at,
                            due_at=due_at,
                            warned_at=now - minute if slot == 1 else None,
                        )
                    )
            SlaTarget.objects.bulk_create(targets, batch_size=2000)
            if connection.vendor == "postgresql":
                # Statistics as a live database has them (this machine runs without
                # autovacuum): planned as empty or stale tables, the claim's per-row reads of
                # the ticket took minutes instead of a second.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE service_ticket, service_slatarget")
            print(
                f"  set-up: {len(tickets):,} tickets, {len(targets):,} targets in "
                f"{time.perf_counter() - started:.1f} s"
            )
            run("a minute's work", now + minute)
            run("nothing due", now + minute + datetime.timedelta(seconds=1))
            # Every first response due at once; escalation tells people only.
            first = SlaTarget.objects.filter(ticket__team=team, kind=SlaTargetKind.FIRST_RESPONSE)
            SlaPolicy.objects.filter(pk=policy.pk).update(raise_priority=False)
            first.filter(escalated_at__isnull=True).update(due_at=now + minute, warn_at=now)
            run("backlog", now + 2 * minute)
            # The same backlog again with the policy raising each ticket's priority.
            first.update(escalated_at=None, breached_at=None, warned_at=None)
            SlaPolicy.objects.filter(pk=policy.pk).update(raise_priority=True)
            run("backlog + priority", now + 3 * minute)
            run_actions()
            raise Rollback
    except Rollback:
        pass
    print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
