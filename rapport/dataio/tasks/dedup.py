"""Duplicate-detection jobs."""

from huey.contrib.djhuey import db_task

from rapport.dataio.models import DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan


@db_task()
def scan_duplicates(record_type: str) -> None:
    """Refresh the review queue of `record_type`; running it twice only refreshes it again."""
    duplicates_scan(record_type=record_type)


def scan_all_nightly() -> None:
    """Both queues, from the nightly schedule (config/schedules.py)."""
    for record_type in DuplicateRecordType.values:
        duplicates_scan(record_type=record_type)
