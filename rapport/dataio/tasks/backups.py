"""Backup jobs."""

from rapport.dataio.services.backups import backup_scheduled_run


def backup_scheduled() -> None:
    """The daily backup (scheduled in config/schedules.py): one backup, then retention keeps
    the newest RAPPORT_BACKUP_KEEP scheduled backups. Running it twice only adds a backup that
    retention then counts like any other."""
    backup_scheduled_run()
