"""Keyset pagination over rows whose sort values repeat."""

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from rapport.accounts.models import Team
from rapport.core.errors import ApplicationError
from rapport.core.pagination import keyset_page


@pytest.fixture
def teams_with_equal_timestamps(db):
    """Eleven teams whose `created_at` takes only three distinct values."""
    base = timezone.now().replace(microsecond=0)
    teams = [Team.objects.create(name=f"team-{i:02d}") for i in range(11)]
    for i, team in enumerate(teams):
        Team.objects.filter(pk=team.pk).update(created_at=base + datetime.timedelta(seconds=i % 3))
    return Team.objects.all()


def _walk_forward(qs, sort, size):
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, sort=sort, cursor=cursor, size=size)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "name", "-name"])
def test_walking_forward_visits_every_row_once_in_order(teams_with_equal_timestamps, sort):
    # Given rows with duplicate sort values
    qs = teams_with_equal_timestamps
    expected = list(qs.order_by(sort, "-pk" if sort.startswith("-") else "pk"))

    # When walking every page forward
    pages = _walk_forward(qs, sort, size=4)

    # Then each row appears exactly once, in (sort, id) order
    seen = [team for page in pages for team in page.items]
    assert seen == expected
    assert [len(p.items) for p in pages] == [4, 4, 3]


@pytest.mark.parametrize("sort", ["created_at", "-created_at"])
def test_walking_back_returns_the_same_pages(teams_with_equal_timestamps, sort):
    # Given the pages reached by walking forward
    qs = teams_with_equal_timestamps
    forward = _walk_forward(qs, sort, size=4)

    # When walking back from the last page with prev cursors
    back = [forward[-1]]
    while back[-1].prev_cursor:
        back.append(keyset_page(qs, sort=sort, cursor=back[-1].prev_cursor, size=4))

    # Then the pages are the forward pages in reverse, with no gap or repeat
    assert [[t.pk for t in p.items] for p in reversed(back)] == [
        [t.pk for t in p.items] for p in forward
    ]


def test_first_page_has_no_previous_and_last_page_has_no_next(teams_with_equal_timestamps):
    first = keyset_page(teams_with_equal_timestamps, sort="-created_at", size=4)
    assert first.prev_cursor is None
    assert first.next_cursor is not None

    everything = keyset_page(teams_with_equal_timestamps, sort="-created_at", size=100)
    assert everything.next_cursor is None
    assert everything.prev_cursor is None
    assert len(everything.items) == 11


def test_previous_page_of_the_second_page_is_the_first_page(teams_with_equal_timestamps):
    qs = teams_with_equal_timestamps
    first = keyset_page(qs, sort="created_at", size=5)
    second = keyset_page(qs, sort="created_at", cursor=first.next_cursor, size=5)

    back = keyset_page(qs, sort="created_at", cursor=second.prev_cursor, size=5)

    assert back.items == first.items
    assert back.prev_cursor is None
    assert back.next_cursor is not None


def test_empty_queryset_gives_an_empty_page(db):
    page = keyset_page(Team.objects.all(), sort="-updated_at")
    assert page.items == []
    assert page.next_cursor is None
    assert page.prev_cursor is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!!",
        "bm90IGpzb24",  # "not json"
        "WzEsMiwzXQ",  # [1,2,3]: a bad direction
        "WyJ4IiwgIm9uZSIsICJuZXh0Il0",  # ["x", "one", "next"]: id is not an int
        "WyJub3QgYSBkYXRlIiwgMSwgIm5leHQiXQ",  # ["not a date", 1, "next"]
    ],
)
def test_invalid_cursor_raises_application_error(teams_with_equal_timestamps, cursor):
    with pytest.raises(ApplicationError) as excinfo:
        keyset_page(teams_with_equal_timestamps, sort="-created_at", cursor=cursor)
    assert excinfo.value.code == "invalid_cursor"
    assert excinfo.value.status == 400


def test_a_page_is_one_query_whatever_the_table_size(
    teams_with_equal_timestamps, django_assert_num_queries
):
    first = keyset_page(teams_with_equal_timestamps, sort="name", size=3)
    with django_assert_num_queries(1):
        keyset_page(teams_with_equal_timestamps, sort="name", cursor=first.next_cursor, size=3)


# Overlapping parts, as "mine OR my team's" overlap: ids divisible by 2, ids divisible by 3.
def _parts(qs):
    ids = list(qs.values_list("pk", flat=True))
    return [Q(pk__in=[i for i in ids if i % 2 == 0]), Q(pk__in=[i for i in ids if i % 3 == 0])]


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "name", "-name"])
def test_paging_through_overlapping_partitions_matches_the_plain_union(
    teams_with_equal_timestamps, sort
):
    # Given the union of two overlapping parts, with repeated sort values
    parts = _parts(teams_with_equal_timestamps)
    union = teams_with_equal_timestamps.filter(parts[0] | parts[1])
    expected = [t.pk for t in union.order_by(sort, "-pk" if sort.startswith("-") else "pk")]

    # When walking every page forward with the parts named, then back again
    forward, cursor = [], None
    while True:
        page = keyset_page(union, sort=sort, cursor=cursor, size=2, partitions=parts)
        forward.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    back = [forward[-1]]
    while back[-1].prev_cursor:
        back.append(
            keyset_page(union, sort=sort, cursor=back[-1].prev_cursor, size=2, partitions=parts)
        )

    # Then each row is shown once, in the same order as a plain page of the union, both ways
    assert [t.pk for p in forward for t in p.items] == expected
    assert [t.pk for p in reversed(back) for t in p.items] == expected


def test_a_partitioned_page_is_one_query_per_part_plus_one(
    teams_with_equal_timestamps, django_assert_num_queries
):
    parts = _parts(teams_with_equal_timestamps)
    with django_assert_num_queries(3):
        keyset_page(teams_with_equal_timestamps, sort="name", size=3, partitions=parts)
