"""Backup jobs."""


def backup_scheduled() -> None:
    """The daily backup with retention. Not written yet."""
