"""The timeline's subscriptions to events announced by lower apps."""

from rapport.activities.services import timeline_add
from rapport.core.events import subscribe
from rapport.customers.events import CompanyCreated, CompanyUpdated, PersonCreated, PersonUpdated


@subscribe(PersonCreated)
def person_created(event: PersonCreated) -> None:
    timeline_add(
        kind="record.created", title="", person_id=event.person_id, actor_id=event.actor_id
    )


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


@subscribe(CompanyCreated)
def company_created(event: CompanyCreated) -> None:
    timeline_add(
        kind="record.created", title="", company_id=event.company_id, actor_id=event.actor_id
    )


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
