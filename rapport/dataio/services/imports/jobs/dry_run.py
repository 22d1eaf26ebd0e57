"""The dry run: the whole file through the cleaner and the matching, nothing written."""

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.dataio.models import (
    ImportJob,
    ImportStatus,
)
from rapport.dataio.services.imports.jobs.access import upload_path
from rapport.dataio.services.imports.jobs.batches import Progress, read_batches
from rapport.dataio.services.imports.jobs.claim import LostClaim
from rapport.dataio.services.imports.jobs.encoding import encoding_report
from rapport.dataio.services.imports.jobs.mapping import row_cleaner
from rapport.dataio.services.imports.mapping import VCARD_NOT_IMPORTED, not_imported
from rapport.dataio.services.imports.readers import VCARD_UNREAD_COLUMN, open_table
from rapport.dataio.services.imports.writer import BatchWriter

DRY_RUN_REJECTED_SHOWN = 20


def dry_run_job(job: ImportJob, me: str, batch_size: int, progress: Progress | None) -> ImportJob:
    reader = open_table(
        upload_path(job), original_name=job.original_name, encoding=job.encoding or None
    )
    # The candidates when the detector is unsure of the encoding, for the user to choose.
    report = encoding_report(job)
    encoding = {"encoding": report} if report else {}
    cleaner = row_cleaner(job.target, job.mapping, job.defaults, job.actor, job.columns)
    writer = BatchWriter(job, job.actor, dry_run=True)
    counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0, "warned": 0, "rows": 0}
    shown: list[dict] = []
    warned: list[dict] = []  # the first rows that would be imported with a field left out
    left_out = LeftOutColumns(job.columns, job.mapping)
    job.rows_done = 0
    for batch, _offset in read_batches(job, reader, cleaner, batch_size):
        left_out.look_at(batch)
        counts["company_rows"] = counts.get("company_rows", 0) + company_rows(batch)
        plan = writer.plan(batch)
        counts["created"] += len(plan.creates)
        counts["updated"] += len(plan.updates)
        counts["skipped"] += plan.skipped
        counts["rejected"] += len(plan.rejected)
        counts["warned"] += len(plan.warned)
        counts["rows"] += plan.rows
        for item in plan.warned[: max(0, DRY_RUN_REJECTED_SHOWN - len(warned))]:
            warned.append(
                {"row": item.row_number, "values": list(item.values), "reasons": item.reasons}
            )
        for item in plan.rejected[: max(0, DRY_RUN_REJECTED_SHOWN - len(shown))]:
            shown.append(
                {"row": item.row_number, "values": list(item.values), "reasons": item.reasons}
            )
        updated = ImportJob.objects.filter(pk=job.pk, worker=me).update(
            rows_done=counts["rows"],
            dry_run={**counts, "rejected_rows": shown, "warned_rows": warned, **encoding},
            heartbeat_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not updated:
            raise LostClaim
        if progress is not None:
            job.refresh_from_db()
            progress(job)
    now = timezone.now()
    finished = ImportJob.objects.filter(pk=job.pk, worker=me).update(
        status=ImportStatus.DRY_RUN_DONE,
        dry_run={
            **counts,
            "rejected_rows": shown,
            "warned_rows": warned,
            **encoding,
            "not_imported": left_out.report(),
        },
        rows_done=counts["rows"],
        rows_total=counts["rows"],
        worker="",
        heartbeat_at=now,
        updated_at=now,
    )
    if not finished:
        raise LostClaim
    job.refresh_from_db()
    return job


def company_rows(batch) -> int:
    """How many rows of a person import name only a company (they become companies)."""
    return sum(1 for _n, _v, row in batch if getattr(row, "company_only", False))


class LeftOutColumns:
    """The columns no field takes that hold a value in some row, each with the reason, for the
    dry run to list: nothing in the file is left out without the user being told. Empty
    columns are not listed. A vCard's properties that no column takes are listed by name."""

    def __init__(self, columns: list[str], mapping: dict[str, str]):
        self.reasons = not_imported(list(columns), mapping or {})
        self.columns = list(columns)
        self.waiting = {i: c for i, c in enumerate(self.columns) if c in self.reasons}
        self.found: dict[str, str] = {}

    def look_at(self, batch) -> None:
        waiting = self.waiting
        for _number, values, _row in batch:
            if not waiting:
                return
            width = len(values)
            for index in [i for i in waiting if i < width and values[i] and values[i].strip()]:
                column = waiting[index]
                if column == VCARD_UNREAD_COLUMN:
                    # Other cards may hold other properties: this column is read to the end.
                    for name in values[index].split(", "):
                        if name not in self.found:
                            known = VCARD_NOT_IMPORTED.get(name)
                            reason = known.reason if known else _("no field for it")
                            self.found[name] = str(reason)
                    continue
                self.found[column] = self.reasons[column]
                del waiting[index]

    def report(self) -> list[dict[str, str]]:
        order = {c: i for i, c in enumerate(self.columns)}
        names = sorted(self.found, key=lambda c: (order.get(c, len(order)), c))
        return [{"column": c, "reason": self.found[c]} for c in names]
