"""Contact files in every encoding an export comes in are imported without a character changed;
a file whose encoding the detector cannot tell is not imported until the user has chosen.

The files are in tests/data/imports/encodings/, written by its make_files.py from the rows this
module compares the stored values with.
"""

import importlib.util
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from rapport.api.tests.conftest import client_for
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers.models import Address, Employment, Person
from rapport.dataio.models import ImportStatus
from rapport.dataio.services.imports import jobs
from rapport.dataio.services.imports.readers import (
    detect_encoding,
    guess_encoding,
    open_table,
)
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    import_dir,
    run,
)

DATA = Path(settings.BASE_DIR) / "tests" / "data" / "imports" / "encodings"
_spec = importlib.util.spec_from_file_location("encoding_files", DATA / "make_files.py")
FILES = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FILES)

MAPPING = {
    "First Name": "given_name",
    "Last Name": "family_name",
    "Company": "company",
    "Job Title": "job_title",
    "Business Street": "street",
    "Business City": "city",
    "Business Postal Code": "postcode",
    "E-mail Address": "email",
    "Notes": "notes",
}
COMPARED = [c for c in FILES.HEADER if c in MAPPING]


def upload_file(actor, name: str):
    content = (DATA / name).read_bytes()
    return jobs.import_upload(
        actor=actor, file=SimpleUploadedFile(name, content), original_name=name, target="persons"
    )


def map_all(job):
    return jobs.import_set_mapping(
        actor=job.actor, job=job, mapping=MAPPING, defaults={}, mode="create", match_on="email"
    )


def stored(email: str) -> dict:
    """The mapped values of the person with `email`, as the file's columns."""
    person = Person.objects.get(primary_email=email)
    employment = Employment.objects.select_related("company").get(person=person)
    address = Address.objects.get(person=person)
    return {
        "First Name": person.given_name,
        "Last Name": person.family_name,
        "Company": employment.company.name,
        "Job Title": employment.job_title,
        "Business Street": address.street,
        "Business City": address.city,
        "Business Postal Code": address.postcode,
        "E-mail Address": person.primary_email,
        "Notes": person.notes,
    }


def expected(row: list[str]) -> dict:
    values = dict(zip(FILES.HEADER, row, strict=True))
    return {column: values[column] for column in COMPARED}


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("outlook-utf8.csv", "utf-8", ","),
        ("outlook-utf8-bom.csv", "utf-8-sig", ","),
        ("outlook-windows1252.csv", "cp1252", ","),
        # Latin-1 text reads the same in Windows-1252, its superset for printable characters.
        ("outlook-latin1.csv", "cp1252", ","),
        ("outlook-gb18030.csv", "gb18030", ","),
        ("outlook-big5.csv", "cp950", ","),
        ("outlook-shiftjis.csv", "cp932", ","),
        ("outlook-windows1251.csv", "cp1251", ","),
        ("excel-unicode-text.txt", "utf-16", "\t"),
        ("excel-mac.csv", "mac_roman", ","),
    ],
)
def test_contact_file_in_each_encoding_is_imported_with_every_value_as_written(
    alice, name, encoding, delimiter
):
    # Given an Outlook-shaped contact list in one of the encodings exports come in
    rows = FILES.FILES[name][0]

    # When it is uploaded, mapped and imported
    job = upload_file(alice, name)
    assert (job.encoding, job.delimiter) == (encoding, delimiter)
    job = run(map_all(job))

    # Then every row became a person whose names, company, street and notes are the file's
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.rejected_count) == (len(rows), 0)
    for row in rows:
        email = row[FILES.HEADER.index("E-mail Address")]
        assert stored(email) == expected(row)


def test_outlook_windows_1252_names_are_not_read_as_chinese(tmp_path):
    # Given the Windows-1252 bytes that GB18030 also decodes (as `M黮ler`, `Hauptstra遝`)
    data = "Jürgen,Müller,Müller & Söhne GmbH,Hauptstraße 12\n".encode("cp1252")
    assert data.decode("gb18030")

    # When the encoding is detected
    guess = guess_encoding(data, complete=True)

    # Then it is Windows-1252, and the detector is sure of it
    assert (guess.encoding, guess.confident) == ("cp1252", True)


def test_chinese_file_is_still_read_as_gb18030_without_asking():
    data = "张伟,华为技术有限公司,深圳市龙岗区\n李娜,北京字节跳动,海淀区中关村大街1号\n"

    guess = guess_encoding(data.encode("gbk"), complete=True)

    assert (guess.encoding, guess.confident) == ("gb18030", True)


def test_chinese_names_alone_are_not_taken_for_big5():
    # GB2312 bytes read as Big5 are frequent Traditional characters too (张伟 reads 涨帧), but
    # none has a second byte in 40-7E, which a third of Big5's characters have.
    data = "姓名\n张伟\n王秀英\n李娜\n".encode("gbk")

    guess = guess_encoding(data, complete=True)

    assert (guess.encoding, guess.confident) == ("gb18030", True)


def test_western_names_are_not_taken_for_cyrillic():
    # Windows-1252 `Müller` read as Windows-1251 is `Mьller`: a Cyrillic letter inside a Latin
    # word, not a Cyrillic word.
    data = "Jürgen Müller,Zoë Faßbender,Bjørn Ødegård\n".encode("cp1252")

    guess = guess_encoding(data, complete=True)

    assert (guess.encoding, guess.confident) == ("cp1252", True)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_recognised(tmp_path, encoding):
    # Given a tab-separated file in UTF-16 without a BOM
    text = "First Name\tLast Name\tCompany\nJürgen\tMüller\t华为\n"
    path = tmp_path / "contacts.txt"
    path.write_bytes(text.encode(encoding))

    # When it is opened
    reader = open_table(path, original_name="contacts.txt")

    # Then its encoding, delimiter and values are right
    assert (reader.encoding, reader.delimiter) == (encoding, "\t")
    assert reader.columns == ["First Name", "Last Name", "Company"]
    assert reader.sample() == [["Jürgen", "Müller", "华为"]]


def test_a_few_rare_characters_are_no_proof_either_way():
    # 赟 in GBK (DA 53) reads as `ÚS` in Windows-1252: one character decides nothing.
    guess = guess_encoding("Name\n赟\n".encode("gbk"), complete=True)

    assert guess.confident is False
    assert {c.encoding for c in guess.candidates} >= {"gb18030", "cp1252"}
    assert detect_encoding("Name\n赟\n".encode("gbk"), complete=True) == guess.encoding


# --- An ambiguous file: the user chooses ---------------------------------------------------------

AMBIGUOUS = "outlook-ambiguous.csv"


def dry_run_of_ambiguous(actor):
    job = map_all(upload_file(actor, AMBIGUOUS))
    return run(job, dry_run=True)


def test_ambiguous_file_asks_for_the_encoding_and_shows_the_lines_read_each_way(alice):
    # Given a file whose encoding the detector cannot tell
    job = upload_file(alice, AMBIGUOUS)

    # Then the upload records no encoding, the dry run keeps the candidates with their lines
    assert job.encoding == ""
    job = run(map_all(job), dry_run=True)
    report = job.dry_run["encoding"]
    assert report["confident"] is False
    assert report["chosen"] == ""
    lines = {c["encoding"]: c["lines"] for c in report["candidates"]}
    assert lines["gb18030"][0].startswith('"赟玥","","Zhao"')
    assert lines["cp1252"][0].startswith('"ÚS«h","","Zhao"')
    assert jobs.encoding_state(job)["choice_needed"] is True

    # And the import does not start
    with pytest.raises(Conflict) as exc:
        jobs.import_start(actor=alice, job=job)
    assert "encoding" in exc.value.details
    assert not Person.objects.exists()


def test_ambiguous_file_imports_correctly_after_the_choice(alice):
    # Given the dry run of an ambiguous file, read in the best guess (Windows-1252)
    job = dry_run_of_ambiguous(alice)
    assert job.sample[0][0] == "ÚS«h"

    # When the user chooses GB18030
    job = jobs.import_set_encoding(actor=alice, job=job, encoding="gb18030")

    # Then the sample is read again, the mapping is kept and the earlier dry run is dropped
    assert job.encoding == "gb18030"
    assert job.sample[0][0] == "赟玥"
    assert job.status == ImportStatus.MAPPED
    assert job.mapping == MAPPING
    assert job.dry_run == {}

    # And a new dry run still offers the choice, now marked as made; the import reads GB18030
    job = run(job, dry_run=True)
    assert job.dry_run["encoding"]["chosen"] == "gb18030"
    assert jobs.encoding_state(job)["choice_needed"] is False
    job = run(job)
    assert (job.created_count, job.rejected_count) == (2, 0)
    for row in FILES.AMBIGUOUS:
        assert stored(row[FILES.HEADER.index("E-mail Address")]) == expected(row)


def test_an_encoding_that_reads_other_column_names_asks_for_the_mapping_again(alice):
    # Given a mapped GBK file with Chinese column names
    content = "姓名,城市\n张伟,深圳\n".encode("gbk")
    job = jobs.import_upload(
        actor=alice, file=SimpleUploadedFile("c.csv", content), original_name="c.csv"
    )
    job = jobs.import_set_mapping(actor=alice, job=job, mapping={"姓名": "full_name"})

    # When the user reads it as Windows-1252
    job = jobs.import_set_encoding(actor=alice, job=job, encoding="cp1252")

    # Then the columns are read again and a mapping is to be made for them
    assert job.columns == ["ÐÕÃû", "³ÇÊÐ"]
    assert job.status == ImportStatus.UPLOADED
    assert job.mapping == {}


def test_an_unknown_encoding_is_refused(alice):
    job = upload_file(alice, AMBIGUOUS)

    with pytest.raises(ValidationFailed) as exc:
        jobs.import_set_encoding(actor=alice, job=job, encoding="ebcdic")

    assert "encoding" in exc.value.details
    job.refresh_from_db()
    assert job.encoding == ""


def test_the_encoding_cannot_change_once_the_import_started(alice):
    job = jobs.import_set_encoding(
        actor=alice, job=map_all(upload_file(alice, AMBIGUOUS)), encoding="gb18030"
    )
    job = run(job)

    with pytest.raises(Conflict):
        jobs.import_set_encoding(actor=alice, job=job, encoding="cp1252")
    job.refresh_from_db()
    assert job.encoding == "gb18030"


# --- The API and the page ------------------------------------------------------------------------


@pytest.fixture
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


def test_api_asks_for_the_encoding_and_imports_after_the_choice(
    alice, huey_immediate, django_capture_on_commit_callbacks
):
    api = client_for(alice)
    # Given an ambiguous file uploaded and mapped through the API
    response = api.client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile(AMBIGUOUS, (DATA / AMBIGUOUS).read_bytes())},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["encoding"] == ""
    job_id = body["id"]
    assert api.put(f"/imports/{job_id}/mapping", {"mapping": MAPPING}).status_code == 200

    # When it asks what the encoding is
    state = api.get(f"/imports/{job_id}/encoding").json()

    # Then it is told to choose, with the lines read each way; starting is refused
    assert state["choice_needed"] is True
    readings = {c["encoding"]: c["lines"][0] for c in state["candidates"]}
    assert readings["gb18030"].startswith('"赟玥"')
    assert readings["cp1252"].startswith('"ÚS«h"')
    refused = api.post(f"/imports/{job_id}/start")
    assert refused.status_code == 409
    assert set(refused.json()) == {"code", "message", "details"}
    assert "encoding" in refused.json()["details"]

    # And an unknown encoding is 422; the choice is recorded and the import reads it
    assert api.put(f"/imports/{job_id}/encoding", {"encoding": "klingon"}).status_code == 422
    chosen = api.put(f"/imports/{job_id}/encoding", {"encoding": "gb18030"})
    assert chosen.status_code == 200
    assert chosen.json()["encoding"] == "gb18030"
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/imports/{job_id}/start").status_code == 202
    assert Person.objects.get(primary_email="zhao@example.com").given_name == "赟玥"


def test_api_encoding_of_another_users_import_is_404(alice, bob):
    job = upload_file(alice, AMBIGUOUS)
    api = client_for(bob)

    assert api.get(f"/imports/{job.pk}/encoding").status_code == 404
    assert api.put(f"/imports/{job.pk}/encoding", {"encoding": "gb18030"}).status_code == 404


def test_dry_run_page_offers_the_readings_and_imports_the_chosen_one(
    alice, client, huey_immediate, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    # Given the dry run of an ambiguous file
    job = dry_run_of_ambiguous(alice)

    # When the import's page is shown
    page = client.get(reverse("dataio:import_detail", args=[job.pk]))

    # Then it offers each reading with the file's lines read that way
    html = page.content.decode()
    assert 'data-testid="encoding-choice" data-choice-needed="true"' in html
    assert 'data-encoding="gb18030"' in html
    assert "赟玥" in html
    assert "ÚS«h" in html

    # When the user chooses GB18030
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dataio:import_encoding", args=[job.pk]), {"encoding": "gb18030"}
        )

    # Then the dry run ran again with it, and the import stores the names as written
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.encoding, job.status) == ("gb18030", ImportStatus.DRY_RUN_DONE)
    page = client.get(reverse("dataio:import_detail", args=[job.pk])).content.decode()
    assert 'data-choice-needed="false"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dataio:import_start", args=[job.pk]))
    assert Person.objects.get(primary_email="zhao@example.com").given_name == "赟玥"


def test_command_shows_the_readings_and_imports_with_the_encoding_given(alice):
    # Given an ambiguous file imported from the command line without --encoding
    out = io.StringIO()
    path = DATA / AMBIGUOUS
    with pytest.raises(CommandError) as exc:
        call_command("import_file", str(path), "--user", "alice", stdout=out)

    # Then nothing is imported and the readings are shown
    assert "--encoding" in str(exc.value)
    assert "--encoding gb18030" in out.getvalue()
    assert '"赟玥"' in out.getvalue()
    assert not Person.objects.exists()

    # When it is run again with the encoding
    call_command(
        "import_file", str(path), "--user", "alice", "--encoding", "gb18030", stdout=io.StringIO()
    )

    # Then the names are the file's
    assert Person.objects.get(primary_email="zhao@example.com").given_name == "赟玥"


# --- The rejected rows, written back ------------------------------------------------------------


def notes_only(text: str) -> list[str]:
    """A row with nothing that identifies a record: it is rejected."""
    return [""] * (len(FILES.HEADER) - 1) + [text]


def rejected_download(job) -> bytes:
    return b"".join(jobs.rejected_rows_download(job).chunks)


def test_rejected_rows_of_a_windows_1252_file_come_back_in_utf8_as_written(alice):
    # Given a Windows-1252 file with a row that cannot be imported
    rows = [FILES.HEADER, FILES.WESTERN[0], notes_only("Grüße – bis bald")]
    content = "".join(",".join(f'"{v}"' for v in row) + "\r\n" for row in rows)
    job = jobs.import_upload(
        actor=alice,
        file=SimpleUploadedFile("w.csv", content.encode("cp1252")),
        original_name="w.csv",
    )
    assert job.encoding == "cp1252"

    # When it is imported and its rejected rows downloaded
    job = run(map_all(job))
    data = rejected_download(job)

    # Then they are UTF-8 with a BOM (the reasons may be in any language), values as written
    assert job.rejected_count == 1
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Grüße – bis bald" in data.decode("utf-8-sig")


def test_rejected_rows_of_a_utf16_file_have_one_byte_order_mark(alice):
    # Given an Excel "Unicode text" file with more rejected rows than one chunk holds
    lines = ["\t".join(FILES.HEADER)] + ["\t".join(notes_only("Grüße " * 20))] * 1000
    content = ("\r\n".join(lines) + "\r\n").encode("utf-16")
    job = jobs.import_upload(
        actor=alice, file=SimpleUploadedFile("u.txt", content), original_name="u.txt"
    )

    # When it is imported and its rejected rows downloaded
    job = run(map_all(job))
    data = rejected_download(job)

    # Then the file is UTF-16 with a single byte order mark, every row readable
    assert job.rejected_count == 1000
    assert data.startswith(b"\xff\xfe")
    text = data.decode("utf-16")
    assert "\ufeff" not in text
    assert text.count("Grüße " * 20) == 1000


def test_mapping_page_says_the_encoding_is_in_doubt(alice, client):
    client.force_login(alice)
    unsure = upload_file(alice, AMBIGUOUS)
    sure = upload_file(alice, "outlook-windows1252.csv")

    unsure_page = client.get(reverse("dataio:import_mapping", args=[unsure.pk])).content.decode()
    sure_page = client.get(reverse("dataio:import_mapping", args=[sure.pk])).content.decode()

    assert 'data-testid="import-encoding-unsure"' in unsure_page
    assert 'data-testid="import-encoding-unsure"' not in sure_page


def test_api_dry_run_result_carries_the_readings_when_the_encoding_is_in_doubt(alice):
    unsure = dry_run_of_ambiguous(alice)
    sure = run(map_all(upload_file(alice, "outlook-windows1252.csv")), dry_run=True)
    api = client_for(alice)

    unsure_result = api.get(f"/imports/{unsure.pk}/dry-run").json()
    sure_result = api.get(f"/imports/{sure.pk}/dry-run").json()

    assert unsure_result["encoding"]["choice_needed"] is True
    assert unsure_result["encoding"]["encoding"] == "cp1252"
    readings = [c["encoding"] for c in unsure_result["encoding"]["candidates"]]
    assert readings[0] == "cp1252"
    assert "gb18030" in readings
    assert sure_result["encoding"] is None
    assert api.get(f"/imports/{sure.pk}/encoding").json()["encoding"] == "cp1252"
