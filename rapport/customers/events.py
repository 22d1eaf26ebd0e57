from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class PersonCreated(Event):
    person_id: int
    actor_id: int


@dataclass(frozen=True)
class PersonUpdated(Event):
    person_id: int
    actor_id: int
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class CompanyCreated(Event):
    company_id: int
    actor_id: int


@dataclass(frozen=True)
class CompanyUpdated(Event):
    company_id: int
    actor_id: int
    changed_fields: tuple[str, ...]
