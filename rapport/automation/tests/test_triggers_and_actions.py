"""The triggers and actions issue 15 lists, against the real engine, jobs and database.

Triggers: a deal reaching a stage; days after the last order; the anniversary of the first
order; days before a date field; no order for a number of days. Each fires once per record and
occurrence, also when the date job runs again, after a restart or after missed days. Actions:
assign (round robin, least loaded), remove a tag, set a field of each kind, notify users. And
conditions in nested AND/OR groups.
"""

import datetime

import pytest
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.activities.models import Notification
from rapport.automation import dates
from rapport.automation.models import Rule, RuleOccurrence, RuleRun, RunStatus, StepStatus
from rapport.core.errors import ApplicationError
from rapport.customers.models import Person
from rapport.customers.services import custom_field_create, person_create, person_update
from rapport.sales.models import Order
from rapport.sales.services.deals import (
    deal_create,
    deal_move_stage,
    deal_update,
    pipeline_get_default,
)
from rapport.sales.services.orders import order_create

pytestmark = pytest.mark.django_db

NOTIFY = [{"type": "notify", "users": "owner", "message": "Look at this customer"}]
PERSON_CREATED = {"type": "record_created", "record_type": "person"}


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def person(actor, name, **data):
    return person_create(actor=actor, data={"full_name": name, **data})


def place_order(actor, customer, placed_at: datetime.datetime, **data) -> Order:
    return order_create(
        actor=actor,
        data={
            "person_id": customer.pk,
            "placed_at": placed_at.isoformat(),
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "100.00"}],
            **data,
        },
    )


def fired(rule) -> list[str]:
    """The names of the persons the rule started a run on, one entry per run."""
    names = dict(Person.objects.values_list("pk", "full_name"))
    return sorted(
        names[pk] for pk in RuleRun.objects.filter(rule=rule).values_list("record_id", flat=True)
    )


def evaluate(rule, now) -> list[int]:
    """The periodic job's evaluation of one rule, with the rule as the database has it (its
    `evaluated_through` moves on with each evaluation, as after a restart)."""
    return dates.evaluate_rule(Rule.objects.get(pk=rule.pk), now=now)


def saved(capture, service, **kwargs):
    with capture(execute=True):
        return service(**kwargs)


# --- A deal reaches a stage ----------------------------------------------------------------------


def test_stage_reached_fires_when_the_deal_enters_that_stage_and_not_on_other_changes(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    stages = {s.name: s for s in pipeline_get_default().stages.all()}
    proposal = stages["Proposal"]
    rule = make_rule(
        {"type": "stage_reached", "record_type": "deal", "stage_id": proposal.pk},
        [{"type": "create_task", "title": "Send the proposal", "due_in_days": 1}],
    )
    deal = saved(
        django_capture_on_commit_callbacks, deal_create, actor=alice, data={"title": "年度采购"}
    )
    other = saved(
        django_capture_on_commit_callbacks, deal_create, actor=alice, data={"title": "Other"}
    )

    saved(
        django_capture_on_commit_callbacks,
        deal_move_stage,
        actor=alice,
        deal=deal,
        stage=stages["Needs analysis"],
    )
    assert not RuleRun.objects.exists()
    deal = saved(
        django_capture_on_commit_callbacks, deal_move_stage, actor=alice, deal=deal, stage=proposal
    )
    saved(
        django_capture_on_commit_callbacks,
        deal_update,
        actor=alice,
        deal=deal,
        data={"notes": "Sent on Monday"},
    )

    run = RuleRun.objects.get(rule=rule)
    assert (run.record_type, run.record_id, run.status) == ("deal", deal.pk, RunStatus.SUCCEEDED)
    assert run.steps.get().status == StepStatus.SUCCEEDED
    assert not RuleRun.objects.filter(record_id=other.pk).exists()


# --- Order dates ----------------------------------------------------------------------------------


def test_days_after_the_last_order_fire_once_and_catch_up_a_missed_day(alice, make_rule, settings):
    settings.RAPPORT_AUTOMATION_CATCH_UP_DAYS = 7
    once = person(alice, "Ordered once")
    again = person(alice, "Ordered again")
    place_order(alice, once, local(2026, 3, 1, 10, 0))
    place_order(alice, again, local(2026, 3, 1, 11, 0))
    place_order(alice, again, local(2026, 3, 5, 11, 0))
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "last_order",
            "offset_days": 14,
            "yearly": False,
        },
        NOTIFY,
    )

    evaluate(rule, local(2026, 3, 14, 9, 0))  # the day before "Ordered once"'s 14th day
    # The server is off on the 15th (the day "Ordered once" is due) and the 16th.
    evaluate(rule, local(2026, 3, 17, 9, 0))
    evaluate(rule, local(2026, 3, 17, 12, 0))  # a restart: the same day evaluated again
    evaluate(rule, local(2026, 3, 19, 9, 0))  # "Ordered again"'s 14th day after its last order
    evaluate(rule, local(2026, 3, 25, 9, 0))

    assert fired(rule) == ["Ordered again", "Ordered once"]
    assert sorted(RuleOccurrence.objects.values_list("key", flat=True)) == [
        "2026-03-15",
        "2026-03-19",
    ]


def test_first_order_anniversary_fires_each_year_once_and_not_in_the_year_of_the_order(
    alice, make_rule
):
    loyal = person(alice, "Loyal")
    recent = person(alice, "Recent")
    place_order(alice, loyal, local(2024, 5, 20, 15, 0))
    place_order(alice, loyal, local(2025, 5, 21, 15, 0))  # a later order changes nothing
    place_order(alice, recent, local(2026, 5, 20, 10, 0))
    cancelled = person(alice, "Cancelled")
    order = place_order(alice, cancelled, local(2025, 5, 20, 10, 0))
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "first_order",
            "offset_days": 0,
            "yearly": True,
        },
        NOTIFY,
    )

    evaluate(rule, local(2026, 5, 20, 9, 0))
    evaluate(rule, local(2026, 5, 20, 18, 0))
    evaluate(rule, local(2026, 5, 21, 9, 0))
    evaluate(rule, local(2027, 5, 20, 9, 0))

    assert fired(rule) == ["Loyal", "Loyal", "Recent"]
    assert sorted(RuleOccurrence.objects.values_list("key", flat=True)) == [
        "2026-05-20",
        "2027-05-20",
        "2027-05-20",
    ]


def test_days_before_a_deals_expected_close_date_fire_once_per_deal(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    # A contract's end, kept as the deal's expected close date: the rule warns 30 days before.
    ends = saved(
        django_capture_on_commit_callbacks,
        deal_create,
        actor=alice,
        data={"title": "Contract ends 10 April", "expected_close_date": "2026-04-10"},
    )
    saved(
        django_capture_on_commit_callbacks,
        deal_create,
        actor=alice,
        data={"title": "Contract ends 11 April", "expected_close_date": "2026-04-11"},
    )
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "deal",
            "field": "expected_close_date",
            "offset_days": -30,
            "yearly": False,
        },
        NOTIFY,
    )

    evaluate(rule, local(2026, 3, 11, 9, 0))  # 30 days before 10 April
    evaluate(rule, local(2026, 3, 11, 9, 30))

    run = RuleRun.objects.get(rule=rule)
    assert (run.record_type, run.record_id) == ("deal", ends.pk)
    assert RuleOccurrence.objects.get().key == "2026-03-11"


def test_days_before_a_date_custom_field_fire_once_and_catch_up_after_a_restart(
    alice, admin_user, custom_fields, make_rule, settings
):
    settings.RAPPORT_AUTOMATION_CATCH_UP_DAYS = 7
    person(alice, "Ends 10 April", custom={"contract_end": "2026-04-10"})
    person(alice, "Ends 12 April", custom={"contract_end": "2026-04-12"})
    person(alice, "Ends 20 April", custom={"contract_end": "2026-04-20"})
    person(alice, "No contract")
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "custom.contract_end",
            "offset_days": -30,
            "yearly": False,
        },
        NOTIFY,
    )

    evaluate(rule, local(2026, 3, 11, 9, 0))  # 30 days before 10 April
    evaluate(rule, local(2026, 3, 11, 15, 0))
    # Off on the 12th and 13th (12 April's day): caught up on the 14th, 13 April's too
    evaluate(rule, local(2026, 3, 14, 9, 0))

    assert fired(rule) == ["Ends 10 April", "Ends 12 April"]
    assert sorted(RuleOccurrence.objects.values_list("key", flat=True)) == [
        "2026-03-11",
        "2026-03-13",
    ]


def test_a_yearly_date_custom_field_fires_on_its_anniversary(
    alice, admin_user, custom_fields, make_rule
):
    person(alice, "Signed 2024", custom={"contract_end": "2024-06-01"})
    person(alice, "Signed this year", custom={"contract_end": "2026-06-01"})
    person(alice, "Leap day", custom={"contract_end": "2024-02-29"})
    rule = make_rule(
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "custom.contract_end",
            "offset_days": 0,
            "yearly": True,
        },
        NOTIFY,
    )

    evaluate(rule, local(2026, 6, 1, 9, 0))
    evaluate(rule, local(2026, 6, 1, 10, 0))
    evaluate(rule, local(2027, 2, 28, 9, 0))

    assert fired(rule) == ["Leap day", "Signed 2024"]


def test_a_date_rule_refuses_a_custom_field_that_is_not_a_date(admin_user, custom_fields):
    from rapport.automation.services import rule_create

    with pytest.raises(ApplicationError) as refused:
        rule_create(
            actor=admin_user,
            data={
                "name": "Not a date",
                "is_active": True,
                "trigger": {
                    "type": "date_reached",
                    "record_type": "person",
                    "field": "custom.credit_limit",
                    "offset_days": 0,
                    "yearly": False,
                },
                "conditions": {"match": "all", "items": []},
                "actions": NOTIFY,
            },
        )

    assert "trigger.field" in refused.value.details


def test_no_order_for_a_number_of_days_fires_once_per_stretch_of_silence(
    alice, make_rule, settings
):
    settings.RAPPORT_AUTOMATION_CATCH_UP_DAYS = 7
    # The evaluations happen on days from `start` on; orders must be in the past to be placed.
    start = timezone.now() - datetime.timedelta(days=120)
    quiet = person(alice, "Quiet")
    busy = person(alice, "Busy")
    never = person(alice, "Never ordered")
    Person.objects.filter(pk__in=[quiet.pk, busy.pk, never.pk]).update(
        created_at=start - datetime.timedelta(days=400)
    )
    place_order(alice, quiet, start - datetime.timedelta(days=100))
    place_order(alice, busy, start - datetime.timedelta(days=100))
    place_order(alice, busy, start - datetime.timedelta(days=5))
    rule = make_rule({"type": "inactivity", "of": "order", "days": 60}, NOTIFY)

    evaluate(rule, start)
    evaluate(rule, start + datetime.timedelta(hours=3))
    evaluate(rule, start + datetime.timedelta(days=3))  # after days the server was off
    assert fired(rule) == ["Never ordered", "Quiet"]

    place_order(alice, quiet, start + datetime.timedelta(days=4))  # Quiet orders again…
    evaluate(rule, start + datetime.timedelta(days=30))
    assert fired(rule) == ["Never ordered", "Quiet"]
    # …and is silent for 60 days again; Busy's last order is now 70 days old
    evaluate(rule, start + datetime.timedelta(days=65))
    evaluate(rule, start + datetime.timedelta(days=66))

    assert fired(rule) == ["Busy", "Never ordered", "Quiet", "Quiet"]
    last_day = (start + datetime.timedelta(days=4)).astimezone(timezone.get_current_timezone())
    assert RuleOccurrence.objects.filter(record_id=quiet.pk).count() == 2
    assert RuleOccurrence.objects.filter(
        record_id=quiet.pk, key=f"since:{last_day.date().isoformat()}"
    ).exists()


# --- Actions ----------------------------------------------------------------------------------


@pytest.fixture
def east_members(alice, bob, diana):
    """The East team's members in id order (as the assign action takes them)."""
    return sorted([alice, bob, diana], key=lambda user: user.pk)


def test_assign_round_robin_gives_new_persons_to_the_teams_members_in_turn(
    admin_user, east, east_members, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    latest = user_create(username="latest", password="x" * 20, role=Role.SALES_REP, team=east)
    left = user_create(username="left", password="x" * 20, role=Role.SALES_REP, team=east)
    left.is_active = False
    left.save()
    make_rule(PERSON_CREATED, [{"type": "assign", "team_id": east.pk, "method": "round_robin"}])

    created = [
        saved(
            django_capture_on_commit_callbacks,
            person_create,
            actor=admin_user,
            data={"full_name": f"Customer {n}"},
        )
        for n in range(5)
    ]

    owners = [Person.objects.get(pk=p.pk).owner.username for p in created]
    members = [user.username for user in [*east_members, latest]]
    # each active member in turn, then the first again; the inactive member is passed over
    assert owners == [*members, members[0]]
    assert set(RuleRun.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}


def test_assign_least_loaded_gives_the_person_to_the_member_owning_fewest(
    admin_user, alice, bob, diana, east, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    for n in range(3):
        person(alice, f"Alice's {n}")
    person(diana, "Diana's")
    make_rule(PERSON_CREATED, [{"type": "assign", "team_id": east.pk, "method": "least_loaded"}])

    first = saved(
        django_capture_on_commit_callbacks,
        person_create,
        actor=admin_user,
        data={"full_name": "New 1"},
    )
    second = saved(
        django_capture_on_commit_callbacks,
        person_create,
        actor=admin_user,
        data={"full_name": "New 2"},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.owner == bob  # 0 persons
    # bob and diana own one each now: the lower id wins the tie
    assert second.owner == min(bob, diana, key=lambda user: user.pk)


def test_remove_tag_takes_the_tag_off_and_leaves_the_others(
    alice, vip, welcomed, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        {"type": "record_updated", "record_type": "person", "fields": ["lifecycle_stage"]},
        [{"type": "remove_tag", "tag": "VIP"}],
        {"match": "all", "items": [{"field": "lifecycle_stage", "op": "eq", "value": "lost"}]},
    )
    customer = person(alice, "张伟", tag_ids=[vip.pk, welcomed.pk])
    untouched = person(alice, "李娜", tag_ids=[vip.pk])

    saved(
        django_capture_on_commit_callbacks,
        person_update,
        actor=alice,
        person=customer,
        data={"lifecycle_stage": "lost"},
        version=None,
    )
    saved(
        django_capture_on_commit_callbacks,
        person_update,
        actor=alice,
        person=untouched,
        data={"region": "上海"},
        version=None,
    )

    assert list(customer.tags.values_list("name", flat=True)) == ["Welcomed"]
    assert list(untouched.tags.values_list("name", flat=True)) == ["VIP"]
    step = RuleRun.objects.get().steps.get()
    assert step.result == {"tag": "VIP", "changed": True}


@pytest.fixture
def custom_fields(admin_user):
    for key, field_type, choices in (
        ("contract_end", "date", []),
        ("credit_limit", "number", []),
        ("tier", "choice", ["Gold", "Silver"]),
        ("newsletter", "boolean", []),
        ("nickname", "text", []),
    ):
        custom_field_create(
            actor=admin_user,
            data={
                "record_type": "person",
                "key": key,
                "label": key,
                "field_type": field_type,
                "choices": choices,
            },
        )


def test_set_field_sets_each_kind_of_field_a_rule_offers(
    alice, custom_fields, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        PERSON_CREATED,
        [
            {"type": "set_field", "field": "lifecycle_stage", "value": "customer"},
            {"type": "set_field", "field": "gender", "value": "female"},
            {"type": "set_field", "field": "region", "value": "上海"},
            {"type": "set_field", "field": "custom.contract_end", "value": "2027-01-31"},
            {"type": "set_field", "field": "custom.credit_limit", "value": "5000"},
            {"type": "set_field", "field": "custom.tier", "value": "Gold"},
            {"type": "set_field", "field": "custom.newsletter", "value": True},
            {"type": "set_field", "field": "custom.nickname", "value": "小张"},
        ],
    )

    created = saved(
        django_capture_on_commit_callbacks,
        person_create,
        actor=alice,
        data={"full_name": "张伟", "custom": {"nickname": "阿伟"}},
    )

    created.refresh_from_db()
    assert (created.lifecycle_stage, created.gender, created.region) == (
        "customer",
        "female",
        "上海",
    )
    assert created.custom == {
        "contract_end": "2027-01-31",
        "credit_limit": 5000,
        "tier": "Gold",
        "newsletter": True,
        "nickname": "小张",
    }
    assert RuleRun.objects.get().status == RunStatus.SUCCEEDED


def test_set_field_sets_a_deals_number_and_choice_fields(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        {"type": "record_created", "record_type": "deal"},
        [
            {"type": "set_field", "field": "probability", "value": 35},
            {"type": "set_field", "field": "urgency", "value": "high"},
        ],
    )

    deal = saved(
        django_capture_on_commit_callbacks, deal_create, actor=alice, data={"title": "年度采购"}
    )

    deal.refresh_from_db()
    assert (deal.probability, deal.urgency) == (35, "high")


def test_set_field_refuses_a_value_its_custom_field_does_not_take(admin_user, custom_fields):
    from rapport.automation.services import rule_create

    with pytest.raises(ApplicationError) as refused:
        rule_create(
            actor=admin_user,
            data={
                "name": "Bad values",
                "is_active": True,
                "trigger": PERSON_CREATED,
                "conditions": {"match": "all", "items": []},
                "actions": [
                    {"type": "set_field", "field": "custom.credit_limit", "value": "a lot"},
                    {"type": "set_field", "field": "custom.tier", "value": "Bronze"},
                    {"type": "set_field", "field": "custom.contract_end", "value": "31/02/2027"},
                ],
            },
        )

    assert set(refused.value.details) >= {
        "actions.0.value",
        "actions.1.value",
        "actions.2.value",
    }
    assert not Rule.objects.exists()


def test_notify_tells_the_chosen_users_and_the_team_managers(
    admin_user, alice, bob, diana, charlie, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    make_rule(
        PERSON_CREATED,
        [
            {"type": "notify", "users": [bob.pk, charlie.pk], "message": "New customer"},
            {"type": "notify", "users": "team_managers", "message": "New customer in your team"},
        ],
    )

    created = saved(
        django_capture_on_commit_callbacks,
        person_create,
        actor=alice,
        data={"full_name": "张伟"},
    )

    sent = sorted(
        Notification.objects.filter(kind="automation.notify").values_list(
            "recipient__username", "title", "target_id"
        )
    )
    assert sent == [
        ("bob", "New customer", created.pk),
        ("charlie", "New customer", created.pk),
        ("diana", "New customer in your team", created.pk),
    ]


# --- Conditions in nested groups -------------------------------------------------------------


def test_nested_and_or_groups_decide_which_records_a_rule_acts_on(
    alice, vip, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    # Shanghai AND (VIP OR (a customer AND in retail))
    make_rule(
        PERSON_CREATED,
        NOTIFY,
        {
            "match": "all",
            "items": [
                {"field": "region", "op": "eq", "value": "上海"},
                {
                    "match": "any",
                    "items": [
                        {"field": "tags", "op": "contains", "value": "VIP"},
                        {
                            "match": "all",
                            "items": [
                                {"field": "lifecycle_stage", "op": "eq", "value": "customer"},
                                {"field": "industry", "op": "eq", "value": "Retail"},
                            ],
                        },
                    ],
                },
            ],
        },
    )

    for name, data in (
        ("Shanghai VIP", {"region": "上海", "tag_ids": [vip.pk]}),
        (
            "Shanghai retail customer",
            {"region": "上海", "lifecycle_stage": "customer", "industry": "Retail"},
        ),
        (
            "Shanghai retail prospect",
            {"region": "上海", "lifecycle_stage": "potential", "industry": "Retail"},
        ),
        ("Beijing VIP", {"region": "北京", "tag_ids": [vip.pk]}),
        ("Shanghai nobody", {"region": "上海"}),
    ):
        saved(
            django_capture_on_commit_callbacks,
            person_create,
            actor=alice,
            data={"full_name": name, **data},
        )

    rule = Rule.objects.get()
    assert fired(rule) == ["Shanghai VIP", "Shanghai retail customer"]
