"""Deleting persons and companies: through the visibility rule, written to the audit log and
announced as an event, like every other write."""

import pytest

from rapport.accounts.models import AuditAction, AuditEvent
from rapport.core.errors import NotFound
from rapport.core.events import _handlers, subscribe
from rapport.customers.events import CompanyDeleted, PersonDeleted
from rapport.customers.models import Company, Person
from rapport.customers.services import (
    InUse,
    company_create,
    company_delete,
    person_create,
    person_delete,
)
from rapport.sales.services.deals import deal_create


@pytest.fixture
def published():
    """The delete events published during the test."""
    seen = []
    record = seen.append
    subscribe(PersonDeleted)(record)
    subscribe(CompanyDeleted)(record)
    yield seen
    _handlers[PersonDeleted].remove(record)
    _handlers[CompanyDeleted].remove(record)


def test_rep_cannot_delete_another_teams_person(alice, charlie):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    with pytest.raises(NotFound):
        person_delete(actor=charlie, person=person)

    assert Person.objects.filter(pk=person.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_DELETED).exists()


def test_rep_cannot_delete_another_teams_company(alice, charlie):
    company = company_create(actor=alice, data={"name": "明远"})

    with pytest.raises(NotFound):
        company_delete(actor=charlie, company=company)

    assert Company.objects.filter(pk=company.pk).exists()


def test_team_member_may_delete_a_colleagues_person(alice, bob):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    person_delete(actor=bob, person=person)

    assert not Person.objects.filter(pk=person.pk).exists()


def test_person_delete_writes_the_audit_line(alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    person_delete(actor=alice, person=person)

    line = AuditEvent.objects.get(action=AuditAction.RECORD_DELETED)
    assert (line.actor, line.target_type, line.target_id, line.summary) == (
        alice,
        "person",
        person.pk,
        "张伟",
    )


def test_company_delete_writes_the_audit_line(alice):
    company = company_create(actor=alice, data={"name": "明远"})

    company_delete(actor=alice, company=company)

    line = AuditEvent.objects.get(action=AuditAction.RECORD_DELETED)
    assert (line.actor, line.target_type, line.target_id, line.summary) == (
        alice,
        "company",
        company.pk,
        "明远",
    )


def test_deletes_publish_their_events(alice, published):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    company = company_create(actor=alice, data={"name": "明远"})

    person_delete(actor=alice, person=person)
    company_delete(actor=alice, company=company)

    assert published == [
        PersonDeleted(person_id=person.pk, actor_id=alice.pk, name="张伟"),
        CompanyDeleted(company_id=company.pk, actor_id=alice.pk, name="明远"),
    ]


def test_person_a_deal_names_is_kept_with_no_audit_line_or_event(alice, published):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    deal_create(actor=alice, data={"title": "Deal", "person_id": person.pk})

    with pytest.raises(InUse):
        person_delete(actor=alice, person=person)

    assert Person.objects.filter(pk=person.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_DELETED).exists()
    assert published == []
