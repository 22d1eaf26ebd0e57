"""The outbox, template, suppression and consent pages and endpoints: administrators only,
except a person's consent, which follows the person's visibility."""

import pytest
from django.urls import reverse

from rapport.messaging.models import (
    Channel,
    ConsentStatus,
    EmailTemplate,
    MessageKind,
    Suppression,
)
from rapport.messaging.selectors import consent_status
from rapport.messaging.services import email_send, email_template_create

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "name": "Welcome",
    "kind": MessageKind.TRANSACTIONAL,
    "subject_en": "Welcome, {{ person.name }}",
    "body_en": "Hello {{ person.name }}",
}


@pytest.fixture
def message(person):
    return email_send(
        to_address="emily@example.com",
        subject="Hello <script>alert(1)</script>",
        body_text="Hi",
        body_html="<p>Hi</p><script>alert(1)</script>",
        person=person,
        send_key="page:1",
    )


def test_the_outbox_lists_messages_for_administrators(
    client, admin_user, message, django_assert_max_num_queries
):
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("messaging:message_list"))

    assert page.status_code == 200
    assert "emily@example.com" in page.content.decode()


def test_a_message_shows_its_html_only_in_a_sandboxed_frame(client, admin_user, message):
    client.force_login(admin_user)

    page = client.get(reverse("messaging:message_detail", args=[message.pk])).content.decode()

    assert '<iframe sandbox="" srcdoc="&lt;p&gt;Hi&lt;/p&gt;&lt;script&gt;' in page
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize(
    "name", ["messaging:message_list", "messaging:template_list", "messaging:suppression_list"]
)
def test_a_representative_cannot_open_the_administrators_pages(client, alice, name):
    client.force_login(alice)

    assert client.get(reverse(name)).status_code == 403


def test_a_template_with_an_unknown_field_is_refused_on_the_form(client, admin_user):
    client.force_login(admin_user)

    page = client.post(
        reverse("messaging:template_create"),
        {
            "name": "Bad",
            "kind": "transactional",
            "subject_en": "Hi",
            "body_en": "Hi\n{{ person.salary }}",
        },
    )

    assert page.status_code == 200
    assert "Line 2: Unknown merge field: person.salary" in page.content.decode()
    assert not EmailTemplate.objects.exists()


def test_the_preview_uses_a_person_the_user_may_see(client, admin_user, person):
    template = email_template_create(actor=admin_user, data=TEMPLATE)
    client.force_login(admin_user)

    page = client.get(
        reverse("messaging:template_detail", args=[template.pk]), {"person_id": person.pk}
    )

    assert "Welcome, Emily Carter" in page.content.decode()


def test_consent_is_recorded_from_the_person_page_panel(client, alice, person):
    client.force_login(alice)
    url = reverse("messaging:person_consent", args=[person.pk])

    client.post(url, {"channel": "email", "status": "opted_out", "source": "phone call"})

    assert consent_status(person, Channel.EMAIL) == ConsentStatus.OPTED_OUT
    assert "phone call" in client.get(url).content.decode()


def test_another_teams_person_consent_is_not_found(client, charlie, person):
    client.force_login(charlie)

    assert client.get(reverse("messaging:person_consent", args=[person.pk])).status_code == 404


def test_the_api_creates_and_previews_templates_and_refuses_a_bad_one(client, admin_user, person):
    client.force_login(admin_user)

    bad = client.post(
        "/api/v1/email-templates",
        {**TEMPLATE, "body_en": "{{ person.salary }}"},
        content_type="application/json",
    )
    created = client.post("/api/v1/email-templates", TEMPLATE, content_type="application/json")
    preview = client.get(
        f"/api/v1/email-templates/{created.json()['id']}/preview?person_id={person.pk}"
    )

    assert bad.status_code == 422
    assert bad.json()["details"]["body_en"] == ["Line 1: Unknown merge field: person.salary"]
    assert created.status_code == 201
    assert preview.json()["subject"] == "Welcome, Emily Carter"


def test_the_api_lists_messages_and_suppressions_for_administrators(client, admin_user, message):
    client.force_login(admin_user)

    messages = client.get("/api/v1/messages")
    added = client.post(
        "/api/v1/suppressions", {"address": "Spam@Example.com"}, content_type="application/json"
    )

    assert messages.json()["items"][0]["to_address"] == "emily@example.com"
    assert added.status_code == 201
    assert Suppression.objects.get().address == "spam@example.com"


def test_the_api_keeps_consent_history(client, alice, charlie, person):
    client.force_login(alice)
    url = f"/api/v1/persons/{person.pk}/consent"

    client.post(
        url,
        {"channel": "email", "status": "opted_in", "source": "web form"},
        content_type="application/json",
    )
    answer = client.post(
        url,
        {"channel": "email", "status": "opted_out", "source": "call"},
        content_type="application/json",
    )
    client.force_login(charlie)

    assert answer.json()["current"]["email"] == "opted_out"
    assert len(answer.json()["history"]) == 2
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "messaging:message_list",
        "messaging:template_list",
        "messaging:template_create",
        "messaging:suppression_list",
    ],
)
def test_an_administrator_opens_each_page_in_chinese(client, admin_user, name):
    admin_user.language = "zh-hans"
    admin_user.save()
    client.force_login(admin_user)

    page = client.get(reverse(name))

    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()


def test_a_template_is_edited_and_a_test_sent_from_its_page(client, admin_user, person):
    admin_user.email = "admin@example.com"
    admin_user.save()
    template = email_template_create(actor=admin_user, data=TEMPLATE)
    client.force_login(admin_user)

    edited = client.post(
        reverse("messaging:template_edit", args=[template.pk]),
        {**TEMPLATE, "subject_en": "Hi {{ person.name }}", "version": template.version},
    )
    sent = client.post(
        reverse("messaging:template_detail", args=[template.pk]), {"person_id": person.pk}
    )

    assert edited.status_code == 302
    assert "Sent to admin@example.com" in sent.content.decode()
