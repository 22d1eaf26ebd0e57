import pytest

from rapport.activities.services import interaction_create
from rapport.customers.models import Person
from rapport.customers.services import company_create, person_create


@pytest.fixture
def sixty_persons(alice):
    # Repeated names make the id tie-break matter when sorting by name.
    return [person_create(actor=alice, data={"full_name": f"客户 {i % 7}"}).pk for i in range(60)]


def walk_forward(client, path, params):
    ids, pages, cursor = [], 0, None
    while True:
        body = client.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        ids.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages, body


@pytest.mark.parametrize("sort", ["-updated_at", "updated_at", "full_name", "-full_name"])
def test_walking_all_pages_yields_every_person_once(as_alice, sixty_persons, sort):
    ids, pages, _last = walk_forward(as_alice, "/persons", {"limit": 25, "sort": sort})

    assert pages == 3
    assert len(ids) == 60
    assert set(ids) == set(sixty_persons)


def test_pages_follow_the_sort_order(as_alice, sixty_persons):
    ids, _pages, _last = walk_forward(as_alice, "/persons", {"limit": 25, "sort": "full_name"})

    expected = list(Person.objects.order_by("full_name", "pk").values_list("pk", flat=True))
    assert ids == expected


def test_walking_back_with_prev_cursor_returns_the_same_pages(as_alice, sixty_persons):
    first = as_alice.get("/persons", {"limit": 25}).json()
    second = as_alice.get("/persons", {"limit": 25, "cursor": first["next_cursor"]}).json()

    back = as_alice.get("/persons", {"limit": 25, "cursor": second["prev_cursor"]}).json()

    assert first["prev_cursor"] is None
    assert [p["id"] for p in back["items"]] == [p["id"] for p in first["items"]]


def test_response_has_no_total_count(as_alice, sixty_persons):
    body = as_alice.get("/persons", {"limit": 25}).json()

    assert set(body) == {"items", "next_cursor", "prev_cursor"}


def test_default_page_size_is_25(as_alice, sixty_persons):
    assert len(as_alice.get("/persons").json()["items"]) == 25


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjogMX0", "W1sxXSwgMSwgIm5leHQiXQ"])
def test_invalid_cursor_is_400(as_alice, sixty_persons, cursor):
    response = as_alice.get("/persons", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_companies_paginate(as_alice, alice):
    created = {company_create(actor=alice, data={"name": f"公司 {i}"}).pk for i in range(30)}

    ids, pages, _last = walk_forward(as_alice, "/companies", {"limit": 25})

    assert pages == 2
    assert set(ids) == created
    assert len(ids) == 30


def test_interactions_paginate_by_time(as_alice, alice, east_person):
    created = {
        interaction_create(
            actor=alice,
            person=east_person,
            data={"channel": "call", "subject": f"Call {i}", "occurred_at": "2026-01-01T09:00"},
        ).pk
        for i in range(30)
    }

    ids, pages, _last = walk_forward(as_alice, "/interactions", {"limit": 25})

    assert pages == 2
    assert set(ids) == created
    assert len(ids) == 30


def test_tags_paginate_by_name(as_alice, alice):
    for i in range(30):
        as_alice.post("/tags", {"name": f"tag-{i:02d}"})

    ids, pages, _last = walk_forward(as_alice, "/tags", {"limit": 25})

    assert pages == 2
    assert len(set(ids)) == 30


@pytest.mark.parametrize("path", ["/companies", "/interactions", "/tags"])
def test_list_query_count_is_fixed(
    as_alice, alice, east_person, path, django_assert_max_num_queries
):
    for i in range(12):
        company = company_create(actor=alice, data={"name": f"公司 {i}"})
        interaction_create(
            actor=alice, company=company, data={"channel": "visit", "subject": f"Visit {i}"}
        )
        as_alice.post("/tags", {"name": f"tag-{i}"})

    # Companies add one bounded read per part of the visibility rule (own, team) to the page.
    with django_assert_max_num_queries(6 if path == "/companies" else 4):
        response = as_alice.get(path, {"limit": 10})

    assert len(response.json()["items"]) == 10
