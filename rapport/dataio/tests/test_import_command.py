"""`manage.py import_file`: the same services as the pages, a progress line, the final counts
and the rejected rows written next to the file."""

import io

import pytest
from django.core.management import CommandError, call_command

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.dataio.models import ImportJob, ImportStatus
from rapport.dataio.services.imports import jobs
from rapport.dataio.tasks import imports as import_tasks
from rapport.dataio.tests.test_import_jobs_helpers import csv_bytes, import_dir  # noqa: F401

HEADER = ["姓名", "手机", "邮箱"]


def rows_of(n, start=0):
    return [[f"客户{i}", f"138{i:08d}", f"c{i}@example.cn"] for i in range(start, start + n)]


def write(tmp_path, rows, name="customers.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, **kwargs))
    return path


def import_file(*args):
    out = io.StringIO()
    call_command("import_file", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_imports_a_file_with_progress_counts_and_rejected_rows(alice, tmp_path, monkeypatch):
    monkeypatch.setattr("rapport.dataio.management.commands.import_file.PROGRESS_EVERY", 0)
    rows = [HEADER, *rows_of(9)]
    rows[4][2] = "bad-email"  # imported without its e-mail, with a warning
    rows[6] = ["", "", "nobody"]  # nothing tells who it is: rejected
    rows[7][0] = "长" * 201  # a name too long for the field: rejected, never cut
    path = write(tmp_path, rows, encoding="gbk")

    output = import_file(path, "--target", "persons", "--user", "alice", "--batch-size", "3")

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.rejected_count, job.warned_count) == (7, 2, 1)
    assert Person.objects.filter(owner=alice).count() == 7
    progress = [line for line in output.splitlines() if "rows/s" in line and " / " in line]
    assert progress[0].startswith("3 / 9 rows (33%)")
    assert progress[-1].startswith("9 / 9 rows")
    assert "left" in progress[0]
    assert "9 rows, 7 created, 0 updated, 0 skipped as duplicates, 2 rejected." in output
    rejected = tmp_path / "customers-rejected.csv"
    assert f"Rejected rows written to {rejected}" in output
    lines = rejected.read_bytes().decode("gb18030").splitlines()
    assert lines[0] == "姓名,手机,邮箱,Row,Reasons"
    assert lines[1] == ",,nobody,7,Name: Enter a name. 邮箱: “nobody” is not a valid email address."
    assert lines[2] == (
        f"{'长' * 201},13800000006,c6@example.cn,8,姓名: Use at most 200 characters (it has 201)."
    )
    assert len(lines) == 3
    warned = tmp_path / "customers-warnings.csv"
    assert f"1 rows imported with a field left out, written to {warned}" in output
    assert warned.read_bytes().decode("gb18030").splitlines() == [
        "姓名,手机,邮箱,Row,Warnings",
        "客户3,13800000003,bad-email,5,邮箱: “bad-email” is not a valid email address.",
    ]


def test_dry_run_prints_the_counts_and_rejected_rows_and_writes_nothing(alice, tmp_path):
    rows = [HEADER, *rows_of(3)]
    rows[2][2] = "bad-email"
    rows[3] = ["", "", "nobody"]
    path = write(tmp_path, rows)

    output = import_file(path, "--user", "alice", "--dry-run")

    assert not Person.objects.exists()
    assert ImportJob.objects.get().status == ImportStatus.DRY_RUN_DONE
    assert "3 rows would give 2 created, 0 updated, 0 skipped as duplicates, 1 rejected" in output
    assert "  Row 4: Name: Enter a name. | 邮箱: “nobody” is not a valid email address." in output
    assert "1 of them would be imported with a field left out:" in output
    assert "  Row 3: 邮箱: “bad-email” is not a valid email address." in output
    assert not (tmp_path / "customers-rejected.csv").exists()


def test_upsert_on_phone_with_a_saved_mapping(alice, tmp_path):
    existing = person_create(
        actor=alice, data={"full_name": "老客户", "phones": [{"number": "13800000001"}]}
    )
    jobs.import_mapping_save(
        actor=alice,
        name="电话表",
        target="persons",
        mapping={"名字": "full_name", "电话": "phone"},
        defaults={"tags": ["导入"]},
        mode="create",
        match_on="email",
    )
    path = write(
        tmp_path, [["名字", "电话", "无关"], ["新名字", "13800000001", "x"], ["甲", "", "y"]]
    )

    output = import_file(
        path, "--user", "alice", "--mapping", "电话表", "--mode", "upsert", "--match-on", "phone"
    )

    existing.refresh_from_db()
    job = ImportJob.objects.get()
    assert (job.mode, job.match_on, job.defaults) == ("upsert", "phone", {"tags": ["导入"]})
    assert (job.created_count, job.updated_count) == (1, 1)
    assert existing.full_name == "新名字"
    assert list(Person.objects.get(full_name="甲").tags.values_list("name", flat=True)) == ["导入"]
    assert "2 rows, 1 created, 1 updated" in output


def test_the_import_is_not_left_for_the_job_queue(
    alice, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(import_tasks, "run_import", lambda job_id: queued.append("import"))
    monkeypatch.setattr(import_tasks, "run_dry_run", lambda job_id: queued.append("dry run"))

    with django_capture_on_commit_callbacks(execute=True):
        import_file(write(tmp_path, [HEADER, *rows_of(2)]), "--user", "alice")

    assert queued == []
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "There is no active user “nobody”."),
        (["--user", "alice", "--mapping", "不存在"], "alice has no saved mapping “不存在”"),
        (["--user", "alice", "--mode", "update"], "match_on"),
        (["--user", "alice", "--batch-size", "0"], "The batch size must be at least 1."),
    ],
)
def test_bad_arguments_are_a_command_error(alice, tmp_path, args, message):
    path = write(tmp_path, [["名字", "电话"], ["甲", "13800000001"]])

    with pytest.raises(CommandError) as exc:
        import_file(path, *args)

    assert message in str(exc.value)
    assert not Person.objects.exists()


def test_a_missing_file_or_one_that_is_not_a_table_is_a_command_error(alice, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 \x00\x01binary")

    with pytest.raises(CommandError, match="There is no file"):
        import_file(tmp_path / "missing.csv", "--user", "alice")
    with pytest.raises(CommandError, match="not a table"):
        import_file(scan, "--user", "alice")
    assert not ImportJob.objects.exists()


def test_a_user_who_may_not_import_is_refused(east, tmp_path):
    user_create(username="sam", password="x-long-password-1", role=Role.SERVICE_AGENT, team=east)

    with pytest.raises(CommandError, match=r"You may not import data\."):
        import_file(write(tmp_path, [HEADER, *rows_of(1)]), "--user", "sam")
