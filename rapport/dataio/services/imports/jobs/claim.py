"""Which worker runs a job: a compare-and-swap claim, heartbeats, stalled workers."""

import os
import socket
import threading
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from rapport.dataio.models import (
    ImportJob,
    ImportStatus,
)

# A running job whose heartbeat is older than this is taken over (its worker is presumed dead).
STALE_AFTER = timedelta(seconds=60)
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DRY_RUNNING, ImportStatus.UNDOING)


def _process_start_ticks(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()
    return "Z" if fields[0] == "Z" else fields[19]


def worker_id() -> str:
    """This thread of this process on this host, unmistakable even after a pid is reused."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start_ticks(pid)}:{threading.get_ident()}"


def worker_gone(worker: str) -> bool:
    """Whether the worker that claimed a job is known to be dead: it ran on this host and its
    process (or, in this process, its thread) is gone. Elsewhere only the heartbeat tells."""
    try:
        host, pid, ticks, thread = worker.rsplit(":", 3)
        pid = int(pid)
    except ValueError:
        return True
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return worker == worker_id() or int(thread) not in {t.ident for t in threading.enumerate()}
    current = _process_start_ticks(pid)
    return current in ("", "Z") or current != ticks


def is_stalled(job: ImportJob, now=None) -> bool:
    now = now or timezone.now()
    if not job.worker:
        return job.updated_at < now - STALE_AFTER
    return (
        worker_gone(job.worker) or job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
    )


_RUN_STATUSES = {
    "import": ((ImportStatus.QUEUED, ImportStatus.RUNNING), ImportStatus.RUNNING),
    "dry_run": ((ImportStatus.DRY_RUNNING,), ImportStatus.DRY_RUNNING),
    "undo": ((ImportStatus.UNDOING,), ImportStatus.UNDOING),
}


def claim(job_id: int, kind: str, me: str) -> ImportJob | None:
    """Take the job for this worker, or None when it is done, not of this kind, or another
    live worker has it. A compare-and-swap, so two workers cannot both win."""
    statuses, new_status = _RUN_STATUSES[kind]
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in statuses:
        return None
    fresh = job.heartbeat_at and job.heartbeat_at >= timezone.now() - STALE_AFTER
    if job.worker and fresh and not worker_gone(job.worker):
        return None
    now = timezone.now()
    won = ImportJob.objects.filter(
        pk=job.pk, status=job.status, worker=job.worker, heartbeat_at=job.heartbeat_at
    ).update(
        status=new_status,
        worker=me,
        heartbeat_at=now,
        run_started_at=now,
        run_rows_start=job.rows_done,
        started_at=job.started_at or now,
        updated_at=now,
    )
    if not won:
        return None
    job.refresh_from_db()
    return job


class LostClaim(Exception):
    """Another worker took the job over (this one was presumed dead); stop without writing."""
