"""Deliveries: written with the change, signed, sent to a real receiver, retried, switched off."""

import datetime
import uuid

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation
from huey.contrib.djhuey import HUEY

from rapport.activities.models import Notification
from rapport.core.records import RecordChanged, record_changed
from rapport.customers.models import Person
from rapport.customers.services import person_create, person_update
from rapport.webhooks import services
from rapport.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture
def person(alice):
    return person_create(actor=alice, data={"full_name": "Wang Fang"})


def test_created_person_reaches_the_receiver_signed_once_committed(
    alice, subscribe_receiver, receiver, huey_immediate, django_capture_on_commit_callbacks
):
    subscription = subscribe_receiver()

    with django_capture_on_commit_callbacks(execute=True):
        person = person_create(actor=alice, data={"full_name": "Li Lei"})

    [request] = receiver.requests
    body = request.json
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert request.signature_ok
    assert request.path == "/hooks/rapport"
    assert request.headers["Rapport-Event-Id"] == body["id"] == str(delivery.event_id)
    assert request.headers["Rapport-Event-Type"] == body["type"] == "person.created"
    assert body["data"]["id"] == person.pk
    assert body["data"]["full_name"] == "Li Lei"
    assert body["changed_fields"] == []
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert len(delivery.response_excerpt) == 1000  # the receiver's 5 kB answer, capped
    assert WebhookAttempt.objects.filter(delivery=delivery, ok=True).count() == 1


def test_a_signature_made_with_another_secret_does_not_verify(subscribe_receiver, receiver, person):
    subscribe_receiver(secret="another-secret-0123456789")
    record_changed("person", person.pk, "updated", changed_fields=["name"])

    services.deliveries_send_due()

    [request] = receiver.requests
    assert request.json["changed_fields"] == ["name"]
    assert not request.signature_ok


def test_a_rolled_back_change_writes_and_sends_nothing(
    alice, subscribe_receiver, receiver, huey_immediate, django_capture_on_commit_callbacks
):
    subscribe_receiver()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        person_create(actor=alice, data={"full_name": "Ghost"})
        raise RuntimeError("the change fails after the event")
    services.deliveries_send_due()

    assert not Person.objects.filter(full_name="Ghost").exists()
    assert WebhookDelivery.objects.count() == 0
    assert callbacks == []
    assert receiver.requests == []


def test_a_deleted_record_carries_its_id(subscribe_receiver, receiver):
    subscribe_receiver(event_types=["order.deleted"])

    record_changed("order", 987, "deleted")
    services.deliveries_send_due()

    assert receiver.requests[0].json["data"] == {"id": 987}
    assert receiver.requests[0].json["type"] == "order.deleted"


def _change(record_type: str, record_id: int, operation: str = "updated") -> RecordChanged:
    return RecordChanged(record_type=record_type, record_id=record_id, operation=operation)


# The webhooks subscriber alone (other apps subscribe to record changes too).
def test_a_save_nobody_subscribed_to_asks_the_database_nothing(
    subscribe_receiver, person, django_assert_num_queries
):
    subscribe_receiver(event_types=["order.updated"])
    services.deliveries_queue_for_change(_change("person", person.pk))  # loads the cache

    with django_assert_num_queries(0):
        services.deliveries_queue_for_change(_change("person", person.pk))
        services.deliveries_queue_for_change(_change("deal", 1, "created"))


def test_no_subscription_at_all_asks_the_database_nothing_after_the_first_save(
    person, django_assert_num_queries
):
    services.forget_subscriptions()
    with django_assert_num_queries(1):
        services.deliveries_queue_for_change(_change("person", person.pk))
    with django_assert_num_queries(0):
        services.deliveries_queue_for_change(_change("person", person.pk))


def test_a_subscribed_save_reads_the_subscriptions_once(
    subscribe_receiver, admin_user, receiver, person, django_assert_num_queries
):
    subscribe_receiver()
    subscribe_receiver(name="Second")
    services.deliveries_queue_for_change(_change("person", person.pk))

    # One read of the active subscriptions, one of the record, one insert of both deliveries.
    with django_assert_num_queries(3):
        services.deliveries_queue_for_change(_change("person", person.pk))

    assert WebhookDelivery.objects.count() == 4


def test_a_subscription_switched_off_gets_nothing(admin_user, subscribe_receiver, person):
    subscription = subscribe_receiver()
    services.subscription_update(
        actor=admin_user, subscription=subscription, data={"is_active": False}
    )

    record_changed("person", person.pk, "updated")

    assert WebhookDelivery.objects.count() == 0


# --- Failures and retries ------------------------------------------------------------------------


def _due_now(delivery: WebhookDelivery) -> datetime.datetime:
    """Move the clock: make the delivery's next attempt due now (no sleeping)."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)
    return now


def test_a_500_is_retried_with_growing_jittered_waits_until_it_succeeds(
    subscribe_receiver, receiver, person
):
    subscription = subscribe_receiver()
    receiver.answer = 500
    record_changed("person", person.pk, "updated")
    delivery = WebhookDelivery.objects.get()

    waits = []
    for _attempt in range(3):
        now = _due_now(delivery)
        assert services.deliveries_send_due(now=now) == 1
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - now).total_seconds())
    receiver.answer = 200
    services.deliveries_send_due(now=_due_now(delivery))

    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60 and 60 <= waits[2] <= 120
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 4
    assert subscription.failing_since is None
    assert len({r.headers["Rapport-Event-Id"] for r in receiver.requests}) == 1
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.ok, a.status_code) for a in log] == [
        (1, False, 500),
        (2, False, 500),
        (3, False, 500),
        (4, True, 200),
    ]


def test_a_delivery_not_yet_due_is_not_sent(subscribe_receiver, receiver, person):
    subscribe_receiver()
    receiver.answer = 500
    record_changed("person", person.pk, "updated")
    services.deliveries_send_due()

    assert services.deliveries_send_due() == 0
    assert len(receiver.requests) == 1


def test_a_refused_connection_and_a_timeout_are_failed_attempts(
    admin_user, closed_port_url, receiver, person, settings
):
    settings.RAPPORT_WEBHOOK_TIMEOUT = 0.3
    receiver.answer = "hang"
    for url in (closed_port_url, receiver.url):
        services.subscription_create(
            actor=admin_user,
            data={
                "name": url,
                "url": url,
                "event_types": ["person.updated"],
                "allow_private": True,
            },
        )
    record_changed("person", person.pk, "updated")

    services.deliveries_send_due()

    refused, timed_out = WebhookDelivery.objects.order_by("subscription_id")
    assert refused.status == timed_out.status == DeliveryStatus.PENDING
    assert "ConnectionRefused" in refused.error
    assert "No answer within" in timed_out.error
    assert refused.last_status_code is None and timed_out.last_status_code is None


def test_a_redirect_is_not_followed(subscribe_receiver, receiver, person):
    subscribe_receiver()
    receiver.answer = 302
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    record_changed("person", person.pk, "updated")

    services.deliveries_send_due()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1
    assert delivery.status == DeliveryStatus.PENDING
    assert "Redirects are not followed" in delivery.error


def test_a_delivery_failing_for_24_hours_gives_up(subscribe_receiver, receiver, person):
    subscribe_receiver()
    receiver.answer = 503
    record_changed("person", person.pk, "updated")
    delivery = WebhookDelivery.objects.get()
    later = delivery.retry_until + datetime.timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)

    services.deliveries_send_due(now=later)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert services.deliveries_send_due(now=later) == 0


def test_the_last_retry_is_at_the_end_of_the_window(subscribe_receiver, receiver, person):
    subscribe_receiver()
    receiver.answer = 500
    record_changed("person", person.pk, "updated")
    delivery = WebhookDelivery.objects.get()
    almost = delivery.retry_until - datetime.timedelta(minutes=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=almost, attempts=15)

    services.deliveries_send_due(now=almost)

    delivery.refresh_from_db()
    assert delivery.next_attempt_at == delivery.retry_until


def test_a_subscription_failing_for_a_day_is_switched_off_and_its_owner_told(
    subscribe_receiver, receiver, person, admin_user, django_capture_on_commit_callbacks
):
    admin_user.email = "admin@example.com"
    admin_user.save()
    subscription = subscribe_receiver()
    receiver.answer = 500
    record_changed("person", person.pk, "updated")
    now = timezone.now()
    subscription.__class__.objects.filter(pk=subscription.pk).update(
        failing_since=now - datetime.timedelta(hours=24, minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.deliveries_send_due(now=now)

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at == now
    notification = Notification.objects.get(recipient=admin_user, kind="webhook.disabled")
    # Worded when read, in the reader's language: the row keeps the name and address only.
    assert (notification.title, notification.body) == ("Shop", receiver.url)
    with translation.override("zh-hans"):
        assert notification.display_title == "Webhook 连续失败一天，已停用：Shop"
        assert receiver.url in notification.display_body
    with translation.override("en"):
        assert notification.display_title == "Webhook switched off after failing for a day: Shop"
    [message] = mail.outbox
    assert message.to == ["admin@example.com"]
    assert "Shop" in message.subject
    # Switched off: nothing more goes out, until an administrator switches it on again.
    record_changed("person", person.pk, "updated")
    assert WebhookDelivery.objects.count() == 1


def test_a_subscription_failing_less_than_a_day_stays_on(subscribe_receiver, receiver, person):
    subscription = subscribe_receiver()
    receiver.answer = 500
    record_changed("person", person.pk, "updated")

    services.deliveries_send_due()

    subscription.refresh_from_db()
    assert subscription.is_active
    assert subscription.failing_since is not None


def test_the_periodic_job_switches_off_a_day_old_failure_with_nothing_to_send(
    subscribe_receiver, admin_user
):
    subscription = subscribe_receiver()
    subscription.__class__.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - datetime.timedelta(hours=25)
    )

    assert services.subscriptions_switch_off_failing() == 1
    assert Notification.objects.filter(kind="webhook.disabled").count() == 1


# --- Re-sending, tests, two workers --------------------------------------------------------------


def test_a_resend_is_a_new_attempt_with_the_same_event_id(
    admin_user, subscribe_receiver, receiver, person
):
    subscribe_receiver()
    record_changed("person", person.pk, "updated")
    services.deliveries_send_due()
    delivery = WebhookDelivery.objects.get()

    services.delivery_redeliver(actor=admin_user, delivery=delivery)
    result = services.delivery_send(delivery_id=delivery.pk, manual=True)

    delivery.refresh_from_db()
    first, second = receiver.requests
    assert result.ok
    assert first.body == second.body
    assert first.headers["Rapport-Event-Id"] == second.headers["Rapport-Event-Id"]
    assert delivery.attempts == 2
    assert WebhookAttempt.objects.get(number=2).trigger == "manual"


def test_a_test_event_goes_to_one_subscription_even_when_it_is_off(
    admin_user, subscribe_receiver, receiver
):
    subscription = subscribe_receiver(is_active=False)

    delivery = services.subscription_send_test(actor=admin_user, subscription=subscription)
    services.delivery_send(delivery_id=delivery.pk, manual=True)

    [request] = receiver.requests
    assert request.signature_ok
    assert request.json["type"] == "webhook.test"
    assert request.json["data"]["subscription_id"] == subscription.pk


def test_two_workers_never_take_the_same_delivery(subscribe_receiver, receiver, person):
    subscribe_receiver()
    record_changed("person", person.pk, "updated")
    now = timezone.now()

    first = services._claim_due(now, 10)
    second = services._claim_due(now, 10)
    again = services.delivery_send(delivery_id=first[0], now=now)

    assert len(first) == 1 and second == [] and again is None
    assert receiver.requests == []


def test_a_claim_left_by_a_dead_worker_expires(subscribe_receiver, receiver, person):
    subscribe_receiver()
    record_changed("person", person.pk, "updated")
    now = timezone.now()
    services._claim_due(now, 10)

    later = now + datetime.timedelta(minutes=5)
    assert services.deliveries_send_due(now=later) == 1
    assert len(receiver.requests) == 1


def test_the_event_id_is_a_uuid_shared_by_the_subscriptions_of_one_change(
    subscribe_receiver, person
):
    subscribe_receiver()
    subscribe_receiver(name="Other")

    record_changed("person", person.pk, "updated")

    ids = set(WebhookDelivery.objects.values_list("event_id", flat=True))
    assert len(ids) == 1
    assert isinstance(ids.pop(), uuid.UUID)


def test_person_update_announces_the_changed_fields(alice, subscribe_receiver, receiver, person):
    subscribe_receiver()

    person_update(
        actor=alice, person=person, data={"full_name": "Wang Fang-Li"}, version=person.version
    )
    services.deliveries_send_due()

    assert "full_name" in receiver.requests[-1].json["changed_fields"]


def test_an_owner_who_wants_no_e_mail_is_only_notified_in_the_app(
    subscribe_receiver, admin_user, django_capture_on_commit_callbacks
):
    admin_user.email = "admin@example.com"
    admin_user.notification_delivery = "in_app"
    admin_user.save()
    subscription = subscribe_receiver()
    subscription.__class__.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - datetime.timedelta(hours=25)
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.subscriptions_switch_off_failing()

    assert Notification.objects.filter(recipient=admin_user, kind="webhook.disabled").exists()
    assert mail.outbox == []
