"""Data-health jobs."""


def snapshot_daily() -> None:
    """Record today's data-health figures. Not written yet."""
