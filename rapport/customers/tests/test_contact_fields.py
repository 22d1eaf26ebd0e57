"""Middle name, nickname, website, birthdays with or without a year, departments and the phone
numbers kept as imported: written through the services, found by search."""

import datetime

import pytest

from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.models import Employment, Person, PersonPhone
from rapport.customers.selectors import CustomerFilters, persons_list
from rapport.customers.services import (
    company_create,
    person_create,
    person_raw_phone_resolve,
    person_update,
)

RAW = [{"label": "work", "raw": "+1 (555) 0100 ext. 7"}, {"label": "fax", "raw": "12-34"}]


def _refused(actor, data, person=None) -> dict:
    """The field errors of a create (or an update of `person`) that saves nothing."""
    count = Person.objects.count()
    before = Person.objects.filter(pk=person.pk).values().get() if person else None
    with pytest.raises(ValidationFailed) as excinfo:
        if person is None:
            person_create(actor=actor, data=data)
        else:
            person_update(actor=actor, person=person, data=data, version=None)
    assert Person.objects.count() == count
    if person is not None:
        assert Person.objects.filter(pk=person.pk).values().get() == before
    return excinfo.value.details


def _imported(alice, **data) -> Person:
    """A person as an import leaves one with numbers valid in no region."""
    person = person_create(actor=alice, data={"full_name": "Emily Carter", **data})
    Person.objects.filter(pk=person.pk).update(raw_phones=RAW)
    person.refresh_from_db()
    return person


# --- Names and website ---------------------------------------------------------------------------


def test_middle_name_nickname_and_website_are_saved(alice):
    person = person_create(
        actor=alice,
        data={
            "full_name": "John Fitzgerald Kennedy",
            "given_name": "John",
            "middle_name": " Fitzgerald ",
            "family_name": "Kennedy",
            "nickname": "Jack",
            "website": "https://jfk.example.com/",
        },
    )

    person.refresh_from_db()
    assert (person.middle_name, person.nickname, person.website) == (
        "Fitzgerald",
        "Jack",
        "https://jfk.example.com/",
    )


@pytest.mark.parametrize("website", ["javascript:alert(1)", "http://a b.com"])
def test_website_that_is_no_web_address_is_refused(alice, website):
    details = _refused(alice, {"full_name": "张伟", "website": website})

    assert set(details) == {"website"}


def test_too_long_nickname_is_refused(alice):
    details = _refused(alice, {"full_name": "张伟", "nickname": "小" * 101})

    assert set(details) == {"nickname"}


# --- Birthdays -----------------------------------------------------------------------------------


def _birthday(person: Person) -> tuple:
    person.refresh_from_db()
    return person.birthday, person.birth_month, person.birth_day


def test_full_birthday_sets_month_and_day(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    assert _birthday(person) == (datetime.date(1985, 7, 14), 7, 14)


def test_birthday_without_a_year_is_month_and_day(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "birth_month": 7, "birth_day": "14"}
    )

    assert _birthday(person) == (None, 7, 14)


def test_29_february_without_a_year_is_accepted(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "birth_month": 2, "birth_day": 29}
    )

    assert _birthday(person) == (None, 2, 29)


def test_month_day_and_year_make_a_full_birthday(alice):
    person = person_create(
        actor=alice,
        data={"full_name": "张伟", "birth_year": "1984", "birth_month": "2", "birth_day": "29"},
    )

    assert _birthday(person) == (datetime.date(1984, 2, 29), 2, 29)


@pytest.mark.parametrize(
    ("month", "day", "fields"),
    [
        (2, 30, {"birth_day"}),
        (4, 31, {"birth_day"}),
        (13, 1, {"birth_month"}),
        (0, 1, {"birth_month"}),
        (1, 32, {"birth_day"}),
        ("July", 14, {"birth_month"}),
        (7, None, {"birth_day"}),
        (None, 14, {"birth_month"}),
        (True, 14, {"birth_month"}),
    ],
)
def test_impossible_month_or_day_is_a_field_error(alice, month, day, fields):
    details = _refused(alice, {"full_name": "张伟", "birth_month": month, "birth_day": day})

    assert set(details) == fields


def test_30_february_names_how_many_days_the_month_has(alice):
    details = _refused(alice, {"full_name": "张伟", "birth_month": 2, "birth_day": 30})

    assert details == {"birth_day": ["This month has only 29 days."]}


def test_29_february_of_a_year_that_has_none_is_refused(alice):
    details = _refused(
        alice, {"full_name": "张伟", "birth_year": 1983, "birth_month": 2, "birth_day": 29}
    )

    assert set(details) == {"birth_year"}


def test_year_without_month_and_day_is_refused(alice):
    details = _refused(alice, {"full_name": "张伟", "birth_year": 1983})

    assert set(details) == {"birth_month"}


def test_birthday_whose_month_and_day_differ_from_those_given_is_refused(alice):
    details = _refused(
        alice,
        {"full_name": "张伟", "birthday": "1985-07-14", "birth_month": 7, "birth_day": 15},
    )

    assert set(details) == {"birthday"}


def test_new_month_and_day_keep_the_known_year(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    person_update(actor=alice, person=person, data={"birth_month": 3, "birth_day": 5}, version=1)

    assert _birthday(person) == (datetime.date(1985, 3, 5), 3, 5)


def test_a_new_birthday_moves_month_and_day_with_it(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "birth_month": 7, "birth_day": 14}
    )

    person_update(actor=alice, person=person, data={"birthday": "1990-12-01"}, version=1)

    assert _birthday(person) == (datetime.date(1990, 12, 1), 12, 1)


def test_birthday_sent_empty_with_month_and_day_drops_the_year(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    person_update(
        actor=alice,
        person=person,
        data={"birthday": None, "birth_month": 7, "birth_day": 14},
        version=1,
    )

    assert _birthday(person) == (None, 7, 14)


def test_clearing_the_birthday_clears_month_and_day(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    person_update(actor=alice, person=person, data={"birthday": ""}, version=1)

    assert _birthday(person) == (None, None, None)


def test_an_update_without_birthday_keys_keeps_month_and_day(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "birth_month": 7, "birth_day": 14}
    )

    person_update(actor=alice, person=person, data={"notes": "喜欢茶"}, version=1)

    assert _birthday(person) == (None, 7, 14)


def test_bad_day_on_update_changes_nothing(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    details = _refused(alice, {"birth_month": 2, "birth_day": 30, "notes": "x"}, person=person)

    assert set(details) == {"birth_day"}


# --- Departments ---------------------------------------------------------------------------------


def test_employment_keeps_its_department(alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})

    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "employments": [
                {"company_id": company.pk, "job_title": "经理", "department": " 采购部 "}
            ],
        },
    )

    link = Employment.objects.get(person=person)
    assert (link.job_title, link.department) == ("经理", "采购部")


def test_too_long_department_is_refused_on_its_row(alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})

    details = _refused(
        alice,
        {
            "full_name": "张伟",
            "employments": [{"company_id": company.pk, "department": "部" * 101}],
        },
    )

    assert set(details) == {"employments.0.department"}


# --- Numbers kept as imported --------------------------------------------------------------------


def test_raw_phones_may_be_kept_or_dropped_but_not_added(alice):
    person = _imported(alice)

    person_update(actor=alice, person=person, data={"raw_phones": [{"raw": "12-34"}]}, version=None)
    person.refresh_from_db()
    assert person.raw_phones == [{"label": "fax", "raw": "12-34"}]

    details = _refused(alice, {"raw_phones": [{"raw": "999"}]}, person=person)
    assert set(details) == {"raw_phones.0.raw"}


def test_a_new_person_cannot_be_given_raw_phones(alice):
    details = _refused(alice, {"full_name": "张伟", "raw_phones": [{"raw": "12-34"}]})

    assert set(details) == {"raw_phones.0.raw"}


def test_fixing_a_raw_phone_makes_it_a_phone_and_removes_it(alice):
    person = _imported(alice)

    person_raw_phone_resolve(
        actor=alice,
        person=person,
        raw=RAW[0]["raw"],
        number="+1 415 555 2671",
        version=person.version,
    )

    person.refresh_from_db()
    assert person.raw_phones == [RAW[1]]
    phone = PersonPhone.objects.get(person=person)
    assert (phone.number, phone.label, phone.is_primary) == ("+14155552671", "work", True)
    assert person.primary_phone == "+14155552671"
    assert person.version == 2
    assert {p.pk for p in persons_list(alice, CustomerFilters(q="2671"))} == {person.pk}


def test_a_fix_that_is_still_no_valid_number_is_refused(alice):
    person = _imported(alice)

    with pytest.raises(ValidationFailed) as excinfo:
        person_raw_phone_resolve(
            actor=alice, person=person, raw=RAW[0]["raw"], number="555 0100", version=1
        )

    assert set(excinfo.value.details) == {"number"}
    person.refresh_from_db()
    assert (person.raw_phones, person.version) == (RAW, 1)
    assert not PersonPhone.objects.filter(person=person).exists()


def test_a_fix_keeps_the_existing_primary_phone(alice):
    person = _imported(alice, phones=[{"number": "13800138000"}])

    person_raw_phone_resolve(
        actor=alice, person=person, raw="12-34", number="13900139000", label="fax", version=1
    )

    person.refresh_from_db()
    assert person.primary_phone == "+8613800138000"
    assert set(person.phones.values_list("number", "label", "is_primary")) == {
        ("+8613800138000", "mobile", True),
        ("+8613900139000", "fax", False),
    }


def test_removing_a_raw_phone_keeps_the_others(alice):
    person = _imported(alice)

    person_raw_phone_resolve(actor=alice, person=person, raw="12-34", number=None, version=1)

    person.refresh_from_db()
    assert person.raw_phones == [RAW[0]]


def test_resolving_with_a_stale_version_or_a_gone_number_is_refused(alice):
    person = _imported(alice)

    with pytest.raises(Conflict):
        person_raw_phone_resolve(actor=alice, person=person, raw="12-34", number=None, version=0)
    with pytest.raises(ValidationFailed):
        person_raw_phone_resolve(actor=alice, person=person, raw="nope", number=None, version=1)

    person.refresh_from_db()
    assert person.raw_phones == RAW


# --- Search --------------------------------------------------------------------------------------


def _found(user, query) -> set[int]:
    return {p.pk for p in persons_list(user, CustomerFilters(q=query))}


def test_nickname_and_middle_name_find_the_person(alice):
    jack = person_create(
        actor=alice,
        data={
            "full_name": "John Kennedy",
            "given_name": "John",
            "middle_name": "Fitzgerald",
            "family_name": "Kennedy",
            "nickname": "Jack",
        },
    )
    xiao = person_create(actor=alice, data={"full_name": "张伟", "nickname": "小张"})

    assert _found(alice, "fitz") == {jack.pk}
    assert _found(alice, "jack") == {jack.pk}
    assert _found(alice, "johnkennedy") == {jack.pk}
    assert _found(alice, "小张") == {xiao.pk}
    assert _found(alice, "xiaozhang") == {xiao.pk}


def test_a_changed_nickname_is_found_instead_of_the_old_one(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "nickname": "Tiger"})

    person_update(actor=alice, person=person, data={"nickname": "Panda"}, version=1)

    assert _found(alice, "panda") == {person.pk}
    assert _found(alice, "tiger") == set()


def test_another_team_does_not_find_a_person_by_nickname(alice, charlie):
    person_create(actor=alice, data={"full_name": "张伟", "nickname": "Tiger"})

    assert _found(charlie, "tiger") == set()
