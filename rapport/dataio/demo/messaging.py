"""The demo's e-mail: two bilingual templates, a welcome mail to a few customers and a task
reminder, so that a fresh `make run` shows them in Settings › Outbox (no mail server is
configured, so nothing leaves the machine)."""

import datetime

from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.task_services import task_create, task_reminder_deliver
from rapport.customers.models import Person
from rapport.messaging.services import (
    email_send_template,
    email_template_create,
    messages_deliver,
)

WELCOME = {
    "name": "Welcome / 欢迎",
    "description": "Sent to a new customer.",
    "kind": "transactional",
    "subject_zh": "欢迎您，{{ person.name }}",
    "body_zh": (
        "{{ person.name }}，您好！\n\n感谢您选择我们。我是您的客户顾问{{ owner.name }}，"
        "有任何问题请随时回复这封邮件。\n\n{{ owner.name }}\n{{ owner.email }}\n"
    ),
    "subject_en": "Welcome, {{ person.given_name }}",
    "body_en": (
        "Dear {{ person.name }},\n\nthank you for choosing us. I am {{ owner.name }}, your "
        "adviser: just reply to this e-mail with any question.\n\n{{ owner.name }}\n"
        "{{ owner.email }}\n"
    ),
}

NEWSLETTER = {
    "name": "Spring offer / 春季优惠",
    "description": "A marketing example: carries the one-click unsubscribe link.",
    "kind": "marketing",
    "subject_zh": "{{ person.name }}，春季优惠开始了",
    "body_zh": "{{ person.name }}，您好！\n\n春季新品九折，详情见 https://rapport.example/spring\n\n"
    "不想再收到此类邮件？{{ unsubscribe_url }}\n",
    "subject_en": "{{ person.given_name }}, our spring offer",
    "body_en": "Dear {{ person.name }},\n\n10% off the spring range: "
    "https://rapport.example/spring\n\nNo more offers? {{ unsubscribe_url }}\n",
}


def messaging_demo_load(*, admin: User, persons: list[Person], users: list[User]) -> int:
    """Returns how many messages the outbox holds afterwards."""
    welcome = email_template_create(actor=admin, data=WELCOME)
    newsletter = email_template_create(actor=admin, data=NEWSLETTER)
    with_address = [p for p in persons if p.primary_email][:6]
    for person in with_address:
        email_send_template(template=welcome, person=person, send_key=f"demo:welcome:{person.pk}")
    for person in with_address[:2]:
        email_send_template(template=newsletter, person=person, send_key=f"demo:spring:{person.pk}")
    # A task reminder, e-mailed through Django's send_mail like every reminder.
    if with_address:
        person = with_address[0]
        owner = (
            next(u for u in users if u.pk == person.owner_id)
            if any(u.pk == person.owner_id for u in users)
            else admin
        )
        now = timezone.now()
        task = task_create(
            actor=owner,
            data={
                "title": "Call back about the quotation",
                "due_at": now + datetime.timedelta(hours=2),
                "remind_at": now - datetime.timedelta(minutes=1),
                "person_id": person.pk,
            },
        )
        task_reminder_deliver(task_id=task.pk)
    return messages_deliver()["delivered"]
