"""`manage.py compute_customer_values`: every customer's value now, as the nightly job does (after
loading data past the services, e.g. the demo or an import of history)."""

import time

from django.core.management.base import BaseCommand

from rapport.analytics.value.services.values import customer_values_recompute_all


class Command(BaseCommand):
    help = "Compute every customer's value, RFM segment and tier, and this month's snapshot."

    def handle(self, *args, **options):
        started = time.monotonic()
        written = customer_values_recompute_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Computed the value of {written:,} customers in {time.monotonic() - started:.1f}s."
            )
        )
