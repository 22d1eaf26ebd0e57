"""Date, inactivity and schedule rules fire once per record per occurrence, and catch up."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.services import interaction_create
from rapport.automation import dates, tasks
from rapport.automation.models import Rule, RuleOccurrence, RuleRun, RunStatus
from rapport.automation.services import rule_dry_run
from rapport.customers.models import Person
from rapport.customers.services import person_create

pytestmark = pytest.mark.django_db

NOTIFY = [{"type": "notify", "users": "owner", "message": "Happy birthday to your customer"}]
BIRTHDAY = {
    "type": "date_reached",
    "record_type": "person",
    "field": "birthday",
    "offset_days": 0,
    "yearly": True,
}


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def person(actor, name, **data):
    return person_create(actor=actor, data={"full_name": name, **data})


def fired(rule) -> set[str]:
    return set(
        Person.objects.filter(
            pk__in=RuleRun.objects.filter(rule=rule).values("record_id")
        ).values_list("full_name", flat=True)
    )


def test_birthday_rule_fires_once_for_todays_birthdays_with_or_without_a_year(alice, make_rule):
    person(alice, "With year", birthday="1990-03-10")
    person(alice, "Without year", birth_month=3, birth_day=10)
    person(alice, "Tomorrow", birthday="1985-03-11")
    rule = make_rule(BIRTHDAY, NOTIFY)
    now = local(2026, 3, 10, 9, 0)

    dates.evaluate_rule(rule, now=now)
    rule.refresh_from_db()
    dates.evaluate_rule(rule, now=now + datetime.timedelta(hours=2))

    assert fired(rule) == {"With year", "Without year"}
    assert RuleRun.objects.count() == 2
    assert set(RuleOccurrence.objects.values_list("key", flat=True)) == {"2026-03-10"}


def test_29_february_birthdays_are_celebrated_on_the_28th_in_other_years(alice, make_rule):
    person(alice, "Leap", birthday="1992-02-29")
    rule = make_rule(BIRTHDAY, NOTIFY)

    dates.evaluate_rule(rule, now=local(2027, 2, 28, 9, 0))

    assert fired(rule) == {"Leap"}


def test_missed_days_are_caught_up_within_the_window_after_a_restart(alice, make_rule, settings):
    settings.RAPPORT_AUTOMATION_CATCH_UP_DAYS = 7
    person(alice, "Yesterday", birthday="1980-03-09")
    person(alice, "Long ago", birthday="1980-02-20")
    rule = make_rule(BIRTHDAY, NOTIFY)
    Rule.objects.filter(pk=rule.pk).update(evaluated_through=local(2026, 3, 7, 9, 0))
    rule.refresh_from_db()

    dates.evaluate_rule(rule, now=local(2026, 3, 10, 9, 0))

    assert fired(rule) == {"Yesterday"}
    assert RuleOccurrence.objects.get().key == "2026-03-09"


def test_days_after_a_date_field_counts_from_that_date(alice, make_rule):
    person(alice, "Ten days", birthday="2026-02-28")
    person(alice, "Nine days", birthday="2026-03-01")
    rule = make_rule({**BIRTHDAY, "offset_days": 10, "yearly": False}, NOTIFY)

    dates.evaluate_rule(rule, now=local(2026, 3, 10, 9, 0))

    assert fired(rule) == {"Ten days"}


def test_inactivity_fires_once_per_stretch_without_contact(alice, make_rule):
    quiet = person(alice, "Quiet")
    busy = person(alice, "Busy")
    Person.objects.filter(pk__in=[quiet.pk, busy.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=90)
    )
    interaction_create(
        actor=alice,
        person=busy,
        data={
            "channel": "call",
            "subject": "Catch-up",
            "occurred_at": (timezone.now() - datetime.timedelta(days=5)).isoformat(),
        },
    )
    rule = make_rule({"type": "inactivity", "of": "interaction", "days": 30}, NOTIFY)

    dates.evaluate_rule(rule, now=timezone.now())
    dates.evaluate_rule(rule, now=timezone.now() + datetime.timedelta(days=1))

    assert fired(rule) == {"Quiet"}
    assert RuleRun.objects.count() == 1


def test_schedule_fires_at_its_minutes_for_the_matching_records_once(alice, make_rule):
    person(alice, "Shanghai", region="上海")
    person(alice, "Beijing", region="北京")
    rule = make_rule(
        {"type": "schedule", "cron": "0 9 * * *", "record_type": "person"},
        NOTIFY,
        {"match": "all", "items": [{"field": "region", "op": "eq", "value": "上海"}]},
    )
    Rule.objects.filter(pk=rule.pk).update(evaluated_through=local(2026, 3, 10, 8, 58))
    rule.refresh_from_db()

    dates.evaluate_rule(rule, now=local(2026, 3, 10, 9, 1))
    rule.refresh_from_db()
    dates.evaluate_rule(rule, now=local(2026, 3, 10, 9, 2))

    assert fired(rule) == {"Shanghai"}
    assert RuleOccurrence.objects.get().key == "2026-03-10T09:00"


def test_the_periodic_job_runs_the_actions_of_todays_occurrences(
    alice, make_rule, jobs_now, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    person(alice, "Today", birth_month=today.month, birth_day=today.day)
    rule = make_rule(BIRTHDAY, NOTIFY)

    tasks.evaluate_date_rules()

    run = RuleRun.objects.get(rule=rule)
    assert run.status == RunStatus.SUCCEEDED
    assert alice.notifications.get().title == "Happy birthday to your customer"


def test_dry_run_of_a_birthday_rule_counts_todays_birthdays(admin_user, alice, make_rule):
    person(alice, "Today", birth_month=3, birth_day=10)
    person(alice, "Other day", birth_month=3, birth_day=11)
    rule = make_rule(BIRTHDAY, NOTIFY)

    result = rule_dry_run(actor=admin_user, rule_or_data=rule, now=local(2026, 3, 10, 9, 0))

    assert result.count == 1
    assert [p.full_name for p in result.sample] == ["Today"]
