"""Jobs of the service app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

When they run is decided in config/schedules.py, the one module declaring every periodic
schedule. Each is safe to run twice.
"""

import logging

from huey.contrib.djhuey import db_task

from rapport.service.services.sla import sla_actions_pending, sla_apply_actions, sla_check

logger = logging.getLogger(__name__)


def check_slas() -> dict:
    """Warn the assignees of targets at their warning time and escalate the breached ones,
    each once (`services.sla.sla_check`); queue the policies' actions a backlog left (or a
    worker that died left) to `apply_sla_actions`."""
    result = sla_check()
    if result["warned"] or result["breached"]:
        logger.info("SLA check: %(warned)d warned, %(breached)d breached", result)
    if sla_actions_pending():
        apply_sla_actions()
    return result


@db_task()
def apply_sla_actions() -> int:
    """Raise and reassign the breached tickets whose policy asks for it, a batch of tickets per
    transaction until none is left (`services.sla.sla_apply_actions`: each breach once, even if
    this job runs twice at the same time or dies half-way). Returns how many tickets."""
    total = 0
    while done := sla_apply_actions():
        total += done
    if total:
        logger.info("SLA actions: %d tickets raised or reassigned", total)
    return total
