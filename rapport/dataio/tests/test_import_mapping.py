"""What an import can fill and the mapping proposed from a file's headers."""

import pytest

from rapport.customers.models import CustomFieldDefinition, CustomFieldType, RecordType
from rapport.dataio.services.imports.mapping import (
    SUPPORTED_TARGETS,
    SYNONYMS,
    detect_known_export,
    import_fields,
    normalize_header,
    not_imported,
    propose_mapping,
)
from rapport.dataio.services.imports.readers import VCARD_COLUMNS

pytestmark = pytest.mark.django_db


def header_row(text: str) -> list[str]:
    """The columns of an export's first line, as its CSV writes them (no quotes needed)."""
    return text.split(",")


GOOGLE_LEGACY = header_row(
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,"
    "Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,"
    "Priority,Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
    "E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,"
    "Phone 2 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,"
    "Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description,"
    "Website 1 - Type,Website 1 - Value"
)

GOOGLE_2024 = header_row(
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,"
    "Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value"
)

OUTLOOK = header_row(
    "First Name,Middle Name,Last Name,Title,Suffix,Initials,Web Page,Gender,Birthday,Anniversary,"
    "Location,Language,Internet Free Busy,Notes,E-mail Address,E-mail 2 Address,E-mail 3 Address,"
    "Primary Phone,Home Phone,Home Phone 2,Mobile Phone,Pager,Home Fax,Home Address,Home Street,"
    "Home Street 2,Home Street 3,Home Address PO Box,Home City,Home State,Home Postal Code,"
    "Home Country,Spouse,Children,Manager's Name,Assistant's Name,Referred By,"
    "Company Main Phone,Business Phone,Business Phone 2,Business Fax,Assistant's Phone,Company,"
    "Job Title,Department,Office Location,Organizational ID Number,Profession,Account,"
    "Business Address,Business Street,Business Street 2,Business Street 3,"
    "Business Address PO Box,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Other Phone,Other Fax,Other Address,Other Street,Other City,"
    "Other State,Other Postal Code,Other Country/Region,Callback,Car Phone,ISDN,Radio Phone,"
    "TTY/TDD Phone,Telex,User 1,User 2,User 3,User 4,Keywords,Mileage,Hobby,"
    "Billing Information,Directory Server,Sensitivity,Priority,Private,Categories"
)


def custom_field(record_type, key, label, field_type=CustomFieldType.TEXT, **extra):
    return CustomFieldDefinition.objects.create(
        record_type=record_type, key=key, label=label, field_type=field_type, **extra
    )


# --- Fields --------------------------------------------------------------------------------------


def test_person_fields_carry_the_rules_of_the_model():
    fields = {f.key: f for f in import_fields("persons")}

    assert fields["full_name"].max_length == 200
    assert fields["phone"].kind == "phone" and fields["phone"].repeatable
    assert fields["email"].kind == "email" and fields["email"].repeatable
    assert fields["birthday"].kind == "date"
    assert fields["province"].max_length == 64
    assert {code for code, _label in fields["gender"].choices} == {
        "unknown",
        "female",
        "male",
        "other",
    }
    assert fields["tags"].kind == "multi" and fields["tags"].max_length == 50


def test_company_and_lead_phones_are_single():
    assert not {f.key: f for f in import_fields("companies")}["phone"].repeatable
    assert not {f.key: f for f in import_fields("leads")}["phone"].repeatable


def test_required_fields_per_target():
    def required(target):
        return {f.key for f in import_fields(target) if f.required}

    assert required("persons") == set()
    assert required("companies") == {"name"}
    assert required("products") == {"sku", "name", "unit_price"}


def test_active_custom_fields_of_the_record_type_are_importable():
    custom_field(RecordType.PERSON, "wechat", "微信号")
    custom_field(RecordType.PERSON, "level", "等级", CustomFieldType.CHOICE, choices=["A", "B"])
    custom_field(RecordType.PERSON, "old", "旧字段", is_active=False)
    custom_field(RecordType.COMPANY, "tax_id", "税号")

    fields = {f.key: f for f in import_fields("persons")}

    assert "custom:wechat" in fields
    assert fields["custom:level"].kind == "choice"
    assert fields["custom:level"].choices == (("A", "A"), ("B", "B"))
    assert "custom:old" not in fields
    assert "custom:tax_id" not in fields
    assert "custom:tax_id" in {f.key for f in import_fields("companies")}


@pytest.mark.parametrize("target", ["nonsense", "contracts"])
def test_unsupported_target_is_refused(target):
    with pytest.raises(ValueError):
        import_fields(target)


def test_every_synonym_names_a_field_of_some_target():
    keys = {f.key for target in SUPPORTED_TARGETS for f in import_fields(target)}

    assert set(SYNONYMS) <= keys


# --- Headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "normalized"),
    [
        ("E-Mail", "email"),
        ("ＥＭＡＩＬ", "email"),
        ("（手机）", "手机"),
        ("【邮箱】：", "邮箱"),
        (" Job  Title ", "jobtitle"),
        ("Phone 1", "phone1"),
        ("电话2", "电话2"),
        ("", ""),
    ],
)
def test_normalize_header(header, normalized):
    assert normalize_header(header) == normalized


def test_chinese_headers_are_mapped_for_persons():
    columns = ["姓名", "手机", "电话", "邮箱", "公司", "省份", "城市", "区县", "地址", "邮编",
               "生日", "性别", "职位", "标签", "备注", "来源", "负责人", "客户编号"]  # fmt: skip

    assert propose_mapping(columns, "persons") == {
        "姓名": "full_name",
        "手机": "phone",
        "电话": "phone",
        "邮箱": "email",
        "公司": "company",
        "省份": "province",
        "城市": "city",
        "区县": "district",
        "地址": "street",
        "邮编": "postcode",
        "生日": "birthday",
        "性别": "gender",
        "职位": "job_title",
        "标签": "tags",
        "备注": "notes",
        "来源": "source",
        "负责人": "owner",
        "客户编号": "external_id",
    }


def test_other_chinese_wordings_are_mapped():
    columns = ["联系人", "手机号码", "座机", "电子邮箱", "单位名称", "省", "市", "出生日期"]

    assert propose_mapping(columns, "persons") == {
        "联系人": "full_name",
        "手机号码": "phone",
        "座机": "phone",
        "电子邮箱": "email",
        "单位名称": "company",
        "省": "province",
        "市": "city",
        "出生日期": "birthday",
    }


def test_english_headers_are_mapped_for_persons():
    columns = ["Name", "Mobile", "Phone", "E-mail", "Company", "State", "City", "ZIP",
               "Birthday", "Sex", "Job Title", "Tags", "Country"]  # fmt: skip

    assert propose_mapping(columns, "persons") == {
        "Name": "full_name",
        "Mobile": "phone",
        "Phone": "phone",
        "E-mail": "email",
        "Company": "company",
        "State": "province",
        "City": "city",
        "ZIP": "postcode",
        "Birthday": "birthday",
        "Sex": "gender",
        "Job Title": "job_title",
        "Tags": "tags",
        "Country": "country",
    }


def test_numbered_and_full_width_headers_are_mapped():
    columns = ["手机1", "手机2", "邮箱 1", "Phone 2", "（手机）", "ＥＭＡＩＬ"]

    assert propose_mapping(columns, "persons") == dict.fromkeys(
        ["手机1", "手机2", "Phone 2", "（手机）"], "phone"
    ) | dict.fromkeys(["邮箱 1", "ＥＭＡＩＬ"], "email")


def test_a_single_field_takes_only_the_first_matching_column():
    assert propose_mapping(["手机", "电话", "邮箱", "电子邮箱"], "leads") == {
        "手机": "phone",
        "邮箱": "email",
    }


def test_unknown_headers_are_left_out():
    assert propose_mapping(["姓名", "微信号", "Column 7", "#3", ""], "persons") == {
        "姓名": "full_name"
    }


def test_the_same_header_means_what_the_target_needs():
    assert propose_mapping(["公司"], "persons") == {"公司": "company"}
    assert propose_mapping(["公司"], "companies") == {"公司": "name"}
    assert propose_mapping(["客户名称"], "leads") == {"客户名称": "full_name"}
    assert propose_mapping(["客户名称"], "companies") == {"客户名称": "name"}
    assert propose_mapping(["公司名称", "英文名称", "网址"], "companies") == {
        "公司名称": "name",
        "英文名称": "english_name",
        "网址": "website",
    }


def test_product_headers_are_mapped():
    assert propose_mapping(["货号", "名称", "单价", "币种", "是否启用"], "products") == {
        "货号": "sku",
        "名称": "name",
        "单价": "unit_price",
        "币种": "currency",
        "是否启用": "is_active",
    }


def test_custom_fields_match_their_label_or_key():
    custom_field(RecordType.PERSON, "wechat", "微信号")
    custom_field(RecordType.PERSON, "vip_level", "会员等级")

    assert propose_mapping(["姓名", "微信号", "VIP Level"], "persons") == {
        "姓名": "full_name",
        "微信号": "custom:wechat",
        "VIP Level": "custom:vip_level",
    }


# --- Known exports -------------------------------------------------------------------------------


def test_google_contacts_legacy_export_is_mapped_without_help():
    mapping = propose_mapping(GOOGLE_LEGACY, "persons")

    assert detect_known_export(GOOGLE_LEGACY) == "google"
    # Every column lands somewhere: a field, the notes ("note_line", under the column's name
    # or the label beside it), or the list of columns not imported, with the reason.
    assert mapping == {
        "Name": "full_name",
        "Given Name": "given_name",
        "Additional Name": "middle_name",
        "Family Name": "family_name",
        "Yomi Name": "note_line",
        "Given Name Yomi": "note_line",
        "Additional Name Yomi": "note_line",
        "Family Name Yomi": "note_line",
        "Name Prefix": "note_line",
        "Name Suffix": "note_line",
        "Initials": "note_line",
        "Nickname": "nickname",
        "Short Name": "note_line",
        "Maiden Name": "note_line",
        "Birthday": "birthday",
        "Gender": "gender",
        "Location": "note_line",
        "Billing Information": "note_line",
        "Directory Server": "note_line",
        "Mileage": "note_line",
        "Occupation": "note_line",
        "Hobby": "note_line",
        "Subject": "note_line",
        "Notes": "notes",
        "Language": "note_line",
        "Group Membership": "tags",
        "E-mail 1 - Type": "contact_label",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Type": "contact_label",
        "E-mail 2 - Value": "email",
        "Phone 1 - Type": "contact_label",
        "Phone 1 - Value": "phone",
        "Phone 2 - Type": "contact_label",
        "Phone 2 - Value": "phone",
        "Address 1 - Type": "contact_label",
        "Address 1 - Formatted": "address_text",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - PO Box": "street",
        "Address 1 - Region": "province",
        "Address 1 - Postal Code": "postcode",
        "Address 1 - Country": "country",
        "Address 1 - Extended Address": "street",
        "Organization 1 - Name": "company",
        "Organization 1 - Yomi Name": "note_line",
        "Organization 1 - Title": "job_title",
        "Organization 1 - Department": "department",
        "Organization 1 - Symbol": "note_line",
        "Organization 1 - Location": "note_line",
        "Organization 1 - Job Description": "note_line",
        "Website 1 - Type": "contact_label",
        "Website 1 - Value": "website",
    }
    assert not_imported(GOOGLE_LEGACY, mapping) == {
        "Sensitivity": "a setting of Google Contacts, not data of the contact",
        "Priority": "a setting of Google Contacts, not data of the contact",
        "Photo": "a link to the contact's photo; photos are not kept",
        "Organization 1 - Type": "the kind of organisation entry (Work, Other)",
    }


def test_google_contacts_2024_export_is_mapped_without_help():
    mapping = propose_mapping(GOOGLE_2024, "persons")

    assert detect_known_export(GOOGLE_2024) == "google"
    assert mapping == {
        "First Name": "given_name",
        "Middle Name": "middle_name",
        "Last Name": "family_name",
        "Phonetic First Name": "note_line",
        "Phonetic Middle Name": "note_line",
        "Phonetic Last Name": "note_line",
        "Name Prefix": "note_line",
        "Name Suffix": "note_line",
        "Nickname": "nickname",
        "Organization Name": "company",
        "Organization Title": "job_title",
        "Organization Department": "department",
        "Birthday": "birthday",
        "Notes": "notes",
        "Labels": "tags",
        "E-mail 1 - Label": "contact_label",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Label": "contact_label",
        "E-mail 2 - Value": "email",
        "Phone 1 - Label": "contact_label",
        "Phone 1 - Value": "phone",
        "Phone 2 - Label": "contact_label",
        "Phone 2 - Value": "phone",
        "Address 1 - Label": "contact_label",
        "Address 1 - Formatted": "address_text",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - PO Box": "street",
        "Address 1 - Region": "province",
        "Address 1 - Postal Code": "postcode",
        "Address 1 - Country": "country",
        "Address 1 - Extended Address": "street",
        "Website 1 - Label": "contact_label",
        "Website 1 - Value": "website",
    }
    assert not_imported(GOOGLE_2024, mapping) == {
        "File As": "made by the exporting program from the name",
        "Photo": "a link to the contact's photo; photos are not kept",
    }


def test_outlook_export_is_mapped_without_help():
    mapping = propose_mapping(OUTLOOK, "persons")

    assert detect_known_export(OUTLOOK) == "outlook"
    # Outlook's "Title" is Mr. or Ms., not the job: it goes to the notes.
    assert mapping == {
        "First Name": "given_name",
        "Middle Name": "middle_name",
        "Last Name": "family_name",
        "Title": "note_line",
        "Suffix": "note_line",
        "Web Page": "website",
        "Gender": "gender",
        "Birthday": "birthday",
        "Anniversary": "note_line",
        "Location": "note_line",
        "Language": "note_line",
        "Notes": "notes",
        "E-mail Address": "email",
        "E-mail 2 Address": "email",
        "E-mail 3 Address": "email",
        "Primary Phone": "other_phone",
        "Home Phone": "home_phone",
        "Home Phone 2": "home_phone",
        "Mobile Phone": "phone",
        "Pager": "other_phone",
        "Home Fax": "fax",
        "Home Address": "home_address_text",
        "Home Street": "home_street",
        "Home Street 2": "home_street",
        "Home Street 3": "home_street",
        "Home Address PO Box": "home_street",
        "Home City": "home_city",
        "Home State": "home_province",
        "Home Postal Code": "home_postcode",
        "Home Country": "home_country",
        "Spouse": "note_line",
        "Children": "note_line",
        "Manager's Name": "note_line",
        "Assistant's Name": "note_line",
        "Referred By": "note_line",
        "Company Main Phone": "work_phone",
        "Business Phone": "work_phone",
        "Business Phone 2": "work_phone",
        "Business Fax": "fax",
        "Assistant's Phone": "note_line",
        "Company": "company",
        "Job Title": "job_title",
        "Department": "department",
        "Office Location": "note_line",
        "Organizational ID Number": "note_line",
        "Profession": "note_line",
        "Account": "note_line",
        "Business Address": "address_text",
        "Business Street": "street",
        "Business Street 2": "street",
        "Business Street 3": "street",
        "Business Address PO Box": "street",
        "Business City": "city",
        "Business State": "province",
        "Business Postal Code": "postcode",
        "Business Country/Region": "country",
        "Other Phone": "other_phone",
        "Other Fax": "fax",
        "Other Address": "other_address_text",
        "Other Street": "other_street",
        "Other City": "other_city",
        "Other State": "other_province",
        "Other Postal Code": "other_postcode",
        "Other Country/Region": "other_country",
        "Callback": "other_phone",
        "Car Phone": "other_phone",
        "ISDN": "other_phone",
        "Radio Phone": "other_phone",
        "TTY/TDD Phone": "other_phone",
        "Telex": "note_line",
        "User 1": "note_line",
        "User 2": "note_line",
        "User 3": "note_line",
        "User 4": "note_line",
        "Keywords": "note_line",
        "Mileage": "note_line",
        "Hobby": "note_line",
        "Billing Information": "note_line",
        "Directory Server": "note_line",
        "Categories": "tags",
    }
    assert not_imported(OUTLOOK, mapping) == {
        "Initials": "made by the exporting program from the name",
        "Internet Free Busy": "the address of the contact's calendar availability",
        "Sensitivity": "a setting of Outlook, not data of the contact",
        "Priority": "a setting of Outlook, not data of the contact",
        "Private": "a setting of Outlook, not data of the contact",
    }


def test_contact_export_imported_as_companies_takes_the_organisation():
    assert propose_mapping(GOOGLE_LEGACY, "companies")["Organization 1 - Name"] == "name"
    assert propose_mapping(OUTLOOK, "companies")["Company"] == "name"
    assert propose_mapping(VCARD_COLUMNS, "companies")["ORG"] == "name"


def test_vcard_columns_are_mapped_without_help():
    assert detect_known_export(VCARD_COLUMNS) == "vcard"
    assert propose_mapping(VCARD_COLUMNS, "persons") == {
        "FN": "full_name",
        "N.family": "family_name",
        "N.given": "given_name",
        "N.middle": "middle_name",
        "N.prefix": "note_line",
        "N.suffix": "note_line",
        "NICKNAME": "nickname",
        "TEL;CELL": "phone",
        "TEL;WORK": "work_phone",
        "TEL;HOME": "home_phone",
        "TEL;FAX": "fax",
        "TEL": "other_phone",
        "EMAIL": "email",
        "EMAIL;HOME": "home_email",
        "ORG": "company",
        "ORG.unit": "department",
        "TITLE": "job_title",
        "ROLE": "note_line",
        "ADR.country": "country",
        "ADR.region": "province",
        "ADR.locality": "city",
        "ADR.street": "street",
        "ADR.postcode": "postcode",
        "ADR;HOME.country": "home_country",
        "ADR;HOME.region": "home_province",
        "ADR;HOME.locality": "home_city",
        "ADR;HOME.street": "home_street",
        "ADR;HOME.postcode": "home_postcode",
        "ADR;OTHER.country": "other_country",
        "ADR;OTHER.region": "other_province",
        "ADR;OTHER.locality": "other_city",
        "ADR;OTHER.street": "other_street",
        "ADR;OTHER.postcode": "other_postcode",
        "BDAY": "birthday",
        "NOTE": "notes",
        "GENDER": "gender",
        "CATEGORIES": "tags",
        "URL": "website",
        "URL;MORE": "note_line",
        "UID": "external_id",
        "MORE": "note_line",
    }


@pytest.mark.parametrize(
    "columns",
    [
        ["姓名", "手机", "邮箱"],
        ["Name", "Phone", "Email"],
        # One Google mark is not enough.
        ["Name", "E-mail 1 - Value", "Phone"],
        # Outlook's marks without its name columns.
        ["Name", "Mobile Phone", "E-mail Address"],
    ],
)
def test_ordinary_headers_are_not_taken_for_a_known_export(columns):
    assert detect_known_export(columns) is None


def test_phones_by_kind_keep_their_kind_and_fall_back_where_there_is_one_phone():
    columns = ["姓名", "手机", "办公电话", "家庭电话", "传真", "私人邮箱"]

    assert propose_mapping(columns, "persons") == {
        "姓名": "full_name",
        "手机": "phone",
        "办公电话": "work_phone",
        "家庭电话": "home_phone",
        "传真": "fax",
        "私人邮箱": "home_email",
    }
    # A lead has one phone and one e-mail: the first phone column and the e-mail fill them.
    assert propose_mapping(columns, "leads") == {
        "姓名": "full_name",
        "手机": "phone",
        "私人邮箱": "email",
    }
