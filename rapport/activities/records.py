"""The activities app's record types, registered from `ActivitiesConfig.ready()` (see
`rapport.core.records`). A task's owner is its assignee; an interaction's is who logged it."""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import record_columns
from rapport.core.records import RecordType, register_record_type


def task_json(task) -> dict:
    return record_columns(task)


def interaction_json(interaction) -> dict:
    return record_columns(interaction)


def register() -> None:
    register_record_type(
        RecordType(
            key="task",
            model="activities.Task",
            label=_("Task"),
            serialize=task_json,
            date_fields=("due_at", "remind_at", "completed_at", "created_at"),
            person_field="person",
            company_field="company",
            owner_field="assignee",
        )
    )
    register_record_type(
        RecordType(
            key="interaction",
            model="activities.Interaction",
            label=_("Interaction"),
            serialize=interaction_json,
            date_fields=("occurred_at", "created_at"),
            person_field="person",
            company_field="company",
            owner_field="logged_by",
        )
    )
