"""Merging two persons or two companies, and undoing it.

alice (East) owns 张伟 twice, as happens after an import; charlie (West) must never reach them.
"""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.activities.models import Interaction, Task, TimelineEntry
from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.core.errors import Conflict, NotFound, ValidationFailed
from rapport.customers.models import (
    Company,
    Employment,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
)
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    person_update,
    tag_create,
)
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, Merge, PersonMerge
from rapport.dataio.services.dedup.merge import (
    company_merge,
    merge_undo,
    person_merge,
    record_relations,
)
from rapport.sales.models import Deal, Instalment, Lead, Order, Payment
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads import lead_convert, lead_create
from rapport.sales.services.orders import order_create, payment_record


@pytest.fixture
def vip(admin_user):
    return custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "vip_level", "label": "VIP", "field_type": "text"},
    )


@pytest.fixture
def company(alice):
    return company_create(actor=alice, data={"name": "东方贸易有限公司"})


def _person(actor, name, **data):
    return person_create(actor=actor, data={"full_name": name, **data})


@pytest.fixture
def pair(alice, vip):
    """Two records of the same man: the survivor is older, the other was updated later."""
    survivor = _person(
        alice,
        "张伟",
        phones=[{"number": "13912345678"}],
        region="浙江",
        custom={"vip_level": "gold"},
    )
    other = _person(
        alice,
        "张 伟",
        phones=[{"number": "13800001111"}],
        emails=[{"email": "zhangwei@example.com"}],
        gender="male",
        region="上海",
        custom={"vip_level": "silver"},
    )
    return survivor, other


def _give_everything(alice, person, company):
    """One related row of each kind for `person`: interaction, lead, deal, order with payment
    and instalments, task, tag, company link."""
    interaction_create(actor=alice, person=person, data={"channel": "call", "subject": "询价"})
    deal = deal_create(actor=alice, data={"title": "年度采购", "person_id": person.pk})
    order = order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "lines": [{"description": "Tea", "quantity": 2, "unit_price": "100.00"}],
            "instalments": [
                {"due_date": "2027-02-10", "amount": "150.00"},
                {"due_date": "2027-01-10", "amount": "50.00"},
            ],
        },
    )
    payment_record(actor=alice, order=order, amount="60.00", method="alipay")
    task_create(actor=alice, data={"title": "回电话", "person_id": person.pk})
    task_create(actor=alice, data={"title": "关于他"}, subject=person)
    tag = tag_create(actor=alice, data={"name": "重要"})
    person.tags.add(tag)
    Employment.objects.create(person=person, company=company, job_title="采购", is_primary=True)
    phone = person.phones.first()
    lead = lead_create(actor=alice, data={"full_name": "张伟", "phone": phone.number})
    lead_convert(actor=alice, lead=lead, create_deal=False)
    return deal, order


def _pointing_at(model, pk) -> dict[str, int]:
    """How many rows of each relation point at record `pk`."""
    return {
        f"{f.model._meta.label_lower}.{f.name}": f.model._base_manager.filter(
            **{f.attname: pk}
        ).count()
        for f in record_relations(model)
    }


def _columns(record) -> dict:
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}


# --- Merging ------------------------------------------------------------------------------------


def test_every_related_row_moves_to_the_survivor(alice, pair, company):
    survivor, other = pair
    deal, order = _give_everything(alice, other, company)
    survivor_before, other_before = (_pointing_at(Person, p.pk) for p in (survivor, other))

    merge = person_merge(actor=alice, survivor=survivor, other=other)

    assert not Person.objects.filter(pk=other.pk).exists()
    assert all(n == 0 for n in _pointing_at(Person, other.pk).values())
    # Nothing was lost on the way (a cascade would also leave zero rows pointing at the other).
    expected = {k: survivor_before[k] + other_before[k] for k in survivor_before}
    expected["activities.timelineentry.person"] += 1  # the merge itself
    assert _pointing_at(Person, survivor.pk) == expected
    assert Task.objects.get(title="关于他").subject == survivor
    assert Interaction.objects.get(subject="询价").person_id == survivor.pk
    assert Deal.objects.get(pk=deal.pk).person_id == survivor.pk
    assert Order.objects.get(pk=order.pk).person_id == survivor.pk
    assert Payment.objects.filter(order=order).count() == 1
    assert Instalment.objects.filter(order=order).count() == 2
    assert Task.objects.get(title="回电话").person_id == survivor.pk
    assert Lead.objects.get().converted_person_id == survivor.pk
    assert list(survivor.tags.values_list("name", flat=True)) == ["重要"]
    assert Employment.objects.get(company=company).person_id == survivor.pk
    assert sorted(PersonPhone.objects.filter(person=survivor).values_list("number", flat=True)) == [
        "+8613800001111",
        "+8613912345678",
    ]
    assert PersonEmail.objects.get().person_id == survivor.pk
    assert merge.moved["activities.interaction.person"]
    assert merge.moved["customers.person_tags.person"]


def test_relations_cover_every_table_with_a_key_to_persons():
    # A table added later by any app is found without changing the merge.
    found = {(f.model, f.name) for f in record_relations(Person)}
    expected = {
        (m, f.name)
        for m in apps.get_models(include_auto_created=True)
        for f in m._meta.concrete_fields
        if f.is_relation
        and f.related_model is Person
        and not issubclass(m, Merge)
        and m.__name__ != "PersonSearchTerm"
    }
    assert expected <= found
    assert ("Order", "person") in {(m.__name__, n) for m, n in found}


def test_default_takes_the_most_recent_non_empty_value(alice, pair):
    survivor, other = pair

    person_merge(actor=alice, survivor=survivor, other=other)

    survivor.refresh_from_db()
    # The other was saved last: its name, region and custom value win; gender "unknown" is empty.
    assert survivor.full_name == "张 伟"
    assert survivor.region == "上海"
    assert survivor.gender == "male"
    assert survivor.primary_email == "zhangwei@example.com"
    assert survivor.custom == {"vip_level": "silver"}


def test_field_choices_pick_each_value(alice, pair):
    survivor, other = pair

    merge = person_merge(
        actor=alice,
        survivor=survivor,
        other=other,
        choices={"full_name": "survivor", "region": "survivor", "custom.vip_level": "survivor"},
    )

    survivor.refresh_from_db()
    assert (survivor.full_name, survivor.region, survivor.custom) == (
        "张伟",
        "浙江",
        {"vip_level": "gold"},
    )
    assert merge.choices["full_name"] == "survivor"
    assert merge.choices["gender"] == "other"


def test_chosen_primary_phone_becomes_the_only_primary(alice, pair):
    survivor, other = pair

    person_merge(actor=alice, survivor=survivor, other=other, choices={"primary_phone": "other"})

    survivor.refresh_from_db()
    assert survivor.primary_phone == "+8613800001111"
    primaries = PersonPhone.objects.filter(person=survivor, is_primary=True)
    assert list(primaries.values_list("number", flat=True)) == ["+8613800001111"]


def test_same_phone_and_tag_on_both_are_kept_once(alice, pair):
    survivor, other = pair
    tag = tag_create(actor=alice, data={"name": "老客户"})
    survivor.tags.add(tag)
    other.tags.add(tag)
    PersonPhone.objects.create(person=other, number="+8613912345678")

    merge = person_merge(actor=alice, survivor=survivor, other=other)

    assert list(survivor.tags.all()) == [tag]
    assert PersonPhone.objects.filter(person=survivor, number="+8613912345678").count() == 1
    assert {row["model"] for row in merge.dropped} == {
        "customers.person_tags",
        "customers.personphone",
    }


def test_merge_is_on_the_survivors_timeline_and_search_finds_the_new_phone(alice, pair):
    survivor, other = pair

    merge = person_merge(actor=alice, survivor=survivor, other=other)

    entry = TimelineEntry.objects.get(person=survivor, kind="record.merged")
    assert entry.source_id == merge.pk
    assert entry.display_title == f"Merged with 张 伟 (#{other.pk})"
    assert PersonSearchTerm.objects.filter(person=survivor, term="p:1111000083168").exists()


def test_merge_takes_the_version_seen(alice, pair):
    survivor, other = pair

    with pytest.raises(Conflict):
        person_merge(actor=alice, survivor=survivor, other=other, survivor_version=0)

    assert Person.objects.filter(pk=other.pk).exists()


def test_bad_choices_are_refused_by_field(alice, pair):
    survivor, other = pair

    with pytest.raises(ValidationFailed) as excinfo:
        person_merge(
            actor=alice,
            survivor=survivor,
            other=other,
            choices={"password": "other", "region": "both"},
        )

    assert set(excinfo.value.details) == {"choices.password", "choices.region"}


def test_a_record_cannot_be_merged_with_itself(alice, pair):
    survivor, _other = pair

    with pytest.raises(ValidationFailed):
        person_merge(actor=alice, survivor=survivor, other=survivor)


def test_another_teams_record_is_not_found(alice, charlie, pair):
    survivor, other = pair
    west = _person(charlie, "Emily Carter")

    with pytest.raises(NotFound):
        person_merge(actor=charlie, survivor=west, other=other)
    with pytest.raises(NotFound):
        person_merge(actor=alice, survivor=survivor, other=west)

    assert Person.objects.filter(pk__in=[other.pk, west.pk]).count() == 2


def test_query_count_does_not_grow_with_related_rows(alice, company):
    def merge_with(rows: int) -> int:
        survivor = _person(alice, "甲", phones=[{"number": "13900000001"}])
        other = _person(alice, "乙", phones=[{"number": "13900000002"}])
        for i in range(rows):
            interaction_create(
                actor=alice, person=other, data={"channel": "call", "subject": f"s{i}"}
            )
            task_create(actor=alice, data={"title": f"t{i}", "person_id": other.pk})
        with CaptureQueriesContext(connection) as queries:
            person_merge(actor=alice, survivor=survivor, other=other)
        return len(queries)

    merge_with(1)  # the first merge fills per-process caches (content types, the rules' triggers)
    assert merge_with(1) == merge_with(8)


def test_companies_merge_with_their_people_and_orders(alice):
    survivor = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    other = company_create(actor=alice, data={"name": "东方贸易", "website": "dongfang.cn"})
    linked_to_both = _person(
        alice, "王芳", employments=[{"company_id": other.pk, "is_primary": True}]
    )
    Employment.objects.create(person=linked_to_both, company=survivor)
    order = order_create(
        actor=alice,
        data={
            "company_id": other.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "9.00"}],
        },
    )

    merge = company_merge(actor=alice, survivor=survivor, other=other)

    assert not Company.objects.filter(pk=other.pk).exists()
    assert Order.objects.get(pk=order.pk).company_id == survivor.pk
    link = Employment.objects.get(person=linked_to_both)
    assert (link.company_id, link.is_primary) == (survivor.pk, True)
    survivor.refresh_from_db()
    assert survivor.website == "dongfang.cn"
    assert merge.record_type == "company"


# --- Undo ---------------------------------------------------------------------------------------


def test_undo_restores_exactly(alice, pair, company):
    survivor, other = pair
    _give_everything(alice, other, company)
    shared = tag_create(actor=alice, data={"name": "老客户"})
    survivor.tags.add(shared)
    other.tags.add(shared)
    survivor_pointing = _pointing_at(Person, survivor.pk)
    other_pointing = _pointing_at(Person, other.pk)
    survivor_columns = _columns(Person.objects.get(pk=survivor.pk))
    other_columns = _columns(Person.objects.get(pk=other.pk))
    phones = set(PersonPhone.objects.values_list("pk", "person_id", "number", "is_primary"))
    links = set(Person.tags.through.objects.values_list("pk", "person_id", "tag_id"))
    merge = person_merge(actor=alice, survivor=survivor, other=other)

    merge_undo(actor=alice, merge=merge)

    restored = Person.objects.get(pk=other.pk)
    assert _columns(restored) == other_columns
    after = _columns(Person.objects.get(pk=survivor.pk))
    assert after.pop("version") == survivor_columns.pop("version") + 2
    after.pop("updated_at"), survivor_columns.pop("updated_at")
    assert after == survivor_columns
    merged_entries = {"activities.timelineentry.person": 2}  # the merge and its undo
    assert _pointing_at(Person, other.pk) == other_pointing
    assert {
        k: v - merged_entries.get(k, 0) for k, v in _pointing_at(Person, survivor.pk).items()
    } == survivor_pointing
    assert set(PersonPhone.objects.values_list("pk", "person_id", "number", "is_primary")) == (
        phones
    )
    assert set(Person.tags.through.objects.values_list("pk", "person_id", "tag_id")) == links
    assert PersonSearchTerm.objects.filter(person=restored, term="p:1111000083168").exists()
    merge.refresh_from_db()
    assert (merge.undone_by, merge.is_undone) == (alice, True)
    assert TimelineEntry.objects.filter(person=survivor, kind="record.merge_undone").exists()


def test_undo_gives_moved_orders_back_their_owner(alice, bob, pair):
    survivor, other = pair
    person_update(actor=alice, person=survivor, data={"owner_id": bob.pk}, version=None)
    order = order_create(
        actor=alice,
        data={
            "person_id": other.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "9.00"}],
        },
    )
    merge = person_merge(actor=alice, survivor=survivor, other=other, choices={"owner": "survivor"})
    assert Order.objects.get(pk=order.pk).owner == bob

    merge_undo(actor=alice, merge=merge)

    assert Order.objects.get(pk=order.pk).owner == alice


def test_the_survivors_own_orders_follow_the_chosen_owner(alice, bob, pair):
    survivor, other = pair
    person_update(actor=alice, person=survivor, data={"owner_id": bob.pk}, version=None)
    order = order_create(
        actor=bob,
        data={
            "person_id": survivor.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "9.00"}],
        },
    )
    assert order.owner == bob
    merge = person_merge(actor=alice, survivor=survivor, other=other, choices={"owner": "other"})
    assert Order.objects.get(pk=order.pk).owner == alice

    merge_undo(actor=alice, merge=merge)

    assert Order.objects.get(pk=order.pk).owner == bob
    assert Person.objects.get(pk=survivor.pk).owner == bob


def test_undo_is_refused_after_the_survivor_was_edited(alice, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    person_update(actor=alice, person=survivor, data={"notes": "later"}, version=None)

    with pytest.raises(Conflict) as excinfo:
        merge_undo(actor=alice, merge=merge)

    assert "edited since the merge" in excinfo.value.message
    assert not Person.objects.filter(pk=other.pk).exists()


def test_undo_twice_is_refused(alice, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    merge_undo(actor=alice, merge=merge)

    with pytest.raises(Conflict):
        merge_undo(actor=alice, merge=merge)


def test_another_team_cannot_undo(alice, charlie, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)

    with pytest.raises(NotFound):
        merge_undo(actor=charlie, merge=merge)


def test_company_merge_undo_restores_the_company_and_links(alice):
    survivor = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    other = company_create(actor=alice, data={"name": "东方贸易"})
    person = _person(alice, "王芳", employments=[{"company_id": other.pk, "is_primary": True}])
    Employment.objects.create(person=person, company=survivor)
    links = set(Employment.objects.values_list("pk", "person_id", "company_id", "is_primary"))
    merge = company_merge(actor=alice, survivor=survivor, other=other)

    merge_undo(actor=alice, merge=merge)

    assert Company.objects.get(pk=other.pk).name == "东方贸易"
    assert set(Employment.objects.values_list("pk", "person_id", "company_id", "is_primary")) == (
        links
    )


def test_person_merge_records_are_person_merges(alice, pair):
    survivor, other = pair

    merge = person_merge(actor=alice, survivor=survivor, other=other)

    assert PersonMerge.objects.get() == merge
    assert (merge.survivor, merge.other_id, merge.actor) == (survivor, other.pk, alice)


def test_chained_merges_are_undone_last_first(alice, pair):
    first, second = pair
    third = _person(alice, "张伟伟")
    interaction_create(actor=alice, person=second, data={"channel": "call", "subject": "二号"})
    into_first = person_merge(actor=alice, survivor=first, other=second)
    into_third = person_merge(actor=alice, survivor=third, other=first)

    with pytest.raises(Conflict) as excinfo:
        merge_undo(actor=alice, merge=into_first)
    assert "no longer exists" in excinfo.value.message

    merge_undo(actor=alice, merge=into_third)
    merge_undo(actor=alice, merge=into_first)

    assert Person.objects.count() == 3
    assert Interaction.objects.get(subject="二号").person_id == second.pk


def test_undo_leaves_a_row_moved_elsewhere_since(alice, pair):
    survivor, other = pair
    bystander = _person(alice, "李娜")
    interaction = interaction_create(
        actor=alice, person=other, data={"channel": "call", "subject": "记错人了"}
    )
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    Interaction.objects.filter(pk=interaction.pk).update(person=bystander)

    merge_undo(actor=alice, merge=merge)

    assert Interaction.objects.get(pk=interaction.pk).person_id == bystander.pk


def test_undo_skips_a_dropped_tag_link_whose_tag_was_deleted(alice, pair):
    survivor, other = pair
    tag = tag_create(actor=alice, data={"name": "老客户"})
    survivor.tags.add(tag)
    other.tags.add(tag)
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    tag.delete()

    merge_undo(actor=alice, merge=merge)

    assert Person.objects.get(pk=other.pk).tags.count() == 0


def test_undo_after_the_survivor_was_deleted_is_a_conflict(alice, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    Person.objects.filter(pk=survivor.pk).delete()

    with pytest.raises(Conflict):
        merge_undo(actor=alice, merge=merge)


def test_merge_resolves_the_review_queues_pair_and_undo_reopens_it(alice, pair):
    survivor, other = pair
    low, high = sorted([survivor.pk, other.pk])
    candidate = DuplicateCandidate.objects.create(
        record_type="person", first_id=low, second_id=high, score=95, reasons=["same name"]
    )

    merge = person_merge(actor=alice, survivor=survivor, other=other)
    candidate.refresh_from_db()
    assert (candidate.status, candidate.resolved_by) == (CandidateStatus.MERGED, alice)

    merge_undo(actor=alice, merge=merge)
    candidate.refresh_from_db()
    assert (candidate.status, candidate.resolved_by) == (CandidateStatus.OPEN, None)


# --- Middle name, nickname, website, birthday without a year, raw phones, departments -----------


def test_merge_carries_middle_name_nickname_and_website(alice, pair):
    survivor, other = pair
    person_update(
        actor=alice,
        person=other,
        data={"middle_name": "Wei", "nickname": "小张", "website": "zhang.example.cn"},
        version=None,
    )

    person_merge(actor=alice, survivor=survivor, other=other)

    survivor.refresh_from_db()
    assert (survivor.middle_name, survivor.nickname, survivor.website) == (
        "Wei",
        "小张",
        "zhang.example.cn",
    )


def test_chosen_nickname_of_the_survivor_is_kept(alice, pair):
    survivor, other = pair
    person_update(actor=alice, person=survivor, data={"nickname": "老张"}, version=None)
    person_update(actor=alice, person=other, data={"nickname": "小张"}, version=None)

    person_merge(actor=alice, survivor=survivor, other=other, choices={"nickname": "survivor"})

    survivor.refresh_from_db()
    assert survivor.nickname == "老张"


def _birthday(person) -> tuple:
    person.refresh_from_db()
    return person.birthday, person.birth_month, person.birth_day


def test_a_birthday_with_its_year_wins_over_the_same_day_without(alice, pair):
    survivor, other = pair
    person_update(
        actor=alice, person=survivor, data={"birth_month": 7, "birth_day": 14}, version=None
    )
    person_update(actor=alice, person=other, data={"birthday": "1985-07-14"}, version=None)
    # The yearless one is the more recent: the year still wins.
    person_update(actor=alice, person=survivor, data={"notes": "later"}, version=None)

    person_merge(actor=alice, survivor=survivor, other=other)

    assert _birthday(survivor) == (datetime.date(1985, 7, 14), 7, 14)


def test_a_birthday_without_a_year_is_taken_whole(alice, pair):
    survivor, other = pair
    person_update(actor=alice, person=survivor, data={"birthday": "1990-01-01"}, version=None)
    person_update(actor=alice, person=other, data={"birth_month": 2, "birth_day": 29}, version=None)

    person_merge(actor=alice, survivor=survivor, other=other, choices={"birthday": "other"})

    assert _birthday(survivor) == (None, 2, 29)


def test_an_empty_birthday_yields_to_month_and_day(alice, pair):
    survivor, other = pair
    person_update(
        actor=alice, person=survivor, data={"birth_month": 2, "birth_day": 29}, version=None
    )
    person_update(actor=alice, person=other, data={"notes": "later"}, version=None)

    person_merge(actor=alice, survivor=survivor, other=other)

    assert _birthday(survivor) == (None, 2, 29)


def test_raw_phones_are_pooled_without_duplicates(alice, pair):
    survivor, other = pair
    Person.objects.filter(pk=survivor.pk).update(
        raw_phones=[{"label": "work", "raw": "12-34"}, {"label": "fax", "raw": "555 0100"}]
    )
    Person.objects.filter(pk=other.pk).update(
        raw_phones=[{"label": "home", "raw": "5550100"}, {"label": "home", "raw": "99-88"}]
    )

    person_merge(actor=alice, survivor=survivor, other=other)

    survivor.refresh_from_db()
    assert survivor.raw_phones == [
        {"label": "work", "raw": "12-34"},
        {"label": "fax", "raw": "555 0100"},
        {"label": "home", "raw": "99-88"},
    ]


def test_department_moves_with_the_company_link(alice, pair, company):
    survivor, other = pair
    Employment.objects.create(person=other, company=company, job_title="经理", department="采购部")

    person_merge(actor=alice, survivor=survivor, other=other)

    link = Employment.objects.get(company=company)
    assert (link.person_id, link.job_title, link.department) == (survivor.pk, "经理", "采购部")


def test_a_dropped_link_gives_the_survivors_its_missing_department_until_undone(
    alice, pair, company
):
    survivor, other = pair
    own = Employment.objects.create(person=survivor, company=company, job_title="经理")
    Employment.objects.create(person=other, company=company, job_title="主管", department="采购部")
    links = set(
        Employment.objects.values_list("pk", "person_id", "company_id", "job_title", "department")
    )

    merge = person_merge(actor=alice, survivor=survivor, other=other)

    own.refresh_from_db()
    assert (own.job_title, own.department) == ("经理", "采购部")
    assert Employment.objects.count() == 1

    merge_undo(actor=alice, merge=merge)

    assert (
        set(
            Employment.objects.values_list(
                "pk", "person_id", "company_id", "job_title", "department"
            )
        )
        == links
    )


def test_company_merge_gives_a_persons_kept_link_the_dropped_department(alice):
    survivor = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    other = company_create(actor=alice, data={"name": "东方贸易"})
    person = _person(alice, "王芳")
    kept = Employment.objects.create(person=person, company=survivor)
    Employment.objects.create(person=person, company=other, department="财务部")

    merge = company_merge(actor=alice, survivor=survivor, other=other)

    kept.refresh_from_db()
    assert kept.department == "财务部"
    merge_undo(actor=alice, merge=merge)
    kept.refresh_from_db()
    assert kept.department == ""
    assert Employment.objects.get(company=other).department == "财务部"


def test_undo_restores_the_new_fields_of_both(alice, pair):
    survivor, other = pair
    person_update(
        actor=alice,
        person=survivor,
        data={"middle_name": "A", "birth_month": 7, "birth_day": 14},
        version=None,
    )
    person_update(
        actor=alice,
        person=other,
        data={"nickname": "小张", "website": "zhang.example.cn", "birthday": "1985-03-05"},
        version=None,
    )
    Person.objects.filter(pk=survivor.pk).update(raw_phones=[{"label": "work", "raw": "12-34"}])
    Person.objects.filter(pk=other.pk).update(raw_phones=[{"label": "fax", "raw": "99-88"}])
    survivor_columns = _columns(Person.objects.get(pk=survivor.pk))
    other_columns = _columns(Person.objects.get(pk=other.pk))
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    merged = Person.objects.get(pk=survivor.pk)
    assert (merged.birthday, merged.nickname, len(merged.raw_phones)) == (
        datetime.date(1985, 3, 5),
        "小张",
        2,
    )

    merge_undo(actor=alice, merge=merge)

    assert _columns(Person.objects.get(pk=other.pk)) == other_columns
    after = _columns(Person.objects.get(pk=survivor.pk))
    for column in ("version", "updated_at"):
        after.pop(column), survivor_columns.pop(column)
    assert after == survivor_columns


def test_compare_page_shows_a_birthday_without_a_year(client, alice, pair):
    survivor, other = pair
    person_update(actor=alice, person=other, data={"birth_month": 2, "birth_day": 29}, version=None)
    client.force_login(alice)

    html = client.get(
        reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": other.pk})
    ).content.decode()

    assert "Feb 29" in html


def test_merge_moves_the_other_persons_website_events_and_visits(alice):
    # Rows of the apps above customers (behaviour events here) follow the merge like any
    # other relation: the merge finds them from the model metadata.
    from rapport.behaviour.models import Event, Visit
    from rapport.behaviour.services import events_ingest

    survivor = _person(alice, "甲", emails=[{"email": "jia@example.com"}])
    other = _person(alice, "乙", emails=[{"email": "yi@example.com"}])
    result = events_ingest(
        actor=alice,
        events=[{"name": "page_viewed", "email": "yi@example.com", "session_id": "s1"}],
    )
    assert result.accepted == 1, result.errors

    person_merge(actor=alice, survivor=survivor, other=other)

    assert Event.objects.filter(person=survivor).count() == 1
    assert Visit.objects.filter(person=survivor).count() == 1
