"""Work dataio's services ask for, announced as events so that they never import the jobs.

The services publish these inside their transaction; `rapport.dataio.tasks` (which imports the
services to run them) subscribes and enqueues the job with `transaction.on_commit`, so a
rolled-back request queues nothing. `DataioConfig.ready` imports the tasks, which registers
their handlers in every process, not only in the job consumer.
"""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class DuplicateScanRequested(Event):
    """An administrator asked for the review queue of `record_type` to be refreshed."""

    record_type: str


@dataclass(frozen=True)
class ImportDryRunRequested(Event):
    """An import job was set to dry-run; the job runs it."""

    job_id: int


@dataclass(frozen=True)
class ImportRunRequested(Event):
    """An import job was queued; the job runs it."""

    job_id: int


@dataclass(frozen=True)
class ImportUndoRequested(Event):
    """An import's undo was started; the job runs it."""

    job_id: int


@dataclass(frozen=True)
class BulkActionRequested(Event):
    """A bulk action too large for one request was queued; the job runs it."""

    job_id: int
