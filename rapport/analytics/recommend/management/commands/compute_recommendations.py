"""Recompute the product rules behind the recommendations now (the nightly job does the same).

manage.py compute_recommendations [--as-of 2026-01-01] [--window-days 60] [--min-customers 3]
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rapport.analytics.recommend.services import (
    MIN_CUSTOMERS,
    WINDOW_DAYS,
    associations_compute,
)


class Command(BaseCommand):
    help = "Recompute 'bought this also bought' from the orders (customer-level co-occurrence)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default="", help="Only orders placed before this day.")
        parser.add_argument("--window-days", type=int, default=WINDOW_DAYS)
        parser.add_argument("--min-customers", type=int, default=MIN_CUSTOMERS)

    def handle(self, *args, as_of: str, window_days: int, min_customers: int, **options):
        cut = None
        if as_of:
            try:
                day = datetime.date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {as_of}") from exc
            cut = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        if window_days < 1 or min_customers < 1:
            raise CommandError("--window-days and --min-customers must be at least 1.")
        run = associations_compute(as_of=cut, window_days=window_days, min_customers=min_customers)
        self.stdout.write(
            f"{run.pairs} product pairs from {run.purchases} customer-product purchases of "
            f"{run.customers} customers in {run.seconds:.1f} s."
        )
