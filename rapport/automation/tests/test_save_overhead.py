"""What active rules cost the request that saves a record: the same queries, one job queued.

The time it takes is measured in bench/automation_rules.py (docs/benchmarks.md), never here.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers.services import person_create, person_update

pytestmark = pytest.mark.django_db

NOT_MATCHING = {"match": "all", "items": [{"field": "region", "op": "eq", "value": "火星"}]}
# 20 rules on persons with varied triggers: most concern other fields, creations, dates or
# events; three concern any change (their conditions match nobody here), one the notes.
TWENTY_RULES = [
    *[{"type": "record_updated", "record_type": "person", "fields": ["region"]}] * 5,
    *[{"type": "record_updated", "record_type": "person", "fields": []}] * 3,
    {"type": "record_updated", "record_type": "person", "fields": ["notes"]},
    *[{"type": "record_created", "record_type": "person"}] * 3,
    *[
        {
            "type": "date_reached",
            "record_type": "person",
            "field": "birthday",
            "offset_days": 0,
            "yearly": True,
        }
    ]
    * 3,
    *[{"type": "inactivity", "of": "order", "days": 90}] * 2,
    *[{"type": "event_received", "event_name": "added_to_cart"}] * 2,
    {"type": "schedule", "cron": "0 9 * * 1", "record_type": "person"},
]


def test_a_person_update_with_twenty_active_rules_does_the_same_queries_and_queues_one_job(
    alice, make_rule, django_capture_on_commit_callbacks
):
    first = person_create(actor=alice, data={"full_name": "张伟"})
    second = person_create(actor=alice, data={"full_name": "李娜"})

    def update(person, note):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as callbacks,
        ):
            person_update(actor=alice, person=person, data={"notes": note}, version=None)
        return len(queries), len(callbacks)

    update(first, "warm-up")  # per-process caches (content types, custom fields) filled
    queries_without, jobs_without = update(first, "Met at the fair")
    assert len(TWENTY_RULES) == 20
    for n, trigger in enumerate(TWENTY_RULES):
        make_rule(
            trigger,
            [{"type": "notify", "users": "owner", "message": "Changed"}],
            None if trigger.get("fields") == ["notes"] else NOT_MATCHING,
            name=f"Rule {n}",
        )

    queries_with, jobs_with = update(second, "Met at the fair")

    # The rule lookup (one indexed query) is done with no rule too: +0 queries.
    assert queries_with == queries_without
    # The four rules this change concerns start from one job, not one job per rule.
    assert jobs_with == jobs_without + 1
