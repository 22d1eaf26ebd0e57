"""Jobs of the activities app, run by the Huey consumer (`manage.py run_huey`, or `serve`).

Jobs take ids and call a service; each is safe to run twice. When they run is decided in
config/schedules.py, the one module declaring every periodic schedule.
"""

import datetime

from huey.contrib.djhuey import db_task

from rapport.activities.task_selectors import tasks_due_for_reminder
from rapport.activities.task_services import task_reminder_deliver


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
