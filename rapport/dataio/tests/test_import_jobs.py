"""Imports of persons: what gets written, duplicates, modes, dry run, resume, undo."""

import datetime
import io
import threading

import pytest
from django.db import connection
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import search
from rapport.customers.models import (
    Company,
    Employment,
    Person,
    PersonEmail,
    PersonSearchTerm,
    Tag,
)
from rapport.customers.services import person_create
from rapport.dataio.models import ImportJob, ImportRecord, ImportStatus
from rapport.dataio.selectors.imports import saved_mappings_for
from rapport.dataio.services.imports import jobs, undo
from rapport.dataio.services.imports.jobs.mapping import row_cleaner
from rapport.dataio.services.imports.writer import batch as batch_writer
from rapport.dataio.tablewriter import TableWriter
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    csv_bytes,
    import_dir,
    mapped,
    run,
    run_killed_in_batch,
    upload,
)

HEADER = ["姓名", "手机", "邮箱", "公司", "城市"]
MAPPING = {"姓名": "full_name", "手机": "phone", "邮箱": "email", "公司": "company", "城市": "city"}


def rows_of(n, start=0):
    return [
        [f"客户{i}", f"138{i:08d}", f"c{i}@example.cn", "", ""] for i in range(start, start + n)
    ]


def test_upload_reads_a_gbk_file_and_proposes_a_mapping(alice):
    job = upload(
        alice, [HEADER, ["张伟", "13800138000", "zw@example.cn", "华为", "深圳"]], encoding="gbk"
    )

    assert job.status == ImportStatus.UPLOADED
    assert job.file_format == "csv"
    assert job.encoding == "gb18030"
    assert job.columns == HEADER
    assert job.sample == [["张伟", "13800138000", "zw@example.cn", "华为", "深圳"]]
    assert job.rows_total == 1
    assert job.mapping == MAPPING
    assert jobs.upload_path(job).read_bytes().startswith("姓名".encode("gbk"))


def test_upload_over_the_size_limit_is_refused_and_leaves_nothing(alice, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 20

    with pytest.raises(ValidationFailed) as exc:
        upload(alice, [HEADER, *rows_of(5)])

    assert "file" in exc.value.details
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_a_table_is_refused(alice):
    with pytest.raises(ValidationFailed):
        upload(alice, b"%PDF-1.4 binary", name="scan.pdf")
    assert not ImportJob.objects.exists()


def test_imported_person_is_written_as_person_create_writes_it(alice, bob):
    manual = person_create(
        actor=alice,
        data={
            "full_name": "张小伟",
            "phones": [{"number": "13800138000"}],
            "emails": [{"email": "ZXW@example.cn"}],
        },
    )
    job = mapped(
        alice,
        [
            ["姓名", "手机", "邮箱", "负责人", "公司", "职位", "城市", "标签"],
            [
                "张小伟",
                "139 0013 9000",
                "zxw2@Example.cn",
                "bob",
                "华为",
                "经理",
                "深圳",
                "展会, VIP",
            ],
        ],
        {
            "姓名": "full_name",
            "手机": "phone",
            "邮箱": "email",
            "负责人": "owner",
            "公司": "company",
            "职位": "job_title",
            "城市": "city",
            "标签": "tags",
        },
    )

    job = run(job)

    person = Person.objects.get(primary_email="zxw2@example.cn")
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.rejected_count) == (1, 0)
    assert person.owner == bob
    assert person.team_id == bob.team_id
    assert person.version == 1
    assert person.primary_phone == "+8613900139000"
    assert list(person.phones.values_list("number", "is_primary")) == [("+8613900139000", True)]
    assert list(person.emails.values_list("email", "is_primary")) == [("zxw2@example.cn", True)]
    terms = set(person.search_terms.values_list("term", flat=True))
    manual_terms = set(manual.search_terms.values_list("term", flat=True))
    assert {t for t in terms if t.startswith("n:")} == {
        t for t in manual_terms if t.startswith("n:")
    }
    assert "p:" + "8613900139000"[::-1] in terms
    assert "e:zxw2@example.cn" in terms
    assert sorted(person.tags.values_list("name", flat=True)) == ["VIP", "展会"]
    employment = Employment.objects.get(person=person)
    assert (employment.company.name, employment.job_title) == ("华为", "经理")
    assert employment.company.owner == bob
    assert person.addresses.get().city == "深圳"
    created = TimelineEntry.objects.get(person=person)
    assert (created.kind, created.actor) == ("record.created", alice)
    assert ImportRecord.objects.filter(job=job).count() == 2  # the person and the company


def test_dry_run_writes_nothing_and_predicts_the_real_run(alice):
    existing = person_create(
        actor=alice, data={"full_name": "老客户", "emails": [{"email": "c1@example.cn"}]}
    )
    rows = [HEADER, *rows_of(6)]
    rows[3][2] = "c1@example.cn"  # row 3: the same e-mail as row 2 and the existing person
    rows[4][1] = "12345"  # row 4: imported without the phone number, with a warning
    rows[5] = ["", "", "not-an-email", "", "深圳"]  # row 5: nothing tells who it is: rejected
    rows.append(["", "", "", "", ""])  # blank: not a row at all
    rows.append(["客户9", "", "c3@example.cn", "", ""])  # row 7: a duplicate of row 4
    job = mapped(alice, rows, MAPPING, mode="upsert", match_on="email")
    persons_before = Person.objects.count()

    dry = run(job, dry_run=True, batch_size=2)

    assert Person.objects.count() == persons_before
    assert dry.status == ImportStatus.DRY_RUN_DONE
    expected = {"created": 3, "updated": 1, "skipped": 2, "rejected": 1, "warned": 1, "rows": 7}
    assert {k: dry.dry_run[k] for k in expected} == expected
    assert [r["row"] for r in dry.dry_run["rejected_rows"]] == [6]
    assert "not-an-email" in dry.dry_run["rejected_rows"][0]["reasons"][1]
    assert [r["row"] for r in dry.dry_run["warned_rows"]] == [5]

    real = run(dry, batch_size=2)

    assert real.status == ImportStatus.DONE
    assert (real.created_count, real.updated_count, real.skipped_count, real.rejected_count) == (
        3,
        1,
        2,
        1,
    )
    assert real.rows_done == real.rows_total == 7
    assert real.warned_count == 1
    existing.refresh_from_db()
    assert existing.full_name == "客户1"
    assert existing.version == 2
    assert PersonEmail.objects.filter(email="c3@example.cn").count() == 1


def test_create_only_skips_rows_matching_an_existing_person(alice):
    person_create(actor=alice, data={"full_name": "老客户", "phones": [{"number": "13800000001"}]})
    job = mapped(alice, [HEADER, *rows_of(3)], MAPPING, mode="create", match_on="phone")

    job = run(job)

    assert (job.created_count, job.skipped_count) == (2, 1)
    assert Person.objects.filter(full_name="老客户").count() == 1
    assert not Person.objects.filter(full_name="客户1").exists()


def test_update_only_rejects_rows_without_a_match(alice):
    person = person_create(
        actor=alice, data={"full_name": "老客户", "emails": [{"email": "c0@example.cn"}]}
    )
    job = mapped(alice, [HEADER, *rows_of(2)], MAPPING, mode="update", match_on="email")

    job = run(job)

    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 1, 1)
    person.refresh_from_db()
    assert person.full_name == "客户0"
    assert person.primary_phone == "+8613800000000"
    assert list(person.phones.values_list("number", flat=True)) == ["+8613800000000"]
    terms = set(PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True))
    assert "n:老客户" not in terms
    assert "p:" + "8613800000000"[::-1] in terms


@pytest.mark.parametrize("match_on", ["email", "phone"])
def test_rows_are_matched_across_several_lookup_chunks(alice, monkeypatch, match_on):
    monkeypatch.setattr(batch_writer, "MATCH_CHUNK", 2)
    for i in (0, 2, 3, 4):
        person_create(
            actor=alice,
            data={
                "full_name": f"老客户{i}",
                "phones": [{"number": f"138{i:08d}"}],
                "emails": [{"email": f"c{i}@example.cn"}],
            },
        )
    job = mapped(alice, [HEADER, *rows_of(6)], MAPPING, mode="upsert", match_on=match_on)

    job = run(job)

    # Four of six keys belong to persons, looked up two at a time: all four are found.
    assert (job.created_count, job.updated_count) == (2, 4)
    assert set(Person.objects.values_list("full_name", flat=True)) == {f"客户{i}" for i in range(6)}


@pytest.mark.parametrize(
    "row",
    [
        ["老客户", "13900000002", "c0@example.cn", "", ""],  # a second phone, the same name
        ["新名字", "", "c0@example.cn", "", ""],  # a new name
        ["新名字", "13900000002", "c0@example.cn", "", ""],  # both
    ],
)
def test_an_update_leaves_exactly_the_search_terms_of_the_new_values(alice, row):
    person = person_create(
        actor=alice,
        data={
            "full_name": "老客户",
            "phones": [{"number": "13800000001"}],
            "emails": [{"email": "c0@example.cn"}],
        },
    )
    job = mapped(alice, [HEADER, row], MAPPING, mode="update", match_on="email")

    assert run(job).updated_count == 1

    person.refresh_from_db()
    stored = list(PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True))
    assert len(stored) == len(set(stored))
    assert set(stored) == search.person_terms(
        full_name=person.full_name,
        given_name=person.given_name,
        family_name=person.family_name,
        phones=list(person.phones.values_list("number", flat=True)),
        emails=list(person.emails.values_list("email", flat=True)),
    )
    assert person.full_name == row[0]


def test_imported_middle_names_and_nicknames_are_searched_like_typed_ones(alice):
    # Given a file with a middle name and a nickname, and a later one changing the nickname
    header = ["Name", "Middle name", "Nickname", "E-mail"]
    columns = {"Name": "full_name", "Middle name": "middle_name", "Nickname": "nickname"}
    columns["E-mail"] = "email"
    first = mapped(alice, [header, ["Emily Carter", "Rose", "Em", "em@example.com"]], columns)

    # When both are imported, the second as an update
    assert run(first).created_count == 1
    person = Person.objects.get()
    created_terms = set(
        PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True)
    )
    second = mapped(
        alice,
        [header, ["Emily Carter", "Rose", "Emmy", "em@example.com"]],
        columns,
        mode="update",
        match_on="email",
    )
    assert run(second).updated_count == 1

    # Then each time the terms are those a person typed in with these values gets
    def expected(nickname):
        return search.person_terms(
            full_name="Emily Carter",
            given_name=person.given_name,
            family_name=person.family_name,
            middle_name="Rose",
            nickname=nickname,
            emails=["em@example.com"],
        )

    assert created_terms == expected("Em")
    stored = set(PersonSearchTerm.objects.filter(person=person).values_list("term", flat=True))
    assert stored == expected("Emmy")
    assert search.name_terms("Emmy") <= stored


def test_removed_search_terms_are_deleted_through_the_person_index(db):
    # A term such as the initials "n:lt" is shared by tens of thousands of persons: a delete
    # planned through the term index walks all of them, for every term of every updated row.
    class Recorder:
        def executemany(self, sql, rows):
            self.sql = sql

    recorder = Recorder()
    TableWriter(recorder).delete("customers_personsearchterm", "person_id", "term", [(1, "n:lt")])
    # Statistics like a real table's: about ten terms per person, nearly every term unique.
    # From these alone a planner expects fewer rows from the term index, and takes it.
    PersonSearchTerm.objects.bulk_create(
        PersonSearchTerm(person_id=i // 10, term=f"n:{i}") for i in range(5000)
    )

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
        cursor.execute(f"{explain} {recorder.sql.replace('?', '%s')}", [1, "n:lt"])
        plan = str(cursor.fetchall())
    assert "personsearchterm_person_id" in plan
    assert "personsearchterm_term" not in plan


def test_on_postgresql_the_undo_records_are_analysed_as_the_import_grows_them(alice):
    job = mapped(alice, [HEADER, *rows_of(20)], MAPPING)

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert run(job, batch_size=1).created_count == 20

    analyses = [sql for sql in statements if sql.startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert analyses == ["ANALYZE dataio_importrecord"] * 3  # after batches 1, 4 and 16
    else:
        assert analyses == []


def test_external_ids_let_a_second_import_update_instead_of_duplicating(alice):
    rows = [["编号", "姓名", "城市"], ["C-1", "王芳", "上海"], ["C-2", "李娜", "北京"]]
    mapping = {"编号": "external_id", "姓名": "full_name", "城市": "city"}
    first = run(mapped(alice, rows, mapping, mode="upsert", match_on="external_id"))
    rows[1][1] = "王芳芳"

    second = run(mapped(alice, rows, mapping, mode="upsert", match_on="external_id"))

    # Both rows matched; only 王芳's changed something.
    assert (first.created_count, second.created_count, second.updated_count) == (2, 0, 2)
    assert Person.objects.filter(full_name__in=["王芳芳", "李娜"]).count() == 2
    assert Person.objects.get(full_name="李娜").version == 1
    assert Person.objects.get(full_name="王芳芳").version == 2
    assert not Person.objects.filter(full_name="王芳").exists()


def test_records_the_importer_cannot_see_are_neither_matched_nor_changed(alice, charlie):
    theirs = person_create(
        actor=charlie, data={"full_name": "西区客户", "emails": [{"email": "c0@example.cn"}]}
    )
    job = mapped(alice, [HEADER, *rows_of(1)], MAPPING, mode="upsert", match_on="email")

    job = run(job)

    theirs.refresh_from_db()
    assert (job.created_count, job.updated_count) == (1, 0)
    assert theirs.full_name == "西区客户"
    assert Person.objects.get(full_name="客户0").owner == alice


def test_a_representative_cannot_give_imported_records_to_another_team(alice, charlie):
    job = mapped(
        alice,
        [["姓名", "负责人"], ["甲", "charlie"], ["乙", "alice"]],
        {"姓名": "full_name", "负责人": "owner"},
    )

    job = run(job)

    assert (job.created_count, job.rejected_count) == (1, 1)
    download = jobs.rejected_rows_download(job)
    text = b"".join(download.chunks).decode("utf-8")
    assert "甲" in text
    assert "You can only give records to members of your team." in text


def test_default_owner_tags_and_source_apply_to_new_records(alice, bob):
    job = mapped(
        alice,
        [HEADER, *rows_of(2)],
        MAPPING,
        defaults={"owner": "bob", "tags": ["展会2026"], "source": "trade_show"},
    )

    run(job)

    person = Person.objects.get(full_name="客户1")
    assert person.owner == bob
    assert person.source == "trade_show"
    assert list(person.tags.values_list("name", flat=True)) == ["展会2026"]


def test_a_default_owner_outside_the_team_is_refused(alice, charlie):
    job = upload(alice, [HEADER, *rows_of(1)])

    with pytest.raises(ValidationFailed) as exc:
        jobs.import_set_mapping(
            actor=alice, job=job, mapping=MAPPING, defaults={"owner": "charlie"}
        )

    assert "defaults.owner" in exc.value.details


def test_mapping_needs_a_name_and_the_match_key_when_updating(alice):
    job = upload(alice, [HEADER, *rows_of(1)])

    with pytest.raises(ValidationFailed) as exc:
        jobs.import_set_mapping(
            actor=alice, job=job, mapping={"手机": "phone"}, mode="update", match_on="email"
        )

    assert set(exc.value.details) == {"mapping", "match_on"}


def test_saved_mapping_is_reused_for_the_columns_the_next_file_has(alice):
    job = upload(alice, [HEADER, *rows_of(1)])
    jobs.import_set_mapping(actor=alice, job=job, mapping=MAPPING, save_as="CRM 导出")
    saved = alice_mappings = list(saved_mappings_for(alice, "persons"))
    next_job = upload(alice, [["姓名", "邮箱"], ["王五", "w5@example.cn"]])

    next_job = jobs.import_apply_saved_mapping(actor=alice, job=next_job, saved=saved[0])

    assert [m.name for m in alice_mappings] == ["CRM 导出"]
    assert next_job.mapping == {"姓名": "full_name", "邮箱": "email"}
    assert next_job.status == ImportStatus.MAPPED


def test_a_run_killed_mid_batch_resumes_without_losing_or_doubling_rows(alice, monkeypatch):
    rows = [HEADER, *rows_of(10)]
    rows[2] = ["", "", "bad", "", ""]  # row 2 rejected (in the first batch)
    rows[8] = ["", "", "worse", "", ""]  # row 8 rejected (in the batch that is killed)
    rows[1][1] = "12345"  # row 1 imported with a warning (in the first batch)
    rows[7][1] = "54321"  # row 7 imported with a warning (in the batch that is killed)
    job = jobs.import_start(actor=alice, job=mapped(alice, rows, MAPPING))
    run_killed_in_batch(job, monkeypatch, batch=3, batch_size=3)

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count, job.rejected_count) == (
        ImportStatus.RUNNING,
        6,
        5,
        1,
    )
    assert Person.objects.count() == 5
    assert job.warned_count == 1

    job = jobs.import_run(job.pk, batch_size=3)

    assert job.status == ImportStatus.DONE
    assert (job.rows_done, job.created_count, job.rejected_count) == (10, 8, 2)
    assert Person.objects.count() == 8
    assert PersonEmail.objects.values("email").distinct().count() == 8
    text = b"".join(jobs.rejected_rows_download(job).chunks).decode("utf-8")
    assert text.count("“bad”") == 1 and text.count("“worse”") == 1
    assert len(text.strip().splitlines()) == 3
    # The warnings file is truncated to its checkpoint as the rejected rows' is.
    assert job.warned_count == 2
    text = b"".join(jobs.warned_rows_download(job).chunks).decode("utf-8")
    assert text.count("“12345”") == 1 and text.count("“54321”") == 1
    assert len(text.strip().splitlines()) == 3


def test_a_job_another_live_worker_holds_is_not_claimed_twice(alice):
    job = jobs.import_start(actor=alice, job=mapped(alice, [HEADER, *rows_of(2)], MAPPING))
    # Another thread of this process, alive, claimed the job a moment ago.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        me = jobs.worker_id()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.RUNNING,
            worker=me.rsplit(":", 1)[0] + f":{other.ident}",
            heartbeat_at=timezone.now(),
        )

        assert jobs.import_run(job.pk) is None
    finally:
        stop.set()
        other.join()

    job.refresh_from_db()
    assert job.rows_done == 0
    assert not Person.objects.exists()
    # Once that thread is gone, the job is taken over.
    assert jobs.import_run(job.pk).status == ImportStatus.DONE


def test_a_finished_import_is_not_run_again(alice):
    job = run(mapped(alice, [HEADER, *rows_of(2)], MAPPING))

    assert jobs.import_run(job.pk) is None
    assert Person.objects.count() == 2


def test_undo_removes_created_records_and_reverts_updates(
    alice, django_capture_on_commit_callbacks
):
    person = person_create(
        actor=alice,
        data={"full_name": "老客户", "emails": [{"email": "c0@example.cn"}], "tag_ids": []},
    )
    rows = [HEADER, *rows_of(3)]
    rows[1][3] = "新公司"
    job = run(mapped(alice, rows, MAPPING, mode="upsert", match_on="email"))
    assert (job.created_count, job.updated_count) == (2, 1)

    with django_capture_on_commit_callbacks(execute=False):
        undo.import_undo(actor=alice, job=job)
    job = undo.import_undo_run(job.pk)

    person.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert person.full_name == "老客户"
    assert person.primary_phone == ""
    assert not person.phones.exists()
    assert not Employment.objects.filter(person=person).exists()
    assert PersonSearchTerm.objects.filter(person=person, term="n:老客户").exists()
    assert not PersonSearchTerm.objects.filter(person=person, term__startswith="p:").exists()
    assert list(Person.objects.values_list("pk", flat=True)) == [person.pk]
    assert not Company.objects.exists()
    assert not ImportRecord.objects.exists()


def test_undo_is_refused_after_the_window_and_for_someone_else(alice, bob, settings):
    job = run(mapped(alice, [HEADER, *rows_of(1)], MAPPING))

    with pytest.raises(Exception) as other:
        undo.import_undo(actor=bob, job=job)
    ImportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now()
        - datetime.timedelta(days=settings.RAPPORT_IMPORT_UNDO_DAYS, seconds=1)
    )
    job.refresh_from_db()
    with pytest.raises(Conflict):
        undo.import_undo(actor=alice, job=job)

    assert other.value.status == 403


def test_purge_drops_undo_data_and_files_of_old_imports_only(alice, settings):
    old = run(mapped(alice, [HEADER, *rows_of(2)], MAPPING))
    recent = run(mapped(alice, [HEADER, *rows_of(2, start=5)], MAPPING))
    ImportJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=settings.RAPPORT_IMPORT_UNDO_DAYS + 1)
    )

    assert undo.purge_expired_imports() == 1

    old.refresh_from_db()
    assert old.purged_at is not None
    assert not jobs.job_dir(old).exists()
    assert not ImportRecord.objects.filter(job=old).exists()
    assert ImportRecord.objects.filter(job=recent).count() == 2
    assert jobs.upload_path(recent).exists()
    assert not undo.can_undo(old)


def test_a_bad_tag_name_default_is_a_mapping_error_not_a_row_error(alice):
    job = upload(alice, [HEADER, *rows_of(1)])

    with pytest.raises(ValidationFailed) as exc:
        jobs.import_set_mapping(
            actor=alice, job=job, mapping=MAPPING, defaults={"tags": ["x" * 51]}
        )

    assert "defaults.tags" in exc.value.details
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_outlook_exports_read_slashed_dates_month_first(alice):
    columns = ["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Birthday"]
    mapping = {"First Name": "given_name", "Last Name": "family_name", "Birthday": "birthday"}
    outlook = row_cleaner("persons", mapping, {}, alice, columns)
    other = row_cleaner(
        "persons", {"姓名": "full_name", "生日": "birthday"}, {}, alice, ["姓名", "生日"]
    )

    outlook_row = outlook.clean(["Emily", "Carter", "", "", "3/5/1990"])
    other_row = other.clean(["张伟", "3/5/1990"])

    assert outlook_row.fields["birthday"] == datetime.date(1990, 3, 5)
    assert other_row.fields["birthday"] == datetime.date(1990, 5, 3)


@pytest.mark.django_db
def test_upload_estimates_the_rows_of_excel_and_vcard_files(alice):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机"])
    for n in range(7):
        sheet.append([f"客户{n}", f"1391234567{n}"])
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王芳\r\nTEL;TYPE=CELL:13912345678\r\nEND:VCARD\r\n"
    vcards = (card * 3 + card.lower()).encode()

    excel_job = upload(alice, xlsx.getvalue(), name="客户.xlsx")
    vcard_job = upload(alice, vcards, name="contacts.vcf")

    assert excel_job.rows_total == 7
    assert vcard_job.rows_total == 4
