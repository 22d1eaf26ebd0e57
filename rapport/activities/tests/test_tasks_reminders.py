"""The reminder jobs: due reminders become one notification and one e-mail, however often the
job runs; e-mails go through a real SMTP server started by the test."""

import datetime
import email
import email.policy
import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.accounts.models import NotificationDelivery
from rapport.accounts.services import user_set_notification_delivery
from rapport.activities.models import Notification, Task
from rapport.activities.task_services import (
    task_cancel,
    task_create,
    task_reminder_deliver,
    task_update,
)
from rapport.activities.tasks import deliver_task_reminder, send_due_reminders

A_MINUTE_AGO = datetime.timedelta(minutes=-1)


def _task(actor, title="寄样品", remind_in=A_MINUTE_AGO, **data):
    now = timezone.now()
    return task_create(
        actor=actor,
        data={
            "title": title,
            "remind_at": now + remind_in,
            "due_at": now + datetime.timedelta(hours=2),
            **data,
        },
    )


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on localhost, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Rapport <crm@example.cn>"
    settings.RAPPORT_BASE_URL = "https://crm.example.cn/"
    yield inbox
    controller.stop()


def test_due_reminder_is_e_mailed_once_in_the_assignees_language(wang, smtp_inbox, huey_immediate):
    # Given wang, who reads Chinese, has a task whose reminder time has passed
    task = _task(wang, description="带两箱样品")

    # When the periodic job runs twice
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0

    # Then wang has one notification and one e-mail, in Chinese, linking to the task
    assert Notification.objects.filter(recipient=wang, kind="task.reminder").count() == 1
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert smtp_inbox.recipients == [["wang.fang@example.cn"]]
    assert message["Subject"] == "提醒：寄样品"
    assert message["From"] == "Rapport <crm@example.cn>"
    body = message.get_content()
    assert "这是任务“寄样品”的提醒。" in body
    assert "带两箱样品" in body
    assert f"https://crm.example.cn/tasks/{task.pk}/" in body
    task.refresh_from_db()
    assert task.reminder_sent_at is not None


def test_delivering_the_same_reminder_twice_sends_it_once(wang, smtp_inbox):
    task = _task(wang)

    first = task_reminder_deliver(task_id=task.pk)
    second = task_reminder_deliver(task_id=task.pk)

    assert (first, second) == (True, False)
    assert Notification.objects.count() == 1
    assert len(smtp_inbox.messages) == 1


def test_queued_delivery_job_runs_the_service(alice, huey_immediate):
    task = _task(alice)

    result = deliver_task_reminder(task.pk)

    assert result.get() is True
    assert Notification.objects.get().target_id == task.pk


def test_reminder_without_an_e_mail_address_is_in_app_only(alice, huey_immediate):
    assert alice.email == ""
    task = _task(alice, title="Call back")

    send_due_reminders()

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (alice, "task.reminder")
    assert notification.display_title == "Reminder: Call back"
    assert notification.url == f"/tasks/{task.pk}/"
    assert mail.outbox == []


def test_reminder_of_a_user_who_wants_notifications_in_rapport_only_is_not_e_mailed(
    wang, smtp_inbox, huey_immediate
):
    user_set_notification_delivery(user=wang, delivery=NotificationDelivery.IN_APP)
    _task(wang)

    assert send_due_reminders() == 1

    assert Notification.objects.filter(recipient=wang, kind="task.reminder").count() == 1
    assert smtp_inbox.messages == []


def test_reminders_not_yet_due_or_of_closed_tasks_are_not_sent(wang, huey_immediate):
    _task(wang, title="later", remind_in=datetime.timedelta(minutes=5))
    task_cancel(actor=wang, task=_task(wang, title="cancelled"))

    assert send_due_reminders() == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_rearmed_reminder_is_sent_again(wang, huey_immediate):
    task = _task(wang)
    send_due_reminders()

    task_update(
        actor=wang, task=task, data={"remind_at": timezone.now() - datetime.timedelta(seconds=1)}
    )
    send_due_reminders()

    assert Notification.objects.filter(kind="task.reminder").count() == 2
    assert len(mail.outbox) == 2


def test_mail_server_down_keeps_the_notification_and_logs(wang, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = False
    task = _task(wang)

    with caplog.at_level(logging.ERROR, logger="rapport.activities.task_services"):
        sent = task_reminder_deliver(task_id=task.pk)

    assert sent is True
    assert Notification.objects.filter(kind="task.reminder").count() == 1
    assert "Could not e-mail the reminder" in caplog.text
    # Not retried: a second run neither notifies nor mails again.
    assert task_reminder_deliver(task_id=task.pk) is False


def test_reminder_job_is_scheduled_every_minute():
    schedules = {t.name: t for t in HUEY._registry.periodic_tasks}

    every_minute = schedules["send_due_task_reminders"]
    assert all(
        every_minute.validate_datetime(datetime.datetime(2026, 5, 1, 9, minute))
        for minute in range(60)
    )


def test_reminder_in_the_past_at_creation_goes_out_at_the_next_run(alice, huey_immediate):
    _task(alice, remind_in=datetime.timedelta(days=-3))

    assert send_due_reminders() == 1
    assert Task.objects.get().reminder_sent_at is not None
