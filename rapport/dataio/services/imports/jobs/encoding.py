"""A CSV file's encoding: what the detector made of it and the user's choice when it was unsure.

An upload whose encoding the detector is not sure of (`readers.guess_file_encoding`) gets an
empty `ImportJob.encoding`: the dry run reads it in the best guess and keeps the candidates, each
with the file's first non-ASCII lines read that way, in `job.dry_run["encoding"]`; the import
does not start until the user has chosen one (`import_set_encoding`), which is then recorded in
`ImportJob.encoding` and used for every later reading of the file.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import Conflict, ValidationFailed
from rapport.dataio.models import ImportJob, ImportStatus
from rapport.dataio.services.imports import mapping as mapping_rules
from rapport.dataio.services.imports.encodings import CHOOSABLE, encoding_label
from rapport.dataio.services.imports.jobs.access import (
    require_importer,
    require_target_allowed,
    upload_path,
)
from rapport.dataio.services.imports.jobs.set_mapping import EDITABLE
from rapport.dataio.services.imports.readers import (
    ImportFileError,
    guess_file_encoding,
    open_table,
)

SAMPLE_ROWS = 5


def encoding_unsure(job: ImportJob) -> bool:
    """Whether the user must choose the file's encoding before the import starts."""
    return job.file_format == "csv" and not job.encoding


def encoding_report(job: ImportJob) -> dict | None:
    """For a CSV file whose encoding the detector is not sure of: its best guess, whether that
    is confident (False here), the candidates with their scores and lines, and the encoding
    the user chose ("" before). None when the detector is sure."""
    path = upload_path(job)
    if job.file_format != "csv" or not path.exists():
        return None
    guess = guess_file_encoding(path)
    if guess.confident:
        return None
    return {**guess.as_json(), "chosen": job.encoding}


def encoding_state(job: ImportJob) -> dict:
    """What the page and the API show of the file's encoding: the one it is read in
    (`encoding`, `label`), the detector's guess (`detected`), whether that was `confident`,
    whether the user must still choose (`choice_needed`) and, when unsure, the `candidates`
    (encoding, label, score, the first non-ASCII lines read that way), best first."""
    report = (job.dry_run or {}).get("encoding") or encoding_report(job)
    if report is None:
        return {
            "encoding": job.encoding,
            "label": encoding_label(job.encoding) if job.encoding else "",
            "detected": job.encoding,
            "confident": True,
            "choice_needed": False,
            "candidates": [],
        }
    encoding = job.encoding or report["detected"]
    return {
        "encoding": encoding,
        "label": encoding_label(encoding),
        "detected": report["detected"],
        "confident": False,
        "choice_needed": encoding_unsure(job),
        "candidates": [
            {**candidate, "label": encoding_label(candidate["encoding"])}
            for candidate in report["candidates"]
        ],
    }


def require_encoding_chosen(job: ImportJob) -> None:
    if encoding_unsure(job):
        raise Conflict(
            _(
                "Rapport is not sure which encoding the file is in. Choose the one in which "
                "the sample reads right (the dry run shows it read each way), then start."
            ),
            {"encoding": [_("Choose the file's encoding.")]},
        )


@transaction.atomic
def import_set_encoding(*, actor: User, job: ImportJob, encoding: str) -> ImportJob:
    """Read the file in `encoding` from now on: its columns and sample are read again, an
    earlier dry run is dropped, and the mapping is kept when the columns read the same (else a
    new one is proposed and the job is back to be mapped)."""
    require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    require_target_allowed(actor, job.target)
    if job.status not in EDITABLE:
        raise Conflict(_("This import has already started; its encoding can no longer change."))
    if job.file_format != "csv":
        raise _invalid(_("Only a CSV file's encoding can be chosen."))
    if encoding not in CHOOSABLE:
        raise _invalid(
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(f"{e} ({encoding_label(e)})" for e in CHOOSABLE)}
        )
    try:
        reader = open_table(upload_path(job), original_name=job.original_name, encoding=encoding)
    except ImportFileError as exc:
        raise _invalid(exc.message) from exc
    columns = list(reader.columns)
    job.encoding = encoding
    job.delimiter = reader.delimiter or ""
    job.sample = [list(row) for row in reader.sample(SAMPLE_ROWS)]
    if columns != job.columns:
        job.columns = columns
        job.mapping = mapping_rules.propose_mapping(columns, job.target)
        job.status = ImportStatus.UPLOADED
    elif job.status == ImportStatus.DRY_RUN_DONE:
        job.status = ImportStatus.MAPPED
    job.dry_run = {}
    job.save()
    return job


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), {"encoding": [message]})
