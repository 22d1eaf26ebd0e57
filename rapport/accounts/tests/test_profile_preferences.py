"""The user's own settings on the profile page: how mentions reach them, and their calendar feed
address (turn on, copy, make a new one, turn off)."""

import pytest
from django.urls import reverse

from rapport.accounts.models import NotificationDelivery

pytestmark = pytest.mark.django_db


def test_new_users_hear_of_mentions_in_the_app_and_by_email(alice):
    assert alice.notification_delivery == NotificationDelivery.IN_APP_AND_EMAIL


def test_user_chooses_in_app_only_on_the_profile(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:notification_delivery"), {"notification_delivery": "in_app"}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.notification_delivery == NotificationDelivery.IN_APP
    assert not alice.wants_email_notifications


def test_an_unknown_choice_changes_nothing(client, alice):
    client.force_login(alice)

    client.post(reverse("accounts:notification_delivery"), {"notification_delivery": "sms"})

    alice.refresh_from_db()
    assert alice.notification_delivery == NotificationDelivery.IN_APP_AND_EMAIL


def test_profile_shows_the_calendar_address_once_turned_on(client, alice):
    client.force_login(alice)
    assert b'data-testid="calendar-url"' not in client.get(reverse("accounts:profile")).content

    client.post(reverse("accounts:calendar_token"), {"action": "new"})

    alice.refresh_from_db()
    feed = reverse("activities:calendar_feed", args=[alice.calendar_token])
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f'value="http://testserver{feed}"' in html
    assert 'data-copy="calendar-url"' in html
    assert len(alice.calendar_token) >= 43


def test_a_new_address_replaces_the_old_and_turning_off_clears_it(client, alice):
    client.force_login(alice)
    client.post(reverse("accounts:calendar_token"), {"action": "new"})
    alice.refresh_from_db()
    first = alice.calendar_token

    client.post(reverse("accounts:calendar_token"), {"action": "new"})
    alice.refresh_from_db()
    assert alice.calendar_token not in ("", first)

    client.post(reverse("accounts:calendar_token"), {"action": "off"})
    alice.refresh_from_db()
    assert alice.calendar_token == ""


def test_calendar_address_changes_only_by_post(client, alice):
    client.force_login(alice)

    assert client.get(reverse("accounts:calendar_token")).status_code == 405
