"""@mentions in interactions and in persons' and companies' notes: the token, who is notified
(once per text, only if they may see the record, by e-mail if they chose it, in their language),
what the author is told, and the list of colleagues the @ opens."""

import pytest
from django.core import mail
from django.urls import reverse

from rapport.accounts.models import NotificationDelivery
from rapport.accounts.services import user_set_notification_delivery
from rapport.activities.mentions import (
    mention_token,
    mentioned_user_ids,
    plain_mentions,
    render_mentions,
)
from rapport.activities.models import Mention, Notification
from rapport.activities.services import interaction_create, interaction_update
from rapport.customers.services import company_update, person_create, person_update

pytestmark = pytest.mark.django_db


def log_call(actor, person, content: str):
    return interaction_create(
        actor=actor, person=person, data={"channel": "call", "subject": "回访", "content": content}
    )


# --- The token ------------------------------------------------------------------------------------


def test_token_names_the_user_by_id_and_shows_a_chinese_name_without_spaces(wang):
    token = mention_token(wang)

    assert token == f"@[王芳](user:{wang.pk})"
    assert mentioned_user_ids(f"请{token}跟进，谢谢") == [wang.pk]


def test_plain_at_words_and_email_addresses_mention_nobody(alice):
    text = "Twitter @alice, mail alice@example.com, @[broken](user:x) and @[no id]"

    assert mentioned_user_ids(text) == []


def test_a_user_mentioned_twice_counts_once_in_order(alice, bob):
    text = f"{mention_token(bob)} {mention_token(alice)} {mention_token(bob)}"

    assert mentioned_user_ids(text) == [bob.pk, alice.pk]


def test_rendering_escapes_the_text_and_shows_each_token_as_a_chip(bob):
    html = render_mentions(f"<b>hi</b> @[<script>](user:{bob.pk}) done")

    assert html == (
        "&lt;b&gt;hi&lt;/b&gt; "
        f'<span class="mention" data-user-id="{bob.pk}" translate="no">@&lt;script&gt;</span>'
        " done"
    )
    assert plain_mentions(f"ask {mention_token(bob)}") == "ask @bob"


# --- Interactions ---------------------------------------------------------------------------------


def test_mentioned_colleague_is_notified_with_a_link_to_the_customer(alice, bob, east_customer):
    interaction = log_call(alice, east_customer, f"{mention_token(bob)} 请报价")

    notification = Notification.objects.get(recipient=bob, kind="mention")
    assert notification.title == "回访"
    assert notification.url == reverse("customers:person_detail", args=[east_customer.pk])
    assert (notification.target_type, notification.target_id) == ("interaction", interaction.pk)
    assert notification.actor_id == alice.pk
    assert notification.body == "@bob 请报价"
    assert notification.display_title == "You were mentioned: 回访"


def test_editing_the_text_does_not_notify_the_same_user_again(alice, bob, diana, east_customer):
    interaction = log_call(alice, east_customer, f"{mention_token(bob)} first")

    interaction_update(
        actor=alice,
        interaction=interaction,
        data={"content": f"{mention_token(bob)} second, {mention_token(diana)}"},
    )

    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    assert Notification.objects.filter(recipient=diana, kind="mention").count() == 1
    assert Mention.objects.filter(source_type="interaction", source_id=interaction.pk).count() == 2


def test_mentioning_oneself_notifies_nobody(alice, east_customer):
    log_call(alice, east_customer, f"note to self {mention_token(alice)}")

    assert not Notification.objects.exists()


def test_a_user_who_cannot_see_the_customer_is_not_notified_and_the_author_is_told(
    alice, charlie, east_customer
):
    log_call(alice, east_customer, f"{mention_token(charlie)} can you help?")

    assert not Notification.objects.filter(recipient=charlie).exists()
    assert not Mention.objects.exists()
    told = Notification.objects.get(recipient=alice, kind="mention.refused")
    assert told.body == "charlie"
    assert told.display_title == "Not notified, they cannot see “回访”"


def test_an_administrator_sees_every_record_and_is_notified(alice, admin_user, east_customer):
    log_call(alice, east_customer, f"{mention_token(admin_user)} FYI")

    assert Notification.objects.filter(recipient=admin_user, kind="mention").exists()


def test_email_goes_in_the_mentioned_users_language_after_commit(
    alice, wang, east_customer, huey_immediate, django_capture_on_commit_callbacks, settings
):
    settings.RAPPORT_BASE_URL = "https://crm.example.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        log_call(alice, east_customer, f"{mention_token(wang)} 请明天回电")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang.fang@example.cn"]
    # In wang's language (Chinese) although alice works in English.
    assert message.body.startswith("王芳，您好：")
    assert "回访" in message.subject
    assert "@王芳 请明天回电" in message.body
    person_url = reverse("customers:person_detail", args=[east_customer.pk])
    assert f"https://crm.example.cn{person_url}" in message.body


def test_no_email_for_a_user_who_chose_in_app_only(
    alice, wang, east_customer, huey_immediate, django_capture_on_commit_callbacks
):
    user_set_notification_delivery(user=wang, delivery=NotificationDelivery.IN_APP)

    with django_capture_on_commit_callbacks(execute=True):
        log_call(alice, east_customer, f"{mention_token(wang)} 请明天回电")

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=wang, kind="mention").exists()


# --- Notes of persons and companies ---------------------------------------------------------------


def test_mention_in_a_new_persons_notes_notifies(alice, bob):
    person = person_create(
        actor=alice, data={"full_name": "李娜", "notes": f"{mention_token(bob)}认识她的老板"}
    )

    notification = Notification.objects.get(recipient=bob, kind="mention")
    assert (notification.target_type, notification.target_id) == ("person", person.pk)
    assert notification.title == "李娜"


def test_editing_notes_notifies_only_the_newly_mentioned(alice, bob, diana, east_customer):
    person_update(
        actor=alice, person=east_customer, data={"notes": f"{mention_token(bob)}"}, version=None
    )
    east_customer.refresh_from_db()
    person_update(
        actor=alice,
        person=east_customer,
        data={"notes": f"{mention_token(bob)} {mention_token(diana)}"},
        version=None,
    )

    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    assert Notification.objects.filter(recipient=diana, kind="mention").count() == 1


def test_company_notes_mention_of_another_team_is_refused(alice, charlie, east_account):
    company_update(
        actor=alice,
        company=east_account,
        data={"notes": f"ask {mention_token(charlie)}"},
        version=None,
    )

    assert not Notification.objects.filter(recipient=charlie).exists()
    assert Notification.objects.filter(recipient=alice, kind="mention.refused").exists()


def test_person_page_shows_the_mention_as_a_chip(client, alice, bob, east_customer):
    person_update(
        actor=alice, person=east_customer, data={"notes": f"见 {mention_token(bob)}"}, version=None
    )
    client.force_login(alice)

    html = client.get(reverse("customers:person_detail", args=[east_customer.pk])).content.decode()

    assert f'<span class="mention" data-user-id="{bob.pk}" translate="no">@bob</span>' in html
    assert "(user:" not in html.split('data-testid="person-notes"')[1].split("</div>")[0]


def test_timeline_shows_the_interactions_mention_as_a_chip(client, alice, bob, east_customer):
    log_call(alice, east_customer, f"{mention_token(bob)} 请报价")
    client.force_login(alice)

    html = client.get(reverse("activities:person_timeline", args=[east_customer.pk])).content
    assert b'class="mention"' in html
    assert b"(user:" not in html


# --- The list of colleagues -----------------------------------------------------------------------


def test_suggestions_match_a_chinese_name_as_written_and_give_the_token(client, alice, wang):
    client.force_login(alice)

    response = client.get(reverse("activities:mention_suggestions"), {"q": "王芳"})

    assert response.json()["results"] == [
        {"id": wang.pk, "name": "王芳", "username": "wang", "token": f"@[王芳](user:{wang.pk})"}
    ]


def test_suggestions_match_the_start_of_a_user_name(client, alice, bob, charlie):
    client.force_login(alice)

    response = client.get(reverse("activities:mention_suggestions"), {"q": "ch"})

    assert [r["username"] for r in response.json()["results"]] == ["charlie"]


def test_suggestions_need_a_signed_in_user(client):
    response = client.get(reverse("activities:mention_suggestions"), {"q": "a"})

    assert response.status_code == 302


def test_interaction_form_offers_mentions(client, alice, east_customer):
    client.force_login(alice)

    html = client.get(
        reverse("activities:person_log_interaction", args=[east_customer.pk])
    ).content.decode()

    assert f'data-mentions="{reverse("activities:mention_suggestions")}"' in html
