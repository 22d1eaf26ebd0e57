"""REST endpoints for webhook subscriptions and their deliveries; administrators only.

Every event is POSTed as JSON `{id, type, created_at, data, changed_fields}` with the headers
`Rapport-Event-Id` (the same on every retry and re-send) and `Rapport-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the subscription's secret>`
(docs/webhooks.md).
"""

import datetime
import uuid

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.accounts.access import require_settings_manager
from rapport.core.api_schemas import (
    InputSchema,
    Page,
    PageQuery,
    UserRef,
    error_responses,
    items,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.webhooks import selectors, services
from rapport.webhooks.event_types import event_type_groups

router = Router(tags=["webhooks"])

ADMINS_ONLY = "Administrators only (403 for everyone else)."


class EventTypeGroupOut(Schema):
    record_type: str
    label: str
    event_types: list[str]


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    secret: str = Field(description="The key of the HMAC-SHA256 signature.")
    is_active: bool
    allow_private: bool
    owner: UserRef | None
    failing_since: datetime.datetime | None = Field(
        description="The first failure since the last success; switched off after 24 hours."
    )
    disabled_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SubscriptionIn(InputSchema):
    name: text(100)
    url: text(2000) = Field(description="http:// or https://; private addresses are refused.")
    event_types: items(text(80), 200) = Field(description="From GET /webhooks/event-types.")
    is_active: bool | None = None
    allow_private: bool | None = Field(
        None, description="Allow private, loopback and link-local targets (administrators)."
    )
    secret: text(100) | None = Field(None, description="At least 16 characters; default random.")


class SubscriptionPatch(InputSchema):
    name: text(100) | None = None
    url: text(2000) | None = None
    event_types: items(text(80), 200) | None = None
    is_active: bool | None = None
    allow_private: bool | None = None
    secret: text(100) | None = None


class AttemptOut(Schema):
    number: int
    started_at: datetime.datetime
    ok: bool
    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str
    trigger: str = Field(description="`retry` (the schedule) or `manual` (a re-send).")


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: uuid.UUID
    event_type: str
    status: str = Field(description="`pending`, `succeeded` or `failed` (gave up after 24 h).")
    attempts: int
    next_attempt_at: datetime.datetime | None
    last_attempt_at: datetime.datetime | None
    last_status_code: int | None
    last_duration_ms: int | None
    response_excerpt: str
    error: str
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None


class DeliveryDetailOut(DeliveryOut):
    payload: dict
    log: list[AttemptOut]

    @staticmethod
    def resolve_log(obj) -> list:
        return list(selectors.attempts_of(obj)[:100])


@router.get(
    "/webhooks/event-types",
    response={200: list[EventTypeGroupOut], **error_responses(403)},
    description=ADMINS_ONLY + " The events a subscription may choose, by record type.",
)
def webhook_event_types(request: HttpRequest):
    require_settings_manager(request.auth)
    return [
        {
            "record_type": group.record_type,
            "label": str(group.label),
            "event_types": [name for name, _label in group.event_types],
        }
        for group in event_type_groups()
    ]


@router.get(
    "/webhooks",
    response={200: Page[SubscriptionOut], **error_responses(400, 403, 422)},
    description=ADMINS_ONLY,
)
def webhook_list(request: HttpRequest, query: Query[PageQuery]):
    require_settings_manager(request.auth)
    return paginate(
        selectors.subscriptions_list(), sort="-updated_at", cursor=query.cursor, limit=query.limit
    )


@router.post(
    "/webhooks",
    response={201: SubscriptionOut, **error_responses(400, 403, 422)},
    description=ADMINS_ONLY,
)
def webhook_create(request: HttpRequest, payload: SubscriptionIn):
    require_settings_manager(request.auth)
    subscription = services.subscription_create(actor=request.auth, data=service_input(payload))
    return Status(201, subscription)


@router.get(
    "/webhooks/{int:subscription_id}",
    response={200: SubscriptionOut, **error_responses(403, 404)},
    description=ADMINS_ONLY,
)
def webhook_detail(request: HttpRequest, subscription_id: RecordId):
    require_settings_manager(request.auth)
    return selectors.get_subscription(subscription_id)


@router.patch(
    "/webhooks/{int:subscription_id}",
    response={200: SubscriptionOut, **error_responses(400, 403, 404, 422)},
    description=ADMINS_ONLY + " Switching a subscription on again forgets its failures.",
)
def webhook_update(request: HttpRequest, subscription_id: RecordId, payload: SubscriptionPatch):
    require_settings_manager(request.auth)
    subscription = selectors.get_subscription(subscription_id)
    return services.subscription_update(
        actor=request.auth, subscription=subscription, data=service_input(payload)
    )


@router.delete(
    "/webhooks/{int:subscription_id}",
    response={204: None, **error_responses(403, 404)},
    description=ADMINS_ONLY + " Deletes the subscription and its deliveries log.",
)
def webhook_delete(request: HttpRequest, subscription_id: RecordId):
    require_settings_manager(request.auth)
    subscription = selectors.get_subscription(subscription_id)
    services.subscription_delete(actor=request.auth, subscription=subscription)
    return Status(204, None)


@router.post(
    "/webhooks/{int:subscription_id}/test",
    response={202: DeliveryOut, **error_responses(403, 404)},
    description=ADMINS_ONLY + " Queue a `webhook.test` event to this subscription only; one "
    "attempt, not retried.",
)
def webhook_send_test(request: HttpRequest, subscription_id: RecordId):
    require_settings_manager(request.auth)
    subscription = selectors.get_subscription(subscription_id)
    return Status(
        202, services.subscription_send_test(actor=request.auth, subscription=subscription)
    )


@router.get(
    "/webhooks/{int:subscription_id}/deliveries",
    response={200: Page[DeliveryOut], **error_responses(400, 403, 404, 422)},
    description=ADMINS_ONLY + " Newest first.",
)
def webhook_deliveries(request: HttpRequest, subscription_id: RecordId, query: Query[PageQuery]):
    require_settings_manager(request.auth)
    subscription = selectors.get_subscription(subscription_id)
    return paginate(
        selectors.deliveries_of(subscription),
        sort="-created_at",
        cursor=query.cursor,
        limit=query.limit,
    )


@router.get(
    "/webhooks/deliveries/{int:delivery_id}",
    response={200: DeliveryDetailOut, **error_responses(403, 404)},
    description=ADMINS_ONLY + " With its body and every attempt, newest first.",
)
def webhook_delivery_detail(request: HttpRequest, delivery_id: RecordId):
    require_settings_manager(request.auth)
    return selectors.get_delivery(delivery_id)


@router.post(
    "/webhooks/deliveries/{int:delivery_id}/redeliver",
    response={202: DeliveryOut, **error_responses(403, 404)},
    description=ADMINS_ONLY + " Send again now with the same event id; a failure is retried "
    "for another 24 hours.",
)
def webhook_redeliver(request: HttpRequest, delivery_id: RecordId):
    require_settings_manager(request.auth)
    delivery = selectors.get_delivery(delivery_id)
    return Status(202, services.delivery_redeliver(actor=request.auth, delivery=delivery))


routers = [router]
