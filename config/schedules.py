"""Every periodic job of Rapport, in one place: what runs when.

The jobs themselves live in each app's `tasks.py`; this module only schedules them. It is
imported by `rapport.web`'s AppConfig.ready (the web app is the top of the dependency graph, so
it may import every app), so the Huey consumer started by `manage.py run_huey` or
`manage.py serve` registers these schedules. Huey reads crontab times as UTC.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rapport.activities import tasks as activities_tasks
from rapport.sales import tasks as sales_tasks


@db_periodic_task(crontab(minute="*"))
def send_due_task_reminders() -> None:
    activities_tasks.send_due_reminders()


@db_periodic_task(crontab(minute="17"))
def create_stale_deal_tasks() -> None:
    sales_tasks.create_stale_deal_tasks()


@db_periodic_task(crontab(minute="5", hour="18"))  # 18:05 UTC: the small hours in China
def recompute_time_based_lead_scores() -> None:
    sales_tasks.recompute_time_based_lead_scores()
