"""Consent, the suppression list, one-click unsubscribe, tracked opens and clicks, throttling."""

import pytest
from django.test import Client

from rapport.core.events import _handlers, subscribe
from rapport.messaging import links
from rapport.messaging.events import MessageClicked
from rapport.messaging.models import (
    Channel,
    ConsentChange,
    ConsentStatus,
    MessageKind,
    MessageStatus,
    MessageTracking,
    SkipReason,
    Suppression,
    SuppressionReason,
)
from rapport.messaging.selectors import consent_status
from rapport.messaging.services import (
    consent_set,
    email_send,
    messages_deliver,
    suppression_add,
    throttle_wait,
)

pytestmark = pytest.mark.django_db


def _send(person, kind, key="k1"):
    return email_send(
        to_address=person.primary_email,
        subject="News",
        body_text="Hello https://example.com/offer",
        person=person,
        kind=kind,
        send_key=key,
    )


def test_marketing_never_goes_to_an_opted_out_person_but_transactional_does(person, alice):
    consent_set(
        person=person,
        channel=Channel.EMAIL,
        status=ConsentStatus.OPTED_OUT,
        source="phone call",
        actor=alice,
    )

    marketing = _send(person, MessageKind.MARKETING, "m")
    transactional = _send(person, MessageKind.TRANSACTIONAL, "t")

    assert (marketing.status, marketing.skip_reason) == (
        MessageStatus.SKIPPED,
        SkipReason.OPTED_OUT,
    )
    assert transactional.status == MessageStatus.QUEUED


def test_consent_keeps_its_history(person, alice):
    consent_set(
        person=person,
        channel=Channel.EMAIL,
        status=ConsentStatus.OPTED_IN,
        source="web form",
        actor=alice,
    )
    consent_set(
        person=person,
        channel=Channel.EMAIL,
        status=ConsentStatus.OPTED_OUT,
        source="phone call",
        actor=alice,
    )

    assert consent_status(person, Channel.EMAIL) == ConsentStatus.OPTED_OUT
    assert ConsentChange.objects.filter(person=person).count() == 2


def test_opt_in_can_be_required_for_marketing(settings, person):
    settings.RAPPORT_MARKETING_REQUIRES_OPT_IN = True

    message = _send(person, MessageKind.MARKETING)

    assert message.skip_reason == SkipReason.NO_OPT_IN


def test_a_hard_bounce_stops_even_transactional_mail(person):
    suppression_add(address="EMILY@example.com", reason=SuppressionReason.HARD_BOUNCE, source="DSN")

    message = _send(person, MessageKind.TRANSACTIONAL)

    assert message.skip_reason == SkipReason.SUPPRESSED


def test_a_complaint_stops_marketing_only(person):
    suppression_add(address="emily@example.com", reason=SuppressionReason.COMPLAINT, source="x")

    assert _send(person, MessageKind.MARKETING, "m").status == MessageStatus.SKIPPED
    assert _send(person, MessageKind.TRANSACTIONAL, "t").status == MessageStatus.QUEUED


def test_one_click_unsubscribe_works_without_login_or_csrf(person):
    message = _send(person, MessageKind.MARKETING)
    url = message.headers["List-Unsubscribe"].strip("<>")
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    assert response.status_code == 200
    assert Suppression.objects.get().reason == SuppressionReason.UNSUBSCRIBE
    assert consent_status(person, Channel.EMAIL) == ConsentStatus.OPTED_OUT
    assert _send(person, MessageKind.MARKETING, "again").skip_reason == SkipReason.SUPPRESSED


def test_the_unsubscribe_page_speaks_the_persons_language(chinese_person):
    message = _send(chinese_person, MessageKind.MARKETING)

    page = Client().get(message.headers["List-Unsubscribe"].strip("<>"))

    assert 'lang="zh-hans"' in page.content.decode()


def test_a_forged_unsubscribe_link_is_refused(person):
    assert Client().post("/messaging/u/forged-token/").status_code == 404
    assert not Suppression.objects.exists()


def test_opens_and_clicks_are_recorded_per_message(person):
    message = _send(person, MessageKind.TRANSACTIONAL)
    seen = []
    handler = subscribe(MessageClicked)(seen.append)
    try:
        Client().get(links.open_pixel_url(message.message_id))
        response = Client().get(links.click_url(message.message_id, "https://example.com/offer"))
    finally:
        _handlers[MessageClicked].remove(handler)

    message.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "https://example.com/offer"
    assert (message.open_count, message.click_count) == (1, 1)
    assert MessageTracking.objects.filter(message=message).count() == 2
    assert seen[0].url == "https://example.com/offer"


def test_a_click_link_cannot_be_turned_into_an_open_redirect(person):
    message = _send(person, MessageKind.TRANSACTIONAL)
    token = links.click_url(message.message_id, "https://example.com/").rsplit("/", 2)[-2]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = Client().get(f"/messaging/c/{tampered}/?next=https://evil.example")

    assert response.status_code == 404


def test_sending_stops_at_the_rate_limit(smtp_server, settings, person, alice):
    settings.RAPPORT_EMAIL_RATE_PER_MINUTE = 2
    for n in range(3):
        _send(person, MessageKind.TRANSACTIONAL, f"rate:{n}")

    result = messages_deliver()

    assert result["delivered"] == 2 and result["retry_in"] > 0
    assert len(smtp_server.received) == 2
    assert throttle_wait() > 0
