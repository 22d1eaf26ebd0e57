"""Data-health jobs."""

from rapport.dataio.services.health import health_snapshot_take, invalid_contacts_recheck


def snapshot_daily() -> None:
    """Check every stored contact, then record today's figures per team and overall
    (scheduled in config/schedules.py). Safe to run twice: the day's rows are replaced."""
    invalid_contacts_recheck()
    health_snapshot_take()
