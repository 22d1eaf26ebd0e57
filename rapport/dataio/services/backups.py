"""Backups of the whole database, taken while Rapport runs, and their restore.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the live database in one
  step under a read lock, so the copy is consistent while the web server and the job worker keep
  writing (WAL lets them); the copy is gzipped.
- PostgreSQL: `pg_dump --format=custom`. The row counts of the manifest are read in a
  repeatable-read transaction whose snapshot pg_dump shares (`--snapshot`), so they describe
  exactly the data in the dump.

Each backup is one file named `rapport-<kind>-<UTC time>-<engine>.<ext>` and a JSON manifest
beside it (`<file>.json`: engine, creation time, applied migrations, row count per table).
Scheduled backups are pruned to the newest `RAPPORT_BACKUP_KEEP`; manual ones are never pruned.
"""

import contextlib
import datetime
import gzip
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import ApplicationError

logger = logging.getLogger(__name__)

SCHEDULED = "scheduled"
MANUAL = "manual"
_NAME = re.compile(
    r"^rapport-(?P<kind>scheduled|manual)-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<seq>\d+))?"
    r"-(?P<engine>sqlite|postgresql)\.(?P<ext>sqlite3\.gz|dump)$"
)
_STAMP = "%Y%m%dT%H%M%SZ"
# Tables whose rows do not make a database "in use": what `migrate` writes by itself.
_BOOKKEEPING_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "django_session",
}


class BackupFailed(ApplicationError):
    status = 500

    def __init__(self, message: str):
        super().__init__("backup_failed", message)


class RestoreRefused(ApplicationError):
    status = 409

    def __init__(self, code: str, message: str):
        super().__init__(code, message)


@dataclass
class Backup:
    path: Path
    kind: str
    engine: str
    created_at: datetime.datetime
    size: int
    manifest: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def manifest_path(self) -> Path:
        return manifest_path_for(self.path)


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupFailed(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _directory(directory: Path | str | None) -> Path:
    path = Path(directory) if directory is not None else Path(settings.RAPPORT_BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _quote(connection, table: str) -> str:
    return connection.ops.quote_name(table)


def _sql_name(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


def _row_counts(cursor, quote, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (introspected names)
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, tables: list[str]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:  # a database built without migrations
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def database_row_counts(alias: str = "default") -> dict[str, int]:
    """Rows per table of the configured database, every table Django's introspection finds but
    SQLite's own (sqlite_stat1, which ANALYZE writes, is the planner's, not data)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = [
            name
            for name in connection.introspection.table_names(cursor)
            if not name.startswith("sqlite_")
        ]
        return _row_counts(cursor, connection.ops.quote_name, tables)


def database_is_empty(alias: str = "default") -> bool:
    """No rows outside what `migrate` writes by itself (a database just created)."""
    counts = database_row_counts(alias)
    return not any(n for table, n in counts.items() if table not in _BOOKKEEPING_TABLES)


# --- Backup --------------------------------------------------------------------------------------


def _target_path(directory: Path, kind: str, now: datetime.datetime, engine: str) -> Path:
    stamp = now.astimezone(datetime.UTC).strftime(_STAMP)
    ext = "sqlite3.gz" if engine == "sqlite" else "dump"
    path = directory / f"rapport-{kind}-{stamp}-{engine}.{ext}"
    seq = 1
    while path.exists():  # two backups within one second
        seq += 1
        path = directory / f"rapport-{kind}-{stamp}-{seq}-{engine}.{ext}"
    return path


def _sqlite_backup(target: Path, alias: str) -> dict:
    """Copy the live database into `target` (gzipped); returns the manifest's data part."""
    connection = connections[alias]
    connection.ensure_connection()
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        copy_path = Path(tmp) / "copy.sqlite3"
        copy = sqlite3.connect(copy_path)
        try:
            # One step (pages=-1): the copy is a single consistent snapshot of the database.
            connection.connection.backup(copy, pages=-1)
            cursor = copy.cursor()
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = [r[0] for r in cursor.fetchall() if not r[0].startswith("sqlite_")]
            data = {
                "migrations": _applied_migrations(cursor, tables),
                "row_counts": _row_counts(cursor, _sql_name, tables),
            }
            cursor.close()
        finally:
            copy.close()
        partial = target.with_name(target.name + ".partial")
        with open(copy_path, "rb") as source, gzip.open(partial, "wb", compresslevel=6) as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        partial.replace(target)
    return data


def _pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the configured database (no password on a command line)."""
    env = dict(os.environ)
    mapping = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        mapping[variable] = options.get(option)
    for variable, value in mapping.items():
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    program = shutil.which(command[0])
    if program is None:
        raise BackupFailed(
            _(
                "%(program)s is not installed; install the PostgreSQL client of the "
                "server's version."
            )
            % {"program": command[0]}
        )
    result = subprocess.run(  # noqa: S603 (fixed program, arguments from settings)
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupFailed(
            _("%(program)s failed: %(error)s")
            % {"program": command[0], "error": result.stderr.strip()[-2000:]}
        )
    return result.stdout


def _pg_connect(env: dict[str, str], dbname: str | None = None, **kwargs):
    """A psycopg connection as the configured user, to `dbname` (default the configured
    database)."""
    import psycopg  # only needed, and only installed, with PostgreSQL

    return psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=dbname or env["PGDATABASE"],
        sslmode=env.get("PGSSLMODE"),
        **kwargs,
    )


def _postgresql_backup(target: Path, alias: str) -> dict:
    settings_dict = connections[alias].settings_dict
    env = _pg_environment(settings_dict)
    partial = target.with_name(target.name + ".partial")
    # A repeatable-read transaction exports its snapshot; pg_dump reads the same one, so the
    # manifest's counts and the dump agree even while others write.
    with _pg_connect(env) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        cursor = pg.cursor()
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = ANY(current_schemas(false))"
        )
        tables = [r[0] for r in cursor.fetchall()]
        data = {
            "migrations": _applied_migrations(cursor, tables),
            "row_counts": _row_counts(cursor, _sql_name, tables),
        }
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={partial}",
            ],
            env,
        )
        pg.execute("COMMIT")
    partial.replace(target)
    return data


def backup_create(
    *,
    kind: str = MANUAL,
    directory: Path | str | None = None,
    now: datetime.datetime | None = None,
    alias: str = "default",
) -> Backup:
    """Write a consistent backup of the database and its manifest into `directory`
    (default `RAPPORT_BACKUP_DIR`). Safe while Rapport runs; raises BackupFailed."""
    if kind not in (SCHEDULED, MANUAL):
        raise ValueError(kind)
    engine = _engine(alias)
    now = now or timezone.now()
    target = _target_path(_directory(directory), kind, now, engine)
    try:
        data = (
            _sqlite_backup(target, alias)
            if engine == "sqlite"
            else _postgresql_backup(target, alias)
        )
    except (OSError, sqlite3.Error) as exc:
        raise BackupFailed(str(exc)) from exc
    finally:
        target.with_name(target.name + ".partial").unlink(missing_ok=True)
    manifest = {
        "format": 1,
        "file": target.name,
        "kind": kind,
        "engine": engine,
        "created_at": now.astimezone(datetime.UTC).isoformat(),
        "size": target.stat().st_size,
        **data,
    }
    manifest_path = manifest_path_for(target)
    partial_manifest = manifest_path.with_name(manifest_path.name + ".partial")
    partial_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    partial_manifest.replace(manifest_path)
    return _backup_from(target, manifest)


# --- Listing and retention -----------------------------------------------------------------------


def _backup_from(path: Path, manifest: dict | None = None) -> Backup | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    if manifest is None:
        try:
            manifest = json.loads(manifest_path_for(path).read_text())
        except (OSError, ValueError):
            manifest = {}
    created = datetime.datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=datetime.UTC)
    return Backup(
        path=path,
        kind=match["kind"],
        engine=match["engine"],
        created_at=created,
        size=path.stat().st_size,
        manifest=manifest,
    )


def backups_list(directory: Path | str | None = None) -> list[Backup]:
    """The backups in `directory`, newest first."""
    path = Path(directory) if directory is not None else Path(settings.RAPPORT_BACKUP_DIR)
    if not path.is_dir():
        return []
    backups = [b for p in path.iterdir() if p.is_file() and (b := _backup_from(p)) is not None]
    return sorted(backups, key=lambda b: (b.created_at, b.name), reverse=True)


def backups_prune(*, keep: int, directory: Path | str | None = None) -> list[Path]:
    """Delete scheduled backups beyond the newest `keep`; manual backups stay. Returns what
    was deleted."""
    scheduled = [b for b in backups_list(directory) if b.kind == SCHEDULED]
    deleted = []
    for backup in scheduled[max(keep, 0) :]:
        backup.path.unlink(missing_ok=True)
        backup.manifest_path.unlink(missing_ok=True)
        deleted.append(backup.path)
    return deleted


def backup_scheduled_run(
    *, directory: Path | str | None = None, keep: int | None = None
) -> Backup | None:
    """The daily backup: one scheduled backup, then retention. Nothing when keep is 0."""
    keep = settings.RAPPORT_BACKUP_KEEP if keep is None else keep
    if keep <= 0:
        return None
    backup = backup_create(kind=SCHEDULED, directory=directory)
    backups_prune(keep=keep, directory=directory)
    return backup


# --- Restore -------------------------------------------------------------------------------------


def _engine_of_file(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(5)
    if head[:2] == b"\x1f\x8b":
        return "sqlite"
    if head == b"PGDMP":
        return "postgresql"
    if head == b"SQLit":
        return "sqlite"
    raise RestoreRefused("unknown_backup", _("This file is not a Rapport backup."))


def _unreadable(path: Path, error: object) -> RestoreRefused:
    return RestoreRefused(
        "unreadable_backup",
        _(
            "The backup %(name)s cannot be read to the end (%(error)s): it is damaged or "
            "incomplete. Nothing was changed."
        )
        % {"name": path.name, "error": error},
    )


def _not_checked(path: Path, error: object) -> BackupFailed:
    return BackupFailed(
        _("The backup %(name)s could not be checked (%(error)s). Nothing was changed.")
        % {"name": path.name, "error": error}
    )


def _sqlite_unpack(path: Path, directory: Path) -> Path:
    """The backup's database as a plain file in `directory`, read to the last byte: a gzip cut
    short or damaged fails here, before the configured database is touched."""
    plain = directory / "restore.sqlite3"
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as source, open(plain, "wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _unreadable(path, exc) from exc
    return plain


def _sqlite_check(plain: Path, path: Path) -> None:
    """Refuse a backup whose database SQLite finds damaged. `integrity_check`, not
    `quick_check`: only the full check reads every index against its table."""
    try:
        db = sqlite3.connect(plain.as_uri() + "?mode=ro", uri=True)
        try:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check(10)")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems != ["ok"]:
        raise RestoreRefused(
            "damaged_backup",
            _("The database in the backup %(name)s is damaged (%(problems)s). Nothing was changed.")
            % {"name": path.name, "problems": "; ".join(problems[:3])},
        )


def _check_row_counts(counts: dict[str, int], manifest: dict, path: Path) -> None:
    """Refuse a backup whose database does not hold the rows its manifest counted (no manifest,
    no check: a backup copied without its `.json` is still restorable)."""
    expected = manifest.get("row_counts")
    if not expected:
        return
    differ = sorted(t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t))
    if differ:
        raise RestoreRefused(
            "row_counts_differ",
            _(
                "The database in the backup %(name)s does not hold the rows its manifest "
                "counted (%(tables)s): the backup is damaged or the manifest belongs to another "
                "one. Nothing was changed."
            )
            % {
                "name": path.name,
                "tables": ", ".join(
                    f"{t} {counts.get(t, '-')}/{expected.get(t, '-')}" for t in differ[:5]
                )
                + (" …" if len(differ) > 5 else ""),
            },
        )


def _sqlite_contents(plain: Path) -> tuple[set[tuple[str, str]] | None, dict[str, int]]:
    """The migration history (None without a django_migrations table) and the rows per table
    of the unpacked backup."""
    db = sqlite3.connect(plain.as_uri() + "?mode=ro", uri=True)
    try:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [r[0] for r in cursor.fetchall() if not r[0].startswith("sqlite_")]
        return _history(cursor, tables), _row_counts(cursor, _sql_name, tables)
    finally:
        db.close()


def _history(cursor, tables: list[str]) -> set[tuple[str, str]] | None:
    if "django_migrations" not in tables:
        return None
    return {
        (app, name) for app, names in _applied_migrations(cursor, tables).items() for name in names
    }


# PostgreSQL: the dump is restored into a scratch database and checked there; only a dump that
# restores and passes is restored into the configured database.

_SCRATCH_PREFIX = "rapport_scratch_"


def scratch_database_prefix(alias: str = "default") -> str:
    """What the names of the scratch databases of a restore into `alias` begin with: one prefix
    per database, so that the leftover of a killed restore is recognised and dropped."""
    name = str(connections[alias].settings_dict["NAME"])
    return f"{_SCRATCH_PREFIX}{hashlib.sha256(name.encode()).hexdigest()[:8]}_"


@contextlib.contextmanager
def _scratch_database(env: dict[str, str], prefix: str):
    """An empty database, with the configured one's encoding and locale, dropped on leaving
    whatever happened. Creating it needs the CREATEDB right only."""
    from psycopg import errors, sql

    name = f"{prefix}{os.getpid()}_{secrets.token_hex(3)}"  # a pid is reused in a container
    with _pg_connect(env, autocommit=True) as pg:
        leftovers = pg.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
            "AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
            [prefix],
        ).fetchall()
        for (leftover,) in leftovers:  # of a restore killed before it could drop it
            # Not WITH (FORCE): one still in use (its pg_restore outlived the killed restore)
            # is dropped next time.
            with contextlib.suppress(errors.ObjectInUse):
                pg.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(leftover)))
        encoding, collate, ctype, user = pg.execute(
            "SELECT pg_encoding_to_char(encoding), datcollate, datctype, current_user "
            "FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        try:
            pg.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}"
                ).format(
                    sql.Identifier(name),
                    sql.Literal(encoding),
                    sql.Literal(collate),
                    sql.Literal(ctype),
                )
            )
        except errors.InsufficientPrivilege as exc:
            raise RestoreRefused(
                "needs_createdb",
                _(
                    "The PostgreSQL user %(user)s may not create databases: restore first "
                    "restores the backup into a scratch database to check it, which needs the "
                    "CREATEDB right (ALTER ROLE %(user)s CREATEDB). Nothing was changed."
                )
                % {"user": user},
            ) from exc
    try:
        yield name
    finally:
        try:
            with _pg_connect(env, autocommit=True) as pg:
                pg.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        except errors.Error:
            # The next restore drops it (same prefix); do not hide why this one stopped.
            logger.exception("Could not drop the scratch database %s", name)


def _postgresql_restore_into_scratch(path: Path, env: dict[str, str], scratch: str) -> None:
    """pg_restore into the scratch database in one transaction, stopping at the first error:
    data a column or a constraint of the dump rejects fails here."""
    try:
        _run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={scratch}",
                str(path),
            ],
            env,
        )
    except BackupFailed as exc:
        raise RestoreRefused(
            "damaged_backup",
            _(
                "The backup %(name)s does not restore into an empty database (%(error)s): it is "
                "damaged or was not written by Rapport. Nothing was changed."
            )
            % {"name": path.name, "error": exc.message},
        ) from exc


def _postgresql_contents(
    env: dict[str, str], scratch: str, path: Path
) -> tuple[set[tuple[str, str]] | None, dict[str, int]]:
    """The migration history (None without django_migrations) and the rows per table of the
    restored scratch database, read in the schemas the configured database uses, as the
    manifest was."""
    from psycopg import errors

    try:
        with _pg_connect(env, scratch) as pg:
            cursor = pg.cursor()
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = ANY(current_schemas(false))"
            )
            tables = [r[0] for r in cursor.fetchall()]
            return _history(cursor, tables), _row_counts(cursor, _sql_name, tables)
    except errors.Error as exc:  # e.g. a django_migrations of another shape
        raise RestoreRefused(
            "unknown_backup",
            _("The backup %(name)s was not written by Rapport (%(error)s). Nothing was changed.")
            % {"name": path.name, "error": exc},
        ) from exc


def _names(keys) -> str:
    keys = sorted(keys)
    names = ", ".join(f"{app}.{name}" for app, name in keys[:10])
    return names + (" …" if len(keys) > 10 else "")


def _migrations_to_apply(applied: set[tuple[str, str]] | None, path: Path) -> list[str]:
    """Refuse a backup whose migration history `migrate` cannot bring to the code's: one with
    a migration the code lacks, or with a migration applied before one it depends on. Returns
    the code's migrations the backup has not applied yet (an older backup)."""
    if not applied:
        raise RestoreRefused(
            "no_migration_history",
            _("The backup %(name)s has no migration history; it was not written by Rapport.")
            % {"name": path.name},
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = applied - set(loader.disk_migrations)
    if unknown:
        raise RestoreRefused(
            "unknown_migrations",
            _(
                "The backup %(name)s was written by a newer or different version of Rapport: "
                "its database has migrations this code does not have (%(migrations)s). "
                "Nothing was changed."
            )
            % {"name": path.name, "migrations": _names(unknown)},
        )

    def is_applied(key) -> bool:
        if key in applied:
            return True
        replaced = loader.replacements.get(key)
        return replaced is not None and all(r in applied for r in replaced.replaces)

    for key in sorted(applied):
        if key not in loader.graph.nodes:
            continue  # replaced by a squashed migration
        missing = [p.key for p in loader.graph.node_map[key].parents if not is_applied(p.key)]
        if missing:
            raise RestoreRefused(
                "inconsistent_migrations",
                _(
                    "The backup %(name)s has %(migration)s applied without %(missing)s, "
                    "which it depends on; migrate cannot bring it forward. Nothing was changed."
                )
                % {"name": path.name, "migration": _names([key]), "missing": _names(missing)},
            )
    return [
        f"{app}.{name}" for app, name in sorted(loader.graph.nodes) if not is_applied((app, name))
    ]


def _migrate(pending: list[str], alias: str) -> None:
    if pending:
        call_command("migrate", database=alias, interactive=False, verbosity=0)


def _sqlite_copy(source, target: Path) -> None:
    """Copy the database of the sqlite3 connection `source` to the file `target`."""
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)
    finally:
        copy.close()


def _sqlite_restore(plain: Path, alias: str) -> None:
    connection = connections[alias]
    source_db = sqlite3.connect(plain)
    try:
        connection.ensure_connection()
        # The backup API replaces every page of the configured database, inside SQLite's
        # own locking, so a reader never sees half a restore.
        source_db.backup(connection.connection, pages=-1)
    finally:
        source_db.close()


def _postgresql_read_through(path: Path, env: dict[str, str]) -> None:
    """pg_restore reads the whole archive (to /dev/null): a dump cut short fails here."""
    try:
        _run(["pg_restore", f"--file={os.devnull}", str(path)], env)
    except BackupFailed as exc:
        raise _unreadable(path, exc.message) from exc


def _postgresql_dump_tables(path: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    """(schema, table) of every table in the dump's table of contents."""
    listing = _run(["pg_restore", "--list", str(path)], env)
    entry = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")
    return {(m[1], m[2]) for line in listing.splitlines() if (m := entry.match(line))}


def _postgresql_restore(path: Path, alias: str, directory: Path) -> None:
    """Restore the dump in one transaction, which also drops the tables the dump does not
    have: the restored database holds exactly the backup's tables, and on any error nothing
    has changed."""
    connection = connections[alias]
    env = _pg_environment(connection.settings_dict)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname = ANY(current_schemas(false))"
        )
        current = set(cursor.fetchall())
    extra = sorted(current - _postgresql_dump_tables(path, env))
    connection.close()
    prelude = directory / "drop-extra-tables.sql"
    prelude.write_text(
        "".join(
            f"DROP TABLE IF EXISTS {_sql_name(schema)}.{_sql_name(table)} CASCADE;\n"
            for schema, table in extra
        )
    )
    script = directory / "restore.sql"
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(path),
        ],
        env,
    )
    _run(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={env['PGDATABASE']}",
            f"--file={prelude}",
            f"--file={script}",
        ],
        env,
    )


def backup_restore(*, path: Path | str, force: bool = False, alias: str = "default") -> dict:
    """Replace the configured database's data with the backup at `path`.

    Refuses a database that holds data unless `force`, a backup of another engine, and, before
    anything is replaced, a backup that does not read to the end, whose database is damaged
    (SQLite: `integrity_check`; PostgreSQL: the dump must restore into a scratch database, which
    is dropped afterwards and needs the CREATEDB right), does not hold the rows its manifest
    counted, or has a migration history `migrate` cannot bring to the code's. Returns the
    backup's manifest (empty when it has none) with `row_counts_match` (True: the restored
    tables have the manifest's counts, else the restore fails and the previous database is put
    back) and `migrations_applied`: what `migrate` added after.
    """
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused("not_found", _("There is no file %(path)s.") % {"path": path})
    engine = _engine(alias)
    file_engine = _engine_of_file(path)
    if file_engine != engine:
        raise RestoreRefused(
            "wrong_engine",
            _("This is a %(file)s backup; the configured database is %(db)s.")
            % {"file": file_engine, "db": engine},
        )
    if not force and not database_is_empty(alias):
        raise RestoreRefused(
            "not_empty",
            _("The database is not empty; restoring replaces all of its data. Confirm to go on."),
        )
    try:
        manifest = json.loads(manifest_path_for(path).read_text())
    except (OSError, ValueError):
        manifest = {}
    if not isinstance(manifest, dict):
        manifest = {}
    # Everything is read and checked before the configured database is touched.
    # The unpacked database (SQLite) and the restore script (PostgreSQL) are as big as the
    # database: they go beside the backups, where there is room for such files, not to /tmp.
    try:
        workspace = tempfile.TemporaryDirectory(prefix="restore-", dir=_directory(None))
    except OSError as exc:
        raise _not_checked(path, exc) from exc
    with workspace as tmp:
        try:
            if engine == "sqlite":
                plain = _sqlite_unpack(path, Path(tmp))
                _sqlite_check(plain, path)
                history, counts = _sqlite_contents(plain)
            else:
                env = _pg_environment(connections[alias].settings_dict)
                _postgresql_read_through(path, env)
                with _scratch_database(env, scratch_database_prefix(alias)) as scratch:
                    _postgresql_restore_into_scratch(path, env, scratch)
                    history, counts = _postgresql_contents(env, scratch, path)
        except (OSError, sqlite3.Error) as exc:  # a full disk, say
            raise _not_checked(path, exc) from exc
        pending = _migrations_to_apply(history, path)
        _check_row_counts(counts, manifest, path)

        def restore() -> None:
            if engine == "sqlite":
                _sqlite_restore(plain, alias)
            else:
                _postgresql_restore(path, alias, Path(tmp))

        def after() -> None:
            _compare_row_counts(manifest, alias)
            _migrate(pending, alias)

        _replace_keeping_a_copy(
            engine=engine, alias=alias, restore=restore, after=after, directory=Path(tmp)
        )
    manifest["migrations_applied"] = pending
    manifest["uploads_removed"] = _remove_unreferenced_uploads()
    return manifest


def _remove_unreferenced_uploads() -> int:
    """Delete the folders of import jobs the restored database does not have: their uploads
    hold personal data that nothing lists any more. Returns how many were deleted."""
    from rapport.dataio.models import ImportJob
    from rapport.dataio.services.imports.jobs import import_dir

    root = import_dir()
    if not root.is_dir():
        return 0
    known = {str(pk) for pk in ImportJob.objects.values_list("pk", flat=True)}
    removed = 0
    for folder in root.iterdir():
        # Only the job folders (`<job id>/`) written by import_upload.
        if folder.is_dir() and folder.name.isdigit() and folder.name not in known:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _compare_row_counts(manifest: dict, alias: str) -> None:
    """The restored database must hold the manifest's rows, as the checked copy did; a
    difference fails the restore, which puts the previous database back."""
    expected = manifest.get("row_counts")
    if expected:
        actual = database_row_counts(alias)
        differ = sorted(t for t, n in expected.items() if actual.get(t) != n)
        if differ:
            raise BackupFailed(
                _("the restored row counts differ from the manifest's in %(tables)s")
                % {"tables": ", ".join(differ[:5])}
            )
        manifest["row_counts_match"] = True


_KEPT_PREFIX = "before-restore-"


def restore_leftover_copies(directory: Path | str | None = None) -> list[Path]:
    """Copies of the database that a restore kept and never removed because it was killed
    (kill -9, a power cut) before it finished: the data as it was before that restore, which
    `restore` takes like a backup."""
    path = Path(directory) if directory is not None else Path(settings.RAPPORT_BACKUP_DIR)
    if not path.is_dir():
        return []
    return sorted(p for p in path.glob(f"{_KEPT_PREFIX}*") if p.is_file())


def _replace_keeping_a_copy(*, engine: str, alias: str, restore, after, directory: Path) -> None:
    """Run `restore` then `after`, keeping a copy of the current database in the backup
    directory (where it outlives a crash) until both succeeded; on failure the copy is put
    back."""
    connection = connections[alias]
    stamp = timezone.now().astimezone(datetime.UTC).strftime(_STAMP)
    ext = "sqlite3" if engine == "sqlite" else "dump"
    kept = None
    try:
        kept = _directory(None) / f"{_KEPT_PREFIX}{stamp}-{os.getpid()}.{ext}"
        if engine == "sqlite":
            connection.ensure_connection()
            _sqlite_copy(connection.connection, kept)
        else:
            env = _pg_environment(connection.settings_dict)
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={kept}"],
                env,
            )
    except (OSError, sqlite3.Error, BackupFailed) as exc:  # a full disk, say
        if kept is not None:
            # With the copy, the rollback journal SQLite was writing beside it when the disk
            # filled (and its WAL files, were the copy ever opened in that mode).
            for suffix in ("", "-journal", "-wal", "-shm"):
                kept.with_name(kept.name + suffix).unlink(missing_ok=True)
        raise BackupFailed(
            _(
                "The copy of the current database that a restore keeps until it succeeded "
                "could not be written (%(error)s). Nothing was changed."
            )
            % {"error": getattr(exc, "message", exc)}
        ) from exc
    try:
        restore()
        after()
    # BaseException: a restore interrupted (Ctrl-C) between the replacement and the end of
    # `migrate` would otherwise leave a half-migrated database and the copy unmentioned.
    except BaseException as exc:
        error = str(exc) or _("interrupted")
        try:
            if engine == "sqlite":
                _sqlite_restore(kept, alias)
            else:
                _postgresql_restore(kept, alias, directory)
        except Exception:
            raise BackupFailed(
                _(
                    "The restore failed (%(error)s) and the previous database could not be put "
                    "back; it is kept in %(path)s."
                )
                % {"error": error, "path": kept}
            ) from exc
        kept.unlink(missing_ok=True)
        raise BackupFailed(
            _("The restore failed (%(error)s); the previous database was put back.")
            % {"error": error}
        ) from exc
    kept.unlink(missing_ok=True)
