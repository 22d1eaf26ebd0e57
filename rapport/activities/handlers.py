"""The timeline's subscriptions to events announced by lower apps."""

# tasks: its jobs subscribe to this app's events (the mention e-mails).
from rapport.activities import tasks  # noqa: F401
from rapport.activities.mentions import (
    company_notes_mentions_notify,
    person_notes_mentions_notify,
)
from rapport.activities.services import timeline_add
from rapport.core.events import subscribe
from rapport.customers.events import CompanyCreated, CompanyUpdated, PersonCreated, PersonUpdated


@subscribe(PersonCreated)
def person_created(event: PersonCreated) -> None:
    timeline_add(
        kind="record.created", title="", person_id=event.person_id, actor_id=event.actor_id
    )
    person_notes_mentions_notify(actor_id=event.actor_id, person_id=event.person_id)


@subscribe(PersonUpdated)
def person_updated(event: PersonUpdated) -> None:
    if event.changed_fields:
        timeline_add(
            kind="record.updated",
            title="",
            person_id=event.person_id,
            actor_id=event.actor_id,
            data={"fields": list(event.changed_fields)},
        )
    if "notes" in event.changed_fields:
        person_notes_mentions_notify(actor_id=event.actor_id, person_id=event.person_id)


@subscribe(CompanyCreated)
def company_created(event: CompanyCreated) -> None:
    timeline_add(
        kind="record.created", title="", company_id=event.company_id, actor_id=event.actor_id
    )
    company_notes_mentions_notify(actor_id=event.actor_id, company_id=event.company_id)


@subscribe(CompanyUpdated)
def company_updated(event: CompanyUpdated) -> None:
    if event.changed_fields:
        timeline_add(
            kind="record.updated",
            title="",
            company_id=event.company_id,
            actor_id=event.actor_id,
            data={"fields": list(event.changed_fields)},
        )
    if "notes" in event.changed_fields:
        company_notes_mentions_notify(actor_id=event.actor_id, company_id=event.company_id)
