"""Date, inactivity and schedule rules: evaluated in the database by a periodic job.

Each evaluation asks the trigger for the matching records of a day (or a schedule's minute)
through the rule's conditions, inserts one `RuleOccurrence` per record and occurrence (a unique
row: inserted with ignore_conflicts, so evaluating twice, after a restart or by two workers at
once fires nothing twice) and, in the same transaction, a run for each occurrence that has none.
A day missed (the server was off) is caught up the next time, within
`RAPPORT_AUTOMATION_CATCH_UP_DAYS`; a worker killed midway loses at most the transaction it was
in, which the next evaluation does again.
"""

import datetime
import itertools

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.automation import registry
from rapport.automation.engine import base_queryset, create_runs_for_occurrences, local_today
from rapport.automation.models import Rule, RuleOccurrence
from rapport.automation.triggers import cron_matcher

CHUNK = 2000


def catch_up_days() -> int:
    return getattr(settings, "RAPPORT_AUTOMATION_CATCH_UP_DAYS", 7)


def date_trigger_keys() -> list[str]:
    return [key for key, t in registry.trigger_types().items() if t.kind == "date"]


def _days(rule: Rule, now: datetime.datetime) -> list[datetime.date]:
    today = local_today(now)
    if rule.trigger_type == "inactivity" or rule.evaluated_through is None:
        return [today]
    first = max(
        local_today(rule.evaluated_through),
        today - datetime.timedelta(days=catch_up_days() - 1),
    )
    return [first + datetime.timedelta(days=n) for n in range((today - first).days + 1)]


def _minutes(rule: Rule, now: datetime.datetime) -> list[datetime.datetime]:
    matches = cron_matcher(rule.trigger["cron"])
    local_now = timezone.localtime(now).replace(second=0, microsecond=0)
    if rule.evaluated_through is None:
        start = local_now
    else:
        start = max(
            timezone.localtime(rule.evaluated_through).replace(second=0, microsecond=0),
            local_now - datetime.timedelta(days=catch_up_days()),
        )
    moments = []
    moment = start
    while moment <= local_now:
        if matches(moment):
            moments.append(moment)
        moment += datetime.timedelta(minutes=1)
    return moments


def next_schedule_time(cron: str, now: datetime.datetime) -> datetime.datetime | None:
    """The next minute a schedule fires (within 31 days), for the dry run."""
    matches = cron_matcher(cron)
    moment = timezone.localtime(now).replace(second=0, microsecond=0)
    for _minute in range(31 * 24 * 60):
        if matches(moment):
            return moment
        moment += datetime.timedelta(minutes=1)
    return None


def evaluate_rule(rule: Rule, *, now: datetime.datetime | None = None) -> list[int]:
    """Fire one date, inactivity or schedule rule for every occurrence due up to `now`; returns
    the ids of the runs it started."""
    now = now or timezone.now()
    trigger = registry.trigger_type(rule.trigger_type)
    if trigger is None or trigger.occurrences is None:
        return []
    moments = _minutes(rule, now) if rule.trigger_type == "schedule" else _days(rule, now)
    queryset = base_queryset(rule.trigger, rule.conditions, rule.trigger_record_type)
    run_ids: list[int] = []
    for moment in moments:
        pairs = trigger.occurrences(rule.trigger, queryset, moment)
        while chunk := list(itertools.islice(pairs, CHUNK)):
            run_ids += _fire(rule, chunk, now)
    Rule.objects.filter(pk=rule.pk).update(evaluated_through=now)
    return run_ids


@transaction.atomic
def _fire(rule: Rule, pairs: list[tuple[int, str]], now) -> list[int]:
    RuleOccurrence.objects.bulk_create(
        [
            RuleOccurrence(rule=rule, record_type=rule.trigger_record_type, record_id=pk, key=key)
            for pk, key in pairs
        ],
        ignore_conflicts=True,
    )
    keys = {key for _pk, key in pairs}
    wanted = set(pairs)
    new = [
        occurrence
        for occurrence in RuleOccurrence.objects.filter(
            rule=rule,
            record_type=rule.trigger_record_type,
            key__in=keys,
            record_id__in=[pk for pk, _key in pairs],
            run__isnull=True,
        )
        if (occurrence.record_id, occurrence.key) in wanted
    ]
    return create_runs_for_occurrences(rule, new, now) if new else []


def _evaluated_lately(rule: Rule, now: datetime.datetime) -> bool:
    """A date or inactivity rule is evaluated hourly (records added during the day are seen the
    same day), not at every minute's run like a schedule."""
    last = rule.evaluated_through
    return (
        last is not None
        and local_today(last) == local_today(now)
        and now - last < datetime.timedelta(hours=1)
    )


def evaluate_date_rules(*, now: datetime.datetime | None = None) -> list[int]:
    """Evaluate every active date, inactivity and schedule rule (the periodic job)."""
    now = now or timezone.now()
    run_ids: list[int] = []
    for rule in Rule.objects.filter(is_active=True, trigger_type__in=date_trigger_keys()):
        if rule.trigger_type != "schedule" and _evaluated_lately(rule, now):
            continue
        run_ids += evaluate_rule(rule, now=now)
    return run_ids
