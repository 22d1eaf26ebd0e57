"""Jobs of lifetime value, run by the Huey consumer. The weekly fit is scheduled in
config/schedules.py; "fit now" on the model page queues `fit_lifetime_model`. Each is safe to
run twice (a finished run is left alone)."""

import logging

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.analytics.lifetime.events import LifetimeFitQueued
from rapport.analytics.lifetime.models import LifetimeModelRun
from rapport.analytics.lifetime.selectors import active_run
from rapport.analytics.lifetime.services import lifetime_fit, lifetime_run_create
from rapport.core.events import subscribe

logger = logging.getLogger(__name__)


@db_task()
def fit_lifetime_model(run_id: int) -> str | None:
    run = LifetimeModelRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    return lifetime_fit(run).status


@subscribe(LifetimeFitQueued)
def _queue_fit(event: LifetimeFitQueued) -> None:
    transaction.on_commit(lambda: fit_lifetime_model(event.run_id))


def fit_weekly() -> None:
    """The weekly fit as of today, with the default holdout; skipped while one is running."""
    if active_run() is not None:
        logger.info("Lifetime value: a fit is already running, the weekly one is skipped")
        return
    lifetime_run_create(actor=None)
