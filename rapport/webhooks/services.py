"""Writes of the webhooks app: subscriptions, the outbox of deliveries, attempts and retries.

A record change writes one delivery per subscription to its event type in the change's own
transaction (a transactional outbox: a change rolled back sends nothing, a committed one is
never lost), then the job workers send it. A failed attempt is retried with exponential backoff
and jitter until the delivery is `RETRY_WINDOW` old; a subscription whose deliveries have failed
for `RETRY_WINDOW` without one success is switched off and its owner told.

Who may manage subscriptions is the caller's check too (`accounts.access.require_settings_manager`),
and these services check it again: a subscription receives every team's records.
"""

import datetime
import logging
import random
import secrets
import time
import uuid
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import AuditAction, Role, User
from rapport.accounts.services import audit_record
from rapport.activities.services import notification_create
from rapport.core.cleaning import FieldErrors, clean_flag, clean_text, reject_unknown
from rapport.core.events import publish
from rapport.core.records import RecordChanged, record_type
from rapport.webhooks.event_types import TEST_EVENT, event_type_names
from rapport.webhooks.events import WebhookDeliveriesQueued
from rapport.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from rapport.webhooks.transport import (
    CallResult,
    TargetRefused,
    check_url_syntax,
    literal_address_refused,
    post_json,
)

logger = logging.getLogger(__name__)

RETRY_WINDOW = datetime.timedelta(hours=24)
# The first retry waits about BACKOFF_BASE, each next one twice as long, at most BACKOFF_MAX;
# the wait is drawn between half and all of that ("equal jitter"), so that the deliveries of a
# receiver that was down do not all come back at the same second.
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_MAX = datetime.timedelta(hours=6)
# How long other processes may take to see a new subscription (see `_subscriptions_by_event`).
SUBSCRIPTION_CACHE_SECONDS = 15
CLAIM_MARGIN = datetime.timedelta(seconds=60)
SEND_BATCH = 200
KEEP_DELIVERED = datetime.timedelta(days=30)
FIELDS = ("name", "url", "event_types", "is_active", "allow_private", "secret")
SECRET_MIN = 16


def _timeout() -> float:
    return settings.RAPPORT_WEBHOOK_TIMEOUT


# --- Which subscriptions want an event -----------------------------------------------------------

# (valid until, by event type: active subscription ids) for this process. A save of a record
# nobody subscribed to asks the database nothing; a save of a subscribed type reads the active
# subscriptions once (refreshing this), so a subscription switched off anywhere is seen at once.
# A subscription created in another process is seen within SUBSCRIPTION_CACHE_SECONDS.
_cache: tuple[float, dict[str, tuple[int, ...]]] | None = None


def forget_subscriptions() -> None:
    global _cache
    _cache = None


def _load_subscriptions() -> dict[str, tuple[int, ...]]:
    global _cache
    by_event: dict[str, list[int]] = defaultdict(list)
    rows = WebhookSubscription.objects.filter(is_active=True).values_list("pk", "event_types")
    for pk, types in rows:
        for name in types or ():
            by_event[name].append(pk)
    loaded = {name: tuple(ids) for name, ids in by_event.items()}
    _cache = (time.monotonic() + SUBSCRIPTION_CACHE_SECONDS, loaded)
    return loaded


def _subscriptions_for(event_type: str) -> tuple[int, ...]:
    cached = _cache
    if cached is None or cached[0] <= time.monotonic():
        return _load_subscriptions().get(event_type, ())
    if event_type not in cached[1]:
        return ()
    return _load_subscriptions().get(event_type, ())


def _after_subscriptions_change() -> None:
    forget_subscriptions()
    transaction.on_commit(forget_subscriptions)


# --- The outbox ----------------------------------------------------------------------------------


def _record_data(record_type_key: str, record_id: int, operation: str) -> dict:
    registered = record_type(record_type_key)
    if operation == "deleted" or registered is None or registered.serialize is None:
        return {"id": record_id}
    model = apps.get_model(registered.model)
    record = model._base_manager.filter(pk=record_id).first()
    if record is None:  # deleted later in the same transaction
        return {"id": record_id}
    return registered.serialize(record)


def _payload(event_id: uuid.UUID, event_type: str, created_at, data: dict, changed=()) -> dict:
    return {
        "id": str(event_id),
        "type": event_type,
        "created_at": created_at.isoformat(),
        "data": data,
        "changed_fields": list(changed),
    }


def deliveries_queue_for_change(event: RecordChanged) -> list[WebhookDelivery]:
    """Write a delivery of `event` for every active subscription to its type, in the caller's
    transaction, and have them sent once it commits. Nothing is asked of the database when no
    subscription wants the event type."""
    event_type = f"{event.record_type}.{event.operation}"
    subscription_ids = _subscriptions_for(event_type)
    if not subscription_ids:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = _payload(
        event_id,
        event_type,
        now,
        _record_data(event.record_type, event.record_id, event.operation),
        event.changed_fields,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription_id=pk,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
                retry_until=now + RETRY_WINDOW,
            )
            for pk in subscription_ids
        ]
    )
    ids = tuple(d.pk for d in deliveries if d.pk is not None)
    if ids:
        publish(WebhookDeliveriesQueued(delivery_ids=ids))
    return deliveries


# --- Subscriptions -------------------------------------------------------------------------------


def _clean(actor: User, data: dict, subscription: WebhookSubscription | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, FIELDS, errors)
    creating = subscription is None
    clean: dict = {}
    if creating or "name" in data:
        clean["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if creating or "url" in data:
        url = clean_text(data.get("url"), "url", errors, limit=2000, required=True)
        if url:
            try:
                check_url_syntax(url)
            except TargetRefused as exc:
                errors.add("url", str(exc))
        clean["url"] = url
    if creating or "event_types" in data:
        chosen = data.get("event_types")
        known = event_type_names()
        if not isinstance(chosen, list | tuple) or not all(isinstance(t, str) for t in chosen):
            errors.add("event_types", _("Choose the events to send."))
        elif not chosen:
            errors.add("event_types", _("Choose at least one event."))
        else:
            unknown = [t for t in chosen if t not in known]
            for name in unknown[:5]:
                errors.add("event_types", _("“%(value)s” is not an event.") % {"value": name[:80]})
            clean["event_types"] = [t for t in known if t in set(chosen)]
    for flag in ("is_active", "allow_private"):
        if flag in data:
            clean[flag] = clean_flag(data[flag], flag, errors)
    if clean.get("allow_private") and not actor.is_administrator:
        errors.add("allow_private", _("Only administrators can allow private addresses."))
    if "secret" in data and data["secret"] not in (None, ""):
        secret = clean_text(data["secret"], "secret", errors, limit=100)
        if secret and len(secret) < SECRET_MIN:
            errors.add("secret", _("Use at least %(count)d characters.") % {"count": SECRET_MIN})
        clean["secret"] = secret
    allow_private = clean.get(
        "allow_private", subscription.allow_private if subscription else False
    )
    url = clean.get("url") or (subscription.url if subscription else "")
    if url and "url" not in errors and not allow_private and literal_address_refused(url):
        errors.add(
            "url",
            _(
                "This is a private, loopback or reserved address: only an administrator can "
                "allow such a target."
            ),
        )
    errors.raise_if_any()
    return clean


def _audit(actor: User, action: str, subscription: WebhookSubscription) -> None:
    """Where data goes out is for the audit log: the address and events, never the secret."""
    audit_record(
        actor=actor,
        action=action,
        target_type="webhook_subscription",
        target_id=subscription.pk,
        summary=subscription.name,
        data={
            "url": subscription.url,
            "event_types": list(subscription.event_types),
            "is_active": subscription.is_active,
            "allow_private": subscription.allow_private,
        },
    )


@transaction.atomic
def subscription_create(*, actor: User, data: dict) -> WebhookSubscription:
    require_settings_manager(actor)
    clean = _clean(actor, data, None)
    subscription = WebhookSubscription.objects.create(
        name=clean["name"],
        url=clean["url"],
        event_types=clean["event_types"],
        is_active=clean.get("is_active", True),
        allow_private=clean.get("allow_private", False),
        secret=clean.get("secret") or secrets.token_hex(32),
        owner=actor,
    )
    _audit(actor, AuditAction.WEBHOOK_CREATED, subscription)
    _after_subscriptions_change()
    return subscription


@transaction.atomic
def subscription_update(
    *, actor: User, subscription: WebhookSubscription, data: dict
) -> WebhookSubscription:
    require_settings_manager(actor)
    clean = _clean(actor, data, subscription)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if clean.get("is_active") and not subscription.is_active:
        # Switched on again: its failures so far no longer count towards switching it off.
        subscription.failing_since = None
        subscription.disabled_at = None
    for name, value in clean.items():
        setattr(subscription, name, value)
    subscription.save()
    _audit(actor, AuditAction.WEBHOOK_CHANGED, subscription)
    _after_subscriptions_change()
    return subscription


@transaction.atomic
def subscription_delete(*, actor: User, subscription: WebhookSubscription) -> None:
    require_settings_manager(actor)
    _audit(actor, AuditAction.WEBHOOK_DELETED, subscription)
    subscription.delete()
    _after_subscriptions_change()


@transaction.atomic
def subscription_send_test(*, actor: User, subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a `webhook.test` event to this subscription only (sent even when it is off)."""
    require_settings_manager(actor)
    now = timezone.now()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload=_payload(
            event_id,
            TEST_EVENT,
            now,
            {"subscription_id": subscription.pk, "name": subscription.name},
        ),
        next_attempt_at=now,
        retry_until=now,  # one attempt: a test is not retried
    )
    publish(WebhookDeliveriesQueued(delivery_ids=(delivery.pk,), manual=True))
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same event id (the receiver may have it already);
    a failure is retried again for `RETRY_WINDOW`."""
    require_settings_manager(actor)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        retry_until=now if delivery.event_type == TEST_EVENT else now + RETRY_WINDOW,
        claimed_until=None,
        updated_at=now,
    )
    publish(WebhookDeliveriesQueued(delivery_ids=(delivery.pk,), manual=True))
    delivery.refresh_from_db()
    return delivery


# --- Sending -------------------------------------------------------------------------------------


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt."""
    full = min(BACKOFF_BASE * 2 ** min(max(attempts - 1, 0), 20), BACKOFF_MAX)
    return full * random.uniform(0.5, 1.0)


def _claimable(now) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _claim_one(delivery_id: int, now, *, require_active: bool = True) -> bool:
    lease = now + datetime.timedelta(seconds=_timeout() * 2) + CLAIM_MARGIN
    claimable = WebhookDelivery.objects.filter(_claimable(now), pk=delivery_id)
    if require_active:
        claimable = claimable.filter(subscription__is_active=True)
    return bool(claimable.update(claimed_until=lease))


def _claim_due(now, limit: int) -> list[int]:
    """Claim up to `limit` due deliveries of active subscriptions for this worker.

    PostgreSQL: the rows are locked with SKIP LOCKED, so a second worker picks others. SQLite
    has no row locks (a write locks the database): each row is claimed by a conditional UPDATE
    that only one worker's can match. Either way a claim lasts past the call's timeout, and a
    claim left by a worker that died expires and is picked again.
    """
    lease = now + datetime.timedelta(seconds=_timeout() * 2) + CLAIM_MARGIN
    due = WebhookDelivery.objects.filter(_claimable(now), subscription__is_active=True).order_by(
        "next_attempt_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[
                    :limit
                ]
            )
            WebhookDelivery.objects.filter(pk__in=ids).update(claimed_until=lease)
        return ids
    return [pk for pk in due.values_list("pk", flat=True)[:limit] if _claim_one(pk, now)]


# The switched-off notification is worded when read, in the reader's language (registered with
# activities from `WebhooksConfig.ready()`): it stores the subscription's name and address only.
SWITCHED_OFF_TITLE = gettext_lazy("Webhook switched off after failing for a day: %(title)s")
SWITCHED_OFF_BODY = gettext_lazy(
    "Every delivery to %(body)s has failed for 24 hours, so the subscription was switched off. "
    "Check the receiver, then switch the subscription on again; failed deliveries can be sent "
    "again from its page."
)


def _notify_switched_off(subscription: WebhookSubscription) -> None:
    recipients = [subscription.owner] if subscription.owner and subscription.owner.is_active else []
    if not recipients:
        recipients = list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True))
    url = reverse("webhooks:subscription_detail", args=[subscription.pk])
    for user in recipients:
        notification = notification_create(
            recipient=user,
            kind="webhook.disabled",
            title=subscription.name,
            body=subscription.url,
            url=url,
            target_type="webhook",
            target_id=subscription.pk,
        )
        if user.wants_email_notifications:  # the user's choice on their profile
            with translation.override(user.language):
                title, body = notification.display_title, notification.display_body
            link = settings.RAPPORT_BASE_URL.rstrip("/") + url
            message = f"{body}\n\n{link}\n"
            transaction.on_commit(
                lambda title=title, message=message, address=user.email: _mail(
                    title, message, address
                )
            )


def _mail(subject: str, message: str, address: str) -> None:
    try:
        send_mail(
            subject=" ".join(subject.split()),
            message=message,
            from_email=None,
            recipient_list=[address],
        )
    except Exception:
        logger.exception("Could not e-mail that a webhook subscription was switched off")


def _switch_off_if_failing_for_a_day(subscription_id: int, now) -> bool:
    switched = WebhookSubscription.objects.filter(
        pk=subscription_id, is_active=True, failing_since__lte=now - RETRY_WINDOW
    ).update(is_active=False, disabled_at=now, updated_at=now)
    if switched:
        _after_subscriptions_change()
        subscription = WebhookSubscription.objects.select_related("owner").get(pk=subscription_id)
        logger.warning("Webhook subscription %s switched off: failing for a day", subscription_id)
        _notify_switched_off(subscription)
    return bool(switched)


@transaction.atomic
def _record_attempt(delivery: WebhookDelivery, result: CallResult, now, trigger: str) -> None:
    number = delivery.attempts + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=now,
        ok=result.ok,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        response_excerpt=result.excerpt,
        error=result.error,
        trigger=trigger,
    )
    changes = {
        "attempts": F("attempts") + 1,
        "last_attempt_at": now,
        "last_status_code": result.status_code,
        "last_duration_ms": result.duration_ms,
        "response_excerpt": result.excerpt,
        "error": result.error,
        "claimed_until": None,
        "updated_at": now,
    }
    counts = delivery.event_type != TEST_EVENT
    if result.ok:
        changes.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    elif now >= delivery.retry_until:
        changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        changes["next_attempt_at"] = min(now + backoff(number), delivery.retry_until)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
    if not counts:
        return
    subscriptions = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if result.ok:
        subscriptions.filter(failing_since__isnull=False).update(failing_since=None)
    else:
        subscriptions.filter(failing_since__isnull=True).update(failing_since=now)
        _switch_off_if_failing_for_a_day(delivery.subscription_id, now)


def _send_claimed(delivery_id: int, now, trigger: str) -> CallResult:
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    result = post_json(
        subscription.url,
        delivery.payload,
        secret=subscription.secret,
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        allow_private=subscription.allow_private,
        timeout=_timeout(),
    )
    _record_attempt(delivery, result, now, trigger)
    return result


def delivery_send(*, delivery_id: int, now=None, manual: bool = False) -> CallResult | None:
    """Make the attempt a delivery is due for, if no other worker holds it; None when there was
    nothing to do (already delivered, not due yet, claimed by another worker, or its
    subscription is off). A `manual` one (a test event, a re-send) goes even to a subscription
    that is off."""
    now = now or timezone.now()
    trigger = "manual" if manual else "retry"
    if not _claim_one(delivery_id, now, require_active=not manual):
        return None
    return _send_claimed(delivery_id, now, trigger)


def deliveries_send_due(*, now=None, limit: int = SEND_BATCH) -> int:
    """Send every delivery that is due (first attempts a job missed, and retries); returns how
    many attempts were made. Run every minute; safe with several workers at once."""
    now = now or timezone.now()
    count = 0
    for delivery_id in _claim_due(now, limit):
        _send_claimed(delivery_id, now, "retry")
        count += 1
    return count


def subscriptions_switch_off_failing(*, now=None) -> int:
    """Switch off the subscriptions that have failed for a day, even with nothing to send."""
    now = now or timezone.now()
    ids = WebhookSubscription.objects.filter(
        is_active=True, failing_since__lte=now - RETRY_WINDOW
    ).values_list("pk", flat=True)
    switched = 0
    for pk in list(ids):
        with transaction.atomic():
            switched += _switch_off_if_failing_for_a_day(pk, now)
    return switched


def deliveries_purge(*, now=None) -> int:
    """Forget deliveries delivered or given up more than `KEEP_DELIVERED` ago."""
    now = now or timezone.now()
    deleted, _per_model = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED),
        updated_at__lt=now - KEEP_DELIVERED,
    ).delete()
    return deleted


# --- For the automation app ----------------------------------------------------------------------


def webhook_call(
    *, url: str, body: dict, secret: str = "", allow_private: bool = False, timeout: float = 10
) -> CallResult:
    """POST `body` to `url` now, signed with `secret` like a delivery and under the same SSRF
    rule. The `Rapport-Event-Id` header is `body["id"]` when the body has one (give each call's
    retries the same id), else a new one. Never raises for a refused URL, a network failure or
    an HTTP error: `CallResult.ok` says whether the receiver answered 2xx."""
    event_id = body.get("id") if isinstance(body.get("id"), str) else ""
    return post_json(
        url,
        body,
        secret=secret,
        event_id=event_id,
        event_type=str(body.get("type", ""))[:80] if isinstance(body.get("type"), str) else "",
        allow_private=allow_private,
        timeout=timeout,
    )
