"""Checking imported rows by the rules of the forms: phones, e-mails, dates, choices, lengths."""

import datetime
import random
from decimal import Decimal

import pytest
from django.utils import translation

from rapport.core.cleaning import DATE_FORMATS, FieldError, parse_date
from rapport.core.errors import ValidationFailed
from rapport.customers.models import CustomFieldDefinition, CustomFieldType, RecordType
from rapport.customers.validation import clean_custom_value, normalize_email, normalize_phone
from rapport.dataio.services.imports.mapping import propose_mapping
from rapport.dataio.services.imports.readers import FlawedRow, open_table
from rapport.dataio.services.imports.rows import (
    CleanRow,
    RejectedRow,
    RowCleaner,
    join_name,
    normalize_email_fast,
    normalize_phone_fast,
    parse_import_date,
    split_name,
)

PERSON_COLUMNS = ["姓名", "手机", "电话", "邮箱", "公司", "性别", "生日", "城市", "标签", "来源"]
PERSON_MAPPING = {
    "姓名": "full_name",
    "手机": "phone",
    "电话": "phone",
    "邮箱": "email",
    "公司": "company",
    "性别": "gender",
    "生日": "birthday",
    "城市": "city",
    "标签": "tags",
    "来源": "source",
}


def person_cleaner(**kwargs):
    return RowCleaner("persons", PERSON_MAPPING, columns=PERSON_COLUMNS, **kwargs)


def person_row(**cells):
    """A row of PERSON_COLUMNS; cells are given by column name."""
    return [cells.get(column, "") for column in PERSON_COLUMNS]


def answer(normalize, raw):
    """What a normaliser answers: its value, or the message of its FieldError."""
    try:
        return normalize(raw)
    except FieldError as exc:
        return ("error", str(exc))


# --- Phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("86-138-0013-8000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        (" 13800138000 ", "+8613800138000"),
        ("010-65529988", "+861065529988"),
        ("(010) 6552-9988", "+861065529988"),
        ("+86 10 6552 9988", "+861065529988"),
        ("+86 (0)10 6552 9988", "+861065529988"),
        ("021 6123 4567", "+862161234567"),
        ("0755-8888 8888", "+8675588888888"),
        ("400-810-8888", "+864008108888"),
        ("+852 9123 4567", "+85291234567"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phone_formats_are_normalised_to_e164(raw, e164):
    assert normalize_phone_fast(raw) == e164


@pytest.mark.parametrize(
    "raw", ["12345", "65529988", "1380013800", "138001380001", "phone", "+86 999 9999 9999"]
)
def test_invalid_phone_is_refused_with_the_value(raw):
    with pytest.raises(FieldError) as exc:
        normalize_phone_fast(raw)

    assert raw in str(exc.value)


def test_over_long_phone_is_refused():
    with pytest.raises(FieldError) as exc:
        normalize_phone_fast("1" * 41)

    assert str(exc.value) == "This phone number is too long."


def phone_inputs():
    """Numbers in the shapes imports see, plus random ones the fast path must not misjudge."""
    fixed = [
        "13800138000", "+86 138 0013 8000", "86-138-0013-8000", "8613800138000",
        "0086 138 0013 8000", "+86 (0)138 0013 8000", "138.0013.8000", "１３８００１３８０００",
        "010-65529988", "(010) 6552-9988", "+86 10 6552 9988", "021 6123 4567", "65529988",
        "400-810-8888", "95588", "12345", "+852 9123 4567", "+1 650 253 0000", "+44 20 7946 0958",
        "10086", "+86", "+86 +138 0013 8000", "138\u00a00013\u00a08000", "138-0013-8000 ext 5",
        "12000000000", "19912345678", "16612345678", "14512345678", "17012345678",
        "1" * 41, "+86 " + "1" * 37, "abc", "+",
    ]  # fmt: skip
    generator = random.Random(20240305)
    generated = []
    for _ in range(400):
        digits = "1" + "".join(generator.choice("0123456789") for _ in range(10))
        shape = generator.choice(["{}", "+86 {}", "+86-{}", "86{}", "{} ", "({})"])
        generated.append(shape.format(digits))
    return fixed + generated


def test_import_phone_rule_agrees_with_the_forms():
    for raw in phone_inputs():
        assert answer(normalize_phone_fast, raw) == answer(normalize_phone, raw), raw


def test_import_phone_rule_agrees_with_the_forms_in_chinese():
    with translation.override("zh-hans"):
        for raw in phone_inputs()[:40]:
            assert answer(normalize_phone_fast, raw) == answer(normalize_phone, raw), raw


def test_phone_message_follows_the_current_language_after_it_was_cached():
    with translation.override("en"):
        english = answer(normalize_phone_fast, "12345")
    with translation.override("zh-hans"):
        chinese = answer(normalize_phone_fast, "12345")

    assert english == ("error", "“12345” is not a valid phone number.")
    assert chinese != english
    with translation.override("zh-hans"):
        assert chinese == answer(normalize_phone, "12345")


def test_phone_default_region_comes_from_the_settings(settings):
    assert answer(normalize_phone_fast, "650 253 0000")[0] == "error"

    settings.PHONE_DEFAULT_REGION = "US"

    assert normalize_phone_fast("650 253 0000") == "+16502530000"
    assert normalize_phone_fast("650 253 0000") == normalize_phone("650 253 0000")


# --- E-mails -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Emily@Example.COM", "emily@example.com"),
        (" zw@example.cn ", "zw@example.cn"),
        ("user+tag@Gmail.com", "user+tag@gmail.com"),
        ("a!#$%&'*+/=?^_`{|}~-@x.cn", "a!#$%&'*+/=?^_`{|}~-@x.cn"),
        ("张伟@例子.中国", "张伟@例子.中国"),
    ],
)
def test_email_is_normalised(raw, normalized):
    assert normalize_email_fast(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    ["zw", "zw@", "@example.cn", "a..b@x.cn", "a b@x.cn", "a@localhost", "a@x", "a@-x.cn",
     "a@x.cn.", "a@b@c.cn", "a@[127.0.0.1]", "张伟 <zw@example.cn>"],
)  # fmt: skip
def test_invalid_email_is_refused(raw):
    with pytest.raises(FieldError) as exc:
        normalize_email_fast(raw)

    assert "is not a valid email address" in str(exc.value)


def test_import_email_rule_agrees_with_the_forms():
    inputs = [
        "Emily@Example.COM", " a@b.cn ", "a..b@x.cn", ".a@x.cn", "a.@x.cn", "a@localhost", "a@x",
        "a b@x.cn", "a@例子.中国", "ÄÖ@x.cn", "a!#$%&'*+/=?^_`{|}~-@x.cn", '"quoted"@x.cn',
        "a@x.test", "a@example.com", "a@[127.0.0.1]", "a@-x.cn", "a@x.cn.", "A@X.CN",
        "user+tag@Gmail.com", "x" * 64 + "@a.cn", "x" * 65 + "@a.cn", "a@" + "b" * 250 + ".cn",
        "a@xn--fsq.com", "a@Bücher.de", "", "@", "a@b_c.cn",
    ]  # fmt: skip
    for raw in inputs:
        assert answer(normalize_email_fast, raw) == answer(normalize_email, raw), raw


# --- Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05", "2024-3-5", "2024/3/5", "2024/03/05", "2024.3.5", "20240305",
        "2024年3月5日", "2024年03月05日", "2024年3月5号", "05/03/2024", "5/3/2024", "05.03.2024",
        "05-03-2024", "Mar 5 2024", "Mar 5, 2024", "March 5, 2024", "March 5 2024", "5 Mar 2024",
        "5 March 2024", "05-Mar-2024", "2024-03-05 10:30:00", "2024/3/5 10:30", "45356",
        " 2024-03-05 ",
    ],
)  # fmt: skip
def test_common_chinese_and_english_dates_are_read(raw):
    assert parse_import_date(raw) == datetime.date(2024, 3, 5)


def test_slashed_dates_are_day_first_unless_the_file_is_month_first():
    assert parse_import_date("05/03/2024") == datetime.date(2024, 3, 5)
    assert parse_import_date("03/05/2024", month_first=True) == datetime.date(2024, 3, 5)
    # A day over twelve leaves one reading.
    assert parse_import_date("3/25/2024") == datetime.date(2024, 3, 25)
    assert parse_import_date("25/3/2024", month_first=True) == datetime.date(2024, 3, 25)


@pytest.mark.parametrize("raw", ["2024-02-30", "2024年13月1日", "13/13/2024", "next week", "2024"])
def test_impossible_dates_are_refused(raw):
    with pytest.raises(FieldError) as exc:
        parse_import_date(raw)

    assert str(exc.value) == f"“{raw}” is not a date (use YYYY-MM-DD)."


def test_date_without_year_is_refused_with_its_reason():
    with pytest.raises(FieldError) as exc:
        parse_import_date("--0305")

    assert str(exc.value) == "“--0305” has no year; a birthday needs one."


def test_import_reads_every_date_the_forms_read_the_same_way():
    day = datetime.date(2024, 3, 5)
    other = datetime.date(2024, 11, 23)
    for fmt in DATE_FORMATS:
        for date in (day, other):
            text = date.strftime(fmt)
            assert parse_import_date(text) == parse_date(text), text


# --- The cleaner: persons ------------------------------------------------------------------------


@pytest.mark.django_db
def test_clean_person_row_gives_model_values_and_match_keys():
    row = person_cleaner().clean(
        person_row(
            姓名="张伟",
            手机="+86 138 0013 8000 / 139-0013-9000",
            电话="010-65529988；13800138000",
            邮箱="ZW@Example.CN",
            公司="华为",
            性别="男",
            生日="1990年3月5日",
            城市="深圳",
            标签="VIP、展会客户",
            来源="展会",
        )
    )

    assert isinstance(row, CleanRow)
    assert row.fields == {
        "full_name": "张伟",
        "gender": "male",
        "birthday": datetime.date(1990, 3, 5),
        "birth_month": 3,
        "birth_day": 5,
        "city": "深圳",
        # No country column: the country of the row's numbers.
        "country": "CN",
        "source": "trade_show",
    }
    assert row.phones == ["+8613800138000", "+8613900139000", "+861065529988"]
    assert row.emails == ["zw@example.cn"]
    assert row.company_name == "华为"
    assert row.tags == ["VIP", "展会客户"]
    assert row.match_keys == [
        ("phone", "+8613800138000"),
        ("phone", "+8613900139000"),
        ("phone", "+861065529988"),
        ("email", "zw@example.cn"),
    ]


@pytest.mark.django_db
def test_invalid_values_leave_their_field_out_with_a_warning_naming_column_and_value():
    row = person_cleaner().clean(
        person_row(姓名="张伟", 手机="12345", 邮箱="zw@", 生日="2024-02-30", 性别="maybe")
    )

    assert isinstance(row, CleanRow)
    assert row.fields == {"full_name": "张伟"}
    assert row.phones == [] and row.emails == []
    assert row.raw_phones == [{"label": "mobile", "raw": "12345"}]
    assert row.warnings == [
        "手机: “12345” is not a valid phone number (read as a number of CN); it is kept as "
        "written, apart from the phone numbers.",
        "邮箱: “zw@” is not a valid email address.",
        "性别: “maybe” is not a valid choice.",
        "生日: “2024-02-30” is not a date (use YYYY-MM-DD).",
    ]


@pytest.mark.django_db
def test_one_bad_phone_among_several_keeps_the_good_ones():
    row = person_cleaner().clean(person_row(姓名="张伟", 手机="13800138000, 12345"))

    assert row.phones == ["+8613800138000"]
    assert row.raw_phones == [{"label": "mobile", "raw": "12345"}]
    assert len(row.warnings) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "code"),
    [("男", "male"), ("女士", "female"), ("Female", "female"), ("F", "female"),
     ("MALE", "male"), ("保密", "unknown"), ("other", "other")],
)  # fmt: skip
def test_gender_in_chinese_and_english(cell, code):
    assert person_cleaner().clean(person_row(姓名="张伟", 性别=cell)).fields["gender"] == code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "code"),
    [("展会", "trade_show"), ("Trade show", "trade_show"), ("trade_show", "trade_show"),
     ("TRADE-SHOW", "trade_show"), ("网站", "web"), ("微信", "social"), ("Referral", "referral")],
)  # fmt: skip
def test_source_in_chinese_and_english(cell, code):
    assert person_cleaner().clean(person_row(姓名="张伟", 来源=cell)).fields["source"] == code


@pytest.mark.django_db
def test_choices_are_read_by_their_chinese_label_whatever_the_current_language():
    cleaner = RowCleaner(
        "persons", {"姓名": "full_name", "阶段": "lifecycle_stage"}, columns=["姓名", "阶段"]
    )

    with translation.override("en"):
        english = cleaner.clean(["张伟", "成交客户"])
    with translation.override("zh-hans"):
        chinese = cleaner.clean(["张伟", "Repeat customer"])

    assert english.fields["lifecycle_stage"] == "customer"
    assert chinese.fields["lifecycle_stage"] == "repeat_customer"


@pytest.mark.django_db
def test_lead_status_in_chinese_and_english():
    cleaner = RowCleaner("leads", {"姓名": "full_name", "状态": "status"}, columns=["姓名", "状态"])

    assert cleaner.clean(["张伟", "已确认"]).fields["status"] == "qualified"
    assert cleaner.clean(["张伟", "Qualified"]).fields["status"] == "qualified"
    unknown = cleaner.clean(["张伟", "maybe"])
    assert unknown.fields == {"full_name": "张伟"}
    assert unknown.warnings == ["状态: “maybe” is not a valid choice."]


@pytest.mark.django_db
def test_outlook_empty_birthday_is_no_birthday_not_an_error():
    row = person_cleaner().clean(person_row(姓名="Emily Carter", 生日="0/0/00"))

    assert isinstance(row, CleanRow)
    assert "birthday" not in row.fields


@pytest.mark.django_db
def test_month_first_cleaner_reads_us_dates():
    row = person_cleaner(date_order="mdy").clean(person_row(姓名="Emily", 生日="3/5/1990"))

    assert row.fields["birthday"] == datetime.date(1990, 3, 5)


@pytest.mark.django_db
def test_name_is_split_or_joined():
    cleaner = RowCleaner(
        "persons",
        {"Name": "full_name", "First": "given_name", "Last": "family_name"},
        columns=["Name", "First", "Last"],
    )

    assert cleaner.clean(["Emily Carter", "", ""]).fields == {
        "full_name": "Emily Carter",
        "given_name": "Emily",
        "family_name": "Carter",
    }
    assert cleaner.clean(["", "伟", "张"]).fields == {
        "full_name": "张伟",
        "given_name": "伟",
        "family_name": "张",
    }
    assert cleaner.clean(["张伟", "", ""]).fields == {"full_name": "张伟"}


@pytest.mark.django_db
def test_row_with_nothing_to_tell_who_it_is_is_rejected():
    row = person_cleaner().clean(person_row(城市="深圳", 生日="1990-03-05"))

    assert isinstance(row, RejectedRow)
    assert row.reasons == ["Name: Enter a name."]


@pytest.mark.django_db
def test_row_without_a_name_but_a_phone_is_named_by_it_with_a_warning():
    row = person_cleaner().clean(person_row(手机="13800138000"))

    assert row.fields == {"full_name": "+8613800138000"}
    assert row.phones == ["+8613800138000"]
    assert row.warnings == ["The row has no name: “+8613800138000” is used as the name."]


# --- Over-long values ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_value_longer_than_its_field_rejects_the_row_instead_of_being_cut():
    row = person_cleaner().clean(person_row(姓名="张伟", 城市="市" * 65, 公司="公" * 201))

    assert row.reasons == [
        "公司: Use at most 200 characters (it has 201).",
        "城市: Use at most 64 characters (it has 65).",
    ]


@pytest.mark.django_db
def test_over_long_name_rejects_the_row():
    row = person_cleaner().clean(person_row(姓名="名" * 201))

    assert row.reasons == ["姓名: Use at most 200 characters (it has 201)."]


@pytest.mark.django_db
def test_over_long_name_made_of_its_parts_rejects_the_row():
    cleaner = RowCleaner("persons", {"名": "given_name", "姓": "family_name"}, columns=["名", "姓"])

    assert cleaner.clean(["名" * 100, "姓" * 101]).reasons == [
        "姓: Use at most 100 characters (it has 101)."
    ]
    assert cleaner.clean(["名" * 100, "姓" * 100]).fields["full_name"] == "姓" * 100 + "名" * 100
    # "Given Family" with its space is one character over.
    assert cleaner.clean(["g" * 100, "f" * 100]).reasons == [
        "Name: Use at most 200 characters (it has 201)."
    ]


@pytest.mark.django_db
def test_over_long_tag_rejects_the_row():
    row = person_cleaner().clean(person_row(姓名="张伟", 标签="VIP, " + "t" * 51))

    assert row.reasons == [
        "标签: The tag “tttttttttttttttttttt…” is too long: Use at most 50 characters (it has 51)."
    ]


@pytest.mark.django_db
def test_value_exactly_at_the_limit_is_kept():
    row = person_cleaner().clean(person_row(姓名="名" * 200, 城市="市" * 64))

    assert row.fields["full_name"] == "名" * 200
    assert row.fields["city"] == "市" * 64


# --- Rows of the wrong shape ---------------------------------------------------------------------


@pytest.mark.django_db
def test_row_longer_than_the_header_is_rejected():
    row = person_cleaner().clean([*person_row(姓名="张伟"), "extra"])

    assert row.reasons == ["The row has 11 values but the file has 10 columns."]


@pytest.mark.django_db
def test_row_with_empty_cells_past_the_header_or_cut_short_is_read():
    cleaner = person_cleaner()

    assert isinstance(cleaner.clean([*person_row(姓名="张伟"), "", " "]), CleanRow)
    assert cleaner.clean(["张伟", "13800138000"]).phones == ["+8613800138000"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("problem", "lines", "reason"),
    [
        ("undecodable", (3, 3), "Line 3 has characters that are not in the file's encoding."),
        ("undecodable", (3, 9), "Lines 3–9 have characters that are not in the file's encoding."),
        ("quoting", (4, 4), 'Line 4: a quote (") is not closed where it should be.'),
        ("quoting", (4, 6), 'Lines 4–6: a quote (") is not closed where it should be.'),
        ("too_long", (5, 5), "Line 5 has a value longer than 131072 characters."),
    ],
)
def test_flawed_row_is_rejected_with_its_problem(problem, lines, reason):
    row = person_cleaner().clean(FlawedRow(person_row(姓名="张伟"), problem, lines))

    assert row.reasons == [reason]


# --- Custom fields -------------------------------------------------------------------------------


def custom_field(key, field_type, **extra):
    return CustomFieldDefinition.objects.create(
        record_type=RecordType.PERSON, key=key, label=key.title(), field_type=field_type, **extra
    )


def custom_cleaner(*keys):
    columns = ["姓名", *keys]
    mapping = {"姓名": "full_name"} | {key: f"custom:{key}" for key in keys}
    return RowCleaner("persons", mapping, columns=columns)


@pytest.mark.django_db
def test_custom_values_are_checked_like_the_forms():
    custom_field("level", CustomFieldType.CHOICE, choices=["金卡", "银卡"])
    custom_field("hobbies", CustomFieldType.MULTI_CHOICE, choices=["茶", "咖啡", "酒"])
    custom_field("since", CustomFieldType.DATE)
    custom_field("vip", CustomFieldType.BOOLEAN)
    custom_field("score", CustomFieldType.NUMBER)
    cleaner = custom_cleaner("level", "hobbies", "since", "vip", "score")

    row = cleaner.clean(["张伟", "金卡", "茶、咖啡", "2020年1月2日", "是", "12.5"])

    assert row.fields["custom"] == {
        "level": "金卡",
        "hobbies": ["茶", "咖啡"],
        "since": "2020-01-02",
        "vip": True,
        "score": 12.5,
    }


@pytest.mark.django_db
def test_unknown_custom_field_choice_rejects_the_row():
    custom_field("level", CustomFieldType.CHOICE, choices=["金卡", "银卡"])
    custom_field("hobbies", CustomFieldType.MULTI_CHOICE, choices=["茶", "咖啡"])
    cleaner = custom_cleaner("level", "hobbies")

    row = cleaner.clean(["张伟", "铜卡", "茶, 可乐"])

    assert row.fields == {"full_name": "张伟"}
    assert row.warnings == [
        "level: “铜卡” is not one of the choices.",
        "hobbies: “可乐” is not one of the choices.",
    ]


@pytest.mark.django_db
def test_custom_text_over_the_form_limit_rejects_the_row():
    custom_field("memo", CustomFieldType.TEXT)
    cleaner = custom_cleaner("memo")

    assert cleaner.clean(["张伟", "x" * 1001]).reasons == ["memo: Use at most 1000 characters."]


@pytest.mark.django_db
def test_custom_values_agree_with_the_forms():
    definitions = [
        custom_field("level", CustomFieldType.CHOICE, choices=["金卡", "银卡"]),
        custom_field("vip", CustomFieldType.BOOLEAN),
        custom_field("score", CustomFieldType.NUMBER),
        custom_field("memo", CustomFieldType.TEXT),
    ]
    cleaner = custom_cleaner("level", "vip", "score", "memo")
    cells = [
        ["金卡", "yes", "7", "a"],
        ["银卡", "否", "1e3", "b"],
        ["金卡 ", "off", "-0.5", " c "],
    ]
    for values in cells:
        row = cleaner.clean(["张伟", *values])
        expected = {
            d.key: clean_custom_value(d, v.strip())
            for d, v in zip(definitions, values, strict=True)
        }
        assert row.fields["custom"] == expected, values


@pytest.mark.django_db
def test_required_custom_field_is_enforced_only_when_mapped():
    custom_field("level", CustomFieldType.CHOICE, choices=["金卡"], required=True)

    assert custom_cleaner("level").clean(["张伟", ""]).reasons == ["Level: This field is required."]
    unmapped = RowCleaner("persons", {"姓名": "full_name"}, columns=["姓名"])
    assert isinstance(unmapped.clean(["张伟"]), CleanRow)


# --- Other targets -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_company_needs_a_name_and_takes_one_phone():
    cleaner = RowCleaner(
        "companies",
        {"公司": "name", "电话": "phone", "网址": "website"},
        columns=["公司", "电话", "网址"],
    )

    row = cleaner.clean(["华为技术有限公司", "0755-28780808", "huawei.com"])
    assert row.fields == {
        "name": "华为技术有限公司",
        "phone": "+8675528780808",
        "website": "huawei.com",
    }
    assert row.match_keys == [("phone", "+8675528780808"), ("name", "华为技术有限公司")]
    assert cleaner.clean(["", "0755-28780808", ""]).reasons == ["name: This field is required."]
    # The forms' parser would keep the first number; an import never drops data silently: the
    # field is left out with a warning, the company imported.
    several = cleaner.clean(["华为", "0755-28780808; 13800138000", ""])
    assert several.fields == {"name": "华为"}
    assert several.warnings == [
        "电话: “0755-28780808; 13800138000” holds several values; this field takes one."
    ]


@pytest.mark.django_db
def test_lead_row_is_cleaned():
    columns = ["姓名", "公司", "手机", "预算", "来源"]
    mapping = dict(zip(columns, ["full_name", "company", "phone", "budget", "source"], strict=True))
    cleaner = RowCleaner("leads", mapping, columns=columns)

    row = cleaner.clean(["李娜", "字节跳动", "139 0013 9000", "¥12,800.50", "抖音"])

    assert row.fields == {
        "full_name": "李娜",
        "company_name": "字节跳动",
        "phone": "+8613900139000",
        "budget": Decimal("12800.50"),
        "source": "social",
    }
    assert row.match_keys == [("phone", "+8613900139000")]
    assert cleaner.clean(["", "字节跳动", "", "", ""]).reasons == ["Name: Enter a name."]


@pytest.mark.django_db
def test_product_row_is_cleaned():
    columns = ["货号", "名称", "单价", "启用"]
    mapping = dict(zip(columns, ["sku", "name", "unit_price", "is_active"], strict=True))
    cleaner = RowCleaner("products", mapping, columns=columns)

    row = cleaner.clean(["SKU-1", "茶叶", "1,280.50元", "是"])

    assert row.fields == {
        "sku": "SKU-1",
        "name": "茶叶",
        "unit_price": Decimal("1280.50"),
        "is_active": True,
        "currency": "CNY",
    }
    assert cleaner.clean(["SKU-2", "茶叶", "12.345", "maybe"]).reasons == [
        "单价: Use at most two decimal places.",
        "启用: Choose yes or no.",
    ]


# --- Building a cleaner --------------------------------------------------------------------------


@pytest.mark.django_db
def test_defaults_fill_empty_cells_and_are_checked_once():
    cleaner = person_cleaner(defaults={"source": "展会", "city": "北京"})

    assert cleaner.clean(person_row(姓名="张伟")).fields["source"] == "trade_show"
    assert cleaner.clean(person_row(姓名="张伟", 城市="上海")).fields["city"] == "上海"
    with pytest.raises(ValidationFailed) as exc:
        person_cleaner(defaults={"source": "nowhere", "shoe_size": "42"})
    assert exc.value.details == {
        "defaults.source": ["“nowhere” is not a valid choice."],
        "defaults.shoe_size": ["Unknown field."],
    }


@pytest.mark.django_db
def test_mapping_to_an_unknown_field_or_column_is_a_programming_error():
    with pytest.raises(ValueError):
        RowCleaner("persons", {"姓名": "shoe_size"}, columns=["姓名"])
    with pytest.raises(ValueError):
        RowCleaner("persons", {"名字": "full_name"}, columns=["姓名"])
    with pytest.raises(ValueError):
        RowCleaner("nonsense", {}, columns=[])


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "parts"),
    [
        ("Emily Carter", ("Emily", "Carter")),
        ("Carter, Emily", ("Emily", "Carter")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Madonna", ("", "")),
        ("张伟", ("", "")),
        ("欧阳 娜娜", ("", "")),
    ],
)
def test_split_name(full_name, parts):
    assert split_name(full_name) == parts


def test_join_name():
    assert join_name("伟", "张") == "张伟"
    assert join_name("Emily", "Carter") == "Emily Carter"
    assert join_name("", "Carter") == "Carter"
    assert join_name("Emily", "") == "Emily"


# --- Contact exports from file to clean rows -----------------------------------------------------


@pytest.mark.django_db
def test_google_contacts_file_is_cleaned_without_help(tmp_path):
    header = ["Name", "Given Name", "Family Name", "Birthday", "Group Membership",
              "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value",
              "Organization 1 - Name"]  # fmt: skip
    row = ["Emily Carter", "Emily", "Carter", "1990-03-05", "* myContacts ::: 客户",
           "* Work", "Emily@Example.com", "Mobile", "+86 138 0013 8000 ::: +86 139 0013 9000",
           "Acme"]  # fmt: skip
    path = tmp_path / "contacts.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    reader = open_table(path, original_name="contacts.csv")
    cleaner = RowCleaner.for_reader(reader, "persons", propose_mapping(reader.columns, "persons"))

    ((_number, values),) = list(reader.rows())
    clean = cleaner.clean(values)

    assert clean.fields == {
        "full_name": "Emily Carter",
        "given_name": "Emily",
        "family_name": "Carter",
        "birthday": datetime.date(1990, 3, 5),
        "birth_month": 3,
        "birth_day": 5,
    }
    assert clean.phones == ["+8613800138000", "+8613900139000"]
    assert clean.emails == ["emily@example.com"]
    assert clean.tags == ["客户"]
    assert clean.company_name == "Acme"


@pytest.mark.django_db
def test_outlook_file_from_chinese_windows_is_cleaned_without_help(tmp_path):
    header = ["First Name", "Middle Name", "Last Name", "Title", "Company", "Job Title",
              "Business Phone", "Mobile Phone", "E-mail Address", "Birthday",
              "Categories"]  # fmt: skip
    row = ["伟", "", "张", "先生", "华为", "经理", "(0755) 2878-0808", "138-0013-8000",
           "ZW@HUAWEI.COM", "0/0/00", "VIP;供应商"]  # fmt: skip
    path = tmp_path / "outlook.csv"
    # Outlook writes the system's ANSI code page: GBK on Chinese Windows.
    path.write_bytes((",".join(header) + "\r\n" + ",".join(row) + "\r\n").encode("gbk"))
    reader = open_table(path, original_name="outlook.csv")
    cleaner = RowCleaner.for_reader(reader, "persons", propose_mapping(reader.columns, "persons"))

    ((_number, values),) = list(reader.rows())
    clean = cleaner.clean(values)

    assert reader.encoding == "gb18030"
    assert clean.fields == {
        "full_name": "张伟",
        "given_name": "伟",
        "family_name": "张",
        "job_title": "经理",
        # Outlook's "Title" is the form of address, kept in the notes under its column's name.
        "notes": "Title: 先生",
    }
    assert clean.phones == ["+8613800138000", "+8675528780808"]
    assert clean.phone_labels == {"+8613800138000": "mobile", "+8675528780808": "work"}
    assert clean.emails == ["zw@huawei.com"]
    assert clean.tags == ["VIP", "供应商"]
    assert clean.company_name == "华为"


# --- The row's country, birthdays ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "country"),
    [
        ({"province": "WA", "postcode": "98101"}, "US"),
        ({"province": "California"}, "US"),
        ({"city": "Seattle"}, "US"),
        ({"city": "Los Angeles", "province": "CA"}, "US"),
        ({"text": "1600 Amphitheatre Pkwy\nMountain View, CA 94043"}, "US"),
        ({"province": "ON", "postcode": "K1A 0B1"}, "CA"),
        ({"province": "NSW", "postcode": "2000"}, "AU"),
        ({"postcode": "SW1A 1AA"}, "GB"),
        ({"province": "广东省"}, "CN"),
        ({"province": "香港"}, "HK"),
        # Not enough to tell: a state code without a ZIP code, a five-digit postcode alone
        ({"province": "CA"}, None),
        ({"postcode": "10115"}, None),
        ({"city": "Springfield"}, None),
    ],
)  # fmt: skip
def test_address_shows_its_country_only_when_it_says_so(parts, country):
    from rapport.dataio.services.imports.regions import address_country

    assert address_country(**parts) == country


@pytest.mark.django_db
def test_phone_without_plus_is_read_in_the_rows_country():
    cleaner = RowCleaner(
        "persons",
        {"Name": "full_name", "Phone": "phone", "State": "province", "Country": "country"},
        columns=["Name", "Phone", "State", "Country"],
    )

    american = cleaner.clean(["Emily Carter", "(212) 555-0199", "New York", ""])
    by_column = cleaner.clean(["Jonas Weber", "030 1234567", "", "Deutschland"])
    chinese_mobile = cleaner.clean(["张伟", "13800138000", "New York", ""])
    international = cleaner.clean(["Ana Ruiz", "+34 912 345 678", "New York", ""])

    assert (american.phones, american.fields["country"]) == (["+12125550199"], "US")
    assert by_column.phones == ["+49301234567"]
    # Not a number of the row's country but one of the default region's: read as that, said
    assert chinese_mobile.phones == ["+8613800138000"]
    assert chinese_mobile.warnings == [
        "Phone: “13800138000” is not a number of US, where the row is; it was read as a "
        "number of CN: +8613800138000."
    ]
    assert international.phones == ["+34912345678"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "fields"),
    [
        ("--07-14", {"birth_month": 7, "birth_day": 14}),
        ("--0714", {"birth_month": 7, "birth_day": 14}),
        ("07-14", {"birth_month": 7, "birth_day": 14}),
        ("7月14日", {"birth_month": 7, "birth_day": 14}),
        ("--02-29", {"birth_month": 2, "birth_day": 29}),
        ("1985-07-14", {"birthday": datetime.date(1985, 7, 14), "birth_month": 7, "birth_day": 14}),
    ],
)  # fmt: skip
def test_birthday_with_or_without_its_year(cell, fields):
    row = person_cleaner().clean(person_row(姓名="张伟", 生日=cell))

    assert row.fields == {"full_name": "张伟", **fields}
    assert row.warnings == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cell", "warning"),
    [
        ("2305-07-13", "生日: “2305-07-13” is in the future; a birthday cannot be."),
        ("1899-12-31", "生日: “1899-12-31” is before 1900; check the year."),
        ("19450493", "生日: “19450493” is not a date (use YYYY-MM-DD)."),
        ("--02-30", "生日: “--02-30” is not a day of the year (use --MM-DD)."),
    ],
)
def test_impossible_birthday_is_left_out_with_a_warning(cell, warning):
    row = person_cleaner().clean(person_row(姓名="张伟", 生日=cell))

    assert isinstance(row, CleanRow)
    assert row.fields == {"full_name": "张伟"}
    assert row.warnings == [warning]
