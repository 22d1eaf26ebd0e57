"""Bulk action jobs: run a large bulk action, and resume the ones a dead worker left. Each task
takes an id and is safe to run twice (the run claims the action first)."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task, on_startup

from rapport.core.events import subscribe
from rapport.dataio.events import BulkActionRequested
from rapport.dataio.models import BulkAction, BulkStatus
from rapport.dataio.services.bulk import bulk_action_run

logger = logging.getLogger(__name__)

# A running action saves its progress after every chunk, well within this.
STALLED_AFTER = datetime.timedelta(minutes=5)


@db_task()
def run_bulk_action(job_id: int, resume: bool = False) -> None:
    bulk_action_run(job_id, resume=resume)


@subscribe(BulkActionRequested)
def _queue_bulk_action(event: BulkActionRequested) -> None:
    transaction.on_commit(lambda: run_bulk_action(event.job_id))


def resume_stalled_bulk_actions() -> int:
    """Re-enqueue the bulk actions whose worker died (no progress saved for a while) or whose
    queued task was lost. Returns how many."""
    before = timezone.now() - STALLED_AFTER
    ids = list(
        BulkAction.objects.filter(
            status__in=[BulkStatus.QUEUED, BulkStatus.RUNNING], updated_at__lt=before
        ).values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        logger.info("Resuming bulk action %s.", pk)
        run_bulk_action(pk, resume=True)
    return len(ids)


@on_startup()
def resume_bulk_actions_at_startup() -> None:
    try:
        resume_stalled_bulk_actions()
    except Exception:  # a missing table before migrate must not stop the consumer
        logger.exception("Could not look for stalled bulk actions.")
