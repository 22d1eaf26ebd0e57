"""Writes to persons, companies, tags and custom field definitions."""

import pytest

from rapport.activities.models import TimelineEntry
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.customers.models import (
    Address,
    Company,
    CompanySearchTerm,
    CustomFieldDefinition,
    Employment,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
    Tag,
)
from rapport.customers.services import (
    company_create,
    company_delete,
    company_update,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    person_create,
    person_delete,
    person_update,
    tag_create,
    tag_delete,
    tag_update,
)

ROW_MODELS = (
    Person,
    PersonPhone,
    PersonEmail,
    Address,
    PersonSearchTerm,
    Employment,
    Person.tags.through,
    Company,
    CompanySearchTerm,
    TimelineEntry,
)


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def _fails_without_saving(actor, data) -> ValidationFailed:
    before = _row_counts()
    with pytest.raises(ValidationFailed) as excinfo:
        person_create(actor=actor, data=data)
    assert _row_counts() == before
    return excinfo.value


VALID_PERSON = {
    "full_name": "张小伟",
    "phones": [{"number": "13800138000", "label": "mobile"}],
    "emails": [{"email": "xiaowei@example.cn"}],
    "addresses": [{"province": "上海市", "city": "上海市", "street": "南京西路 1 号"}],
}


# --- Creating persons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "(+86) 138-0013-8000",
        "0086 13800138000",
    ],
)
def test_person_phone_in_any_format_is_stored_in_e164(alice, raw):
    person = person_create(actor=alice, data={"full_name": "张伟", "phones": [{"number": raw}]})

    assert list(person.phones.values_list("number", flat=True)) == ["+8613800138000"]
    assert person.primary_phone == "+8613800138000"


def test_landline_without_country_code_defaults_to_china(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "phones": [{"number": "010-6552 9988"}]}
    )
    assert person.primary_phone == "+861065529988"


def test_foreign_number_keeps_its_country(alice):
    person = person_create(
        actor=alice, data={"full_name": "Emily Carter", "phones": [{"number": "+1 415 555 2671"}]}
    )
    assert person.primary_phone == "+14155552671"


def test_person_create_saves_contacts_and_a_timeline_entry(alice):
    person = person_create(actor=alice, data=VALID_PERSON)

    assert person.owner == alice
    assert person.team == alice.team
    assert person.version == 1
    assert person.primary_email == "xiaowei@example.cn"
    assert person.addresses.get().street == "南京西路 1 号"
    assert person.search_terms.exists()
    entry = TimelineEntry.objects.get(person=person)
    assert entry.kind == "record.created"
    assert entry.actor == alice


def test_email_is_stored_lower_case(alice):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "emails": [{"email": "Zhang.Wei@Example.CN"}]}
    )
    assert person.primary_email == "zhang.wei@example.cn"


def test_name_is_built_from_english_names_when_full_name_is_missing(alice):
    person = person_create(actor=alice, data={"given_name": "Emily", "family_name": "Carter"})
    assert person.full_name == "Emily Carter"


def test_several_phones_and_emails_keep_exactly_one_primary(alice):
    # Given two phones and two emails, the second of each marked primary
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [
                {"number": "13800138000", "label": "work"},
                {"number": "13900139000", "label": "mobile", "is_primary": True},
            ],
            "emails": [
                {"email": "a@example.cn"},
                {"email": "b@example.cn", "is_primary": True},
            ],
        },
    )

    # Then the marked ones are primary, the only primaries, and copied onto the person
    phones = list(person.phones.values_list("number", "is_primary"))
    assert phones == [("+8613900139000", True), ("+8613800138000", False)]
    emails = list(person.emails.values_list("email", "is_primary"))
    assert emails == [("b@example.cn", True), ("a@example.cn", False)]
    assert person.primary_phone == "+8613900139000"
    assert person.primary_email == "b@example.cn"


def test_two_primaries_given_keeps_only_the_first(alice):
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [
                {"number": "13800138000", "is_primary": True},
                {"number": "13900139000", "is_primary": True},
            ],
        },
    )
    assert person.phones.filter(is_primary=True).count() == 1
    assert person.primary_phone == "+8613800138000"


def test_first_phone_becomes_primary_when_none_is_marked(alice):
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}, {"number": "13900139000"}],
        },
    )
    assert person.phones.get(is_primary=True).number == "+8613800138000"


def test_the_same_number_in_two_formats_is_stored_once(alice):
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}, {"number": "+86 138-0013-8000"}],
        },
    )
    assert person.phones.count() == 1


# --- Invalid input saves nothing --------------------------------------------------------------


def test_invalid_phone_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(
        alice,
        {**VALID_PERSON, "phones": [{"number": "13800138000"}, {"number": "12345"}]},
    )
    assert set(error.details) == {"phones.1.number"}
    assert error.code == "validation_error"
    assert error.status == 422


def test_invalid_email_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "emails": [{"email": "not-an-email"}]})
    assert set(error.details) == {"emails.0.email"}


def test_invalid_birthday_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "birthday": "2024-13-45"})
    assert set(error.details) == {"birthday"}


def test_birthday_accepts_chinese_date_format(alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1990年3月8日"})
    assert person.birthday.isoformat() == "1990-03-08"


@pytest.mark.parametrize("field", ["gender", "source", "lifecycle_stage"])
def test_invalid_choice_is_refused_and_nothing_saved(alice, field):
    error = _fails_without_saving(alice, {**VALID_PERSON, field: "nonsense"})
    assert set(error.details) == {field}


def test_invalid_phone_label_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(
        alice, {**VALID_PERSON, "phones": [{"number": "13800138000", "label": "pager"}]}
    )
    assert set(error.details) == {"phones.0.label"}


def test_oversized_field_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "full_name": "张" * 201})
    assert set(error.details) == {"full_name"}


def test_oversized_address_part_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(
        alice, {**VALID_PERSON, "addresses": [{"city": "上海", "postcode": "1" * 13}]}
    )
    assert set(error.details) == {"addresses.0.postcode"}


def test_unknown_field_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "pet_name": "小伟"})
    assert set(error.details) == {"pet_name"}


def test_missing_name_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {"phones": [{"number": "13800138000"}]})
    assert set(error.details) == {"full_name"}


def test_non_text_value_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "notes": ["a", "list"]})
    assert set(error.details) == {"notes"}


def test_every_error_is_reported_at_once(alice):
    error = _fails_without_saving(
        alice,
        {
            "full_name": "张伟",
            "phones": [{"number": "abc"}],
            "emails": [{"email": "nope"}],
            "birthday": "yesterday",
            "gender": "robot",
            "pet_name": "x",
        },
    )
    assert set(error.details) == {
        "phones.0.number",
        "emails.0.email",
        "birthday",
        "gender",
        "pet_name",
    }


def test_unknown_tag_is_refused_and_nothing_saved(alice):
    error = _fails_without_saving(alice, {**VALID_PERSON, "tag_ids": [999999]})
    assert set(error.details) == {"tag_ids"}


def test_employment_at_invisible_company_is_refused(alice, charlie):
    west_company = company_create(actor=charlie, data={"name": "西部贸易"})
    error = _fails_without_saving(
        alice, {**VALID_PERSON, "employments": [{"company_id": west_company.pk}]}
    )
    assert set(error.details) == {"employments.0.company_id"}


# --- Owner assignment --------------------------------------------------------------------------


def test_rep_can_give_a_record_to_a_colleague(alice, bob):
    person = person_create(actor=alice, data={"full_name": "张伟", "owner_id": bob.pk})
    assert person.owner == bob
    assert person.team == bob.team


def test_rep_cannot_give_a_record_to_another_team(alice, charlie):
    error = _fails_without_saving(alice, {"full_name": "张伟", "owner_id": charlie.pk})
    assert set(error.details) == {"owner_id"}


def test_rep_cannot_place_a_record_in_another_team(alice, west):
    error = _fails_without_saving(alice, {"full_name": "张伟", "team_id": west.pk})
    assert set(error.details) == {"team_id"}


def test_rep_cannot_move_an_existing_record_to_another_team(alice, charlie):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    with pytest.raises(ValidationFailed) as excinfo:
        person_update(actor=alice, person=person, data={"owner_id": charlie.pk}, version=1)

    assert set(excinfo.value.details) == {"owner_id"}
    person.refresh_from_db()
    assert person.owner == alice
    assert person.version == 1


def test_admin_can_give_a_record_to_anyone(admin_user, charlie):
    person = person_create(actor=admin_user, data={"full_name": "张伟", "owner_id": charlie.pk})
    assert person.owner == charlie
    assert person.team == charlie.team


def test_unknown_owner_is_refused(alice):
    error = _fails_without_saving(alice, {"full_name": "张伟", "owner_id": 999999})
    assert set(error.details) == {"owner_id"}


# --- Updating, optimistic locking, deleting ----------------------------------------------------


def test_update_changes_only_the_given_fields_and_bumps_the_version(alice):
    person = person_create(actor=alice, data={**VALID_PERSON, "notes": "first"})

    updated = person_update(
        actor=alice, person=person, data={"lifecycle_stage": "customer"}, version=1
    )

    assert updated.version == 2
    assert updated.lifecycle_stage == "customer"
    assert updated.notes == "first"
    assert updated.phones.count() == 1
    entry = TimelineEntry.objects.get(person=person, kind="record.updated")
    assert entry.data == {"fields": ["lifecycle_stage"]}


def test_stale_version_raises_conflict_and_leaves_the_record_unchanged(alice, bob):
    # Given alice and bob both load version 1, and bob saves first
    person = person_create(actor=alice, data={**VALID_PERSON, "notes": "original"})
    person_update(actor=bob, person=person, data={"notes": "bob's change"}, version=1)

    # When alice saves her edit based on version 1
    with pytest.raises(Conflict) as excinfo:
        person_update(
            actor=alice,
            person=person,
            data={"notes": "alice's change", "phones": [{"number": "13900139000"}]},
            version=1,
        )

    # Then she is told, and bob's change stands
    assert excinfo.value.status == 409
    assert excinfo.value.details == {"current_version": 2, "your_version": 1}
    person.refresh_from_db()
    assert person.notes == "bob's change"
    assert person.version == 2
    assert person.primary_phone == "+8613800138000"
    assert list(person.phones.values_list("number", flat=True)) == ["+8613800138000"]


def test_update_without_version_skips_the_check(alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    person_update(actor=alice, person=person, data={"notes": "a"}, version=None)
    updated = person_update(actor=alice, person=person, data={"notes": "b"}, version=None)
    assert updated.notes == "b"
    assert updated.version == 3


def test_invalid_update_saves_nothing(alice):
    person = person_create(actor=alice, data=VALID_PERSON)
    before = _row_counts()

    with pytest.raises(ValidationFailed) as excinfo:
        person_update(
            actor=alice,
            person=person,
            data={"full_name": "李四", "phones": [{"number": "12"}]},
            version=1,
        )

    assert set(excinfo.value.details) == {"phones.0.number"}
    assert _row_counts() == before
    person.refresh_from_db()
    assert person.full_name == "张小伟"
    assert person.version == 1


def test_replacing_phones_updates_the_primary_copy_and_search(alice):
    person = person_create(actor=alice, data=VALID_PERSON)

    person_update(
        actor=alice, person=person, data={"phones": [{"number": "13911112222"}]}, version=1
    )

    person.refresh_from_db()
    assert person.primary_phone == "+8613911112222"
    terms = set(person.search_terms.values_list("term", flat=True))
    assert "p:" + "8613911112222"[::-1] in terms
    assert "p:" + "8613800138000"[::-1] not in terms


def test_renaming_rebuilds_search_terms(alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})

    person_update(actor=alice, person=person, data={"full_name": "李娜"}, version=1)

    terms = set(person.search_terms.values_list("term", flat=True))
    assert "n:lina" in terms
    assert "n:zhangwei" not in terms


def test_person_delete_removes_contacts_and_search_terms(alice):
    person = person_create(actor=alice, data=VALID_PERSON)

    person_delete(actor=alice, person=person)

    assert not Person.objects.exists()
    assert not PersonPhone.objects.exists()
    assert not PersonEmail.objects.exists()
    assert not Address.objects.exists()
    assert not PersonSearchTerm.objects.exists()
    assert not TimelineEntry.objects.exists()


# --- Companies --------------------------------------------------------------------------------


def test_company_create_with_person_employment(alice):
    company = company_create(
        actor=alice,
        data={"name": "上海明远科技有限公司", "phone": "021-6888 1234", "email": "HI@MY.CN"},
    )
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "employments": [{"company_id": company.pk, "job_title": "采购经理"}],
        },
    )

    assert company.phone == "+862168881234"
    assert company.email == "hi@my.cn"
    assert company.search_terms.filter(term="n:mingyuankejiyouxiangongsi").exists()
    employment = person.employments.get()
    assert (employment.company, employment.job_title, employment.is_primary) == (
        company,
        "采购经理",
        True,
    )


def test_company_without_name_is_refused(alice):
    with pytest.raises(ValidationFailed) as excinfo:
        company_create(actor=alice, data={"website": "https://example.cn"})
    assert set(excinfo.value.details) == {"name"}
    assert Company.objects.count() == 0


def test_company_stale_version_raises_conflict(alice):
    company = company_create(actor=alice, data={"name": "明远"})
    company_update(actor=alice, company=company, data={"notes": "x"}, version=1)

    with pytest.raises(Conflict):
        company_update(actor=alice, company=company, data={"name": "别的"}, version=1)

    company.refresh_from_db()
    assert company.name == "明远"


def test_company_rename_rebuilds_search_terms(alice):
    company = company_create(actor=alice, data={"name": "明远"})
    company_update(actor=alice, company=company, data={"name": "华新"}, version=1)
    terms = set(company.search_terms.values_list("term", flat=True))
    assert "n:huaxin" in terms
    assert "n:mingyuan" not in terms


def test_company_delete_removes_employments(alice):
    company = company_create(actor=alice, data={"name": "明远"})
    person = person_create(
        actor=alice, data={"full_name": "张伟", "employments": [{"company_id": company.pk}]}
    )
    company_delete(actor=alice, company=company)
    assert not person.employments.exists()
    assert Person.objects.filter(pk=person.pk).exists()


# --- Custom fields ----------------------------------------------------------------------------


@pytest.fixture
def custom_fields(admin_user):
    """One definition of each type on persons."""

    def define(key, field_type, **extra):
        return custom_field_create(
            actor=admin_user,
            data={
                "record_type": "person",
                "key": key,
                "label": key.title(),
                "field_type": field_type,
                **extra,
            },
        )

    return {
        "wechat": define("wechat", "text"),
        "budget": define("budget", "number"),
        "first_met": define("first_met", "date"),
        "level": define("level", "choice", choices=["A", "B", "C"]),
        "interests": define("interests", "multi_choice", choices=["茶", "咖啡", "酒"]),
        "vip": define("vip", "boolean"),
    }


def test_custom_values_of_every_type_are_cleaned(alice, custom_fields):
    person = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "custom": {
                "wechat": "  zw_1990 ",
                "budget": "12500.50",
                "first_met": "2024/05/01",
                "level": "B",
                "interests": ["茶", "酒", "茶"],
                "vip": "是",
            },
        },
    )
    person.refresh_from_db()
    assert person.custom == {
        "wechat": "zw_1990",
        "budget": 12500.5,
        "first_met": "2024-05-01",
        "level": "B",
        "interests": ["茶", "酒"],
        "vip": True,
    }


def test_whole_numbers_stay_integers(alice, custom_fields):
    person = person_create(actor=alice, data={"full_name": "张伟", "custom": {"budget": "30000"}})
    assert person.custom["budget"] == 30000
    assert isinstance(person.custom["budget"], int)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("wechat", {"not": "text"}),
        ("wechat", "x" * 1001),
        ("budget", "a lot"),
        ("budget", True),
        ("budget", "1e20"),
        ("first_met", "someday"),
        ("level", "D"),
        ("interests", ["茶", "可乐"]),
        ("interests", 5),
        ("vip", "maybe"),
    ],
)
def test_invalid_custom_value_is_refused_and_nothing_saved(alice, custom_fields, key, value):
    error = _fails_without_saving(alice, {"full_name": "张伟", "custom": {key: value}})
    assert set(error.details) == {f"custom.{key}"}


def test_unknown_custom_key_is_refused_and_nothing_saved(alice, custom_fields):
    error = _fails_without_saving(alice, {"full_name": "张伟", "custom": {"wechta": "typo"}})
    assert set(error.details) == {"custom.wechta"}


def test_required_custom_field_must_be_filled(alice, admin_user, custom_fields):
    custom_field_update(
        actor=admin_user, definition=custom_fields["level"], data={"required": True}
    )

    error = _fails_without_saving(alice, {"full_name": "张伟", "custom": {"wechat": "zw"}})
    assert set(error.details) == {"custom.level"}


def test_custom_values_not_given_on_update_are_kept(alice, custom_fields):
    person = person_create(
        actor=alice, data={"full_name": "张伟", "custom": {"wechat": "zw", "level": "A"}}
    )
    person_update(actor=alice, person=person, data={"custom": {"level": "C"}}, version=1)
    person.refresh_from_db()
    assert person.custom == {"wechat": "zw", "level": "C"}


def test_empty_custom_value_clears_it(alice, custom_fields):
    person = person_create(actor=alice, data={"full_name": "张伟", "custom": {"wechat": "zw"}})
    person_update(actor=alice, person=person, data={"custom": {"wechat": ""}}, version=1)
    person.refresh_from_db()
    assert person.custom == {}


def test_inactive_custom_field_accepts_no_new_values(alice, admin_user, custom_fields):
    custom_field_update(
        actor=admin_user, definition=custom_fields["wechat"], data={"is_active": False}
    )
    error = _fails_without_saving(alice, {"full_name": "张伟", "custom": {"wechat": "zw"}})
    assert set(error.details) == {"custom.wechat"}


def test_company_custom_fields_are_separate_from_person_ones(alice, custom_fields):
    with pytest.raises(ValidationFailed) as excinfo:
        company_create(actor=alice, data={"name": "明远", "custom": {"wechat": "x"}})
    assert set(excinfo.value.details) == {"custom.wechat"}


def test_only_administrators_define_custom_fields(alice, diana):
    # A representative and a manager are both refused; nothing is saved.
    data = {"record_type": "person", "key": "x", "label": "X", "field_type": "text"}
    with pytest.raises(PermissionDenied):
        custom_field_create(actor=alice, data=data)
    with pytest.raises(PermissionDenied):
        custom_field_create(actor=diana, data=data)
    assert CustomFieldDefinition.objects.count() == 0


def test_only_administrators_change_or_delete_custom_fields(alice, admin_user, custom_fields):
    with pytest.raises(PermissionDenied):
        custom_field_update(actor=alice, definition=custom_fields["vip"], data={"label": "Y"})
    with pytest.raises(PermissionDenied):
        custom_field_delete(actor=alice, definition=custom_fields["vip"])

    custom_field_delete(actor=admin_user, definition=custom_fields["vip"])
    assert not CustomFieldDefinition.objects.filter(key="vip").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"key": "1st"}, "key"),
        ({"record_type": "deal"}, "record_type"),
        ({"field_type": "colour"}, "field_type"),
        ({"label": ""}, "label"),
        ({"field_type": "choice", "choices": []}, "choices"),
        ({"field_type": "choice", "choices": ["a", "a"]}, "choices"),
        ({"required": "yes"}, "required"),
        ({"position": -1}, "position"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_custom_field_definition_is_refused(admin_user, data, field):
    valid = {"record_type": "person", "key": "wechat", "label": "WeChat", "field_type": "text"}
    with pytest.raises(ValidationFailed) as excinfo:
        custom_field_create(actor=admin_user, data={**valid, **data})
    assert field in excinfo.value.details
    assert CustomFieldDefinition.objects.count() == 0


def test_custom_field_key_is_unique_per_record_type(admin_user, custom_fields):
    data = {"record_type": "person", "key": "wechat", "label": "W", "field_type": "text"}
    with pytest.raises(ValidationFailed) as excinfo:
        custom_field_create(actor=admin_user, data=data)
    assert set(excinfo.value.details) == {"key"}

    company_field = custom_field_create(actor=admin_user, data={**data, "record_type": "company"})
    assert company_field.record_type == "company"


def test_custom_field_type_cannot_change(admin_user, custom_fields):
    with pytest.raises(ValidationFailed) as excinfo:
        custom_field_update(
            actor=admin_user, definition=custom_fields["wechat"], data={"field_type": "number"}
        )
    assert set(excinfo.value.details) == {"field_type"}


# --- Tags -------------------------------------------------------------------------------------


def test_tags_are_set_and_replaced_on_a_person(alice):
    vip = tag_create(actor=alice, data={"name": "VIP"})
    wholesale = tag_create(actor=alice, data={"name": "批发", "color": "#3B82F6"})
    person = person_create(actor=alice, data={"full_name": "张伟", "tag_ids": [vip.pk]})
    assert list(person.tags.all()) == [vip]

    person_update(actor=alice, person=person, data={"tag_ids": [wholesale.pk]}, version=1)

    assert list(person.tags.all()) == [wholesale]
    assert wholesale.color == "#3b82f6"


def test_duplicate_tag_name_is_refused(alice):
    tag_create(actor=alice, data={"name": "VIP"})
    with pytest.raises(ValidationFailed) as excinfo:
        tag_create(actor=alice, data={"name": "VIP"})
    assert set(excinfo.value.details) == {"name"}
    assert Tag.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "a", "color": "red"}, "color"),
    ],
)
def test_invalid_tag_is_refused(alice, data, field):
    with pytest.raises(ValidationFailed) as excinfo:
        tag_create(actor=alice, data=data)
    assert field in excinfo.value.details
    assert Tag.objects.count() == 0


def test_only_administrators_change_or_delete_tags(alice, admin_user):
    tag = tag_create(actor=alice, data={"name": "VIP"})

    with pytest.raises(PermissionDenied):
        tag_update(actor=alice, tag=tag, data={"color": "#000000"})
    with pytest.raises(PermissionDenied):
        tag_delete(actor=alice, tag=tag)

    tag_update(actor=admin_user, tag=tag, data={"name": "贵宾", "color": "#ff0000"})
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("贵宾", "#ff0000")
    tag_delete(actor=admin_user, tag=tag)
    assert not Tag.objects.exists()
