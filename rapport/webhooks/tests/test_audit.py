"""What reaches outside or acts on its own is audited: webhook subscriptions, website keys and
automation rules, each created, changed and deleted, with who did it (never a secret)."""

import pytest

from rapport.accounts.models import AuditAction, AuditEvent
from rapport.automation.services import rule_create, rule_delete, rule_set_active, rule_update
from rapport.automation.tests.test_rule_services import vip_rule
from rapport.behaviour.services import site_key_create, site_key_delete, site_key_update
from rapport.customers.services import tag_create
from rapport.webhooks import services

pytestmark = pytest.mark.django_db


def _lines(target_type):
    return list(
        AuditEvent.objects.filter(target_type=target_type)
        .order_by("id")
        .values_list("action", "actor_id", "summary")
    )


def test_webhook_subscriptions_are_audited_without_their_secret(admin_user):
    subscription = services.subscription_create(
        actor=admin_user,
        data={
            "name": "ERP",
            "url": "https://erp.example.com/hook",
            "event_types": ["order.created"],
            "secret": "s" * 32,
        },
    )
    subscription = services.subscription_update(
        actor=admin_user, subscription=subscription, data={"name": "ERP 2"}
    )
    services.subscription_delete(actor=admin_user, subscription=subscription)

    assert _lines("webhook_subscription") == [
        (AuditAction.WEBHOOK_CREATED, admin_user.pk, "ERP"),
        (AuditAction.WEBHOOK_CHANGED, admin_user.pk, "ERP 2"),
        (AuditAction.WEBHOOK_DELETED, admin_user.pk, "ERP 2"),
    ]
    created = AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CREATED).get()
    assert created.data["url"] == "https://erp.example.com/hook"
    assert "s" * 32 not in str(created.data)


def test_website_keys_are_audited(admin_user):
    key = site_key_create(
        actor=admin_user, data={"name": "Shop", "allowed_origins": ["https://shop.example.com"]}
    )
    site_key_update(
        actor=admin_user,
        site_key=key,
        data={"name": "Shop", "allowed_origins": ["https://m.shop.example.com"]},
    )
    site_key_delete(actor=admin_user, site_key=key)

    assert [action for action, _actor, _summary in _lines("site_key")] == [
        AuditAction.SITE_KEY_CREATED,
        AuditAction.SITE_KEY_CHANGED,
        AuditAction.SITE_KEY_DELETED,
    ]
    changed = AuditEvent.objects.get(action=AuditAction.SITE_KEY_CHANGED)
    assert changed.data["allowed_origins"] == ["https://m.shop.example.com"]


def test_automation_rules_are_audited_including_switching_off(admin_user):
    tag_create(actor=admin_user, data={"name": "VIP"})
    rule = rule_create(actor=admin_user, data=vip_rule())
    rule = rule_update(actor=admin_user, rule=rule, data=vip_rule(name="VIP welcome"))
    rule = rule_set_active(actor=admin_user, rule=rule, is_active=False)
    rule = rule_set_active(actor=admin_user, rule=rule, is_active=False)  # no change, no line
    rule_delete(actor=admin_user, rule=rule)

    assert [(action, summary) for action, _actor, summary in _lines("rule")] == [
        (AuditAction.RULE_CREATED, vip_rule()["name"]),
        (AuditAction.RULE_CHANGED, "VIP welcome"),
        (AuditAction.RULE_CHANGED, "VIP welcome"),
        (AuditAction.RULE_DELETED, "VIP welcome"),
    ]
    switched = AuditEvent.objects.filter(action=AuditAction.RULE_CHANGED).order_by("id").last()
    assert (switched.data["fields"], switched.data["is_active"]) == (["is_active"], False)
