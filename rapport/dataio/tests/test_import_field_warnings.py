"""Field-level rejection: a contact is imported without the one field that fails, with a warning
on the row (in a file beside the rejected rows, on the job's page, downloadable); phone numbers
and addresses are read in the row's own country; birthdays without a year are month and day."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse

from rapport.customers.models import Address, Company, Person, PersonPhone
from rapport.customers.services import person_create
from rapport.dataio.models import ImportStatus
from rapport.dataio.selectors.health import health_report
from rapport.dataio.services.imports import jobs
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    import_dir,
    mapped,
    run,
    upload,
)


def imported(actor, content: bytes, name: str):
    """Upload a file, keep the proposed mapping and import it."""
    job = upload(actor, content, name=name)
    job = jobs.import_set_mapping(
        actor=actor, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )
    return run(job)


def warnings_file(job) -> list[list[str]]:
    body = b"".join(jobs.warned_rows_download(job).chunks).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def stored(full_name: str) -> dict:
    person = Person.objects.get(full_name=full_name)
    return {
        "phones": list(person.phones.order_by("pk").values_list("label", "number")),
        "emails": list(person.emails.values_list("email", flat=True)),
        "birthday": person.birthday,
        "birth_month": person.birth_month,
        "birth_day": person.birth_day,
        "raw_phones": person.raw_phones,
        "addresses": list(
            Address.objects.filter(person=person).values_list("label", "city", "country")
        ),
    }


# --- Country before phone ------------------------------------------------------------------------


@pytest.mark.django_db
def test_vcard_with_a_us_address_keeps_its_work_number_american(alice):
    # Given an Apple-style vCard of a contact in New York, the number written without +1
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Carter;Emily;;;\r\nFN:Emily Carter\r\n"
        "TEL;TYPE=WORK:(212) 555-0199\r\n"
        "ADR;TYPE=WORK:;;350 Fifth Avenue;New York;NY;10118;\r\n"
        "EMAIL;TYPE=INTERNET:emily@example.com\r\nBDAY:--0714\r\nEND:VCARD\r\n"
    )

    # When it is imported
    job = imported(alice, card.encode(), "emily.vcf")

    # Then the number is New York's, not Shanghai's, the address is in the US, and the
    # birthday without a year is its month and day
    assert (job.created_count, job.rejected_count, job.warned_count) == (1, 0, 0)
    assert stored("Emily Carter") == {
        "phones": [("work", "+12125550199")],
        "emails": ["emily@example.com"],
        "birthday": None,
        "birth_month": 7,
        "birth_day": 14,
        "raw_phones": [],
        "addresses": [("work", "New York", "US")],
    }


@pytest.mark.django_db
def test_outlook_row_with_a_us_address_keeps_its_number_and_its_country(alice):
    # Given an Outlook export row: a California business address without a country
    header = ["First Name", "Last Name", "Mobile Phone", "Business City", "Business State",
              "Business Postal Code", "E-mail Address"]  # fmt: skip
    row = ["Olivia", "Brown", "(650) 555-0100", "Mountain View", "CA", "94043",
           "olivia@example.com"]  # fmt: skip

    # When it is imported
    job = imported(alice, _csv([header, row]), "contacts.csv")

    # Then the whole contact is there, the number read as American
    assert (job.created_count, job.rejected_count, job.warned_count) == (1, 0, 0)
    assert stored("Olivia Brown")["phones"] == [("mobile", "+16505550100")]
    assert stored("Olivia Brown")["addresses"] == [("work", "Mountain View", "US")]


@pytest.mark.django_db
def test_a_city_alone_or_a_country_column_says_where_the_row_is(alice):
    # Given rows whose address names only Seattle, or whose country column says Germany
    rows = [
        ["Name", "Phone", "City", "Country"],
        ["Liam Smith", "(206) 555-0142", "Seattle", ""],
        ["Jonas Weber", "030 1234567", "Berlin", "Germany"],
        ["张伟", "138 0013 8000", "深圳", ""],
    ]
    mapping = {"Name": "full_name", "Phone": "phone", "City": "city", "Country": "country"}

    # When they are imported
    job = run(mapped(alice, rows, mapping))

    # Then each number and address is of the row's country; a row that says nothing keeps the
    # installation's default
    assert (job.created_count, job.warned_count) == (3, 0)
    assert stored("Liam Smith")["phones"] == [("mobile", "+12065550142")]
    assert stored("Liam Smith")["addresses"] == [("work", "Seattle", "US")]
    assert stored("Jonas Weber")["phones"] == [("mobile", "+49301234567")]
    assert stored("Jonas Weber")["addresses"] == [("work", "Berlin", "DE")]
    assert stored("张伟")["phones"] == [("mobile", "+8613800138000")]
    assert stored("张伟")["addresses"] == [("work", "深圳", "CN")]


@pytest.mark.django_db
def test_a_number_valid_nowhere_is_kept_as_written_with_a_warning(alice):
    # Given a row whose second number is no number of any country
    rows = [["姓名", "手机", "邮箱"], ["王芳", "13800138002 / 12345", "wf@example.cn"]]

    # When it is imported
    job = run(mapped(alice, rows, {"姓名": "full_name", "手机": "phone", "邮箱": "email"}))

    # Then the contact and its good number are there, the other kept as written
    assert (job.created_count, job.rejected_count, job.warned_count) == (1, 0, 1)
    person = stored("王芳")
    assert person["phones"] == [("mobile", "+8613800138002")]
    assert person["raw_phones"] == [{"label": "mobile", "raw": "12345"}]
    assert warnings_file(job) == [
        ["姓名", "手机", "邮箱", "Row", "Warnings"],
        [
            "王芳",
            "13800138002 / 12345",
            "wf@example.cn",
            "2",
            "手机: “12345” is not a valid phone number (read as a number of CN); it is kept "
            "as written, apart from the phone numbers.",
        ],
    ]


# --- Field-level rejection and birthdays ---------------------------------------------------------


GOOGLE_HEADER = ["Name", "Given Name", "Family Name", "Birthday", "E-mail 1 - Type",
                 "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value"]  # fmt: skip


@pytest.mark.django_db
def test_google_export_rows_lose_only_the_field_that_fails(alice):
    # Given a Google Contacts export: a birthday without a year, a bad e-mail beside a good
    # phone, a birthday in the future, an impossible date
    rows = [
        GOOGLE_HEADER,
        ["Ava Jones", "Ava", "Jones", "--07-14", "* Home", "ava@example.com", "Mobile",
         "+1 415 555 0101"],
        ["Noah Lee", "Noah", "Lee", "1985-03-02", "* Work", "noah@@example", "Mobile",
         "+1 415 555 0102"],
        ["Mia Chen", "Mia", "Chen", "2305-07-13", "", "", "Mobile", "+1 415 555 0103"],
        ["Leo Wang", "Leo", "Wang", "19450493", "", "leo@example.com", "", ""],
    ]  # fmt: skip

    # When the file is imported
    job = imported(alice, _csv(rows), "contacts.csv")

    # Then every contact is there, each without only the field that failed
    assert (job.created_count, job.rejected_count, job.warned_count) == (4, 0, 3)
    assert stored("Ava Jones") | {"phones": None} == {
        "phones": None,
        "emails": ["ava@example.com"],
        "birthday": None,
        "birth_month": 7,
        "birth_day": 14,
        "raw_phones": [],
        "addresses": [],
    }
    noah = stored("Noah Lee")
    assert (noah["emails"], noah["phones"]) == ([], [("mobile", "+14155550102")])
    assert (noah["birthday"], noah["birth_month"], noah["birth_day"]) == (
        datetime.date(1985, 3, 2),
        3,
        2,
    )
    mia = stored("Mia Chen")
    assert (mia["birthday"], mia["birth_month"], mia["birth_day"]) == (None, None, None)
    assert mia["phones"] == [("mobile", "+14155550103")]
    leo = stored("Leo Wang")
    assert (leo["birthday"], leo["birth_month"], leo["emails"]) == (
        None,
        None,
        ["leo@example.com"],
    )
    # And the warnings file holds those rows as they were written, with why
    lines = warnings_file(job)
    assert lines[0] == [*GOOGLE_HEADER, "Row", "Warnings"]
    assert [line[len(GOOGLE_HEADER) :] for line in lines[1:]] == [
        ["3", "E-mail 1 - Value: “noah@@example” is not a valid email address."],
        ["4", "Birthday: “2305-07-13” is in the future; a birthday cannot be."],
        ["5", "Birthday: “19450493” is not a date (use YYYY-MM-DD)."],
    ]
    assert lines[1][: len(GOOGLE_HEADER)] == rows[2]


@pytest.mark.django_db
def test_a_birthday_before_1900_is_left_out_with_a_warning(alice):
    rows = [["姓名", "生日"], ["张老", "1850-01-01"], ["李四", "7月14日"]]

    job = run(mapped(alice, rows, {"姓名": "full_name", "生日": "birthday"}))

    assert (job.created_count, job.warned_count) == (2, 1)
    assert stored("张老")["birthday"] is None
    assert (stored("李四")["birth_month"], stored("李四")["birth_day"]) == (7, 14)
    assert warnings_file(job)[1][-1] == "生日: “1850-01-01” is before 1900; check the year."


@pytest.mark.django_db
def test_only_a_row_with_nothing_to_tell_who_it_is_is_rejected(alice):
    # Given a row with only an e-mail, one with only a bad e-mail and a city
    rows = [["姓名", "邮箱", "城市"], ["", "solo@example.com", ""], ["", "bad", "深圳"]]

    # When they are imported
    job = run(mapped(alice, rows, {"姓名": "full_name", "邮箱": "email", "城市": "city"}))

    # Then the first is a person named by the e-mail, the second rejected with both reasons
    assert (job.created_count, job.rejected_count, job.warned_count) == (1, 1, 1)
    assert stored("solo@example.com")["emails"] == ["solo@example.com"]
    text = b"".join(jobs.rejected_rows_download(job).chunks).decode("utf-8-sig")
    assert text.splitlines()[1] == (
        ",bad,深圳,3,Name: Enter a name. 邮箱: “bad” is not a valid email address."
    )


@pytest.mark.django_db
def test_an_update_with_a_yearless_birthday_on_another_day_clears_the_old_date(alice):
    # Given a person with a full birthday and an unrecognised number kept from before
    person = person_create(
        actor=alice,
        data={"full_name": "老客户", "emails": [{"email": "old@example.cn"}]},
    )
    Person.objects.filter(pk=person.pk).update(
        birthday=datetime.date(1980, 3, 2),
        birth_month=3,
        birth_day=2,
        raw_phones=[{"label": "work", "raw": "0000"}],
    )
    rows = [["姓名", "邮箱", "生日", "手机"], ["老客户", "old@example.cn", "--07-14", "99"]]

    # When a file says the birthday is 14 July (no year) and gives a number valid nowhere
    job = run(
        mapped(
            alice,
            rows,
            {"姓名": "full_name", "邮箱": "email", "生日": "birthday", "手机": "phone"},
            mode="upsert",
        )
    )

    # Then the old date goes (it is not that day), and the warning says the number was dropped
    # (too short to be kept as one)
    assert job.updated_count == 1
    after = stored("老客户")
    assert (after["birthday"], after["birth_month"], after["birth_day"]) == (None, 7, 14)
    assert after["raw_phones"] == [{"label": "work", "raw": "0000"}]
    assert job.warned_count == 1


# --- The report ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_job_page_reports_the_rows_imported_with_warnings_and_offers_them(alice, client):
    # Given an import with one row whose e-mail failed
    rows = [["姓名", "手机", "邮箱"], ["王芳", "13800138002", "not-an-email"]]
    job = run(mapped(alice, rows, {"姓名": "full_name", "手机": "phone", "邮箱": "email"}))
    client.force_login(alice)

    # When its page is shown and the warnings downloaded
    html = client.get(reverse("dataio:import_detail", args=[job.pk])).content.decode()
    download = client.get(reverse("dataio:import_warnings", args=[job.pk]))

    # Then the count, the row and the link are there, and the file holds the row
    assert job.status == ImportStatus.DONE
    assert 'data-testid="import-warned">1<' in html
    assert html.count('data-testid="import-warned-rows-row"') == 1
    assert "“not-an-email” is not a valid email address." in html
    assert reverse("dataio:import_warnings", args=[job.pk]) in html
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8")
    assert body.splitlines()[1] == (
        "王芳,13800138002,not-an-email,2,邮箱: “not-an-email” is not a valid email address."
    )


@pytest.mark.django_db
def test_warnings_of_another_users_import_are_not_found(alice, charlie, client):
    rows = [["姓名", "邮箱"], ["王芳", "not-an-email"]]
    job = run(mapped(alice, rows, {"姓名": "full_name", "邮箱": "email"}))
    client.force_login(charlie)

    response = client.get(reverse("dataio:import_warnings", args=[job.pk]))

    assert response.status_code == 404


# --- Cost ----------------------------------------------------------------------------------------


def _us_rows(n: int, start: int = 0) -> list[list[str]]:
    # Each with a US address, a number without +1, one valid nowhere, a yearless birthday and
    # a bad e-mail: every path of the cleaner and the writer that this work added.
    return [
        [f"Person {i}", f"(212) 555-{i:04d} / 99{i:03d}", "New York", "NY", "10118", "--07-14",
         f"bad{i}@"]
        for i in range(start, start + n)
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_writer_queries_do_not_grow_with_the_rows(alice):
    header = ["Name", "Phone", "City", "State", "ZIP", "Birthday", "E-mail"]
    mapping = {"Name": "full_name", "Phone": "phone", "City": "city", "State": "province",
               "ZIP": "postcode", "Birthday": "birthday", "E-mail": "email"}  # fmt: skip
    small = jobs.import_start(actor=alice, job=mapped(alice, [header, *_us_rows(5)], mapping))
    large = jobs.import_start(
        actor=alice, job=mapped(alice, [header, *_us_rows(50, start=100)], mapping)
    )

    few, many = [], []
    # Counted by a wrapper, not CaptureQueriesContext: Django's debug cursor cannot format the
    # writer's SQLite "?" placeholders.
    with connection.execute_wrapper(
        lambda execute, sql, *args: few.append(sql) or execute(sql, *args)
    ):
        jobs.import_run(small.pk)
    with connection.execute_wrapper(
        lambda execute, sql, *args: many.append(sql) or execute(sql, *args)
    ):
        jobs.import_run(large.pk)

    assert Person.objects.count() == 55
    assert PersonPhone.objects.filter(number="+12125550100").exists()
    assert Person.objects.exclude(raw_phones=[]).count() == 55
    assert len(many) == len(few)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- Data health ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_counts_persons_with_unrecognised_numbers_and_lists_them(alice, client):
    # Given an import that kept one person's number as written, and a person without any
    rows = [["姓名", "手机"], ["王芳", "12345"], ["李娜", "13900139000"]]
    run(mapped(alice, rows, {"姓名": "full_name", "手机": "phone"}))
    client.force_login(alice)

    # When the data-health page and the list it links to are shown
    report = health_report(alice)
    html = client.get(reverse("dataio:health")).content.decode()
    listed = client.get(reverse("customers:person_list") + "?raw_phones=1").content.decode()

    # Then the person is counted, linked to, and the only one listed
    assert report.persons.raw_phones == 1
    assert f'href="{reverse("customers:person_list")}?raw_phones=1">1</a>' in html
    assert "王芳" in listed and "李娜" not in listed
    assert 'data-testid="filter-raw-phones"' in listed


@pytest.mark.django_db
def test_company_rows_are_read_in_their_country_and_keep_going_without_a_bad_value(alice):
    # Given a companies file: one in Seattle without a country, one with a bad e-mail
    rows = [
        ["Company", "Phone", "E-mail", "City", "State"],
        ["Contoso", "(206) 555-0100", "info@contoso.example", "Seattle", "WA"],
        ["Fabrikam", "(415) 555-0110", "not-an-email", "San Francisco", "California"],
    ]
    mapping = {"Company": "name", "Phone": "phone", "E-mail": "email", "City": "city",
               "State": "province"}  # fmt: skip

    # When it is imported
    job = run(mapped(alice, rows, mapping, target="companies", match_on="name"))

    # Then both are there, American, the bad e-mail left out with a warning
    assert (job.created_count, job.rejected_count, job.warned_count) == (2, 0, 1)
    stored_companies = {
        c.name: (c.phone, c.email, list(c.addresses.values_list("city", "country")))
        for c in Company.objects.all()
    }
    assert stored_companies == {
        "Contoso": ("+12065550100", "info@contoso.example", [("Seattle", "US")]),
        "Fabrikam": ("+14155550110", "", [("San Francisco", "US")]),
    }


@pytest.mark.django_db
def test_dry_run_page_lists_the_rows_that_would_lose_a_field(alice, client):
    rows = [["姓名", "生日"], ["张伟", "2305-07-13"], ["李娜", "1990-01-02"]]
    job = run(mapped(alice, rows, {"姓名": "full_name", "生日": "birthday"}), dry_run=True)
    client.force_login(alice)

    html = client.get(reverse("dataio:import_detail", args=[job.pk])).content.decode()

    assert 'data-testid="dry-run-warned">1<' in html
    assert html.count('data-testid="dry-run-warned-rows-row"') == 1
    assert "“2305-07-13” is in the future; a birthday cannot be." in html
    assert not Person.objects.exists()
