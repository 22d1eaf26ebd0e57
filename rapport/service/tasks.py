"""Jobs of the service app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

When they run is decided in config/schedules.py, the one module declaring every periodic
schedule. Each is safe to run twice.
"""

import logging

from rapport.service.services.sla import sla_check

logger = logging.getLogger(__name__)


def check_slas() -> dict:
    """Warn the assignees of targets at their warning time and escalate the breached ones,
    each once (`services.sla.sla_check`)."""
    result = sla_check()
    if result["warned"] or result["breached"]:
        logger.info("SLA check: %(warned)d warned, %(breached)d breached", result)
    return result
