"""Reads of persons and companies: scoped by visibility, filtered, in a fixed number of queries."""

import pytest

from rapport.core.errors import NotFound
from rapport.core.pagination import keyset_page
from rapport.customers.selectors import (
    PERSON_SORTS,
    CustomerFilters,
    companies_list,
    company_detail,
    company_people,
    custom_fields_for,
    get_company_for_user,
    get_custom_field,
    get_person_for_user,
    get_tag,
    person_detail,
    persons_list,
    persons_visible_to,
    tags_all,
)
from rapport.customers.services import (
    company_create,
    custom_field_create,
    custom_field_update,
    person_create,
    tag_create,
)


@pytest.fixture
def vip(alice):
    return tag_create(actor=alice, data={"name": "VIP"})


@pytest.fixture
def custom_fields(admin_user):
    def define(key, field_type, **extra):
        return custom_field_create(
            actor=admin_user,
            data={
                "record_type": "person",
                "key": key,
                "label": key,
                "field_type": field_type,
                **extra,
            },
        )

    return [
        define("wechat", "text"),
        define("budget", "number"),
        define("first_met", "date"),
        define("level", "choice", choices=["A", "B"]),
        define("interests", "multi_choice", choices=["tea", "coffee", "wine"]),
        define("vip", "boolean"),
    ]


def _names(qs) -> set[str]:
    return {p.full_name for p in qs}


def test_get_person_for_user_answers_not_found_for_another_teams_person(alice, charlie):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    assert get_person_for_user(alice, person.pk) == person
    with pytest.raises(NotFound) as excinfo:
        get_person_for_user(charlie, person.pk)
    assert excinfo.value.status == 404


def test_missing_and_hidden_persons_answer_the_same(charlie):
    with pytest.raises(NotFound) as missing:
        get_person_for_user(charlie, 999999)
    assert missing.value.code == "not_found"


def test_get_company_for_user_answers_not_found_for_another_teams_company(alice, charlie):
    company = company_create(actor=alice, data={"name": "明远"})

    assert get_company_for_user(alice, company.pk) == company
    with pytest.raises(NotFound):
        get_company_for_user(charlie, company.pk)
    with pytest.raises(NotFound):
        company_detail(charlie, company.pk)


def test_person_detail_answers_not_found_for_another_team(alice, charlie):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    with pytest.raises(NotFound):
        person_detail(charlie, person.pk)


def test_lists_show_only_visible_records(alice, bob, charlie, diana, admin_user):
    person_create(actor=alice, data={"full_name": "East 1"})
    person_create(actor=bob, data={"full_name": "East 2"})
    person_create(actor=charlie, data={"full_name": "West 1"})
    company_create(actor=charlie, data={"name": "West Co"})

    assert _names(persons_list(alice, CustomerFilters())) == {"East 1", "East 2"}
    assert _names(persons_list(diana, CustomerFilters())) == {"East 1", "East 2"}
    assert _names(persons_list(charlie, CustomerFilters())) == {"West 1"}
    assert _names(persons_list(admin_user, CustomerFilters())) == {"East 1", "East 2", "West 1"}
    assert [c.name for c in companies_list(alice, CustomerFilters())] == []
    assert [c.name for c in companies_list(charlie, CustomerFilters())] == ["West Co"]


def test_person_list_filters_by_owner_tag_stage_region_and_source(alice, bob, vip):
    person_create(
        actor=alice,
        data={
            "full_name": "Match",
            "tag_ids": [vip.pk],
            "lifecycle_stage": "customer",
            "region": "上海",
            "source": "referral",
        },
    )
    person_create(actor=bob, data={"full_name": "Other"})

    def names(**filters):
        return _names(persons_list(alice, CustomerFilters(**filters)))

    assert names(owner_id=alice.pk) == {"Match"}
    assert names(team_id=alice.team_id) == {"Match", "Other"}
    assert names(tag_id=vip.pk) == {"Match"}
    assert names(lifecycle_stage="customer") == {"Match"}
    assert names(region="上海") == {"Match"}
    assert names(source="referral") == {"Match"}
    assert names(source="referral", owner_id=bob.pk) == set()


def test_region_defaults_from_the_first_address(alice):
    person_create(
        actor=alice,
        data={"full_name": "张伟", "addresses": [{"province": "浙江省", "city": "杭州市"}]},
    )
    regions = {p.region for p in persons_list(alice, CustomerFilters())}
    assert regions and "" not in regions


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("wechat", "ZW", {"A"}),
        ("budget", "5000", {"A"}),
        ("budget", "1.5", {"B"}),
        ("budget", "lots", set()),
        ("first_met", "2024-05-01", {"A"}),
        ("level", "B", {"B"}),
        ("interests", "coffee", {"B"}),
        ("interests", "tea", {"A", "B"}),
        ("vip", "true", {"A"}),
        ("vip", "false", {"B"}),
        ("unknown_key", "x", {"A", "B", "C"}),
        ("wechat", "", {"A", "B", "C"}),
    ],
)
def test_custom_field_filters(alice, custom_fields, key, value, expected):
    # Given A, B and C with different custom values (C has none)
    person_create(
        actor=alice,
        data={
            "full_name": "A",
            "custom": {
                "wechat": "zw_1990",
                "budget": 5000,
                "first_met": "2024-05-01",
                "level": "A",
                "interests": ["tea"],
                "vip": True,
            },
        },
    )
    person_create(
        actor=alice,
        data={
            "full_name": "B",
            "custom": {"budget": "1.5", "level": "B", "interests": ["tea", "coffee"], "vip": False},
        },
    )
    person_create(actor=alice, data={"full_name": "C"})

    # When filtering on one custom field
    found = _names(persons_list(alice, CustomerFilters(custom={key: value})))

    # Then only the matching persons are listed
    assert found == expected


def test_person_list_query_count_does_not_grow_with_rows(alice, vip, django_assert_max_num_queries):
    # Given 30 persons, each with a tag and a primary company
    company = company_create(actor=alice, data={"name": "明远"})
    for i in range(30):
        person_create(
            actor=alice,
            data={
                "full_name": f"客户{i}",
                "tag_ids": [vip.pk],
                "employments": [{"company_id": company.pk}],
            },
        )

    # When a page is read with everything its rows show
    with django_assert_max_num_queries(3):
        page = keyset_page(persons_list(alice, CustomerFilters()), sort="-updated_at", size=25)
        for person in page.items:
            _ = (person.owner.username, person.team.name, [t.name for t in person.tags.all()])
            _ = [e.company.name for e in person.primary_employments]

    # Then the page is full and shows the primary company
    assert len(page.items) == 25
    assert page.items[0].primary_employments[0].company == company


def test_company_list_query_count_does_not_grow_with_rows(
    alice, vip, django_assert_max_num_queries
):
    for i in range(30):
        company_create(actor=alice, data={"name": f"公司{i}", "tag_ids": [vip.pk]})

    with django_assert_max_num_queries(2):
        page = keyset_page(companies_list(alice, CustomerFilters()), sort="name", size=25)
        for company in page.items:
            _ = (company.owner.username, [t.name for t in company.tags.all()])

    assert len(page.items) == 25


@pytest.mark.parametrize("sort", PERSON_SORTS)
def test_every_person_sort_pages_through_every_row(alice, sort):
    for name in ["b", "a", "c", "a", "b"]:
        person_create(actor=alice, data={"full_name": name})
    qs = persons_list(alice, CustomerFilters())

    seen, cursor = [], None
    while True:
        page = keyset_page(qs, sort=sort, cursor=cursor, size=2)
        seen += [p.pk for p in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert sorted(seen) == sorted(qs.values_list("pk", flat=True))
    assert len(seen) == 5


def test_person_detail_loads_everything_in_a_fixed_number_of_queries(
    alice, vip, django_assert_max_num_queries
):
    company = company_create(actor=alice, data={"name": "明远"})
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "tag_ids": [vip.pk],
            "phones": [{"number": "13800138000"}, {"number": "13900139000"}],
            "emails": [{"email": "a@example.cn"}, {"email": "b@example.cn"}],
            "addresses": [{"city": "上海"}, {"city": "北京"}],
            "employments": [{"company_id": company.pk, "job_title": "经理"}],
        },
    )

    with django_assert_max_num_queries(7):
        detail = person_detail(alice, person.pk)
        _ = (detail.owner.username, detail.team.name)
        _ = [t.name for t in detail.tags.all()]
        _ = [p.number for p in detail.phones.all()]
        _ = [e.email for e in detail.emails.all()]
        _ = [a.city for a in detail.addresses.all()]
        _ = [e.company.name for e in detail.employments.all()]

    assert [p.is_primary for p in detail.phones.all()] == [True, False]


def test_company_people_lists_only_people_the_user_may_see(alice, charlie, admin_user):
    # Given an East company employing an East person and a West person
    company = company_create(actor=alice, data={"name": "明远"})
    person_create(
        actor=alice, data={"full_name": "East person", "employments": [{"company_id": company.pk}]}
    )
    person_create(
        actor=admin_user,
        data={
            "full_name": "West person",
            "owner_id": charlie.pk,
            "employments": [{"company_id": company.pk}],
        },
    )

    # Then alice sees only East's person among its people
    assert [e.person.full_name for e in company_people(alice, company)] == ["East person"]
    assert {e.person.full_name for e in company_people(admin_user, company)} == {
        "East person",
        "West person",
    }


def test_persons_visible_to_is_a_queryset_others_can_build_on(alice, charlie):
    person_create(actor=alice, data={"full_name": "张伟"})
    assert persons_visible_to(charlie).filter(full_name="张伟").count() == 0
    assert persons_visible_to(alice).filter(full_name="张伟").count() == 1


def test_tags_are_shared_by_everyone(alice, charlie, vip):
    assert list(tags_all()) == [vip]
    assert get_tag(vip.pk) == vip
    with pytest.raises(NotFound):
        get_tag(999999)


def test_custom_fields_for_lists_active_definitions_in_order(admin_user, custom_fields):
    custom_field_update(actor=admin_user, definition=custom_fields[0], data={"is_active": False})

    active = custom_fields_for("person")
    everything = custom_fields_for("person", active_only=False)

    assert "wechat" not in [d.key for d in active]
    assert everything[0].key == "wechat"
    assert custom_fields_for("company") == []
    assert get_custom_field(custom_fields[1].pk).key == "budget"
    with pytest.raises(NotFound):
        get_custom_field(999999)
