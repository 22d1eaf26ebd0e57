"""Duplicate-detection jobs."""

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.core.events import subscribe
from rapport.dataio.events import DuplicateScanRequested
from rapport.dataio.models import DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan


@db_task()
def scan_duplicates(record_type: str) -> None:
    """Refresh the review queue of `record_type`; running it twice only refreshes it again."""
    duplicates_scan(record_type=record_type)


@subscribe(DuplicateScanRequested)
def _queue_scan(event: DuplicateScanRequested) -> None:
    transaction.on_commit(lambda: scan_duplicates(event.record_type))


def scan_all_nightly() -> None:
    """Both queues, from the nightly schedule (config/schedules.py)."""
    for record_type in DuplicateRecordType.values:
        duplicates_scan(record_type=record_type)
