"""Deliver the queued e-mail now, in this process (what the Huey job does), and report.

Useful to flush the queue by hand, and used by the test that kills a worker mid-batch.
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from rapport.messaging.services import (
    INTERRUPTED_AFTER,
    messages_deliver,
    messages_recover_interrupted,
)


class Command(BaseCommand):
    help = "Deliver queued e-mail; first mark messages a dead worker left sending as interrupted."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interrupted-after",
            type=int,
            default=int(INTERRUPTED_AFTER.total_seconds()),
            help="Seconds after which a message still sending counts as interrupted.",
        )

    def handle(self, *args, **options):
        # messages_recover_interrupted counts from INTERRUPTED_AFTER; shift "now" for another age.
        shift = datetime.timedelta(seconds=options["interrupted_after"]) - INTERRUPTED_AFTER
        interrupted = messages_recover_interrupted(now=timezone.now() - shift)
        result = messages_deliver()
        self.stdout.write(f"interrupted={interrupted} delivered={result['delivered']}")
