"""`manage.py find_duplicates [--type person|company]`: scan now and refresh the review queue."""

from django.core.management.base import BaseCommand

from rapport.dataio.models import DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan


class Command(BaseCommand):
    help = "Find duplicate persons or companies and refresh the review queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--type",
            dest="record_types",
            action="append",
            choices=DuplicateRecordType.values,
            help="person or company; both when left out.",
        )

    def handle(self, *args, record_types=None, **options):
        for record_type in record_types or DuplicateRecordType.values:
            result = duplicates_scan(record_type=record_type)
            self.stdout.write(
                f"{result.record_type}: {result.records} records, {result.pairs_compared} pairs "
                f"compared, {result.candidates} candidates in {result.seconds} s"
            )
