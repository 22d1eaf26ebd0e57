"""Reads of the webhooks app. Subscriptions are administrators' settings: callers check
`accounts.access.require_settings_manager` first, as for every shared setting."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def subscriptions_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("owner")


def get_subscription(pk: int) -> WebhookSubscription:
    subscription = subscriptions_list().filter(pk=pk).first()
    if subscription is None:
        raise NotFound(_("Webhook subscription not found."))
    return subscription


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription=subscription)


def get_delivery(pk: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=pk).first()
    if delivery is None:
        raise NotFound(_("Webhook delivery not found."))
    return delivery


def attempts_of(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery)
