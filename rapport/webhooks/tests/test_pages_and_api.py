"""The administrators' pages and the API of webhook subscriptions."""

import pytest
from django.urls import reverse

from rapport.api.tests.conftest import client_for
from rapport.core.records import record_changed
from rapport.webhooks import services
from rapport.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_everyone_but_administrators_is_refused(client, diana, alice, subscribe_receiver):
    subscription = subscribe_receiver()
    delivery = services.subscription_send_test(actor=subscription.owner, subscription=subscription)
    client.force_login(diana)
    api = client_for(alice)

    pages = [
        client.get(reverse("webhooks:subscription_list")),
        client.get(reverse("webhooks:subscription_create")),
        client.get(reverse("webhooks:subscription_detail", args=[subscription.pk])),
        client.post(reverse("webhooks:subscription_test", args=[subscription.pk])),
        client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk])),
        client.post(reverse("webhooks:subscription_delete", args=[subscription.pk])),
    ]
    calls = [
        api.get("/webhooks"),
        api.post("/webhooks", {"name": "x", "url": "https://example.com/", "event_types": []}),
        api.get(f"/webhooks/{subscription.pk}/deliveries"),
        api.post(f"/webhooks/deliveries/{delivery.pk}/redeliver"),
        api.delete(f"/webhooks/{subscription.pk}"),
    ]

    assert [page.status_code for page in pages] == [403] * 6
    assert [call.status_code for call in calls] == [403] * 5
    assert WebhookSubscription.objects.count() == 1


def test_an_administrator_creates_a_subscription_with_event_checkboxes(client, admin_user):
    client.force_login(admin_user)
    form = client.get(reverse("webhooks:subscription_create")).content.decode()

    response = client.post(
        reverse("webhooks:subscription_create"),
        {
            "name": "ERP",
            "url": "https://erp.example.com/hooks",
            "event_types": ["order.created", "order.updated", "payment.created"],
            "is_active": "on",
        },
    )

    subscription = WebhookSubscription.objects.get()
    assert 'data-testid="webhook-event-order.updated"' in form
    assert 'data-testid="webhook-events-person"' in form
    assert response.status_code == 302
    assert subscription.event_types == ["order.created", "order.updated", "payment.created"]
    assert subscription.owner == admin_user and subscription.is_active
    assert len(subscription.secret) == 64


def test_the_form_shows_the_services_refusals(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("webhooks:subscription_create"),
        {"name": "", "url": "ftp://example.com/", "event_types": []},
    )

    page = response.content.decode()
    assert response.status_code == 200
    for field in ("name", "url", "event_types"):
        assert f'data-testid="error-{field}"' in page
    assert WebhookSubscription.objects.count() == 0


def test_the_deliveries_log_shows_status_excerpt_and_resend(
    client, admin_user, subscribe_receiver, receiver, alice, django_assert_max_num_queries
):
    from rapport.customers.services import person_create

    subscription = subscribe_receiver()
    person = person_create(actor=alice, data={"full_name": "Zhao Min"})
    receiver.answer = 500
    for _ in range(30):
        record_changed("person", person.pk, "updated")
    services.deliveries_send_due()
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("webhooks:subscription_detail", args=[subscription.pk]))
    delivery = WebhookDelivery.objects.filter(attempts=1).first()
    detail = client.get(reverse("webhooks:delivery_detail", args=[delivery.pk]))
    resend = client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk]))

    html = page.content.decode()
    assert html.count('data-testid="delivery-row"') == 25
    assert "The receiver answered 500." in html
    assert 'data-testid="delivery-redeliver"' in html
    assert str(delivery.event_id) in detail.content.decode()
    assert resend.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.claimed_until is None


def test_the_send_test_button_queues_a_test_event(client, admin_user, subscribe_receiver):
    subscription = subscribe_receiver()
    client.force_login(admin_user)

    response = client.post(reverse("webhooks:subscription_test", args=[subscription.pk]))
    services.delivery_send(
        delivery_id=WebhookDelivery.objects.get(event_type="webhook.test").pk, manual=True
    )

    assert response.status_code == 302
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_the_api_creates_lists_updates_and_redelivers(admin_user, receiver, alice):
    api = client_for(admin_user)

    types = api.get("/webhooks/event-types").json()
    created = api.post(
        "/webhooks",
        {
            "name": "Shop",
            "url": receiver.url,
            "event_types": ["company.created"],
            "allow_private": True,
            "secret": receiver.secret,
        },
    )
    subscription_id = created.json()["id"]
    bad = api.post(
        "/webhooks", {"name": "Bad", "url": "https://x.example/", "event_types": ["nope.created"]}
    )
    test = api.post(f"/webhooks/{subscription_id}/test")
    services.delivery_send(delivery_id=test.json()["id"], manual=True)
    deliveries = api.get(f"/webhooks/{subscription_id}/deliveries").json()["items"]
    redeliver = api.post(f"/webhooks/deliveries/{deliveries[0]['id']}/redeliver")
    detail = api.get(f"/webhooks/deliveries/{deliveries[0]['id']}").json()
    patched = api.patch(f"/webhooks/{subscription_id}", {"is_active": False})
    listed = api.get("/webhooks").json()["items"]
    missing = api.get("/webhooks/999999")
    deleted = api.delete(f"/webhooks/{subscription_id}")

    assert {"person.created", "order.updated", "payment.deleted"} <= {
        name for group in types for name in group["event_types"]
    }
    assert created.status_code == 201 and created.json()["owner"]["id"] == admin_user.pk
    assert bad.status_code == 422 and "event_types" in bad.json()["details"]
    assert test.status_code == 202
    assert deliveries[0]["status"] == "succeeded" and deliveries[0]["last_status_code"] == 200
    assert redeliver.status_code == 202 and redeliver.json()["status"] == "pending"
    assert detail["event_id"] == deliveries[0]["event_id"]
    assert detail["log"][0]["ok"] is True and detail["payload"]["type"] == "webhook.test"
    assert patched.json()["is_active"] is False
    assert [item["id"] for item in listed] == [subscription_id]
    assert missing.status_code == 404
    assert deleted.status_code == 204 and not WebhookSubscription.objects.exists()
    assert receiver.requests[0].signature_ok


def test_switching_a_subscription_on_again_forgets_its_failures(admin_user, subscribe_receiver):
    subscription = subscribe_receiver(is_active=False)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        failing_since="2026-01-01T00:00:00Z", disabled_at="2026-01-02T00:00:00Z"
    )

    services.subscription_update(
        actor=admin_user, subscription=subscription, data={"is_active": True}
    )

    subscription.refresh_from_db()
    assert subscription.is_active and subscription.failing_since is None
    assert subscription.disabled_at is None
