"""The rule pages: the builder posts a rule as its three steps, the list and the rule's page say
it in words, the dry run counts, the ready-made rules switch on once; only administrators."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from rapport.automation.catalogue import fields_for
from rapport.automation.models import Rule, RuleRun, RuleRunStep, RunStatus, StepStatus
from rapport.automation.presets import PRESETS, preset_switch_on
from rapport.automation.services import rule_create
from rapport.automation.wording import describe_cron
from rapport.customers.services import custom_field_create, person_create, tag_create
from rapport.messaging.models import EmailTemplate
from rapport.messaging.services import email_template_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(admin_user):
    return email_template_create(
        actor=admin_user,
        data={
            "name": "VIP welcome",
            "subject_en": "Welcome {{ person.name }}",
            "body_en": "Hello {{ person.name }}",
        },
    )


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP"})


def _builder_post(template, **extra) -> dict:
    data = {
        "name": "VIP welcome",
        "description": "",
        "is_active": "on",
        "trigger-type": "record_created",
        "trigger-record_type": "person",
        "trigger-offset_days": "0",
        "trigger-direction": "after",
        "conditions-match": "all",
        "cond-0-kind": "row",
        "cond-0-field": "tags",
        "cond-0-op": "contains",
        "cond-0-value": "VIP",
        "action-0-type": "send_email",
        "action-0-template_id": str(template.pk),
        "action-0-title": "ignored for an e-mail",
        "action-1-type": "create_task",
        "action-1-title": "Call the VIP",
        "action-1-due_in_days": "2",
        "action-1-assignee": "owner",
    }
    data.update(extra)
    return data


def _builder_data(response) -> dict:
    html = response.content.decode()
    start = html.index('id="rule-builder-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("user", ["alice", "diana"])
def test_only_administrators_open_the_rule_pages(client, request, user, admin_user):
    rule = preset_switch_on(actor=admin_user, key="stalled_deal_follow_up")
    client.force_login(request.getfixturevalue(user))

    for url in (
        reverse("automation:rule_list"),
        reverse("automation:rule_create"),
        reverse("automation:rule_detail", args=[rule.pk]),
        reverse("automation:rule_edit", args=[rule.pk]),
        reverse("automation:rule_dry_run", args=[rule.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 403
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_the_builder_posts_the_rule_as_trigger_conditions_and_actions(
    client, admin_user, template, vip
):
    client.force_login(admin_user)

    response = client.post(reverse("automation:rule_create"), _builder_post(template))

    rule = Rule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("automation:rule_detail", args=[rule.pk])
    assert rule.is_active
    assert rule.trigger == {"type": "record_created", "record_type": "person"}
    assert rule.conditions == {
        "match": "all",
        "items": [{"field": "tags", "op": "contains", "value": "VIP"}],
    }
    assert rule.actions == [
        {"type": "send_email", "template_id": template.pk},
        {"type": "create_task", "title": "Call the VIP", "due_in_days": 2, "assignee": "owner"},
    ]


def test_a_group_of_conditions_and_a_date_trigger_are_posted_as_the_definition(
    client, admin_user, template
):
    client.force_login(admin_user)
    data = _builder_post(
        template,
        **{
            "trigger-type": "date_reached",
            "trigger-field": "birthday",
            "trigger-offset_days": "3",
            "trigger-direction": "before",
            "trigger-yearly": "on",
            "cond-0-kind": "group",
            "cond-0-match": "any",
            "cond-0-0-field": "region",
            "cond-0-0-op": "eq",
            "cond-0-0-value": "华东",
            "cond-0-1-field": "orders.count",
            "cond-0-1-op": "gte",
            "cond-0-1-value": "2",
            "cond-1-kind": "row",
            "cond-1-field": "primary_email",
            "cond-1-op": "is_not_empty",
            "cond-1-value": "left over",
        },
    )
    del data["cond-0-field"], data["cond-0-op"], data["cond-0-value"]

    client.post(reverse("automation:rule_create"), data)

    rule = Rule.objects.get()
    assert rule.trigger == {
        "type": "date_reached",
        "record_type": "person",
        "field": "birthday",
        "offset_days": -3,
        "yearly": True,
    }
    assert rule.conditions == {
        "match": "all",
        "items": [
            {
                "match": "any",
                "items": [
                    {"field": "region", "op": "eq", "value": "华东"},
                    {"field": "orders.count", "op": "gte", "value": 2},
                ],
            },
            {"field": "primary_email", "op": "is_not_empty"},
        ],
    }


def test_the_services_refusals_come_back_next_to_their_inputs(client, admin_user, template):
    client.force_login(admin_user)
    data = _builder_post(
        template,
        **{"action-0-template_id": "", "trigger-type": "schedule", "trigger-cron": "every day"},
    )

    response = client.post(reverse("automation:rule_create"), data)

    assert response.status_code == 422
    assert not Rule.objects.exists()
    errors = _builder_data(response)["errors"]
    assert "trigger.cron" in errors
    assert any(key.startswith("actions.0") for key in errors)
    # What was typed is drawn again.
    state = _builder_data(response)["state"]
    assert state["trigger"]["cron"] == "every day"
    assert [a["type"] for a in state["actions"]] == ["send_email", "create_task"]
    assert state["actions"][1]["title"] == "Call the VIP"


def test_editing_a_rule_starts_from_its_definition_and_saves_a_new_version(
    client, admin_user, template, vip
):
    client.force_login(admin_user)
    client.post(reverse("automation:rule_create"), _builder_post(template))
    rule = Rule.objects.get()

    page = client.get(reverse("automation:rule_edit", args=[rule.pk]))
    state = _builder_data(page)["state"]
    assert state["conditions"]["items"] == [
        {"kind": "row", "field": "tags", "op": "contains", "value": "VIP"}
    ]
    response = client.post(
        reverse("automation:rule_edit", args=[rule.pk]),
        _builder_post(template, name="VIP welcome, renamed", version=str(rule.version)),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "VIP welcome, renamed"
    assert rule.version == 2


def test_the_list_says_each_trigger_in_words_in_few_queries(
    client, admin_user, django_assert_max_num_queries
):
    for key in PRESETS:
        preset_switch_on(actor=admin_user, key=key)
    client.force_login(admin_user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("automation:rule_list"))

    html = response.content.decode()
    assert html.count('data-testid="rule-row"') == len(PRESETS)
    assert "Person created" in html
    assert "When a person has placed no order for 180 days" in html
    assert 'data-testid="preset-enable"' not in html


def test_switching_on_a_ready_made_rule_twice_creates_it_once(client, admin_user):
    client.force_login(admin_user)
    url = reverse("automation:preset_enable", args=["birthday_greeting"])

    client.post(url)
    response = client.post(url)

    rule = Rule.objects.get()
    assert response["Location"] == reverse("automation:rule_detail", args=[rule.pk])
    assert rule.preset == "birthday_greeting"
    assert rule.is_active
    assert rule.trigger["type"] == "date_reached"
    template = EmailTemplate.objects.get()
    assert rule.actions == [{"type": "send_email", "template_id": template.pk}]
    assert template.subject_zh and template.subject_en and template.kind == "marketing"


def test_every_ready_made_rule_is_a_valid_rule(admin_user):
    for key in PRESETS:
        rule = preset_switch_on(actor=admin_user, key=key)
        assert rule.preset == key

    assert Rule.objects.count() == len(PRESETS)
    assert EmailTemplate.objects.count() == 4


def test_an_unknown_ready_made_rule_is_not_found(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("automation:preset_enable", args=["no-such-rule"]))

    assert response.status_code == 404


def test_the_dry_run_counts_the_records_the_rule_would_act_on(client, admin_user, alice, vip):
    for index, (name, tags) in enumerate((("张伟", [vip.pk]), ("李娜", []), ("王芳", [vip.pk]))):
        person_create(
            actor=alice,
            data={
                "full_name": name,
                "emails": [{"email": f"p{index}@example.cn"}],
                "tag_ids": tags,
            },
        )
    rule = rule_create(
        actor=admin_user,
        data={
            "name": "VIP",
            "trigger": {"type": "record_created", "record_type": "person"},
            "conditions": {
                "match": "all",
                "items": [{"field": "tags", "op": "contains", "value": "VIP"}],
            },
            "actions": [{"type": "stop"}],
        },
    )
    client.force_login(admin_user)

    response = client.get(
        reverse("automation:rule_dry_run", args=[rule.pk]), HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert "Would act on 2 records now." in html
    assert "张伟" in html and "王芳" in html and "李娜" not in html


def test_the_rule_page_shows_its_runs_with_each_action_result(client, admin_user, alice):
    person = person_create(actor=alice, data={"full_name": "赵敏"})
    rule = preset_switch_on(actor=admin_user, key="welcome_email")
    run = RuleRun.objects.create(
        rule=rule,
        record_type="person",
        record_id=person.pk,
        event_key="test",
        status=RunStatus.FAILED,
        actions=rule.actions,
    )
    RuleRunStep.objects.create(
        run=run,
        index=0,
        action_type="send_email",
        status=StepStatus.FAILED,
        attempts=3,
        error="SMTP refused the connection",
    )
    client.force_login(admin_user)

    response = client.get(reverse("automation:rule_detail", args=[rule.pk]))

    html = response.content.decode()
    assert 'data-testid="run-row"' in html
    assert "赵敏" in html
    assert "SMTP refused the connection" in html
    assert "after 3 attempts" in html


def test_switching_off_and_deleting_a_rule(client, admin_user):
    rule = preset_switch_on(actor=admin_user, key="win_back")
    client.force_login(admin_user)

    client.post(reverse("automation:rule_toggle", args=[rule.pk]), {"next": "list"})
    rule.refresh_from_db()
    assert not rule.is_active
    client.post(reverse("automation:rule_toggle", args=[rule.pk]), {"is_active": "on"})
    rule.refresh_from_db()
    assert rule.is_active
    response = client.post(reverse("automation:rule_delete", args=[rule.pk]))

    assert response["Location"] == reverse("automation:rule_list")
    assert not Rule.objects.exists()


def test_a_schedule_is_previewed_in_words_in_each_language(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("automation:rule_cron_preview"), {"trigger-cron": "0 9 * * 1"})

    assert "every Monday, at 09:00" in response.content.decode()
    assert (
        "Not a valid schedule"
        in client.get(
            reverse("automation:rule_cron_preview"), {"trigger-cron": "61 9 * * *"}
        ).content.decode()
    )
    assert describe_cron("30 8 1 * *") == "on day 1 of the month, at 08:30"
    with translation.override("zh-hans"):
        assert describe_cron("0 9 * * 1-5") is not None


def test_a_changed_field_trigger_offers_and_posts_the_record_types_fields(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("automation:rule_create"))
    offered = [
        key for key, _label in _builder_data(page)["catalogue"]["types"]["deal"]["changeable"]
    ]
    assert {"stage", "status", "owner"} <= set(offered)
    assert "created_at" not in offered

    client.post(
        reverse("automation:rule_create"),
        {
            "name": "Deal moved",
            "trigger-type": "record_updated",
            "trigger-record_type": "deal",
            "trigger-fields": ["status", "stage"],
            "conditions-match": "all",
            "action-0-type": "stop",
        },
    )

    rule = Rule.objects.get()
    assert rule.trigger == {
        "type": "record_updated",
        "record_type": "deal",
        "fields": ["stage", "status"],
    }
    assert rule.actions == [{"type": "stop"}]


def test_conditions_offer_each_record_types_own_related_and_custom_fields(admin_user):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "budget", "label": "Budget", "field_type": "number"},
    )

    person = {f.key: f.kind for f in fields_for("person")}
    deal = {f.key: f.kind for f in fields_for("deal")}

    assert person["custom.budget"] == "number"
    assert person["tags"] == "tags"
    assert person["lifecycle_stage"] == "choice"
    assert person["orders.sum"] == "number"
    assert person["owner.role"] == "choice"
    assert deal["lifecycle_stage"] == "choice"
    assert deal["person.birthday"] == "date"
    assert "company.industry" in deal and "custom.budget" not in deal
