"""Reads of interactions and timelines."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.activities.selectors import (
    get_interaction_for_user,
    interactions_list,
    interactions_visible_to,
    timeline_for_company,
    timeline_for_person,
)
from rapport.activities.services import interaction_create, timeline_add
from rapport.core.errors import ApplicationError, NotFound
from rapport.customers.services import company_create, person_create


def _call(subject="通话", **extra):
    return {"channel": "call", "subject": subject, **extra}


@pytest.fixture
def east_person(alice):
    return person_create(actor=alice, data={"full_name": "张伟"})


@pytest.fixture
def west_person(charlie):
    return person_create(actor=charlie, data={"full_name": "王芳"})


def test_interactions_follow_the_customers_visibility(
    alice, bob, charlie, diana, admin_user, east_person, west_person
):
    # Given one interaction with an East person and one with a West person
    east = interaction_create(actor=alice, data=_call("East call"), person=east_person)
    west = interaction_create(actor=charlie, data=_call("West call"), person=west_person)

    # Then each sees what they may see of the customer
    assert set(interactions_visible_to(alice)) == {east}
    assert set(interactions_visible_to(bob)) == {east}
    assert set(interactions_visible_to(diana)) == {east}
    assert set(interactions_visible_to(charlie)) == {west}
    assert set(interactions_visible_to(admin_user)) == {east, west}


def test_company_interactions_follow_the_companys_visibility(alice, charlie):
    company = company_create(actor=alice, data={"name": "明远"})
    interaction = interaction_create(actor=alice, data=_call(), company=company)

    assert list(interactions_visible_to(alice)) == [interaction]
    assert list(interactions_visible_to(charlie)) == []


def test_interaction_logged_by_someone_else_is_visible_through_the_customer(
    alice, bob, east_person
):
    interaction = interaction_create(actor=bob, data=_call(), person=east_person)
    assert get_interaction_for_user(alice, interaction.pk) == interaction


def test_another_teams_interaction_answers_not_found(alice, charlie, east_person):
    interaction = interaction_create(actor=alice, data=_call(), person=east_person)

    with pytest.raises(NotFound):
        get_interaction_for_user(charlie, interaction.pk)
    with pytest.raises(NotFound):
        get_interaction_for_user(charlie, 999999)


def test_interaction_becomes_invisible_when_its_customer_moves_team(
    admin_user, alice, charlie, east_person
):
    from rapport.customers.services import person_update

    interaction = interaction_create(actor=alice, data=_call(), person=east_person)
    person_update(actor=admin_user, person=east_person, data={"owner_id": charlie.pk}, version=None)

    assert list(interactions_visible_to(alice)) == []
    assert list(interactions_visible_to(charlie)) == [interaction]


def test_interactions_list_filters(alice, bob, east_person):
    other = person_create(actor=alice, data={"full_name": "李娜"})
    call = interaction_create(actor=alice, data=_call("报价电话"), person=east_person)
    email = interaction_create(
        actor=bob,
        data={"channel": "email", "subject": "合同", "direction": "inbound"},
        person=other,
    )

    assert list(interactions_list(alice, person_id=east_person.pk)) == [call]
    assert list(interactions_list(alice, channel="email")) == [email]
    assert list(interactions_list(alice, direction="inbound")) == [email]
    assert list(interactions_list(alice, logged_by_id=alice.pk)) == [call]
    assert list(interactions_list(alice, q="报价")) == [call]


def test_interactions_list_query_count_does_not_grow(
    alice, east_person, django_assert_max_num_queries
):
    for i in range(20):
        interaction_create(actor=alice, data=_call(f"call {i}"), person=east_person)

    with django_assert_max_num_queries(1):
        rows = list(interactions_list(alice)[:25])
        _ = [(r.person.full_name, r.company, r.logged_by.username) for r in rows]

    assert len(rows) == 20


# --- Timeline pagination ----------------------------------------------------------------------


def _walk(fetch, size):
    pages, cursor = [], None
    while True:
        page = fetch(cursor=cursor, size=size)
        pages.append(page)
        if not page.next_cursor:
            return pages
        cursor = page.next_cursor


@pytest.fixture
def crowded_timeline(alice, east_person):
    """13 entries besides "record created", several sharing the same timestamp."""
    base = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    for i in range(13):
        timeline_add(
            kind="note",
            title=f"entry {i}",
            person_id=east_person.pk,
            occurred_at=base + datetime.timedelta(minutes=i // 4),
            actor_id=alice.pk,
        )
    return east_person


def test_timeline_is_newest_first(alice, east_person):
    base = timezone.now() - datetime.timedelta(days=10)
    for days in (3, 1, 2):
        interaction_create(
            actor=alice,
            data=_call(f"day {days}", occurred_at=base + datetime.timedelta(days=days)),
            person=east_person,
        )

    titles = [e.display_title for e in timeline_for_person(east_person).items]

    assert titles == ["Record created", "day 3", "day 2", "day 1"]


def test_timeline_pages_neither_skip_nor_repeat_entries_with_equal_timestamps(crowded_timeline):
    # When walking the timeline 3 entries at a time
    pages = _walk(lambda **kw: timeline_for_person(crowded_timeline, **kw), size=3)

    # Then every entry appears exactly once, newest first, ties broken by id
    seen = [e.pk for p in pages for e in p.items]
    expected = list(
        TimelineEntry.objects.filter(person=crowded_timeline)
        .order_by("-occurred_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == 14


def test_timeline_cursor_is_stable_when_new_entries_arrive(alice, crowded_timeline):
    # Given the first page was read
    first = timeline_for_person(crowded_timeline, size=5)

    # When a new entry arrives before the next page is read
    timeline_add(kind="note", title="newer", person_id=crowded_timeline.pk)
    second = timeline_for_person(crowded_timeline, cursor=first.next_cursor, size=5)

    # Then the second page continues where the first stopped
    first_ids = [e.pk for e in first.items]
    second_ids = [e.pk for e in second.items]
    assert not set(first_ids) & set(second_ids)
    expected = list(
        TimelineEntry.objects.filter(person=crowded_timeline)
        .exclude(title="newer")
        .order_by("-occurred_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert first_ids + second_ids == expected[:10]


def test_timeline_previous_cursor_returns_the_previous_page(crowded_timeline):
    first = timeline_for_person(crowded_timeline, size=4)
    second = timeline_for_person(crowded_timeline, cursor=first.next_cursor, size=4)

    back = timeline_for_person(crowded_timeline, cursor=second.prev_cursor, size=4)

    assert [e.pk for e in back.items] == [e.pk for e in first.items]


def test_timeline_with_a_bad_cursor_is_refused(crowded_timeline):
    with pytest.raises(ApplicationError) as excinfo:
        timeline_for_person(crowded_timeline, cursor="garbage")
    assert excinfo.value.code == "invalid_cursor"


def test_timeline_page_is_a_fixed_number_of_queries(crowded_timeline, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = timeline_for_person(crowded_timeline, size=10)
        _ = [(e.display_title, e.actor and e.actor.username) for e in page.items]


def test_company_timeline_shows_its_interactions_and_its_own_entries(alice, east_person):
    company = company_create(actor=alice, data={"name": "明远"})
    interaction_create(actor=alice, data=_call("公司拜访"), company=company)

    titles = [e.display_title for e in timeline_for_company(company, viewer=alice).items]

    assert titles == ["公司拜访", "Record created"]
    assert timeline_for_person(east_person).items[0].display_title == "Record created"
