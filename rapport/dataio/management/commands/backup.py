from django.core.management.base import BaseCommand, CommandError

from rapport.core.errors import ApplicationError
from rapport.dataio.services.backups import MANUAL, SCHEDULED, backup_create, backups_prune


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Write a consistent backup of the database while Rapport runs (SQLite: online backup, "
        "gzipped; PostgreSQL: pg_dump --format=custom) and a JSON manifest beside it, into "
        "RAPPORT_BACKUP_DIR or --dir."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Directory to write to (default RAPPORT_BACKUP_DIR).")
        parser.add_argument(
            "--scheduled",
            action="store_true",
            help="Count it as a scheduled backup, and prune scheduled backups beyond --keep.",
        )
        parser.add_argument(
            "--keep", type=int, help="With --scheduled: how many to keep (RAPPORT_BACKUP_KEEP)."
        )

    def handle(self, *args, **options):
        from django.conf import settings

        kind = SCHEDULED if options["scheduled"] else MANUAL
        try:
            backup = backup_create(kind=kind, directory=options["dir"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(backup.manifest.get("row_counts", {}).values())
        self.stdout.write(f"{backup.path} ({backup.size} bytes, {rows} rows)")
        if options["scheduled"]:
            keep = options["keep"] if options["keep"] is not None else settings.RAPPORT_BACKUP_KEEP
            for path in backups_prune(keep=max(keep, 1), directory=options["dir"]):
                self.stdout.write(f"deleted {path}")
