"""Jobs of the activities app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

Jobs take ids and call a service; each is safe to run twice. When they run is decided in
config/schedules.py, the one module declaring every periodic schedule.
"""

import datetime
import logging

from django.db import transaction
from huey.contrib.djhuey import db_task

from rapport.activities.events import MentionsNotified
from rapport.activities.mentions import mention_email_send
from rapport.activities.task_selectors import tasks_due_for_reminder
from rapport.activities.task_services import task_reminder_deliver
from rapport.core.events import subscribe

logger = logging.getLogger(__name__)


@db_task()
def deliver_task_reminder(task_id: int) -> bool:
    """Notify the assignee of one task (in the app, and by e-mail if they have an address)."""
    return task_reminder_deliver(task_id=task_id)


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Queue the delivery of every reminder that has come due; returns how many were queued.

    Run every minute. A reminder still queued from the previous minute may be queued again;
    the delivery claims the task first, so it goes out once.
    """
    task_ids = list(tasks_due_for_reminder(now).order_by("remind_at").values_list("pk", flat=True))
    for task_id in task_ids:
        deliver_task_reminder(task_id)
    return len(task_ids)


@db_task()
def deliver_mention_emails(mention_ids: list[int], url: str, title: str, excerpt: str) -> int:
    """E-mail each mentioned user who asked for it; a failing address does not stop the rest.
    The notification in the app is already there, so a mail server that fails is logged and
    not retried (no mention e-mail is ever sent twice)."""
    sent = 0
    for mention_id in mention_ids:
        try:
            sent += mention_email_send(mention_id=mention_id, url=url, title=title, excerpt=excerpt)
        except Exception:
            logger.exception("Could not e-mail mention %s", mention_id)
    return sent


@subscribe(MentionsNotified)
def _queue_mention_emails(event: MentionsNotified) -> None:
    transaction.on_commit(
        lambda: deliver_mention_emails(
            list(event.mention_ids), event.url, event.title, event.excerpt
        )
    )
