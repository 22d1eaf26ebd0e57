import pytest

from rapport.customers.models import Person
from rapport.customers.services import custom_field_create, person_create, tag_create


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP", "color": "#ff0000"})


@pytest.fixture
def level_field(admin_user):
    return custom_field_create(
        actor=admin_user,
        data={
            "record_type": "person",
            "key": "level",
            "label": "Level",
            "field_type": "choice",
            "choices": ["gold", "silver"],
        },
    )


def test_create_person_with_contacts_returns_the_full_record(
    as_alice, alice, east, east_company, vip, level_field
):
    response = as_alice.post(
        "/persons",
        {
            "full_name": "李娜",
            "gender": "female",
            "birthday": "1990-05-01",
            "lifecycle_stage": "potential",
            "source": "referral",
            "phones": [{"number": "139 1234 5678", "label": "mobile"}],
            "emails": [{"email": "Li.Na@Example.com"}],
            "addresses": [{"province": "上海市", "city": "上海市", "street": "南京西路 1 号"}],
            "employments": [{"company_id": east_company.pk, "job_title": "总经理"}],
            "tag_ids": [vip.pk],
            "custom": {"level": "gold"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["full_name"] == "李娜"
    assert body["birthday"] == "1990-05-01"
    assert body["phones"] == [{"number": "+8613912345678", "label": "mobile", "is_primary": True}]
    assert body["emails"][0]["email"] == "li.na@example.com"
    assert body["addresses"][0]["province"] == "上海市"
    assert body["employments"] == [
        {
            "company_id": east_company.pk,
            "company_name": "东方贸易有限公司",
            "job_title": "总经理",
            "department": "",
            "is_primary": True,
        }
    ]
    assert body["tags"] == [{"id": vip.pk, "name": "VIP", "color": "#ff0000"}]
    assert body["custom"] == {"level": "gold"}
    assert body["owner"] == {"id": alice.pk, "name": "alice"}
    assert body["team"] == {"id": east.pk, "name": "East"}
    assert body["version"] == 1
    assert body["region"] == "上海市"
    assert {"created_at", "updated_at"} <= set(body)


def test_get_person_detail(as_alice, east_person):
    response = as_alice.get(f"/persons/{east_person.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == east_person.pk
    assert response.json()["primary_phone"] == "+8613800138000"


def test_teammate_sees_team_person(as_bob, east_person):
    assert as_bob.get(f"/persons/{east_person.pk}").status_code == 200


def test_patch_changes_only_the_fields_sent(as_alice, east_person):
    response = as_alice.patch(
        f"/persons/{east_person.pk}", {"lifecycle_stage": "customer", "version": 1}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["lifecycle_stage"] == "customer"
    assert body["full_name"] == "张伟"
    assert body["phones"][0]["number"] == "+8613800138000"
    assert body["version"] == 2


def test_patch_without_version_is_422_and_changes_nothing(as_alice, east_person):
    response = as_alice.patch(f"/persons/{east_person.pk}", {"notes": "喜欢喝茶"})

    assert response.status_code == 422
    assert response.json()["details"] == {"version": ["This field is required."]}
    assert Person.objects.get(pk=east_person.pk).notes == ""


def test_patch_with_stale_version_is_409_and_changes_nothing(as_alice, as_bob, east_person):
    as_bob.patch(f"/persons/{east_person.pk}", {"notes": "bob was here", "version": 1})

    response = as_alice.patch(f"/persons/{east_person.pk}", {"notes": "alice", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["details"] == {"current_version": 2, "your_version": 1}
    assert Person.objects.get(pk=east_person.pk).notes == "bob was here"


def test_delete_person(as_alice, east_person):
    response = as_alice.delete(f"/persons/{east_person.pk}")

    assert response.status_code == 204
    assert not Person.objects.filter(pk=east_person.pk).exists()
    assert as_alice.get(f"/persons/{east_person.pk}").status_code == 404


def test_missing_person_is_404(as_alice):
    response = as_alice.get("/persons/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_shows_primary_company_and_tags(as_alice, east_person, east_company):
    response = as_alice.get("/persons")

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["company"]["company_id"] == east_company.pk
    assert item["company"]["company_name"] == "东方贸易有限公司"
    assert item["tags"] == []


def test_list_filters_by_search_query(as_alice, alice):
    person_create(actor=alice, data={"full_name": "张伟"})
    person_create(actor=alice, data={"full_name": "王芳"})

    by_name = as_alice.get("/persons", {"q": "张伟"}).json()["items"]
    by_pinyin = as_alice.get("/persons", {"q": "wangfang"}).json()["items"]

    assert [p["full_name"] for p in by_name] == ["张伟"]
    assert [p["full_name"] for p in by_pinyin] == ["王芳"]


def test_list_filters_by_stage_tag_and_custom_field(as_alice, alice, vip, level_field):
    gold = person_create(
        actor=alice,
        data={
            "full_name": "金",
            "lifecycle_stage": "customer",
            "tag_ids": [vip.pk],
            "custom": {"level": "gold"},
        },
    )
    person_create(actor=alice, data={"full_name": "银", "custom": {"level": "silver"}})

    def ids(params):
        return [p["id"] for p in as_alice.get("/persons", params).json()["items"]]

    assert ids({"lifecycle_stage": "customer"}) == [gold.pk]
    assert ids({"tag_id": vip.pk}) == [gold.pk]
    assert ids({"cf_level": "gold"}) == [gold.pk]


def test_list_sorts_by_name(as_alice, alice):
    for name in ("Carol", "Alice", "Bob"):
        person_create(actor=alice, data={"full_name": name})

    response = as_alice.get("/persons", {"sort": "full_name"})

    assert [p["full_name"] for p in response.json()["items"]] == ["Alice", "Bob", "Carol"]


def test_list_with_unknown_sort_is_422(as_alice):
    response = as_alice.get("/persons", {"sort": "password"})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["sort"]


def test_list_with_unknown_stage_is_422(as_alice):
    response = as_alice.get("/persons", {"lifecycle_stage": "whale"})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["lifecycle_stage"]


def test_list_query_count_does_not_grow_with_page_size(
    as_alice, alice, east_company, vip, django_assert_max_num_queries
):
    for i in range(30):
        person_create(
            actor=alice,
            data={
                "full_name": f"Person {i}",
                "tag_ids": [vip.pk],
                "employments": [{"company_id": east_company.pk}],
            },
        )

    # key lookup, key last-used update, one bounded read per part of the visibility rule (own,
    # team), persons, tags, primary employments (+ companies joined)
    with django_assert_max_num_queries(7):
        small = as_alice.get("/persons", {"limit": 2})
    # The same without the last-used update, which is written at most once a minute.
    with django_assert_max_num_queries(6):
        large = as_alice.get("/persons", {"limit": 30})

    assert len(small.json()["items"]) == 2
    assert len(large.json()["items"]) == 30
