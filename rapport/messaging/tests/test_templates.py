"""E-mail templates: checked on save, rendered in a sandbox in the person's language."""

import pytest

from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.messaging.models import MessageKind, MessageStatus
from rapport.messaging.services import (
    email_send_template,
    email_template_create,
    email_template_test_send,
    template_render,
)

pytestmark = pytest.mark.django_db

WELCOME = {
    "name": "Welcome",
    "kind": MessageKind.TRANSACTIONAL,
    "subject_zh": "欢迎，{{ person.name }}",
    "body_zh": "{{ person.name }}，您好！\n您的顾问是 {{ owner.name }}。",
    "subject_en": "Welcome, {{ person.given_name }}",
    "body_en": "Dear {{ person.name }},\nyour adviser is {{ owner.name }}.\nhttps://example.com/start",
}


@pytest.fixture
def welcome(admin_user):
    return email_template_create(actor=admin_user, data=WELCOME)


def test_an_unknown_merge_field_is_refused_with_its_line(admin_user):
    data = {**WELCOME, "body_en": "Hello\n{{ person.salary }}"}

    with pytest.raises(ValidationFailed) as refused:
        email_template_create(actor=admin_user, data=data)

    assert refused.value.details["body_en"] == ["Line 2: Unknown merge field: person.salary"]


def test_a_syntax_error_is_refused_with_its_line(admin_user):
    data = {**WELCOME, "body_zh": "您好\n\n{% if person.name %}没有结束"}

    with pytest.raises(ValidationFailed) as refused:
        email_template_create(actor=admin_user, data=data)

    assert refused.value.details["body_zh"][0].startswith("Line 3: Syntax error")


def test_a_template_cannot_reach_python_internals(admin_user):
    data = {**WELCOME, "body_en": "{{ person.__class__ }}{{ settings.SECRET_KEY }}"}

    with pytest.raises(ValidationFailed) as refused:
        email_template_create(actor=admin_user, data=data)

    assert len(refused.value.details["body_en"]) == 2


def test_the_sandbox_refuses_unsafe_attributes_at_render_time(admin_user, welcome, person):
    # Even a template written around the check (a loop variable) reaches only plain values.
    welcome.body_en = "{% for x in [person] %}[{{ x.__class__.__mro__ }}]{% endfor %}"

    rendered = template_render(template=welcome, person=person, language="en")

    assert rendered["text"] == "[]"


def test_only_administrators_write_templates(alice):
    with pytest.raises(PermissionDenied):
        email_template_create(actor=alice, data=WELCOME)


def test_the_persons_language_is_chosen(welcome, person, chinese_person, alice):
    english = template_render(template=welcome, person=person)
    chinese = template_render(template=welcome, person=chinese_person)

    assert english["subject"] == "Welcome, Emily Carter"
    assert "your adviser is alice" in english["text"]
    assert chinese["subject"] == "欢迎，张伟"
    assert chinese["language"] == "zh-hans"


def test_a_sent_template_tracks_links_and_opens(outbox_only, welcome, person):
    message = email_send_template(template=welcome, person=person, send_key="welcome:p1")

    assert "https://example.com/start" in message.body_text
    assert "/messaging/c/" in message.body_html
    assert "/messaging/o/" in message.body_html
    assert message.template == welcome and message.language == "en"


def test_a_marketing_template_carries_one_click_unsubscribe(outbox_only, admin_user, person):
    template = email_template_create(
        actor=admin_user, data={**WELCOME, "name": "News", "kind": MessageKind.MARKETING}
    )

    message = email_send_template(template=template, person=person, send_key="news:p1")

    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Unsubscribe"].startswith("<http")
    assert "/messaging/u/" in message.body_text


def test_a_test_send_goes_to_the_administrator(outbox_only, admin_user, welcome, person):
    admin_user.email = "admin@example.com"
    admin_user.save()

    message = email_template_test_send(actor=admin_user, template=welcome, person=person)

    assert message.to_address == "admin@example.com"
    assert message.status == MessageStatus.QUEUED
    assert message.subject.startswith("[Test]")
