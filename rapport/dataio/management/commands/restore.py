import contextlib
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from rapport.core.errors import ApplicationError
from rapport.dataio.services.backups import (
    RestoreRefused,
    backup_restore,
    restore_leftover_copies,
)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """A service manager stops a process with SIGTERM, which by default ends Python at once; as
    an interrupt, the restore puts the previous database back first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Restore a backup written by `manage.py backup` into the configured database, replacing "
        "its data. Stop the web server and the job worker first. Refuses a database that holds "
        "data unless --yes. The backup is read and checked first (a damaged archive or database, "
        "rows that differ from its manifest, or a migration history the code cannot bring "
        "forward, is refused and nothing changes; on PostgreSQL the dump is restored into a "
        "scratch database for this, which needs the CREATEDB right); a backup older than the "
        "code is migrated after the restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file (.sqlite3.gz or .dump).")
        parser.add_argument(
            "--yes", action="store_true", help="Replace the data of a database that is not empty."
        )

    def handle(self, *args, **options):
        for copy in restore_leftover_copies():
            self.stderr.write(
                f"{copy} is a copy of the database an earlier restore kept and did not finish "
                "with (it was killed); if that restore lost data, restore this file. Delete it "
                "when it is not needed."
            )
        try:
            with _sigterm_as_interrupt():
                manifest = backup_restore(path=options["file"], force=options["yes"])
        except RestoreRefused as exc:
            if exc.code == "not_empty":
                raise CommandError(
                    "The database is not empty; restoring replaces all of its data. "
                    "Run again with --yes to go on."
                ) from exc
            raise CommandError(exc.message) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Restored {options['file']}.")
        if manifest.get("created_at"):
            self.stdout.write(f"Backup taken at {manifest['created_at']} (UTC).")
        if manifest.get("row_counts_match"):
            self.stdout.write("Row counts match the manifest.")
        if manifest.get("migrations_applied"):
            self.stdout.write(
                "Applied the migrations the backup did not have: "
                + ", ".join(manifest["migrations_applied"])
            )
        if manifest.get("uploads_removed"):
            self.stdout.write(
                f"Removed the uploads of {manifest['uploads_removed']} import(s) the restored "
                "database does not have."
            )
