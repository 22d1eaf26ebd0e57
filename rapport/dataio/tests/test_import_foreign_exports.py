"""Contact exports as other programs write them (tests/data/imports/exports): Google Contacts,
English and Chinese Outlook, macOS Contacts and Android vCards. Each is imported with the
mapping proposed for it, nothing mapped by hand, and every stored value is compared; the dry
run names exactly the columns that have no place, with the reason."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create, person_create
from rapport.dataio.models import ImportStatus
from rapport.dataio.services.imports import jobs, undo
from rapport.dataio.services.imports.mapping import not_imported, propose_mapping
from rapport.dataio.services.imports.readers import open_table
from rapport.dataio.services.imports.rows import RowCleaner
from rapport.dataio.tests.test_import_jobs_helpers import csv_bytes, import_dir, upload  # noqa: F401
from rapport.webhooks import services as webhook_services

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).resolve().parents[3] / "tests" / "data" / "imports" / "exports"
FILES = ["google_contacts.csv", "outlook_en.csv", "outlook_zh.csv", "apple.vcf", "android.vcf"]


def dry_run_and_import(actor, name: str):
    """Upload the file, keep the proposed mapping, run the dry run, then the import."""
    job = upload(actor, (EXPORTS / name).read_bytes(), name=name)
    job = jobs.import_set_mapping(
        actor=actor, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )
    job = jobs.import_dry_run_start(actor=actor, job=job)
    dry = jobs.import_run(job.pk, dry_run=True)
    assert dry.status == ImportStatus.DRY_RUN_DONE
    job = jobs.import_start(actor=actor, job=dry)
    done = jobs.import_run(job.pk)
    assert done.status == ImportStatus.DONE
    return dry.dry_run, done


def person(full_name: str) -> dict:
    p = Person.objects.get(full_name=full_name)
    return {
        "given_name": p.given_name,
        "middle_name": p.middle_name,
        "family_name": p.family_name,
        "nickname": p.nickname,
        "gender": p.gender,
        "birthday": p.birthday,
        "birth_month_day": (p.birth_month, p.birth_day),
        "website": p.website,
        "notes": p.notes,
        "primary_phone": p.primary_phone,
        "primary_email": p.primary_email,
        "phones": list(p.phones.order_by("id").values_list("label", "number", "is_primary")),
        "emails": list(p.emails.order_by("id").values_list("label", "email", "is_primary")),
        "addresses": list(
            p.addresses.order_by("id").values_list(
                "label", "country", "province", "city", "district", "street", "postcode"
            )
        ),
        "jobs": list(
            p.employments.values_list("company__name", "job_title", "department", "is_primary")
        ),
        "tags": sorted(p.tags.values_list("name", flat=True)),
    }


def company(name: str) -> dict:
    c = Company.objects.get(name=name)
    return {
        "phone": c.phone,
        "email": c.email,
        "website": c.website,
        "notes": c.notes,
        "addresses": list(
            c.addresses.order_by("id").values_list(
                "label", "country", "province", "city", "district", "street", "postcode"
            )
        ),
        "employees": c.employments.count(),
    }


def bare_company(employees: int = 1) -> dict:
    """A company created for a person's employment: a name and nothing else."""
    return {
        "phone": "",
        "email": "",
        "website": "",
        "notes": "",
        "addresses": [],
        "employees": employees,
    }


# --- Every value stored ---------------------------------------------------------------------------


def test_google_contacts_export_stores_every_value(alice):
    # Given Google's own CSV: labelled phones, e-mails and two addresses, relations, events,
    # a custom field, and a company saved as a contact
    # When it is imported with the proposed mapping
    dry, job = dry_run_and_import(alice, "google_contacts.csv")

    # Then every value is where it belongs
    assert (job.created_count, job.rejected_count) == (3, 0)
    assert person("Emily Jane Carter") == {
        "given_name": "Emily",
        "middle_name": "Jane",
        "family_name": "Carter",
        "nickname": "Em",
        "gender": "unknown",
        "birthday": datetime.date(1985, 4, 12),
        "birth_month_day": (4, 12),
        "website": "https://www.northwind.example/emily",
        "notes": "Met at the Hannover fair.\nName Prefix: Dr.\nSpouse: Daniel Carter\n"
        "Anniversary: 2012-06-16\nCustomer no.: NW-1042",
        "primary_phone": "+12065550134",
        "primary_email": "emily.carter@northwind.example",
        "phones": [
            ("mobile", "+12065550134", True),
            ("work", "+12065550100", False),
            ("fax", "+12065550199", False),
        ],
        "emails": [
            ("work", "emily.carter@northwind.example", True),
            ("home", "emily.j.carter@mail.example", False),
        ],
        "addresses": [
            ("work", "US", "WA", "Seattle", "", "1200 Fifth Avenue, Suite 400", "98101"),
            ("home", "US", "WA", "Bellevue", "", "742 Evergreen Terrace", "98004"),
        ],
        "jobs": [("Northwind Traders", "Purchasing Manager", "Procurement", True)],
        "tags": ["Suppliers"],
    }
    # The first address is labelled Home: it is her home address, not a work one.
    assert person("李娜") == {
        "given_name": "娜",
        "middle_name": "",
        "family_name": "李",
        "nickname": "",
        "gender": "unknown",
        # No year: the month and day only.
        "birthday": None,
        "birth_month_day": (11, 2),
        "website": "",
        "notes": "",
        "primary_phone": "+8613800138000",
        "primary_email": "li.na@yuanjing.example.cn",
        "phones": [("mobile", "+8613800138000", True), ("home", "+862158881234", False)],
        "emails": [("work", "li.na@yuanjing.example.cn", True)],
        "addresses": [("home", "CN", "上海", "上海", "", "浦东新区世纪大道100号", "200120")],
        "jobs": [("上海远景贸易有限公司", "销售总监", "", True)],
        "tags": [],
    }
    assert company("Contoso Ltd") == {
        "phone": "+14255550100",
        "email": "info@contoso.example",
        "website": "https://contoso.example",
        "notes": "",
        "addresses": [("work", "US", "WA", "Redmond", "", "1 Microsoft Way", "98052")],
        "employees": 0,
    }
    assert company("Northwind Traders") == bare_company()
    assert Person.objects.count() == 2
    assert Company.objects.count() == 3
    assert (dry["created"], dry["company_rows"], dry["rejected"]) == (3, 1, 0)


def test_outlook_english_export_stores_every_value(alice):
    # Given English Outlook's CSV with all its 92 columns: business and home address, five
    # kinds of phone, two e-mails, and a company filed as a contact
    dry, job = dry_run_and_import(alice, "outlook_en.csv")

    # Then nothing of the person is lost and the company is a company
    assert (job.created_count, job.rejected_count) == (2, 0)
    assert person("Robert James Miller") == {
        "given_name": "Robert",
        "middle_name": "James",
        "family_name": "Miller",
        "nickname": "",
        "gender": "male",
        # Outlook's English export writes the US order: 7/4/1978 is 4 July.
        "birthday": datetime.date(1978, 7, 4),
        "birth_month_day": (7, 4),
        "website": "https://www.fabrikam.example",
        "notes": "Prefers calls after 10 am.\nTitle: Mr.\nSuffix: Jr.\n"
        "Assistant's Phone: +1 (415) 555-0110\nAssistant's Name: Linda Park\n"
        "Spouse: Karen Miller",
        "primary_phone": "+14155550177",
        "primary_email": "robert.miller@fabrikam.example",
        "phones": [
            ("mobile", "+14155550177", True),
            ("work", "+14155550123", False),
            ("home", "+15105550145", False),
            ("fax", "+14155550199", False),
        ],
        "emails": [
            ("work", "robert.miller@fabrikam.example", True),
            ("work", "bob.miller@mail.example", False),
        ],
        "addresses": [
            ("work", "US", "CA", "San Francisco", "", "400 Market Street, Floor 12", "94105"),
            ("home", "US", "CA", "Oakland", "", "55 Oak Lane", "94610"),
        ],
        "jobs": [("Fabrikam Inc.", "Account Executive", "Sales", True)],
        "tags": ["Customers"],
    }
    assert company("Litware Ltd") == {
        "phone": "+12125550100",
        "email": "office@litware.example",
        "website": "https://litware.example",
        # A company has one phone: the fax is kept in its notes.
        "notes": "Fax: +12125550101",
        "addresses": [("work", "US", "NY", "New York", "", "10 Hudson Yards", "10001")],
        "employees": 0,
    }
    assert company("Fabrikam Inc.") == bare_company()
    assert Company.objects.count() == 2
    assert (dry["created"], dry["company_rows"], dry["rejected"]) == (2, 1, 0)


def test_outlook_chinese_export_stores_every_value(alice):
    # Given a Chinese Outlook's CSV (Chinese headers, GBK)
    dry, job = dry_run_and_import(alice, "outlook_zh.csv")

    # Then it is read as GB18030 and stored like the English one
    assert job.encoding == "gb18030"
    assert (job.created_count, job.rejected_count) == (2, 0)
    assert person("张伟") == {
        "given_name": "伟",
        "middle_name": "",
        "family_name": "张",
        "nickname": "",
        "gender": "male",
        # Chinese Windows writes dates year first.
        "birthday": datetime.date(1980, 3, 5),
        "birth_month_day": (3, 5),
        "website": "https://www.huawei.example.cn",
        "notes": "重要客户，季度回访。\n配偶: 王芳",
        "primary_phone": "+8613800138000",
        "primary_email": "zhangwei@huawei.example.cn",
        "phones": [
            ("mobile", "+8613800138000", True),
            ("work", "+8675528780808", False),
            ("home", "+8675586661234", False),
            ("fax", "+8675528780809", False),
        ],
        "emails": [("work", "zhangwei@huawei.example.cn", True)],
        "addresses": [
            ("work", "CN", "广东省", "深圳", "", "坂田华为基地B区", "518129"),
            ("home", "CN", "广东省", "深圳", "", "南山区科技园南路88号", "518057"),
        ],
        "jobs": [("华为技术有限公司", "客户经理", "企业业务部", True)],
        "tags": [],
    }
    assert company("深圳市腾达电子有限公司") == {
        "phone": "+8675588886666",
        "email": "sales@tengda.example.cn",
        "website": "",
        "notes": "",
        "addresses": [("work", "CN", "广东省", "深圳", "", "宝安区西乡街道航城大道18号", "518126")],
        "employees": 0,
    }
    assert company("华为技术有限公司") == bare_company()
    assert (dry["created"], dry["company_rows"], dry["rejected"]) == (2, 1, 0)


def test_apple_vcard_stores_every_value(alice):
    # Given macOS Contacts' vCard 3.0: grouped properties with Apple's labels, two addresses in
    # the USA, US numbers written without +1, a photo, and a card shown as a company
    dry, job = dry_run_and_import(alice, "apple.vcf")

    assert (job.created_count, job.rejected_count) == (2, 0)
    assert person("Dr. John Michael Appleseed Jr.") == {
        "given_name": "John",
        "middle_name": "Michael",
        "family_name": "Appleseed",
        "nickname": "Johnny",
        "gender": "unknown",
        "birthday": datetime.date(1975, 2, 24),
        "birth_month_day": (2, 24),
        "website": "https://www.apple.example/john",
        "notes": "Met at WWDC.\nLikes sailing.\nName prefix: Dr.\nName suffix: Jr.\n"
        "Social profile: https://twitter.com/johnny\nAnniversary: 2005-06-18\n"
        "Spouse: Jane Appleseed",
        "primary_phone": "+14085550101",
        "primary_email": "john.appleseed@apple.example",
        "phones": [
            ("mobile", "+14085550101", True),
            ("work", "+14085550102", False),
            ("home", "+14085550103", False),
            ("other", "+14085550105", False),
            ("fax", "+14085550104", False),
        ],
        "emails": [
            ("work", "john.appleseed@apple.example", True),
            ("home", "johnny@icloud.example", False),
        ],
        "addresses": [
            ("work", "US", "CA", "Cupertino", "", "1 Apple Park Way", "95014"),
            ("home", "US", "CA", "San Jose", "", "20 Elm Street", "95112"),
        ],
        "jobs": [("Apple Inc.", "Senior Engineer", "Developer Relations", True)],
        "tags": [],
    }
    # X-ABShowAs:COMPANY: the card's name is the company's, not a person's.
    assert company("Blue Yonder Airlines") == {
        "phone": "+12065550180",
        "email": "contact@blueyonder.example",
        "website": "https://blueyonder.example",
        "notes": "",
        "addresses": [("work", "US", "WA", "Seattle", "", "900 Boeing Field", "98108")],
        "employees": 0,
    }
    assert not Person.objects.filter(full_name="Blue Yonder Airlines").exists()
    assert (dry["created"], dry["company_rows"]) == (2, 1)


def test_android_vcard_stores_every_value(alice):
    # Given Android's vCard 2.1: names in quoted-printable UTF-8 (one line folded with a soft
    # break), typed phones and e-mails, a nickname in Android's own property
    dry, job = dry_run_and_import(alice, "android.vcf")

    assert (job.created_count, job.rejected_count) == (2, 0)
    assert person("王芳") == {
        "given_name": "芳",
        "middle_name": "",
        "family_name": "王",
        "nickname": "小芳",
        "gender": "unknown",
        "birthday": datetime.date(1988, 8, 8),
        "birth_month_day": (8, 8),
        "website": "http://www.huacai.example.cn",
        "notes": "喜欢喝茶",
        "primary_phone": "+8613912345678",
        "primary_email": "wang.fang@huacai.example.cn",
        "phones": [
            ("mobile", "+8613912345678", True),
            ("work", "+861088886666", False),
            ("home", "+861066668888", False),
            ("fax", "+861088886667", False),
        ],
        "emails": [
            ("work", "wang.fang@huacai.example.cn", True),
            ("home", "wangfang@example.cn", False),
        ],
        "addresses": [
            ("work", "CN", "北京", "北京", "", "海淀区中关村大街1号", "100080"),
            ("home", "CN", "北京", "北京", "", "朝阳区建国路88号", "100022"),
        ],
        "jobs": [("北京华彩文化传播有限公司", "市场总监", "市场部", True)],
        "tags": [],
    }
    assert person("Maria Elena Lopez") == {
        "given_name": "Maria",
        "middle_name": "Elena",
        "family_name": "Lopez",
        "nickname": "",
        "gender": "unknown",
        "birthday": None,
        "birth_month_day": (None, None),
        "website": "",
        "notes": "relation: Carlos Lopez",
        "primary_phone": "+13055550147",
        "primary_email": "maria.lopez@oceanic.example",
        "phones": [("mobile", "+13055550147", True), ("work", "+13055550100", False)],
        "emails": [("work", "maria.lopez@oceanic.example", True)],
        "addresses": [("work", "US", "FL", "Miami", "", "2000 NW 42nd Ave", "33142")],
        "jobs": [("Oceanic Airlines", "Logistics Coordinator", "Cargo", True)],
        "tags": [],
    }
    assert dry["not_imported"] == []


# --- What is not imported -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "left_out"),
    [
        (
            "google_contacts.csv",
            {
                "File As": "made by the exporting program from the name",
                "Photo": "a link to the contact's photo; photos are not kept",
            },
        ),
        (
            "outlook_en.csv",
            {
                "E-mail Type": "the kind of e-mail address (SMTP), always the same",
                "E-mail Display Name": "the name shown with the e-mail address, made from both",
                "E-mail 2 Type": "the kind of e-mail address (SMTP), always the same",
                "E-mail 2 Display Name": "the name shown with the e-mail address, made from both",
                "Initials": "made by the exporting program from the name",
                "Priority": "a setting of Outlook, not data of the contact",
                "Private": "a setting of Outlook, not data of the contact",
                "Sensitivity": "a setting of Outlook, not data of the contact",
            },
        ),
        (
            "outlook_zh.csv",
            {
                "电子邮件类型": "the kind of e-mail address (SMTP), always the same",
                "电子邮件显示名称": "the name shown with the e-mail address, made from both",
                "敏感度": "a setting of Outlook, not data of the contact",
                "私有": "a setting of Outlook, not data of the contact",
                "缩写": "made by the exporting program from the name",
                "优先级": "a setting of Outlook, not data of the contact",
            },
        ),
        (
            "apple.vcf",
            {
                "PHOTO": "a link to the contact's photo; photos are not kept",
                "X-ABUID": "an identifier of Apple Contacts, not data of the contact",
            },
        ),
        ("android.vcf", {}),
    ],
)
def test_dry_run_names_exactly_the_columns_that_have_no_place(alice, name, left_out):
    # When the file's dry run has run with the proposed mapping
    dry, _job = dry_run_and_import(alice, name)

    # Then the columns holding values that no field takes are listed with their reason, in the
    # file's order, and no other
    assert [(item["column"], item["reason"]) for item in dry["not_imported"]] == list(
        left_out.items()
    )


@pytest.mark.parametrize("name", FILES)
def test_every_column_of_an_export_is_mapped_or_has_a_reason(name, tmp_path):
    # Given an export's columns (all of them, also those empty in this file)
    reader = open_table(EXPORTS / name, original_name=name)
    mapping = propose_mapping(reader.columns, "persons")

    # Then each is mapped, or listed with a reason of the export's own, never "no field chosen"
    reasons = not_imported(reader.columns, mapping)
    assert set(mapping) | set(reasons) == set(reader.columns)
    assert "no field was chosen for it" not in reasons.values()


def test_a_column_the_user_unmaps_is_listed_as_not_chosen(alice):
    # Given Outlook's file with its notes column taken out of the mapping
    job = upload(alice, (EXPORTS / "outlook_en.csv").read_bytes(), name="outlook_en.csv")
    mapping = {c: k for c, k in job.mapping.items() if c != "Notes"}
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=mapping, defaults={}, mode="create", match_on="email"
    )

    # When the dry run runs
    job = jobs.import_dry_run_start(actor=alice, job=job)
    dry = jobs.import_run(job.pk, dry_run=True).dry_run

    # Then the dry run says so
    assert {"column": "Notes", "reason": "no field was chosen for it"} in dry["not_imported"]


def test_import_page_lists_the_columns_not_imported_and_the_company_rows(alice, client):
    # Given the dry run of English Outlook's file
    job = upload(alice, (EXPORTS / "outlook_en.csv").read_bytes(), name="outlook_en.csv")
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )
    job = jobs.import_dry_run_start(actor=alice, job=job)
    jobs.import_run(job.pk, dry_run=True)

    # When the import's page is shown
    client.force_login(alice)
    html = client.get(reverse("dataio:import_status", args=[job.pk])).content.decode()

    # Then it names each column left out with its reason, and the rows that become companies
    assert html.count('data-testid="dry-run-not-imported-column"') == 8
    assert "<strong>Initials</strong>: made by the exporting program from the name" in html
    assert "1 row names a company and no person" in html


def test_an_update_adds_the_addresses_a_person_lacks_and_its_undo_takes_them_away(
    alice, django_capture_on_commit_callbacks
):
    # Given Emily, already a customer with her work e-mail and her work address
    emily = person_create(
        actor=alice,
        data={
            "full_name": "Emily Carter",
            "emails": [{"email": "emily.carter@northwind.example"}],
            "addresses": [
                {
                    "label": "work",
                    "country": "US",
                    "province": "WA",
                    "city": "Seattle",
                    "street": "1200 Fifth Avenue, Suite 400",
                    "postcode": "98101",
                }
            ],
        },
    )
    addresses = ("label", "city", "street")

    # When Google's file is imported over the customers, matched on e-mail
    job = upload(alice, (EXPORTS / "google_contacts.csv").read_bytes(), name="google.csv")
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=job.mapping, defaults={}, mode="upsert", match_on="email"
    )
    job = jobs.import_run(jobs.import_start(actor=alice, job=job).pk)

    # Then her home address is added beside the work address she had, which is not doubled
    assert (job.updated_count, job.created_count) == (1, 2)
    assert list(emily.addresses.order_by("id").values_list(*addresses)) == [
        ("work", "Seattle", "1200 Fifth Avenue, Suite 400"),
        ("home", "Bellevue", "742 Evergreen Terrace"),
    ]

    # And the import's undo takes away only what it added
    with django_capture_on_commit_callbacks(execute=False):
        undo.import_undo(actor=alice, job=job)
    assert undo.import_undo_run(job.pk).status == ImportStatus.UNDONE
    assert list(emily.addresses.values_list(*addresses)) == [
        ("work", "Seattle", "1200 Fifth Avenue, Suite 400")
    ]


def test_dry_run_api_lists_the_columns_not_imported_and_the_company_rows(alice):
    # Given the dry run of Apple's vCard file
    job = upload(alice, (EXPORTS / "apple.vcf").read_bytes(), name="apple.vcf")
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )
    jobs.import_run(jobs.import_dry_run_start(actor=alice, job=job).pk, dry_run=True)

    # When its result is read through the API
    result = client_for(alice).get(f"/imports/{job.pk}/dry-run").json()

    # Then the properties no field takes are named with their reasons, and the company card
    # is counted
    assert result["not_imported"] == [
        {"column": "PHOTO", "reason": "a link to the contact's photo; photos are not kept"},
        {
            "column": "X-ABUID",
            "reason": "an identifier of Apple Contacts, not data of the contact",
        },
    ]
    assert result["company_rows"] == 1


# --- Company-only rows ----------------------------------------------------------------------------


def test_company_only_row_finds_the_company_the_user_already_has(alice):
    # Given a company of that name the user sees
    litware = company_create(actor=alice, data={"name": "Litware Ltd", "phone": "+12125550177"})

    # When Outlook's file, which holds Litware as a contact, is imported
    _dry, job = dry_run_and_import(alice, "outlook_en.csv")

    # Then no second Litware is made, and the one there is left as it was
    assert Company.objects.filter(name="Litware Ltd").count() == 1
    litware.refresh_from_db()
    assert litware.phone == "+12125550177"
    assert job.rejected_count == 0


def test_job_title_without_a_company_is_kept_in_the_notes(tmp_path):
    # Given a contact with a job title and a department but no company
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["First Name", "Last Name", "Job Title", "Department", "Notes"],
                ["Ann", "Lee", "Buyer", "Purchasing", "Call first."],
            ]
        )
    )
    reader = open_table(path, original_name="contacts.csv")
    cleaner = RowCleaner.for_reader(reader, "persons", propose_mapping(reader.columns, "persons"))

    # When the row is cleaned (in English)
    ((_number, values),) = list(reader.rows())
    with translation.override("en"):
        row = cleaner.clean(values)

    # Then there is no employment to put them on: they go to the notes, after the notes given
    assert row.company_name == ""
    assert "job_title" not in row.fields
    assert row.fields["notes"] == "Call first.\nJob title: Buyer\nDepartment: Purchasing"


# --- Queries -------------------------------------------------------------------------------------


def _statements_of_import(actor, rows, *, mode: str = "create") -> int:
    job = upload(actor, rows, name="outlook.csv")
    job = jobs.import_set_mapping(
        actor=actor, job=job, mapping=job.mapping, defaults={}, mode=mode, match_on="email"
    )
    job = jobs.import_start(actor=actor, job=job)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        job = jobs.import_run(job.pk, batch_size=1000)
    assert (job.status, job.rejected_count) == (ImportStatus.DONE, 0)
    return len(statements)


QUERY_HEADER = ["First Name", "Middle Name", "Last Name", "Company", "Department", "Job Title",
                "Business Street", "Business City", "Home Street", "Home City", "Mobile Phone",
                "Business Phone", "Home Phone", "Business Fax", "E-mail Address",
                "Spouse"]  # fmt: skip


def outlook_rows(n: int, start: int, home: str = "Elm St") -> list[list[str]]:
    """Outlook-shaped rows, every third a company filed as a contact."""
    out = [QUERY_HEADER]
    for i in range(start, start + n):
        if i % 3 == 0:
            out.append(["", "", "", f"Firma {i}", "", "", f"{i} Main St", "Springfield",
                        "", "", "", f"+1 217 555 {i:04d}", "", "", f"f{i}@example.com",
                        ""])  # fmt: skip
        else:
            out.append([f"Ann{i}", "Q", "Lee", f"Firma {i}", "Sales", "Buyer",
                        f"{i} Main St", "Springfield", f"{i} {home}", "Shelbyville",
                        f"+1 312 555 {i:04d}", f"+1 217 555 {i:04d}",
                        f"+1 217 556 {i:04d}", f"+1 217 557 {i:04d}",
                        f"ann{i}@example.com", "Bob"])  # fmt: skip
    return out


def test_addresses_phones_and_company_rows_take_the_same_queries_whatever_the_batch_size(
    alice, monkeypatch
):
    # Given the per-process caches warm (webhook subscriptions, content types), and the same
    # kind of rows, 6 and 30 of them, in one batch each: at least two companies each, since a
    # single changed record is announced on its own, not as a batch (records_changed). The
    # subscriptions are read again after 15 s, which three imports on a loaded machine can
    # outlast (one statement more in CI): they stay warm for the test.
    monkeypatch.setattr(webhook_services, "SUBSCRIPTION_CACHE_SECONDS", 3600)
    monkeypatch.setattr(webhook_services, "_cache", None)
    _statements_of_import(alice, outlook_rows(3, 500))
    small = _statements_of_import(alice, outlook_rows(6, 0))
    large = _statements_of_import(alice, outlook_rows(30, 100))

    # Then the writer sends as many statements for either
    assert small == large


def test_updates_adding_addresses_take_the_same_queries_whatever_the_batch_size(alice):
    # Given 3 and 30 persons imported, then their rows again with a new home address each
    _statements_of_import(alice, outlook_rows(3, 0))
    _statements_of_import(alice, outlook_rows(30, 100))
    small = _statements_of_import(alice, outlook_rows(3, 0, "Oak Ave"), mode="upsert")
    large = _statements_of_import(alice, outlook_rows(30, 100, "Oak Ave"), mode="upsert")

    # Then each person has both home addresses, and either batch took as many statements
    assert Person.objects.get(given_name="Ann1").addresses.filter(label="home").count() == 2
    assert small == large


def test_vcard_properties_read_nowhere_are_named_with_their_reason(alice):
    # Given an Outlook vCard: a mailing label repeating the address, a free/busy address and a
    # property no one knows
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Miller;Robert\r\nFN:Robert Miller\r\n"
        "ADR;WORK:;;400 Market Street;San Francisco;CA;94105;United States\r\n"
        "LABEL;WORK;ENCODING=QUOTED-PRINTABLE:400 Market Street=0D=0ASan Francisco\r\n"
        "FBURL:https://freebusy.fabrikam.example/robert\r\nX-FOO:bar\r\nEND:VCARD\r\n"
    )
    job = upload(alice, card.encode(), name="robert.vcf")
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )

    # When its dry run runs
    dry = jobs.import_run(jobs.import_dry_run_start(actor=alice, job=job).pk, dry_run=True)

    # Then each is listed by name, with why it is left out
    assert dry.dry_run["not_imported"] == [
        {
            "column": "FBURL",
            "reason": "the address of the contact's calendar availability",
        },
        {
            "column": "LABEL",
            "reason": "the address written out for a mailing label; the address is read",
        },
        {"column": "X-FOO", "reason": "no field for it"},
    ]
