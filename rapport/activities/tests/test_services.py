"""Interactions and the timeline entries they write."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.selectors import timeline_for_company, timeline_for_person
from rapport.activities.services import (
    interaction_create,
    interaction_delete,
    interaction_update,
    timeline_add,
)
from rapport.core.errors import ValidationFailed
from rapport.customers.services import company_create, person_create

CALL = {"channel": "call", "subject": "询价：500 台", "content": "客户想要报价单。"}


@pytest.fixture
def company(alice):
    return company_create(actor=alice, data={"name": "上海明远科技有限公司"})


@pytest.fixture
def person(alice, company):
    return person_create(
        actor=alice,
        data={"full_name": "张伟", "employments": [{"company_id": company.pk, "is_primary": True}]},
    )


def _interaction_entries():
    return TimelineEntry.objects.filter(source_type="interaction")


def test_interaction_with_a_person_writes_one_timeline_entry_for_person_and_company(
    alice, person, company
):
    # When alice logs a call with 张伟
    interaction = interaction_create(actor=alice, data=CALL, person=person)

    # Then the interaction is linked to his primary company too
    assert interaction.company == company
    assert interaction.logged_by == alice
    assert interaction.direction == "outbound"
    # And exactly one timeline entry points back at it, on both timelines
    entry = _interaction_entries().get()
    assert (entry.person, entry.company, entry.source_id) == (person, company, interaction.pk)
    assert entry.kind == "interaction.call"
    assert entry.title == "询价：500 台"
    assert entry.body == "客户想要报价单。"
    assert entry.actor == alice
    assert entry.occurred_at == interaction.occurred_at
    assert entry in timeline_for_person(person).items
    assert entry in timeline_for_company(company, viewer=alice).items


def test_interaction_with_a_person_without_company_is_only_on_the_persons_timeline(alice):
    person = person_create(actor=alice, data={"full_name": "李娜"})

    interaction = interaction_create(actor=alice, data=CALL, person=person)

    assert interaction.company is None
    entry = _interaction_entries().get()
    assert entry.person == person
    assert entry.company is None


def test_interaction_with_a_company_only_is_on_the_company_timeline(alice, company):
    interaction_create(actor=alice, data={**CALL, "channel": "visit"}, company=company)

    entry = _interaction_entries().get()
    assert entry.company == company
    assert entry.person is None
    assert entry.kind == "interaction.visit"


def test_interaction_keeps_the_time_it_happened(alice, person):
    when = timezone.now() - datetime.timedelta(days=3)
    interaction = interaction_create(
        actor=alice, data={**CALL, "occurred_at": when.isoformat()}, person=person
    )
    assert interaction.occurred_at == when
    assert _interaction_entries().get().occurred_at == when


def test_naive_time_is_read_in_the_sites_time_zone(alice, person):
    interaction = interaction_create(
        actor=alice, data={**CALL, "occurred_at": "2026-05-01 14:30"}, person=person
    )
    local = timezone.localtime(interaction.occurred_at)
    assert (local.hour, local.minute) == (14, 30)


def test_update_keeps_the_timeline_entry_in_step(alice, person):
    interaction = interaction_create(actor=alice, data=CALL, person=person)
    when = timezone.now() - datetime.timedelta(hours=5)

    interaction_update(
        actor=alice,
        interaction=interaction,
        data={"channel": "meeting", "subject": "现场演示", "occurred_at": when, "outcome": "成交"},
    )

    entry = _interaction_entries().get()
    assert entry.kind == "interaction.meeting"
    assert entry.title == "现场演示"
    assert entry.occurred_at == when
    assert entry.data["outcome"] == "成交"
    interaction.refresh_from_db()
    assert interaction.content == CALL["content"]


def test_delete_removes_the_timeline_entry(alice, person):
    interaction = interaction_create(actor=alice, data=CALL, person=person)
    other = interaction_create(actor=alice, data={**CALL, "subject": "回访"}, person=person)

    interaction_delete(actor=alice, interaction=interaction)

    assert list(Interaction.objects.all()) == [other]
    assert list(_interaction_entries().values_list("source_id", flat=True)) == [other.pk]


def _fails_without_saving(**kwargs) -> ValidationFailed:
    before = (Interaction.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(ValidationFailed) as excinfo:
        interaction_create(**kwargs)
    assert (Interaction.objects.count(), TimelineEntry.objects.count()) == before
    return excinfo.value


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"content": "x" * 20001}, "content"),
        ({"outcome": ["won"]}, "outcome"),
        ({"occurred_at": "last tuesday"}, "occurred_at"),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at"),
        ({"mood": "happy"}, "mood"),
    ],
)
def test_invalid_interaction_is_refused_and_nothing_saved(alice, person, data, field):
    error = _fails_without_saving(actor=alice, data={**CALL, **data}, person=person)
    assert set(error.details) == {field}


def test_interaction_needs_a_person_or_company(alice):
    error = _fails_without_saving(actor=alice, data=CALL)
    assert set(error.details) == {"person_id"}


def test_invalid_update_changes_nothing(alice, person):
    interaction = interaction_create(actor=alice, data=CALL, person=person)

    with pytest.raises(ValidationFailed):
        interaction_update(
            actor=alice, interaction=interaction, data={"subject": "new", "channel": "fax"}
        )

    interaction.refresh_from_db()
    assert interaction.subject == CALL["subject"]
    assert _interaction_entries().get().title == CALL["subject"]


def test_timeline_add_needs_a_customer():
    with pytest.raises(ValueError):
        timeline_add(kind="note", title="orphan")


def test_timeline_add_truncates_long_titles(person):
    # A kind nobody words at read time, so the stored title is what shows.
    entry = timeline_add(kind="note", title="x" * 300, person_id=person.pk)
    assert len(entry.title) == 200
    assert entry.display_title == "x" * 200


def test_generated_entries_are_worded_at_read_time(alice, person):
    entry = TimelineEntry.objects.get(person=person, kind="record.created")
    assert entry.title == ""
    assert entry.display_title == "Record created"
