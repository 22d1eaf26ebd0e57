"""Every periodic job of Rapport, in one place: what runs when.

The jobs themselves live in each app's `tasks.py`; this module only schedules them. It is
imported by `rapport.web`'s AppConfig.ready (the web app is the top of the dependency graph, so
it may import every app), so the Huey consumer started by `manage.py run_huey` or
`manage.py serve` registers these schedules. Huey reads crontab times as UTC.
"""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rapport.activities import tasks as activities_tasks
from rapport.analytics.churn import tasks as churn_tasks
from rapport.analytics.lifetime import tasks as lifetime_tasks
from rapport.analytics.recommend import tasks as recommend_tasks
from rapport.analytics.reports import tasks as reports_tasks
from rapport.analytics.value import tasks as value_tasks
from rapport.automation import tasks as automation_tasks
from rapport.chat import tasks as chat_tasks
from rapport.dataio import tasks as dataio_tasks
from rapport.inbox import tasks as inbox_tasks
from rapport.integration import tasks as integration_tasks
from rapport.messaging import tasks as messaging_tasks
from rapport.sales import tasks as sales_tasks
from rapport.service import tasks as service_tasks
from rapport.surveys import tasks as surveys_tasks
from rapport.webhooks import tasks as webhooks_tasks


@db_periodic_task(crontab(minute="*"))
def send_due_task_reminders() -> None:
    activities_tasks.send_due_reminders()


@db_periodic_task(crontab(minute="17"))
def create_stale_deal_tasks() -> None:
    sales_tasks.create_stale_deal_tasks()


@db_periodic_task(crontab(minute="5", hour="18"))  # 18:05 UTC: the small hours in China
def recompute_time_based_lead_scores() -> None:
    sales_tasks.recompute_time_based_lead_scores()


@db_periodic_task(crontab(minute="*"))
def resume_stalled_imports() -> None:
    dataio_tasks.imports.resume_stalled_imports()


@db_periodic_task(crontab(minute="*/5"))
def resume_stalled_bulk_actions() -> None:
    dataio_tasks.bulk.resume_stalled_bulk_actions()


@db_periodic_task(crontab(minute="40", hour="19"))
def purge_expired_imports() -> None:
    dataio_tasks.imports.purge_expired_imports()


@db_periodic_task(crontab(minute="20", hour="19"))
def snapshot_data_health() -> None:
    dataio_tasks.health.snapshot_daily()


@db_periodic_task(crontab(minute="0", hour=str(settings.RAPPORT_BACKUP_HOUR_UTC)))
def daily_backup() -> None:
    if settings.RAPPORT_BACKUP_KEEP > 0:
        dataio_tasks.backups.backup_scheduled()


@db_periodic_task(crontab(minute="50", hour="18"))  # before the health snapshot at 19:20
def scan_duplicates_nightly() -> None:
    dataio_tasks.dedup.scan_all_nightly()


@db_periodic_task(crontab(minute="*"))
def poll_inbound_mailbox() -> None:
    inbox_tasks.poll_mailbox()


@db_periodic_task(crontab(minute="*"))
def deliver_queued_mail() -> None:
    messaging_tasks.recover_interrupted_messages()
    messaging_tasks.deliver_due_messages()


@db_periodic_task(crontab(minute="*"))
def resume_rule_steps() -> None:
    # Rule actions due again (retries, ended waits, steps a killed worker held).
    automation_tasks.resume_due_steps()


@db_periodic_task(crontab(minute="*"))
def evaluate_date_rules() -> None:
    # Date, inactivity and schedule rules; each record fires once per occurrence.
    automation_tasks.evaluate_date_rules()


@db_periodic_task(crontab(minute="*"))
def send_due_webhooks() -> None:
    # Retries of webhook deliveries, and first attempts a worker missed (claimed per delivery).
    webhooks_tasks.send_due()


@db_periodic_task(crontab(minute="35", hour="19"))
def purge_old_webhook_deliveries() -> None:
    webhooks_tasks.purge_old_deliveries()


@db_periodic_task(crontab(minute="35"))
def purge_idempotency_keys() -> None:
    integration_tasks.purge_idempotency_keys()


@db_periodic_task(crontab(minute="*"))
def sequence_changes() -> None:
    integration_tasks.sequence_changes()


@db_periodic_task(crontab(minute="*/10"))
def send_due_nps_surveys() -> None:
    # NPS rounds that are due, and rounds a stopped worker left half sent (resumed per batch).
    surveys_tasks.send_due_nps_surveys()


@db_periodic_task(crontab(minute="*"))
def check_slas() -> None:
    # Warnings at 80 % of a target and escalations on breach, each once per target.
    service_tasks.check_slas()


@db_periodic_task(crontab(minute="*"))
def convert_due_chats() -> None:
    chat_tasks.convert_due_chats()


@db_periodic_task(crontab(minute="10", hour="20"))  # 20:10 UTC, 04:10 in China
def compute_product_recommendations() -> None:
    # "Bought this also bought" rules from every order, rebuilt whole.
    recommend_tasks.compute_associations_nightly()


@db_periodic_task(crontab(minute="10", hour="19", day_of_week="1"))  # Tuesday 03:10 in China
def fit_lifetime_value_model() -> None:
    # BG/NBD and gamma-gamma on the orders up to today, with the default holdout check.
    lifetime_tasks.fit_weekly()


@db_periodic_task(crontab(minute="30", hour="19", day_of_week="0"))  # Monday 03:30 in China
def train_churn_model() -> None:
    # A new churn model on the week's data, then every customer scored and owners alerted.
    churn_tasks.train_weekly()


@db_periodic_task(crontab(minute="30", hour="23"))  # 07:30 in China, before the working day
def send_scheduled_reports() -> None:
    # Saved reports due today (daily, Mondays, the 1st), each run as its recipient.
    reports_tasks.send_scheduled_reports()


@db_periodic_task(crontab(minute="30", hour="18"))  # 02:30 in China
def compute_customer_values() -> None:
    # Every customer's value, rescored against everyone, and this month's segment snapshot.
    value_tasks.recompute_all_customer_values()
