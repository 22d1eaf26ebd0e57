"""Helpers for the import tests: files written in memory, uploaded and run in this process."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.dataio.services.imports import jobs


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.RAPPORT_IMPORT_DIR = tmp_path / "imports"
    return settings.RAPPORT_IMPORT_DIR


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(actor, rows, *, name="customers.csv", target="persons", **kwargs):
    content = rows if isinstance(rows, bytes) else csv_bytes(rows, **kwargs)
    return jobs.import_upload(
        actor=actor, file=SimpleUploadedFile(name, content), original_name=name, target=target
    )


def run(job, *, dry_run=False, batch_size=jobs.BATCH_SIZE):
    if dry_run:
        job = jobs.import_dry_run_start(actor=job.actor, job=job)
    else:
        job = jobs.import_start(actor=job.actor, job=job)
    result = jobs.import_run(job.pk, dry_run=dry_run, batch_size=batch_size)
    assert result is not None
    return result


def mapped(actor, rows, mapping, *, mode="create", match_on="email", defaults=None, **kwargs):
    job = upload(actor, rows, **kwargs)
    return jobs.import_set_mapping(
        actor=actor, job=job, mapping=mapping, defaults=defaults or {}, mode=mode, match_on=match_on
    )


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, no except clause of the code catches it."""


def run_killed_in_batch(job, monkeypatch, *, batch: int, batch_size: int) -> None:
    """Run the started `job` and kill it in its `batch`-th batch, after the batch's rows were
    inserted and before its commit: the batches before it stay committed, that one is lost.
    The writer is whole again afterwards, for the resumed run."""
    from rapport.dataio.services.imports.writer import BatchWriter

    real_write = BatchWriter.write
    calls = []

    def write_then_die(self, cursor, plan, counts):
        calls.append(1)
        result = real_write(self, cursor, plan, counts)
        if len(calls) == batch:
            raise Killed
        return result

    monkeypatch.setattr(BatchWriter, "write", write_then_die)
    with pytest.raises(Killed):
        jobs.import_run(job.pk, batch_size=batch_size)
    monkeypatch.setattr(BatchWriter, "write", real_write)
