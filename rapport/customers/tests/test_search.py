"""One search box finds a customer by Chinese name, pinyin, English name, phone, email, company."""

import pytest

from rapport.customers.search import name_terms, query_prefixes
from rapport.customers.selectors import (
    CustomerFilters,
    companies_list,
    person_search_ids,
    persons_list,
)
from rapport.customers.services import company_create, person_create, person_update


@pytest.fixture
def people(alice, bob):
    """East's book: two different 张伟, 张小伟, an English name, and someone at 明远科技."""
    company = company_create(actor=alice, data={"name": "上海明远科技有限公司"})
    return {
        "zhang_xiaowei": person_create(
            actor=alice,
            data={
                "full_name": "张小伟",
                "phones": [{"number": "138 0013 5678"}],
                "emails": [{"email": "xiaowei.zhang@mingyuan.cn"}],
            },
        ),
        "zhang_wei_1": person_create(
            actor=alice, data={"full_name": "张伟", "phones": [{"number": "13911112222"}]}
        ),
        "zhang_wei_2": person_create(
            actor=bob, data={"full_name": "张伟", "phones": [{"number": "13733334444"}]}
        ),
        "emily": person_create(
            actor=alice,
            data={
                "full_name": "Emily Carter",
                "given_name": "Emily",
                "family_name": "Carter",
                "phones": [{"number": "+1 415 555 2671"}],
                "emails": [{"email": "emily.carter@example.com"}],
            },
        ),
        "li_na": person_create(
            actor=alice,
            data={"full_name": "李娜", "employments": [{"company_id": company.pk}]},
        ),
        "company": company,
    }


def _found(user, query) -> set[str]:
    return {p.full_name for p in persons_list(user, CustomerFilters(q=query))}


@pytest.mark.parametrize("query", ["张小", "小伟", "张小伟"])
def test_any_two_consecutive_chinese_characters_find_the_person(people, alice, query):
    assert "张小伟" in _found(alice, query)


@pytest.mark.parametrize("query", ["zhangxiaowei", "xiaowei", "ZhangXiaowei", "zhang xiao wei"])
def test_full_pinyin_finds_the_person(people, alice, query):
    assert "张小伟" in _found(alice, query)


@pytest.mark.parametrize("query", ["zxw", "xw", "ZXW"])
def test_pinyin_initials_find_the_person(people, alice, query):
    assert "张小伟" in _found(alice, query)


def test_two_letter_initials_find_a_two_character_name(people, alice):
    found = persons_list(alice, CustomerFilters(q="zw"))
    assert {p.pk for p in found} >= {people["zhang_wei_1"].pk, people["zhang_wei_2"].pk}


def test_two_people_with_the_same_name_are_both_found_as_two_persons(people, alice):
    # Given two different 张伟 (and 张小伟, whose name does not contain 张伟 consecutively)
    found = list(persons_list(alice, CustomerFilters(q="张伟")))

    # Then both are returned, once each
    assert sorted(p.pk for p in found) == sorted(
        [people["zhang_wei_1"].pk, people["zhang_wei_2"].pk]
    )


@pytest.mark.parametrize(
    "query", ["emily", "EMILY", "Carter", "carter", "Emily Carter", "carter emily", "emilycarter"]
)
def test_english_names_are_found_case_insensitively(people, alice, query):
    assert _found(alice, query) == {"Emily Carter"}


@pytest.mark.parametrize(
    "query", ["5678", "0013 5678", "138-0013-5678", "13800135678", "+86 138 0013 5678"]
)
def test_phone_tail_in_any_format_finds_the_person(people, alice, query):
    assert _found(alice, query) == {"张小伟"}


def test_foreign_phone_tail_finds_the_person(people, alice):
    assert _found(alice, "2671") == {"Emily Carter"}


@pytest.mark.parametrize(
    "query", ["xiaowei.zhang", "xiaowei.zhang@", "xiaowei.zhang@mingyuan.cn", "XIAOWEI.ZHANG"]
)
def test_email_prefix_finds_the_person(people, alice, query):
    assert _found(alice, query) == {"张小伟"}


def test_email_prefix_without_a_dot_finds_the_person(people, alice):
    assert "Emily Carter" in _found(alice, "emily.c")


@pytest.mark.parametrize(
    "query", ["明远", "明远科技", "科技有限", "mingyuan", "mingyuankeji", "myk"]
)
def test_company_name_finds_its_people(people, alice, query):
    assert "李娜" in _found(alice, query)


def test_company_search_finds_the_company_by_chinese_and_pinyin(people, alice):
    for query in ("明远", "mingyuan", "shmy"):
        assert [c.name for c in companies_list(alice, CustomerFilters(q=query))] == [
            "上海明远科技有限公司"
        ]


@pytest.mark.parametrize("query", ["张", "z", "5", "678", "138", " 张 "])
def test_too_short_query_finds_nothing(people, alice, query):
    assert _found(alice, query) == set()


def test_query_with_no_match_finds_nothing(people, alice):
    assert _found(alice, "王芳") == set()
    assert _found(alice, "9999") == set()


def test_search_never_returns_another_teams_person(people, charlie):
    # Given charlie (West) has his own 张伟
    person_create(actor=charlie, data={"full_name": "张伟", "phones": [{"number": "13655556666"}]})

    # When charlie searches for anything East has
    for query in ("张伟", "zw", "zhangwei", "张小伟", "5678", "emily", "明远", "xiaowei.zhang"):
        found = list(persons_list(charlie, CustomerFilters(q=query)))
        # Then he only ever sees his own
        assert all(p.owner == charlie for p in found), query

    assert _found(charlie, "张小伟") == set()
    assert _found(charlie, "明远") == set()
    assert len(_found(charlie, "张伟")) == 1


def test_other_teams_matches_do_not_crowd_out_a_reps_own(alice, charlie):
    # Given more 张伟 in the West team than one search returns, and one in alice's East team
    for _ in range(4):
        person_create(actor=charlie, data={"full_name": "张伟"})
    mine = person_create(actor=alice, data={"full_name": "张伟"})

    # When alice searches with a limit smaller than all the matches
    ids = person_search_ids(alice, "zhangwei", limit=2)

    # Then her own 张伟 is found: visibility is applied inside the bounded scan
    assert ids == [mine.pk]


def test_search_returns_at_most_the_limit_exact_names_first(alice):
    longer = [person_create(actor=alice, data={"full_name": f"张伟{c}"}) for c in "东南西北"]
    exact = person_create(actor=alice, data={"full_name": "张伟"})

    ids = person_search_ids(alice, "zhangwei", limit=3)

    assert len(ids) == 3
    assert ids[0] == exact.pk
    assert set(ids[1:]) <= {p.pk for p in longer}


def test_renamed_person_is_found_by_the_new_name_only(people, alice):
    person_update(
        actor=alice, person=people["zhang_xiaowei"], data={"full_name": "王芳"}, version=1
    )
    assert "王芳" in _found(alice, "wangfang")
    assert "王芳" not in _found(alice, "zhangxiaowei")


def test_search_does_not_grow_in_queries_with_results(people, alice, django_assert_max_num_queries):
    # The matching ids (person terms, company terms, their employees), then persons, tags and
    # primary companies: a fixed number of queries however many match.
    with django_assert_max_num_queries(6):
        found = list(persons_list(alice, CustomerFilters(q="zw")))
        for person in found:
            list(person.tags.all())
            _ = person.primary_employments


def test_name_terms_cover_suffixes_pinyin_and_initials():
    assert name_terms("张小伟") == {
        "n:张小伟",
        "n:小伟",
        "n:zhangxiaowei",
        "n:xiaowei",
        "n:wei",
        "n:zxw",
        "n:xw",
    }


def test_a_digit_query_scans_only_phone_terms():
    assert query_prefixes("8000") == ["p:0008"]
    assert query_prefixes("800") == []
    assert query_prefixes("a") == []
