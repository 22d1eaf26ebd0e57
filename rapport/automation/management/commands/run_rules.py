"""Run automation rules once, without the job worker: what the periodic jobs do every minute.

manage.py run_rules               # due steps (retries, ended waits, steps a dead worker
                                  # held), then date, inactivity and schedule rules
manage.py run_rules --run 42      # go on with one run now
manage.py run_rules --at 2026-03-10T09:00:00+08:00   # as if it were then
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rapport.automation import dates, engine


class Command(BaseCommand):
    help = "Run due automation rule steps and date rules once (or one run with --run)."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, help="Go on with this run only.")
        parser.add_argument("--at", help="The moment to act as of (ISO 8601), default now.")

    def handle(self, *args, run=None, at=None, **options):
        now = timezone.now()
        if at:
            try:
                now = datetime.datetime.fromisoformat(at)
            except ValueError as error:
                raise CommandError(f"--at: {error}") from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        if run is not None:
            status = engine.advance_run(run, now=now)
            self.stdout.write(f"run {run}: {status}")
            return
        resumed = engine.resume_due(now=now)
        started = dates.evaluate_date_rules(now=now)
        for run_id in started:
            engine.advance_run(run_id, now=now)
        self.stdout.write(f"resumed={resumed} started={len(started)}")
