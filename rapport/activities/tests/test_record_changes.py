"""Tasks and interactions announce every create, update and delete (rapport.core.records)."""

import pytest

from rapport.activities.services import interaction_create, interaction_delete, interaction_update
from rapport.activities.task_services import (
    task_cancel,
    task_complete,
    task_create,
    task_delete,
    task_update,
)
from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged, record_type
from rapport.customers.services import person_create


@pytest.fixture
def changes():
    seen: list[tuple] = []

    def collect(event: RecordChanged) -> None:
        if event.record_type in ("task", "interaction"):
            seen.append((event.record_type, event.record_id, event.operation, event.changed_fields))

    subscribe(RecordChanged)(collect)
    yield seen
    _handlers[RecordChanged].remove(collect)


def test_task_changes_are_announced_with_the_fields_that_changed(alice, changes):
    task = task_create(actor=alice, data={"title": "Call 张伟"})
    task_update(actor=alice, task=task, data={"title": "Call 张伟 again"})
    task_complete(actor=alice, task=task)
    task_id = task.pk
    task_delete(actor=alice, task=task)
    other = task_create(actor=alice, data={"title": "Send the offer"})
    task_cancel(actor=alice, task=other)

    assert changes == [
        ("task", task_id, "created", ()),
        ("task", task_id, "updated", ("title",)),
        ("task", task_id, "updated", ("status", "completed_at")),
        ("task", task_id, "deleted", ()),
        ("task", other.pk, "created", ()),
        ("task", other.pk, "updated", ("status",)),
    ]


def test_interaction_changes_are_announced(alice, changes):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    interaction = interaction_create(
        actor=alice, person=person, data={"channel": "call", "subject": "First call"}
    )
    interaction_update(actor=alice, interaction=interaction, data={"outcome": "Wants an offer"})
    data = record_type("interaction").serialize(interaction)
    interaction_id = interaction.pk
    interaction_delete(actor=alice, interaction=interaction)

    assert changes == [
        ("interaction", interaction_id, "created", ()),
        ("interaction", interaction_id, "updated", ("outcome",)),
        ("interaction", interaction_id, "deleted", ()),
    ]
    assert data["person_id"] == person.pk
    assert data["occurred_at"] == interaction.occurred_at.isoformat()
