"""Jobs of the reports app, scheduled in config/schedules.py. Each is safe to run twice."""

import logging

from rapport.analytics.reports.mailing import send_due_reports

logger = logging.getLogger(__name__)


def send_scheduled_reports() -> int:
    """E-mail the saved reports due today (daily, Mondays, the first of the month)."""
    sent = send_due_reports()
    if sent:
        logger.info("Scheduled reports: %d e-mails queued", sent)
    return sent
