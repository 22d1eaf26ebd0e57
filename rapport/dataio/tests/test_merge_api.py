"""The merge endpoints: merge persons and companies, list, undo; errors as 4xx bodies."""

import pytest

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create, person_create
from rapport.dataio.services.dedup.merge import person_merge


@pytest.fixture
def pair(alice):
    survivor = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江"})
    other = person_create(actor=alice, data={"full_name": "张 伟", "region": "上海"})
    return survivor, other


def test_merge_persons_answers_the_merge(alice, pair):
    survivor, other = pair

    response = client_for(alice).post(
        "/merges/persons",
        {"survivor_id": survivor.pk, "other_id": other.pk, "choices": {"region": "survivor"}},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["survivor_id"], body["other_id"], body["record_type"]) == (
        survivor.pk,
        other.pk,
        "person",
    )
    assert body["choices"]["region"] == "survivor"
    assert body["can_undo"] is True
    assert Person.objects.get(pk=survivor.pk).region == "浙江"
    assert not Person.objects.filter(pk=other.pk).exists()


def test_merge_companies(alice):
    survivor = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    other = company_create(actor=alice, data={"name": "东方贸易"})

    response = client_for(alice).post(
        "/merges/companies", {"survivor_id": survivor.pk, "other_id": other.pk}
    )

    assert response.status_code == 201
    assert list(Company.objects.values_list("pk", flat=True)) == [survivor.pk]


def test_the_same_id_twice_is_a_validation_error(alice, pair):
    survivor, _other = pair

    response = client_for(alice).post(
        "/merges/persons", {"survivor_id": survivor.pk, "other_id": survivor.pk}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "other_id" in response.json()["details"]


def test_unknown_id_is_not_found(alice, pair):
    survivor, _other = pair

    response = client_for(alice).post(
        "/merges/persons", {"survivor_id": survivor.pk, "other_id": 999999}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_bad_choice_field_names_the_field(alice, pair):
    survivor, other = pair

    response = client_for(alice).post(
        "/merges/persons",
        {"survivor_id": survivor.pk, "other_id": other.pk, "choices": {"salary": "other"}},
    )

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"choices.salary"}
    assert Person.objects.filter(pk=other.pk).exists()


def test_unknown_input_key_is_refused(alice, pair):
    survivor, other = pair

    response = client_for(alice).post(
        "/merges/persons", {"survivor_id": survivor.pk, "other_id": other.pk, "keep": "all"}
    )

    assert response.status_code == 422


def test_stale_version_is_a_conflict(alice, pair):
    survivor, other = pair

    response = client_for(alice).post(
        "/merges/persons",
        {"survivor_id": survivor.pk, "other_id": other.pk, "survivor_version": 7},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_another_teams_person_answers_404(alice, charlie, pair):
    survivor, _other = pair
    west = person_create(actor=charlie, data={"full_name": "Emily Carter"})

    as_charlie = client_for(charlie).post(
        "/merges/persons", {"survivor_id": west.pk, "other_id": survivor.pk}
    )
    as_alice = client_for(alice).post(
        "/merges/persons", {"survivor_id": survivor.pk, "other_id": west.pk}
    )

    assert (as_charlie.status_code, as_alice.status_code) == (404, 404)
    assert Person.objects.count() == 3


def test_list_shows_only_merges_of_visible_records(alice, charlie, pair):
    survivor, other = pair
    person_merge(actor=alice, survivor=survivor, other=other)

    mine = client_for(alice).get("/merges").json()
    theirs = client_for(charlie).get("/merges").json()

    assert [m["other_id"] for m in mine["items"]] == [other.pk]
    assert theirs["items"] == []


def test_list_query_count_is_constant(alice, pair, django_assert_max_num_queries):
    survivor, other = pair
    person_merge(actor=alice, survivor=survivor, other=other)
    for i in range(5):
        a = person_create(actor=alice, data={"full_name": f"甲{i}"})
        b = person_create(actor=alice, data={"full_name": f"乙{i}"})
        person_merge(actor=alice, survivor=a, other=b)
    client = client_for(alice)

    with django_assert_max_num_queries(6):
        response = client.get("/merges")

    assert len(response.json()["items"]) == 6


def test_undo_brings_the_person_back(alice, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    client = client_for(alice)

    response = client.post(f"/merges/{merge.pk}/undo")

    assert response.status_code == 200
    assert response.json()["undone_at"] is not None
    assert response.json()["can_undo"] is False
    assert Person.objects.get(pk=other.pk).full_name == "张 伟"
    again = client.post(f"/merges/{merge.pk}/undo")
    assert again.status_code == 409


def test_undo_of_another_teams_merge_answers_404(alice, charlie, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)

    response = client_for(charlie).post(f"/merges/{merge.pk}/undo")

    assert response.status_code == 404
    assert not Person.objects.filter(pk=other.pk).exists()
