import pytest

from rapport.automation.models import Rule
from rapport.automation.services import (
    rule_create,
    rule_delete,
    rule_dry_run,
    rule_set_active,
    rule_update,
)
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.customers.services import person_create, tag_create

pytestmark = pytest.mark.django_db


def vip_rule(**overrides):
    data = {
        "name": "VIP welcome",
        "description": "",
        "is_active": True,
        "trigger": {"type": "record_created", "record_type": "person"},
        "conditions": {
            "match": "all",
            "items": [{"field": "tags", "op": "contains", "value": "VIP"}],
        },
        "actions": [
            {"type": "create_task", "title": "Call the VIP", "due_in_days": 1, "assignee": "owner"}
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP"})


def test_administrator_creates_a_rule_with_its_trigger_columns(admin_user, vip):
    rule = rule_create(actor=admin_user, data=vip_rule())

    assert rule.trigger_type == "record_created"
    assert rule.trigger_record_type == "person"
    assert rule.created_by == admin_user
    assert rule.version == 1


def test_representative_may_not_manage_rules(alice, vip):
    with pytest.raises(PermissionDenied):
        rule_create(actor=alice, data=vip_rule())


def test_unknown_record_type_field_tag_and_template_are_refused_per_field(admin_user, vip):
    data = vip_rule(
        trigger={"type": "record_created", "record_type": "spaceship"},
        conditions={
            "match": "all",
            "items": [{"field": "tags", "op": "contains", "value": "Nope"}],
        },
        actions=[
            {"type": "create_task", "title": "x"},
            {"type": "send_email", "template_id": 999999},
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        rule_create(actor=admin_user, data=data)

    assert "trigger.record_type" in caught.value.details
    assert "actions.1.template_id" in caught.value.details


def test_condition_on_an_unknown_field_is_refused_with_its_path(admin_user, vip):
    data = vip_rule(
        conditions={
            "match": "any",
            "items": [
                {"field": "region", "op": "eq", "value": "上海"},
                {"match": "all", "items": [{"field": "no_such_field", "op": "eq", "value": 1}]},
            ],
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        rule_create(actor=admin_user, data=data)

    assert list(caught.value.details) == ["conditions.items.1.items.0.field"]


def test_an_edit_on_a_stale_version_is_a_conflict(admin_user, vip):
    rule = rule_create(actor=admin_user, data=vip_rule())
    rule_update(actor=admin_user, rule=rule, data={"name": "Renamed"}, version=1)

    with pytest.raises(Conflict):
        rule_update(actor=admin_user, rule=rule, data={"name": "Again"}, version=1)
    assert Rule.objects.get().name == "Renamed"


def test_switch_off_and_delete(admin_user, vip):
    rule = rule_create(actor=admin_user, data=vip_rule())

    rule = rule_set_active(actor=admin_user, rule=rule, is_active=False)
    assert rule.is_active is False
    rule_delete(actor=admin_user, rule=rule)
    assert not Rule.objects.exists()


def test_dry_run_counts_the_records_matching_the_conditions(admin_user, alice, vip):
    for index in range(3):
        person_create(
            actor=alice,
            data={"full_name": f"VIP {index}", "tag_ids": [vip.pk] if index else []},
        )

    result = rule_dry_run(actor=admin_user, rule_or_data=vip_rule())

    assert result.count == 2
    assert sorted(p.full_name for p in result.sample) == ["VIP 1", "VIP 2"]


def test_conditions_on_company_owner_custom_fields_and_orders_run_in_the_database(
    admin_user, alice, bob, vip
):
    from rapport.customers.services import company_create, custom_field_create

    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "level", "label": "Level", "field_type": "text"},
    )
    acme = company_create(actor=alice, data={"name": "Acme 上海"})
    person_create(
        actor=alice,
        data={
            "full_name": "Matches",
            "custom": {"level": "gold"},
            "employments": [{"company_id": acme.pk}],
        },
    )
    person_create(actor=bob, data={"full_name": "Other owner", "custom": {"level": "gold"}})
    person_create(actor=alice, data={"full_name": "No company", "custom": {"level": "gold"}})
    conditions = {
        "match": "all",
        "items": [
            {"field": "company.name", "op": "contains", "value": "acme"},
            {"field": "owner.username", "op": "eq", "value": "alice"},
            {"field": "custom.level", "op": "eq", "value": "gold"},
            {"field": "orders.count", "op": "eq", "value": 0},
            {
                "match": "any",
                "items": [
                    {"field": "orders.sum", "op": "lt", "value": "100"},
                    {"field": "tags", "op": "is_not_empty"},
                ],
            },
        ],
    }

    result = rule_dry_run(actor=admin_user, rule_or_data=vip_rule(conditions=conditions))

    assert [p.full_name for p in result.sample] == ["Matches"]
    assert result.count == 1
