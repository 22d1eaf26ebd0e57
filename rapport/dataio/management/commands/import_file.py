"""Import a file from the command line, through the same services as the import pages and the API.

    manage.py import_file customers.csv --target persons --user wang \\
        [--mapping "CRM 导出"] [--mode upsert] [--match-on email] [--dry-run] [--encoding cp1252]

Without `--mapping` the proposed mapping is used (the one the mapping page starts from). The
import runs in this process, with a progress line; if the command is killed, a running job
consumer (`manage.py run_huey`) resumes the import from its last committed batch. The rejected
rows are written next to the file, in its format, with the row numbers and the reasons. When
Rapport is not sure of a CSV file's encoding, the command shows the file's first non-ASCII
lines read each plausible way and stops; run it again with `--encoding`.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ApplicationError
from rapport.dataio.models import ImportMatchOn, ImportMode, ImportStatus, ImportTarget
from rapport.dataio.selectors.imports import import_progress, saved_mappings_for
from rapport.dataio.services.imports import jobs

# At most one progress line a second, however small the batches.
PROGRESS_EVERY = 1.0


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Command(BaseCommand):
    help = (
        "Import persons, companies, leads, interactions, products, orders or payments from a "
        "CSV, .xlsx or vCard file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--target", choices=ImportTarget.values, default=ImportTarget.PERSONS)
        parser.add_argument("--user", required=True, help="User name of the importer.")
        parser.add_argument("--mapping", default="", help="Name of one of the user's mappings.")
        parser.add_argument(
            "--mode", choices=ImportMode.values, help="Default: the saved mapping's, or create."
        )
        parser.add_argument(
            "--match-on",
            choices=ImportMatchOn.values,
            help="Default: the saved mapping's, or email.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )
        parser.add_argument(
            "--rejected-to",
            default="",
            help="Where to write the rejected rows (default: next to the file, NAME-rejected.EXT).",
        )
        parser.add_argument("--batch-size", type=int, default=jobs.BATCH_SIZE)
        parser.add_argument(
            "--encoding",
            default="",
            help="A CSV file's encoding (utf-8, gb18030, cp1252, utf-16, …) instead of the "
            "detected one.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user “%(name)s”.") % {"name": options["user"]})
        if options["batch_size"] < 1:
            raise CommandError(_("The batch size must be at least 1."))
        try:
            job = self._prepare(user, path, options)
            job = self._run(user, job, options)
        except ApplicationError as exc:
            raise CommandError(self._error_text(exc)) from exc
        self._report(job, path, options)

    def _prepare(self, user, path: Path, options):
        with path.open("rb") as f:
            job = jobs.import_upload(
                actor=user, file=f, original_name=path.name, target=options["target"]
            )
        if options["encoding"]:
            job = jobs.import_set_encoding(actor=user, job=job, encoding=options["encoding"])
        elif jobs.encoding_unsure(job):
            self._encoding_readings(job)
            if not options["dry_run"]:
                raise CommandError(
                    _("Rapport is not sure of the file's encoding: choose one with --encoding.")
                )
        self.stdout.write(
            _("Read %(name)s: %(columns)d columns, about %(rows)d rows.")
            % {"name": path.name, "columns": len(job.columns), "rows": job.rows_total}
        )
        if options["mapping"]:
            saved = saved_mappings_for(user, job.target).filter(name=options["mapping"]).first()
            if saved is None:
                raise CommandError(
                    _("%(user)s has no saved mapping “%(name)s” for %(target)s.")
                    % {"user": user.username, "name": options["mapping"], "target": job.target}
                )
            mapping = {c: k for c, k in saved.mapping.items() if c in job.columns}
            defaults, mode, match_on = saved.defaults, saved.mode, saved.match_on
        else:
            mapping, defaults = job.mapping, {}
            mode, match_on = ImportMode.CREATE, ImportMatchOn.EMAIL
        for column, key in mapping.items():
            self.stdout.write(f"  {column} → {key}")
        return jobs.import_set_mapping(
            actor=user,
            job=job,
            mapping=mapping,
            defaults=defaults,
            mode=options["mode"] or mode,
            match_on=options["match_on"] or match_on,
        )

    def _run(self, user, job, options):
        dry_run = options["dry_run"]
        if dry_run:
            job = jobs.import_dry_run_start(actor=user, job=job, enqueue=False)
        else:
            job = jobs.import_start(actor=user, job=job, enqueue=False)
        last = [0.0]

        def progress(current):
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            self._progress_line(current)

        result = jobs.import_run(
            job.pk, dry_run=dry_run, batch_size=options["batch_size"], progress=progress
        )
        if result is None:
            raise CommandError(_("Another worker took this import over."))
        return result

    def _progress_line(self, job) -> None:
        figures = import_progress(job)
        rate = figures.rows_per_second
        self.stdout.write(
            _("%(done)d / %(total)d rows (%(percent)d%%), %(rate)s rows/s, %(left)s left")
            % {
                "done": figures.rows_done,
                "total": figures.rows_total,
                "percent": figures.percent,
                "rate": f"{rate:.0f}" if rate else "?",
                "left": _duration(figures.seconds_left),
            }
        )
        self.stdout.flush()

    def _report(self, job, path: Path, options) -> None:
        if job.status == ImportStatus.FAILED or (
            options["dry_run"] and job.status != ImportStatus.DRY_RUN_DONE
        ):
            raise CommandError(_("The import failed: %(error)s") % {"error": job.error})
        elapsed = None
        if job.run_started_at and job.heartbeat_at:
            elapsed = (job.heartbeat_at - job.run_started_at).total_seconds()
        if options["dry_run"]:
            counts = job.dry_run
            self.stdout.write(
                _(
                    "Dry run of import %(id)d: %(rows)d rows would give %(created)d created, "
                    "%(updated)d updated, %(skipped)d skipped as duplicates, %(rejected)d "
                    "rejected. Nothing was written."
                )
                % {
                    "id": job.pk,
                    **{
                        k: counts.get(k, 0)
                        for k in ("rows", "created", "updated", "skipped", "rejected")
                    },
                }
            )
            for item in counts.get("rejected_rows", []):
                self.stdout.write(
                    "  "
                    + _("Row %(row)d: %(reasons)s")
                    % {"row": item["row"], "reasons": " | ".join(item["reasons"])}
                )
            if counts.get("warned"):
                self.stdout.write(
                    _("%(count)d of them would be imported with a field left out:")
                    % {"count": counts["warned"]}
                )
            for item in counts.get("warned_rows", []):
                self.stdout.write(
                    "  "
                    + _("Row %(row)d: %(reasons)s")
                    % {"row": item["row"], "reasons": " | ".join(item["reasons"])}
                )
            return
        self.stdout.write(
            _(
                "Import %(id)d done: %(rows)d rows, %(created)d created, %(updated)d updated, "
                "%(skipped)d skipped as duplicates, %(rejected)d rejected."
            )
            % {
                "id": job.pk,
                "rows": job.rows_done,
                "created": job.created_count,
                "updated": job.updated_count,
                "skipped": job.skipped_count,
                "rejected": job.rejected_count,
            }
        )
        if elapsed:
            self.stdout.write(
                _("%(rate).0f rows/s over %(seconds).1f s.")
                % {"rate": job.rows_done / elapsed if elapsed else 0, "seconds": elapsed}
            )
        if job.rejected_count:
            target = self._write_rejected(job, path, options["rejected_to"])
            self.stdout.write(_("Rejected rows written to %(path)s") % {"path": target})
        if job.warned_count:
            target = self._write_rejected(job, path, "", warned=True)
            self.stdout.write(
                _("%(count)d rows imported with a field left out, written to %(path)s")
                % {"count": job.warned_count, "path": target}
            )

    def _write_rejected(self, job, path: Path, rejected_to: str, *, warned=False) -> Path:
        download = (jobs.warned_rows_download if warned else jobs.rejected_rows_download)(job)
        target = Path(rejected_to) if rejected_to else path.with_name(download.filename)
        try:
            with target.open("wb") as out:
                for chunk in download.chunks:
                    out.write(chunk)
        except OSError as exc:
            # The working copy (UTF-8 CSV) is always there, until the undo window ends.
            self.stderr.write(str(exc))
            return (jobs.warned_path if warned else jobs.rejected_path)(job)
        return target

    def _encoding_readings(self, job) -> None:
        self.stdout.write(_("The file's first lines with non-ASCII characters, read each way:"))
        for candidate in jobs.encoding_state(job)["candidates"]:
            self.stdout.write(f"  --encoding {candidate['encoding']} ({candidate['label']}):")
            for line in candidate["lines"]:
                self.stdout.write(f"    {line}")

    @staticmethod
    def _error_text(exc: ApplicationError) -> str:
        lines = [str(exc.message)]
        for field, messages in (exc.details or {}).items():
            if isinstance(messages, list):
                lines.extend(f"  {field}: {m}" for m in messages)
        return "\n".join(lines)
