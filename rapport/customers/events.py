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


@dataclass(frozen=True)
class PersonDeleted(Event):
    """Published after the person's row is gone (in the same transaction): subscribers get the
    id and name, not the record."""

    person_id: int
    actor_id: int
    name: str


@dataclass(frozen=True)
class CompanyDeleted(Event):
    """Published after the company's row is gone (in the same transaction)."""

    company_id: int
    actor_id: int
    name: str
