"""Backup and restore: the round trip keeps every table's rows, on SQLite and on PostgreSQL."""

import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess

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


def scratch_databases() -> list[str]:
    """The scratch databases a PostgreSQL restore into the test database left behind."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
            [backups.scratch_database_prefix()],
        )
        return [row[0] for row in cursor.fetchall()]


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
    assert scratch_databases() == []


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
    assert scratch_databases() == []


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


def test_restore_leaves_exactly_the_backups_tables(records, backup_dir):
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


def test_restore_refuses_a_backup_whose_rows_differ_from_its_manifest(records, alice, backup_dir):
    people, _company = records
    backup = backup_create()
    manifest = json.loads(backup.manifest_path.read_text())
    manifest["row_counts"][Person._meta.db_table] += 1
    backup.manifest_path.write_text(json.dumps(manifest))
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=backup.path, force=True)

    assert refused.value.code == "row_counts_differ"
    assert f"{Person._meta.db_table} 5/6" in refused.value.message
    assert table_fingerprints() == before
    assert scratch_databases() == []


def test_a_restore_interrupted_while_migrating_puts_the_current_database_back(
    records, alice, backup_dir, monkeypatch
):
    people, _company = records
    backup = _backup_with_migration_rows(
        remove=[("admin", "0003_logentry_add_action_flag_choices")]
    )
    person_delete(actor=alice, person=people[0])
    before, history = table_fingerprints(), _migration_rows()

    def interrupt(*args, **kwargs):  # Ctrl-C while `migrate` brings the backup forward
        raise KeyboardInterrupt

    monkeypatch.setattr(backups, "call_command", interrupt)
    with pytest.raises(BackupFailed, match=r"\(interrupted\); the previous database was put back"):
        backup_restore(path=backup.path, force=True)

    assert table_fingerprints() == before
    assert _migration_rows() == history
    assert list(backup_dir.glob("before-restore-*")) == []


def test_restore_command_stopped_while_migrating_puts_the_current_database_back(
    records, alice, backup_dir, monkeypatch
):
    people, _company = records
    backup = _backup_with_migration_rows(
        remove=[("admin", "0003_logentry_add_action_flag_choices")]
    )
    person_delete(actor=alice, person=people[0])
    before, history = table_fingerprints(), _migration_rows()
    handler = signal.getsignal(signal.SIGTERM)

    def terminate(*args, **kwargs):  # the service manager stops the command during `migrate`
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(backups, "call_command", terminate)
    with pytest.raises(CommandError, match=r"\(interrupted\); the previous database was put back"):
        call_command("restore", str(backup.path), "--yes")

    assert table_fingerprints() == before
    assert _migration_rows() == history
    assert signal.getsignal(signal.SIGTERM) is handler


def test_restore_command_points_to_the_copy_a_killed_restore_left(
    records, alice, backup_dir, capsys
):
    people, _company = records
    backup = backup_create()
    # A restore killed after replacing the database left its copy of the previous one.
    leftover = backup_dir / "before-restore-20260101T000000Z-4242.sqlite3"
    leftover.write_bytes(b"")
    person_delete(actor=alice, person=people[0])

    call_command("restore", str(backup.path), "--yes")

    assert (
        f"{leftover} is a copy of the database an earlier restore kept" in capsys.readouterr().err
    )
    assert leftover.exists()
    assert Person.objects.filter(pk=people[0].pk).exists()


def test_a_restore_that_cannot_write_beside_the_backups_changes_nothing(
    records, alice, backup_dir, settings, tmp_path
):
    people, _company = records
    backup = backup_create()
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()
    # The unpacked backup and the copy of the current database go there: it cannot hold them.
    unwritable = tmp_path / "not-a-directory"
    unwritable.write_text("")
    settings.RAPPORT_BACKUP_DIR = unwritable

    with pytest.raises(BackupFailed, match="Nothing was changed"):
        backup_restore(path=backup.path, force=True)

    assert table_fingerprints() == before
    assert not Person.objects.filter(pk=people[0].pk).exists()


@pytest.fixture
def small_disk(tmp_path):
    """Mount a tmpfs of the size asked for (root only, as on the CI's container)."""
    mounted = []

    def mount(size: int):
        path = tmp_path / "small-disk"
        path.mkdir()
        result = subprocess.run(  # noqa: S603
            [shutil.which("mount") or "mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip("mounting a small file system needs root")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run([shutil.which("umount") or "umount", path], check=True)  # noqa: S603


def test_a_restore_on_a_full_disk_changes_nothing_and_leaves_no_partial_copy(
    records, alice, backup_dir, settings, small_disk
):
    people, _company = records
    backup = backup_create()
    if connection.vendor == "sqlite":
        # Room for the unpacked backup but not for the copy of the current database beside it.
        with gzip.open(backup.path, "rb") as source:
            size = len(source.read()) * 3 // 2
    else:
        size = backup.size // 2  # no room for the copy (a pg_dump) of the current database
    settings.RAPPORT_BACKUP_DIR = small_disk(size // 4096 * 4096)
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()

    with pytest.raises(BackupFailed, match=r"could not be written.*Nothing was changed"):
        backup_restore(path=backup.path, force=True)

    assert table_fingerprints() == before
    assert not Person.objects.filter(pk=people[0].pk).exists()
    assert list(settings.RAPPORT_BACKUP_DIR.iterdir()) == []
    assert scratch_databases() == []


# --- PostgreSQL: the dump is restored into a scratch database and checked there first ----------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL dump is checked in a scratch database"
)


def _pg_settings() -> dict:
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }


def _foreign_dump(target, statements: list[str]) -> None:
    """Write to `target` a pg_dump of a database Rapport did not write, made of `statements`."""
    import psycopg

    name = f"rapport_foreign_{os.getpid()}"
    env = backups._pg_environment({**connection.settings_dict, "NAME": name})
    with psycopg.connect(**_pg_settings(), dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(**_pg_settings(), dbname=name, autocommit=True) as foreign:
                for statement in statements:
                    foreign.execute(statement)
            backups._run(["pg_dump", "--format=custom", f"--file={target}"], env)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_SHOP_MIGRATIONS = [
    "CREATE TABLE {schema}.django_migrations (id serial PRIMARY KEY, app varchar(255), "
    "name varchar(255), applied timestamptz)",
    "INSERT INTO {schema}.django_migrations (app, name, applied) "
    "VALUES ('shop', '0001_initial', now())",
    "CREATE TABLE {schema}.shop_customer (id integer PRIMARY KEY, name text)",
    "INSERT INTO {schema}.shop_customer VALUES (1, 'Jürgen Müller')",
]


def _cut_short(backup, target) -> None:
    data = backup.path.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def _garbage_inside(backup, target) -> None:
    data = bytearray(backup.path.read_bytes())
    garbage = random.Random(13)
    for offset in range(len(data) // 3, len(data) - 512, len(data) // 7):
        data[offset : offset + 256] = garbage.randbytes(256)
    target.write_bytes(bytes(data))


def _from_another_schema(backup, target) -> None:
    _foreign_dump(
        target, ["CREATE SCHEMA shop", *(s.format(schema="shop") for s in _SHOP_MIGRATIONS)]
    )


def _from_another_project(backup, target) -> None:
    _foreign_dump(target, [s.format(schema="public") for s in _SHOP_MIGRATIONS])


def _a_value_postgresql_rejects(backup, target) -> None:
    """An uncompressed dump of the current data in which one timestamp has month 13: the file
    reads to the end, only restoring it shows the damage."""
    env = backups._pg_environment(connection.settings_dict)
    backups._run(["pg_dump", "--format=custom", "--compress=0", f"--file={target}"], env)
    data, found = re.subn(
        rb"\t(\d{4})-\d\d-(\d\d \d\d:\d\d:\d\d)", rb"\t\1-13-\2", target.read_bytes(), count=1
    )
    assert found == 1
    target.write_bytes(data)


@postgresql_only
@pytest.mark.parametrize(
    ("damage", "code", "says"),
    [
        (_cut_short, "unreadable_backup", "cannot be read to the end"),
        (_garbage_inside, "unreadable_backup", "cannot be read to the end"),
        (_a_value_postgresql_rejects, "damaged_backup", "does not restore into an empty database"),
        (_from_another_schema, "no_migration_history", "has no migration history"),
        (_from_another_project, "unknown_migrations", "shop.0001_initial"),
    ],
    ids=["cut-short", "garbage-inside", "value-rejected", "another-schema", "another-project"],
)
def test_postgresql_restore_refuses_a_bad_dump_and_leaves_the_live_database_alone(
    records, alice, backup_dir, tmp_path, damage, code, says
):
    people, _company = records
    backup = backup_create()
    bad = tmp_path / "rapport-manual-20260101T000000Z-postgresql.dump"
    damage(backup, bad)
    person_delete(actor=alice, person=people[0])
    newcomer = person_create(actor=alice, data={"full_name": "新来的"})
    counts, before = database_row_counts(), table_fingerprints()

    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=bad, force=True)

    assert refused.value.code == code
    assert says in refused.value.message
    assert bad.name in refused.value.message
    assert database_row_counts() == counts
    assert table_fingerprints() == before
    assert Person.objects.get(pk=newcomer.pk).full_name == "新来的"
    assert not Person.objects.filter(pk=people[0].pk).exists()
    assert scratch_databases() == []


@pytest.fixture
def role_without_createdb():
    role = f"rapport_nocreatedb_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@postgresql_only
def test_postgresql_restore_without_the_createdb_right_is_refused_by_name(
    records, alice, backup_dir, monkeypatch, role_without_createdb
):
    people, _company = records
    backup = backup_create()
    person_delete(actor=alice, person=people[0])
    before = table_fingerprints()

    with monkeypatch.context() as patch, pytest.raises(RestoreRefused) as refused:
        patch.setitem(connection.settings_dict, "USER", role_without_createdb)
        backup_restore(path=backup.path, force=True)

    assert refused.value.code == "needs_createdb"
    assert f"ALTER ROLE {role_without_createdb} CREATEDB" in refused.value.message
    assert table_fingerprints() == before
    assert scratch_databases() == []


@postgresql_only
def test_postgresql_restore_drops_the_scratch_database_a_killed_restore_left(
    records, alice, backup_dir
):
    people, _company = records
    backup = backup_create()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{backups.scratch_database_prefix()}1"')
    person_delete(actor=alice, person=people[0])

    backup_restore(path=backup.path, force=True)

    assert Person.objects.filter(pk=people[0].pk).exists()
    assert scratch_databases() == []
