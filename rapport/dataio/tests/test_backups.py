"""Backup and restore: the round trip keeps every table's rows, on SQLite and on PostgreSQL."""

import gzip
import hashlib
import json
import random
import sqlite3

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Person
from rapport.customers.services import company_create, person_create, person_delete
from rapport.dataio.services import backups
from rapport.dataio.services.backups import (
    BackupFailed,
    RestoreRefused,
    backup_create,
    backup_restore,
    backup_scheduled_run,
    backups_list,
    backups_prune,
    database_row_counts,
)
from rapport.dataio.services.imports import jobs
from rapport.dataio.tasks.backups import backup_scheduled

pytestmark = pytest.mark.django_db(transaction=True)


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of every row ordered by primary key) for each model's table."""
    fingerprints = {}
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or meta.db_table not in existing:
                continue
            table = connection.ops.quote_name(meta.db_table)
            pk = connection.ops.quote_name(meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            digest = hashlib.sha256()
            rows = 0
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                rows += 1
            fingerprints[meta.db_table] = (rows, digest.hexdigest())
    return fingerprints


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.RAPPORT_BACKUP_DIR = tmp_path / "backups"
    return settings.RAPPORT_BACKUP_DIR


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    # A restore deletes the upload folders of imports it does not have: never the real ones.
    settings.RAPPORT_IMPORT_DIR = tmp_path / "imports"
    return settings.RAPPORT_IMPORT_DIR


@pytest.fixture
def records(alice, bob, east):
    people = [
        person_create(
            actor=alice,
            data={
                "full_name": f"王{i}",
                "phones": [{"number": f"1391234{i:04d}"}],
                "emails": [{"email": f"wang{i}@example.com"}],
                "tag_ids": [],
            },
        )
        for i in range(5)
    ]
    company = company_create(actor=bob, data={"name": "东方贸易有限公司"})
    return people, company


def test_round_trip_keeps_every_table_identical(records, alice, backup_dir):
    people, _company = records
    deleted_id = people[0].pk
    before = table_fingerprints()
    backup = backup_create()

    person_delete(actor=alice, person=people[0])
    person_create(actor=alice, data={"full_name": "新来的"})
    assert table_fingerprints() != before

    manifest = backup_restore(path=backup.path, force=True)

    assert table_fingerprints() == before
    assert manifest["row_counts_match"] is True
    assert Person.objects.filter(pk=deleted_id).exists()


def test_backup_writes_a_manifest_with_engine_counts_and_migrations(records, backup_dir):
    backup = backup_create()

    manifest = json.loads(backup.manifest_path.read_text())
    assert backup.path.parent == backup_dir
    assert manifest["engine"] == connection.vendor
    assert manifest["engine"] in backup.path.name
    assert manifest["kind"] == "manual"
    assert manifest["row_counts"][Person._meta.db_table] == 5
    assert manifest["row_counts"] == database_row_counts()
    assert "0001_initial" in manifest["migrations"]["customers"]
    assert manifest["created_at"].endswith("+00:00")


def test_restore_refuses_a_database_with_data_without_confirmation(records, backup_dir):
    backup = backup_create()

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=backup.path)

    assert refused.value.code == "not_empty"


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=junk, force=True)

    assert refused.value.code == "unknown_backup"


def test_commands_back_up_and_restore(records, alice, backup_dir, capsys):
    people, _company = records
    before = table_fingerprints()
    call_command("backup")
    (backup,) = backups_list()
    person_delete(actor=alice, person=people[1])

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(backup.path))
    call_command("restore", str(backup.path), "--yes")

    assert table_fingerprints() == before
    assert "Row counts match" in capsys.readouterr().out


def test_retention_keeps_the_newest_scheduled_backups_and_every_manual_one(records, backup_dir):
    manual = backup_create()
    for _ in range(4):
        backup_scheduled_run(keep=2)

    remaining = backups_list()

    scheduled = [b for b in remaining if b.kind == "scheduled"]
    assert len(scheduled) == 2
    assert manual.path in [b.path for b in remaining]
    assert all(b.manifest_path.exists() for b in remaining)
    assert len(list(backup_dir.glob("*.json"))) == 3


def test_prune_deletes_oldest_first(records, backup_dir):
    import datetime

    times = [datetime.datetime(2026, 1, d, 19, tzinfo=datetime.UTC) for d in (3, 1, 2)]
    for when in times:
        backup_create(kind="scheduled", now=when)

    deleted = backups_prune(keep=1)

    assert sorted(p.name[18:26] for p in deleted) == ["20260101", "20260102"]
    assert backups_list()[0].created_at == times[0]


def test_scheduled_job_uses_the_settings(records, backup_dir, settings):
    settings.RAPPORT_BACKUP_KEEP = 1
    backup_scheduled()
    backup_scheduled()

    assert [b.kind for b in backups_list()] == ["scheduled"]


def test_keep_zero_turns_the_scheduled_backup_off(records, backup_dir, settings):
    settings.RAPPORT_BACKUP_KEEP = 0

    backup_scheduled()

    assert backups_list() == []


# --- Listing for administrators ----------------------------------------------------------------


def test_administrators_list_backups_in_the_api_and_on_a_page(
    records, admin_user, backup_dir, client
):
    backup = backup_create()
    client.force_login(admin_user)

    body = client_for(admin_user).get("/backups").json()
    page = client.get(reverse("dataio:backups"))

    assert [b["name"] for b in body] == [backup.name]
    assert body[0]["row_counts"][Person._meta.db_table] == 5
    assert page.status_code == 200
    assert backup.name in page.content.decode()


def test_others_may_not_list_backups(records, diana, backup_dir, client):
    backup_create()
    client.force_login(diana)

    response = client_for(diana).get("/backups")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get(reverse("dataio:backups")).status_code == 403


# --- A backup is checked before anything is replaced ---------------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backup is a gzipped database file"
)


def test_restore_refuses_a_backup_cut_short_and_changes_nothing(records, alice, backup_dir):
    people, _company = records
    backup = backup_create()
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()
    data = backup.path.read_bytes()
    cut = backup_dir / backup.name.replace("manual", "scheduled")
    cut.write_bytes(data[: len(data) // 2])

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=cut, force=True)

    assert refused.value.code == "unreadable_backup"
    assert cut.name in refused.value.message
    assert table_fingerprints() == before


def test_restore_command_reports_a_backup_cut_short_as_a_message(records, backup_dir):
    backup = backup_create()
    data = backup.path.read_bytes()
    backup.path.write_bytes(data[: len(data) // 2])

    with pytest.raises(CommandError, match="cannot be read to the end"):
        call_command("restore", str(backup.path), "--yes")


def _backup_with_changed_database(backup, target, change) -> None:
    """Write to `target` a gzipped copy of `backup`'s database after `change(path)`."""
    plain = target.with_name("plain.sqlite3")
    with gzip.open(backup.path, "rb") as source:
        plain.write_bytes(source.read())
    change(plain)
    with gzip.open(target, "wb") as out:
        out.write(plain.read_bytes())


def _write_garbage_pages(path) -> None:
    db = sqlite3.connect(path)
    page_size, pages = db.execute("SELECT * FROM pragma_page_size, pragma_page_count").fetchone()
    db.close()
    assert pages > 40
    garbage = random.Random(13)
    with open(path, "r+b") as f:
        for page in range(20, 36):  # 16 pages, well past the schema on page 1
            f.seek((page - 1) * page_size)
            f.write(garbage.randbytes(page_size))


@sqlite_only
def test_restore_refuses_a_database_with_garbage_pages_and_keeps_the_current_one(
    records, alice, backup_dir, tmp_path
):
    people, _company = records
    backup = backup_create()
    damaged = tmp_path / "rapport-manual-20260101T000000Z-sqlite.sqlite3.gz"
    _backup_with_changed_database(backup, damaged, _write_garbage_pages)
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=damaged, force=True)

    assert refused.value.code == "damaged_backup"
    assert "damaged" in refused.value.message
    assert table_fingerprints() == before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchall() == [("ok",)]


def test_a_restore_that_fails_after_replacing_puts_the_current_database_back(
    records, alice, backup_dir, monkeypatch
):
    people, _company = records
    backup = backup_create()
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()

    def fail(alias="default"):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(backups, "database_row_counts", fail)
    with pytest.raises(BackupFailed, match="put back"):
        backup_restore(path=backup.path, force=True)

    assert table_fingerprints() == before
    assert list(backup_dir.glob("before-restore-*")) == []


_DELETE_MIGRATION = "DELETE FROM django_migrations WHERE app = %s AND name = %s"


def _backup_with_migration_rows(*, add=(), remove=()):
    """A backup of the current data whose django_migrations has rows added or removed; the
    live table is put back as it was right after."""
    with connection.cursor() as cursor:
        for app, name in add:
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                [app, name, timezone.now()],
            )
        for app, name in remove:
            cursor.execute(
                "DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name]
            )
    backup = backup_create()
    with connection.cursor() as cursor:
        for app, name in add:
            cursor.execute(
                "DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name]
            )
        for app, name in remove:
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                [app, name, timezone.now()],
            )
    return backup


def _migration_rows() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return set(cursor.fetchall())


def test_restore_refuses_a_backup_with_a_migration_the_code_lacks(records, alice, backup_dir):
    people, _company = records
    backup = _backup_with_migration_rows(add=[("customers", "0099_from_a_newer_version")])
    person_delete(actor=alice, person=people[0])
    before, history = table_fingerprints(), _migration_rows()

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=backup.path, force=True)

    assert refused.value.code == "unknown_migrations"
    assert "customers.0099_from_a_newer_version" in refused.value.message
    assert table_fingerprints() == before
    assert _migration_rows() == history


def test_restore_refuses_a_migration_history_with_a_gap(records, backup_dir):
    backup = _backup_with_migration_rows(remove=[("customers", "0001_initial")])
    before = table_fingerprints()

    with pytest.raises(CommandError, match=r"without customers\.0001_initial"):
        call_command("restore", str(backup.path), "--yes")

    assert table_fingerprints() == before


def test_restore_migrates_a_backup_older_than_the_code(records, alice, backup_dir, capsys):
    people, _company = records
    # A migration that only changes choices: re-applying it to the newer schema is harmless.
    leaf = ("admin", "0003_logentry_add_action_flag_choices")
    backup = _backup_with_migration_rows(remove=[leaf])
    before, history = table_fingerprints(), _migration_rows()
    person_delete(actor=alice, person=people[0])

    call_command("restore", str(backup.path), "--yes")

    assert table_fingerprints() == before
    assert _migration_rows() == history
    assert "admin.0003_logentry_add_action_flag_choices" in capsys.readouterr().out


def test_restore_removes_the_uploads_of_imports_the_backup_does_not_have(
    records, alice, backup_dir, import_dir
):
    def upload(name):
        content = "姓名,手机\n王五,13912340000\n".encode()
        return jobs.import_upload(
            actor=alice, file=SimpleUploadedFile(name, content), original_name=name
        )

    kept = upload("before.csv")
    backup = backup_create()
    later = upload("after.csv")

    manifest = backup_restore(path=backup.path, force=True)

    assert (import_dir / kept.stored_path).is_file()
    assert not (import_dir / str(later.pk)).exists()
    assert manifest["uploads_removed"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_restore leaves other tables")
def test_postgresql_restore_leaves_exactly_the_backups_tables(records, backup_dir):
    people, _company = records
    backup = backup_create()
    person_table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE rapport_stray (id integer PRIMARY KEY, "
            f"person_id bigint REFERENCES {person_table} (id))"
        )
        cursor.execute("INSERT INTO rapport_stray VALUES (1, %s)", [people[0].pk])
    before = table_fingerprints()

    backup_restore(path=backup.path, force=True)

    assert "rapport_stray" not in connection.introspection.table_names()
    assert table_fingerprints() == before
