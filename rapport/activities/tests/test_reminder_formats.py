"""The task reminder e-mail writes the due time in its reader's date-time format."""

import datetime

from django.core import mail
from django.utils import timezone

from rapport.accounts.services import user_set_language
from rapport.activities.task_services import task_create
from rapport.activities.tasks import send_due_reminders

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _remind(user):
    task_create(
        actor=user,
        data={
            "title": "寄样品",
            "remind_at": timezone.now() - datetime.timedelta(minutes=1),
            "due_at": datetime.datetime(2030, 12, 6, 17, 54, tzinfo=SHANGHAI),
        },
    )
    send_due_reminders()
    return mail.outbox[-1].body


def test_reminder_due_time_in_chinese_format(wang, huey_immediate):
    assert "2030-12-06 17:54" in _remind(wang)


def test_reminder_due_time_in_english_format(wang, huey_immediate):
    user_set_language(user=wang, language="en")

    body = _remind(wang)

    assert "Dec 6, 2030, 17:54" in body
    assert "p.m." not in body
