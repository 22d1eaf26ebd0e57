"""Duplicate detection without the database: normalising, blocking, scoring and its reasons,
and precision and recall on seeded labelled data with realistic errors."""

import pytest

from rapport.dataio.demo import dedup_testdata
from rapport.dataio.services.dedup.blocking import candidate_pairs
from rapport.dataio.services.dedup.companies import company_profile, score_company_pair
from rapport.dataio.services.dedup.matching import find_duplicates
from rapport.dataio.services.dedup.normalize import (
    company_key,
    email_key,
    name_key,
    name_tokens,
    phone_key,
)
from rapport.dataio.services.dedup.scoring import CANDIDATE_MIN_SCORE, profile, score_pair


def _codes(reasons) -> list[str]:
    return [code for code, _points, _params in reasons]


# --- Normalising ---------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["张伟", "張偉", "Zhang Wei", "Wei Zhang", "ZHANG wei"])
def test_a_chinese_name_in_any_script_or_order_has_one_key(written):
    assert name_key(name_tokens(written)[1]) == "weizhang"


def test_nicknames_become_the_canonical_given_name():
    assert name_tokens("Bob Smith")[1] == ("robert", "smith")


@pytest.mark.parametrize(
    "typed",
    ["138-0013-8000", "+86 138 0013 8000", "0086 13800138000", "13800138000", "(+86) 13800138000"],
)
def test_phone_formats_of_one_number_share_a_key(typed):
    assert phone_key(typed) == "+8613800138000"


def test_email_key_ignores_case_and_spaces():
    assert email_key(" Zhang.Wei@QQ.com ") == "zhang.wei@qq.com"


def test_company_key_drops_legal_suffix_and_traditional_characters():
    assert company_key("華信科技有限公司") == company_key("华信科技")


# --- Blocking ------------------------------------------------------------------------------------


def test_blocking_finds_a_shared_phone_and_compares_far_fewer_than_all_pairs():
    records = dedup_testdata.generate(1000, seed=3)
    profiles = [dedup_testdata.record_profile(r) for r in records]
    profiles.append(profile(id=10_001, full_name="欧阳娜娜", phones=["+8613800138000"]))
    profiles.append(profile(id=10_002, full_name="Nana Ouyang", phones=["+8613800138000"]))
    n = len(profiles)

    pairs = set(candidate_pairs(profiles))

    assert (n - 2, n - 1) in pairs
    assert len(pairs) < 15 * n  # against n²/2 ≈ 700 n


def test_blocking_skips_an_oversized_block_of_a_shared_switchboard():
    profiles = [
        profile(id=i, full_name=f"Person{i} Name{i}", phones=["+861088888888"]) for i in range(60)
    ]

    assert not any(True for _ in candidate_pairs(profiles))


# --- Scoring -------------------------------------------------------------------------------------


def test_same_person_in_pinyin_with_same_phone_scores_high_with_reasons():
    a = profile(id=1, full_name="李晓明", phones=["+8613800138000"], birthday="1990-01-02")
    b = profile(id=2, full_name="Xiaoming Li", phones=["+8613800138000"], birthday="1990-01-02")

    score, reasons = score_pair(a, b)

    assert score >= 90
    assert _codes(reasons) == ["name_variant", "phone_same", "birthday_same"]


def test_two_zhang_weis_with_different_phones_are_kept_apart():
    a = profile(id=1, full_name="张伟", phones=["+8613800138000"], city="北京")
    b = profile(id=2, full_name="张伟", phones=["+8613911112222"], city="北京")

    score, reasons = score_pair(a, b)

    assert score < CANDIDATE_MIN_SCORE
    assert "common_name_phones_differ" in _codes(reasons)


def test_different_birthdays_veto_a_match_despite_a_shared_phone():
    a = profile(id=1, full_name="王小红", phones=["+8613800138000"], birthday="1960-03-01")
    b = profile(id=2, full_name="王小红", phones=["+8613800138000"], birthday="1992-07-09")

    score, reasons = score_pair(a, b)

    assert score < CANDIDATE_MIN_SCORE
    assert "birthday_different" in _codes(reasons)


def test_a_shared_team_mailbox_is_weak_evidence():
    a = profile(id=1, full_name="刘洋", phones=["+8613800138000"], emails=["info@acme.cn"])
    b = profile(id=2, full_name="刘洋", phones=["+8613911112222"], emails=["info@acme.cn"])

    score, reasons = score_pair(a, b)

    assert score < CANDIDATE_MIN_SCORE
    assert "mailbox_same" in _codes(reasons)


def test_a_typo_in_the_pinyin_of_a_chinese_name_is_still_the_name():
    a = profile(id=1, full_name="侯玲玲", phones=["+8615555611729"])
    b = profile(id=2, full_name="Hou Lnigling", phones=["+8615555611729"])

    score, reasons = score_pair(a, b)

    assert score >= CANDIDATE_MIN_SCORE
    assert _codes(reasons)[0] == "name_similar"


def test_companies_with_one_name_in_two_scripts_of_one_city_match():
    a = company_profile(id=1, name="華信科技有限公司", phone="010-88886666", city="北京")
    b = company_profile(id=2, name="华信科技", phone="+861088886666", city="北京")

    score, reasons = score_company_pair(a, b)

    assert score >= 90
    assert _codes(reasons) == ["name_same", "phone_same", "city_same"]


def test_branches_of_a_chain_in_different_cities_do_not_match():
    a = company_profile(id=1, name="东方贸易有限公司", city="北京")
    b = company_profile(id=2, name="东方贸易有限公司", city="上海")

    assert score_company_pair(a, b)[0] < CANDIDATE_MIN_SCORE


# --- Quality on labelled data --------------------------------------------------------------------


@pytest.mark.parametrize("seed", [7, 2024])
def test_precision_and_recall_on_labelled_data_meet_the_targets(seed):
    records = dedup_testdata.generate(3000, seed=seed)
    truth = dedup_testdata.true_pairs(records)
    profiles = [dedup_testdata.record_profile(r) for r in records]

    found = set(find_duplicates(profiles))

    true_positives = len(found & truth)
    assert len(truth) > 1000  # thousands of records, over a thousand duplicate pairs
    assert true_positives / len(found) >= 0.98
    assert true_positives / len(truth) >= 0.95


def test_labelled_data_holds_the_hard_cases():
    records = dedup_testdata.generate(3000, seed=7)
    errors = {e for r in records for e in r.errors}
    zhang_weis = [r for r in records if r.full_name == "张伟"]

    assert {"typo", "traditional", "pinyin", "nickname", "swapped", "phone_format"} <= errors
    assert len({r.entity for r in zhang_weis}) > 5  # many different people named 张伟
