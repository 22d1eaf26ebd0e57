"""Persons and companies announce every create, update and delete (rapport.core.records)."""

import pytest

from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged, record_type
from rapport.customers.services import (
    company_create,
    company_delete,
    company_update,
    person_create,
    person_delete,
    person_update,
)


@pytest.fixture
def changes():
    seen: list[tuple] = []

    def collect(event: RecordChanged) -> None:
        seen.append((event.record_type, event.record_id, event.operation, event.changed_fields))

    subscribe(RecordChanged)(collect)
    yield seen
    _handlers[RecordChanged].remove(collect)


def test_person_create_update_delete_are_announced(alice, changes):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    person_update(actor=alice, person=person, data={"full_name": "张伟伟"}, version=None)
    person_delete(actor=alice, person=person)

    assert changes == [
        ("person", person.pk, "created", ()),
        ("person", person.pk, "updated", ("full_name",)),
        ("person", person.pk, "deleted", ()),
    ]


def test_company_create_update_delete_are_announced(alice, changes):
    company = company_create(actor=alice, data={"name": "东方贸易"})
    company_update(actor=alice, company=company, data={"website": "east.cn"}, version=None)
    company_delete(actor=alice, company=company)

    assert changes == [
        ("company", company.pk, "created", ()),
        ("company", company.pk, "updated", ("website",)),
        ("company", company.pk, "deleted", ()),
    ]


def test_person_serializes_to_plain_json(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1990-07-14"})

    data = record_type("person").serialize(person)

    assert data["id"] == person.pk
    assert data["owner_id"] == alice.pk
    assert data["birthday"] == "1990-07-14"
    assert data["created_at"] == person.created_at.isoformat()
