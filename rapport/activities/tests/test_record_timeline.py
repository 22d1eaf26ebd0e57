"""Interactions and timeline entries about a record of a higher app (a deal, a lead).

activities may not import sales, so these tests stand a customers `Tag` in for "a record of a
higher app": the link is generic (content type and id), whatever the model.
"""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.selectors import (
    interactions_visible_to,
    timeline_for_person,
    timeline_for_record,
)
from rapport.activities.services import (
    interaction_create,
    interaction_update,
    record_activity_delete,
    timeline_add,
)
from rapport.customers.services import person_create, tag_create

CALL = {"channel": "call", "subject": "报价电话"}


@pytest.fixture
def record(admin_user):
    """The stand-in for a deal: any model instance."""
    return tag_create(actor=admin_user, data={"name": "年度茶叶采购"})


@pytest.fixture
def person(alice):
    return person_create(actor=alice, data={"full_name": "张伟"})


def test_an_interaction_logged_on_a_record_is_about_it_and_on_its_persons_timeline(
    alice, person, record
):
    interaction = interaction_create(actor=alice, data=CALL, person=person, about=record)

    assert interaction.about == record
    on_record = timeline_for_record(record).items
    on_person = timeline_for_person(person).items
    assert [e.source_id for e in on_record] == [interaction.pk]
    assert [e.source_id for e in on_person if e.source_type == "interaction"] == [interaction.pk]
    # The person's timeline says what the call was about.
    assert on_record[0].data["about_label"] == "年度茶叶采购"


def test_an_interaction_on_a_record_does_not_take_the_persons_company_on_its_own(
    alice, person, record
):
    # A deal passes its own company (or none); the person's primary company is not guessed.
    interaction = interaction_create(actor=alice, data=CALL, person=person, about=record)

    assert interaction.company_id is None


def test_record_timeline_holds_only_entries_about_that_record_newest_first(
    alice, person, record, admin_user
):
    other = tag_create(actor=admin_user, data={"name": "另一个商机"})
    now = timezone.now()
    for minutes, about in ((3, record), (2, other), (1, record)):
        timeline_add(
            kind="deal.moved",
            title="",
            person_id=person.pk,
            occurred_at=now - datetime.timedelta(minutes=minutes),
            about=about,
        )

    items = timeline_for_record(record).items

    assert [e.occurred_at for e in items] == [
        now - datetime.timedelta(minutes=1),
        now - datetime.timedelta(minutes=3),
    ]


def test_record_timeline_pages_with_a_keyset_cursor(alice, record):
    now = timezone.now()
    for minutes in range(5):
        timeline_add(
            kind="deal.moved",
            title=f"move {minutes}",
            occurred_at=now - datetime.timedelta(minutes=minutes),
            about=record,
        )

    first = timeline_for_record(record, size=3)
    second = timeline_for_record(record, cursor=first.next_cursor, size=3)

    assert [e.title for e in first.items] == ["move 0", "move 1", "move 2"]
    assert [e.title for e in second.items] == ["move 3", "move 4"]
    assert second.next_cursor is None


def test_an_entry_about_a_record_alone_needs_no_customer(record):
    entry = timeline_add(kind="deal.created", title="", about=record)

    assert (entry.person_id, entry.company_id) == (None, None)
    assert entry.about_type == ContentType.objects.get_for_model(record)


def test_an_entry_about_nothing_is_refused():
    with pytest.raises(ValueError):
        timeline_add(kind="deal.created", title="")


def test_a_call_on_a_record_alone_is_not_in_another_teams_interactions(charlie, alice, record):
    # charlie logs a call on his team's deal, whose customer he may not link (none passed)
    interaction = interaction_create(actor=charlie, data=CALL, about=record)

    assert not interactions_visible_to(alice).filter(pk=interaction.pk).exists()
    assert not interactions_visible_to(charlie).filter(pk=interaction.pk).exists()
    # …it is read on the record's own page, which checks the record's visibility first.
    assert [e.source_id for e in timeline_for_record(record).items] == [interaction.pk]


def test_a_call_on_a_record_follows_its_persons_visibility(alice, charlie, person, record):
    interaction = interaction_create(actor=alice, data=CALL, person=person, about=record)

    assert interactions_visible_to(alice).filter(pk=interaction.pk).exists()
    assert not interactions_visible_to(charlie).filter(pk=interaction.pk).exists()


def test_editing_an_interaction_keeps_what_it_was_about(alice, person, record):
    interaction = interaction_create(actor=alice, data=CALL, person=person, about=record)

    interaction_update(actor=alice, interaction=interaction, data={"subject": "改期"})

    entry = TimelineEntry.objects.get(source_type="interaction", source_id=interaction.pk)
    assert (entry.title, entry.data["about_label"]) == ("改期", "年度茶叶采购")
    assert entry.about_id == record.pk


def test_deleting_a_records_activity_keeps_what_is_on_a_customers_timeline(alice, person, record):
    on_person = interaction_create(actor=alice, data=CALL, person=person, about=record)
    alone = interaction_create(actor=alice, data=CALL, about=record)
    timeline_add(kind="deal.created", title="", about=record)

    record_activity_delete(record=record)

    assert list(Interaction.objects.values_list("pk", flat=True)) == [on_person.pk]
    assert not TimelineEntry.objects.filter(source_type="interaction", source_id=alone.pk)
    remaining = TimelineEntry.objects.filter(about_id=record.pk)
    assert [e.person_id for e in remaining] == [person.pk]


def test_the_migration_links_the_entries_sales_wrote_about_a_deal(person):
    # Entries written before the link existed: a deal's, and an order's that must stay as it is
    deal_entry = timeline_add(
        kind="deal.created", title="", person_id=person.pk, source_type="deal", source_id=7
    )
    order_entry = timeline_add(
        kind="order.placed", title="", person_id=person.pk, source_type="order", source_id=7
    )
    migration = importlib.import_module(
        "rapport.activities.migrations.0003_interaction_and_timeline_about"
    )

    migration.link_deal_entries(django_apps, None)

    deal_entry.refresh_from_db()
    order_entry.refresh_from_db()
    assert (deal_entry.about_type.app_label, deal_entry.about_type.model) == ("sales", "deal")
    assert deal_entry.about_id == 7
    assert order_entry.about_type is None
