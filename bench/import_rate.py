#!/usr/bin/env python
"""Rows per second of an import of persons, end to end, against the raw insert rate of the same
database measured in the same run.

    .venv/bin/python bench/import_rate.py                      # 1,000,000 rows, fresh SQLite
    .venv/bin/python bench/import_rate.py --rows 200000 --existing 100000 --mode upsert
    .venv/bin/python bench/import_rate.py --existing 200000 --rows 100000 --updates 100000 \
        --mode upsert                                          # a re-import: all updates
    DATABASE_URL=postgres://… .venv/bin/python bench/import_rate.py --rows 200000

Without DATABASE_URL (or RAPPORT_SQLITE_PATH) a fresh SQLite file in a temporary directory is
migrated and used; a database given by DATABASE_URL is migrated and used as it is. `--existing`
first adds that many persons with `manage.py seed_demo --persons`; when the database has
persons (seeded now or before), a tenth of the file's rows carry the e-mail of one of them
(updated in upsert mode, skipped in create mode).

The file (姓名, 手机, 邮箱, 公司, 城市, 标签 — names, mobile numbers, e-mails, one company per
fifty rows, a city, a tag; one row in two hundred with a bad e-mail) is read through the
services the import page uses (`import_upload`, `import_set_mapping`, `import_start`) and run
in this process by `import_run`, batch after batch, each batch committed with its checkpoint.
Reported: rows/s of the import; peak resident memory of the process; and, as the yardstick, the
rate of `bulk_create` of plain Person rows (the persons table alone, no e-mails, phones, search
terms, timeline or undo records) in batches of the import's size, rolled back afterwards.

`--breakdown` adds where the import's time went: the bulk inserts per table, the updates, the
commits, the other queries, and the rest (Python: reading, cleaning, matching, planning).

`--without` is for diagnosis only, to measure what a part of the writing costs: `search-terms`
skips writing persons' search terms (the imported persons cannot be found by search), and
`list-indexes` DROPS the persons list indexes (`person_*_idx`) from the benchmark database before
the import. Never point it at a database you keep; `manage.py migrate` does not put the indexes
back.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆"]
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def write_csv(
    path: Path, rows: int, existing_emails: list[str], seed: int, distinct_updates: bool = False
) -> None:
    """Without `distinct_updates`, one row in ten takes a random e-mail of `existing_emails`
    (some twice: those rows are skipped as duplicates); with it, the rows take them in turn,
    evenly spread, each once."""
    rng = random.Random(seed)
    step = max(1, rows // len(existing_emails)) if distinct_updates and existing_emails else 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["姓名", "手机", "邮箱", "公司", "城市", "标签"])
        for i in range(rows):
            name = rng.choice(FAMILY) + rng.choice(GIVEN) + rng.choice(GIVEN)
            if step and i % step == 0 and i // step < len(existing_emails):
                email = existing_emails[i // step]
            elif not step and existing_emails and i % 10 == 0:
                email = rng.choice(existing_emails)
            elif i % 200 == 199:
                email = f"bad-address-{i}"
            else:
                email = f"bench{i}@example.cn"
            company = f"公司{i // 50}" if i % 3 == 0 else ""
            writer.writerow(
                [name, f"13{i:09d}", email, company, rng.choice(CITIES), "导入" if i % 7 else ""]
            )


class Timings:
    """Wall time spent in each bulk insert, update and delete (per table), in commits and in
    other queries of the import, by wrapping the writer and the connection's cursor and commit."""

    def __init__(self, skip_tables=()):
        self.skip_tables = set(skip_tables)
        self.seconds: dict[str, float] = {}
        self.saved: list[tuple] = []
        self.writing = 0  # inside an insert or update: its statements are counted there

    @contextmanager
    def timing(self, key: str, *, writing: bool = False):
        """Add the time of the block to `key`; statements run inside a writer's insert, update
        or delete (`writing`) are counted there, not again as other queries."""
        started = time.perf_counter()
        self.writing += writing
        try:
            yield
        finally:
            self.writing -= writing
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started

    def install(self) -> None:
        from django.db.backends.base.base import BaseDatabaseWrapper
        from django.db.backends.utils import CursorWrapper

        from rapport.dataio.tablewriter import TableWriter

        timings = self
        write, update, delete = TableWriter.write, TableWriter.update, TableWriter.delete
        commit, execute = BaseDatabaseWrapper._commit, CursorWrapper.execute
        executemany = CursorWrapper.executemany

        def timed_write(writer, table, columns, rows):
            if table in timings.skip_tables:
                return len(list(rows))
            with timings.timing(f"insert {table}", writing=True):
                return write(writer, table, columns, rows)

        def timed_update(writer, model, objects, field_names):
            with timings.timing(f"update {model._meta.db_table}", writing=True):
                return update(writer, model, objects, field_names)

        def timed_delete(writer, table, key, column, rows):
            with timings.timing(f"delete {table}", writing=True):
                return delete(writer, table, key, column, rows)

        def timed_commit(connection):
            with timings.timing("commit"):
                return commit(connection)

        other = "other queries (matching, reading records to update)"

        def timed_execute(cursor, sql, params=None):
            if timings.writing:
                return execute(cursor, sql, params)
            with timings.timing(other):
                return execute(cursor, sql, params)

        def timed_executemany(cursor, sql, param_list):
            if timings.writing:
                return executemany(cursor, sql, param_list)
            with timings.timing(other):
                return executemany(cursor, sql, param_list)

        self.saved = [
            (TableWriter, "write", write),
            (TableWriter, "update", update),
            (TableWriter, "delete", delete),
            (BaseDatabaseWrapper, "_commit", commit),
            (CursorWrapper, "execute", execute),
            (CursorWrapper, "executemany", executemany),
        ]
        TableWriter.write, TableWriter.update = timed_write, timed_update
        TableWriter.delete = timed_delete
        BaseDatabaseWrapper._commit = timed_commit
        CursorWrapper.execute, CursorWrapper.executemany = timed_execute, timed_executemany

    def uninstall(self) -> None:
        for owner, name, original in self.saved:
            setattr(owner, name, original)
        self.saved = []

    def report(self, total: float) -> None:
        parts = dict(self.seconds)
        parts["the rest: reading, cleaning, matching, planning (Python)"] = total - sum(
            parts.values()
        )
        print("where the time went:")
        for name, value in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {value:7.1f} s  {value / total:4.0%}  {name}")


def drop_person_list_indexes(connection) -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "customers_person")
        names = [n for n, c in constraints.items() if c["index"] and n.startswith("person_")]
        for name in names:
            cursor.execute(f'DROP INDEX "{name}"')
    print(f"diagnosis: dropped {len(names)} persons list indexes")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the file")
    parser.add_argument(
        "--existing", type=int, default=0, help="persons to add first with seed_demo --persons"
    )
    parser.add_argument("--mode", choices=["create", "upsert"], default="create")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--raw-rows", type=int, default=None, help="rows of the raw insert (default: --rows)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--updates",
        type=int,
        default=None,
        help="rows carrying the e-mail of a distinct existing person (default: one row in ten, "
        "e-mails drawn from 50,000 existing ones, so some repeat)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="report where the import's time went"
    )
    parser.add_argument(
        "--without",
        default="",
        help="diagnosis only, comma-separated: search-terms, list-indexes (drops indexes!)",
    )
    args = parser.parse_args()
    without = {w for w in args.without.split(",") if w}
    unknown = without - {"search-terms", "list-indexes"}
    if unknown:
        parser.error(f"--without: unknown part(s) {', '.join(sorted(unknown))}")

    work = Path(tempfile.mkdtemp(prefix="rapport-import-bench-"))
    os.environ.setdefault("RAPPORT_IMPORT_DIR", str(work / "imports"))
    if not os.environ.get("DATABASE_URL") and not os.environ.get("RAPPORT_SQLITE_PATH"):
        os.environ["RAPPORT_SQLITE_PATH"] = str(work / "bench.sqlite3")
    # Subprocesses (migrate, seed_demo) inherit the same database.
    manage("migrate", "--noinput", "-v0")
    if args.existing:
        manage("seed_demo", "--persons", str(args.existing), "--append")

    import django

    django.setup()
    from django.db import connection, transaction

    from rapport.accounts.models import Role, User
    from rapport.accounts.services import user_create
    from rapport.customers.models import Person, PersonEmail
    from rapport.dataio.services.imports import jobs

    batch_size = args.batch_size or jobs.BATCH_SIZE
    actor = User.objects.filter(username="bench-importer").first() or user_create(
        username="bench-importer",
        password="bench-importer-password-1",  # noqa: S106
        role=Role.ADMINISTRATOR,
        language="en",
    )
    existing_emails = []
    if PersonEmail.objects.exists():  # seeded now by --existing, or already in the database
        existing_emails = list(
            PersonEmail.objects.order_by("?").values_list("email", flat=True)[
                : args.updates or 50_000
            ]
        )

    if "list-indexes" in without:
        drop_person_list_indexes(connection)
    skipped = {"customers_personsearchterm"} if "search-terms" in without else set()
    timings = Timings(skip_tables=skipped)
    if args.breakdown or without:
        timings.install()

    path = work / "bench.csv"
    started = time.perf_counter()
    write_csv(path, args.rows, existing_emails, args.seed, distinct_updates=bool(args.updates))
    print(
        f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, "
        f"written in {time.perf_counter() - started:.1f} s"
    )
    print(f"database: {connection.vendor}; existing persons: {Person.objects.count():,}")
    rss_before = peak_rss_mb()

    started = time.perf_counter()
    with path.open("rb") as f:
        job = jobs.import_upload(actor=actor, file=f, original_name=path.name)
    job = jobs.import_set_mapping(
        actor=actor,
        job=job,
        mapping=job.mapping,
        mode=args.mode,
        match_on="email",
    )
    job = jobs.import_start(actor=actor, job=job, enqueue=False)
    upload_seconds = time.perf_counter() - started
    last = [time.perf_counter()]

    def progress(current):
        if time.perf_counter() - last[0] >= 10:
            last[0] = time.perf_counter()
            elapsed = last[0] - started
            print(
                f"  {current.rows_done:,} rows, {current.rows_done / elapsed:,.0f} rows/s, "
                f"peak RSS {peak_rss_mb():.0f} MB",
                flush=True,
            )

    job = jobs.import_run(job.pk, batch_size=batch_size, progress=progress)
    seconds = time.perf_counter() - started
    assert job is not None and job.status == "done", job and job.error
    print(
        f"import ({args.mode}): {job.rows_done:,} rows in {seconds:.1f} s "
        f"(upload and mapping {upload_seconds:.1f} s) = {job.rows_done / seconds:,.0f} rows/s; "
        f"created {job.created_count:,}, updated {job.updated_count:,}, "
        f"skipped {job.skipped_count:,}, rejected {job.rejected_count:,}"
    )
    print(f"peak RSS: {peak_rss_mb():.0f} MB (before the import {rss_before:.0f} MB)")
    timings.uninstall()
    if args.breakdown:
        timings.report(seconds)
    if without:
        print(f"diagnostic run without: {', '.join(sorted(without))}")

    raw_rows = args.raw_rows or args.rows
    started = time.perf_counter()
    with transaction.atomic():
        for first in range(0, raw_rows, batch_size):
            Person.objects.bulk_create(
                Person(full_name=f"raw{i}", owner_id=actor.pk, team_id=None)
                for i in range(first, min(first + batch_size, raw_rows))
            )
        raw_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    raw_rate = raw_rows / raw_seconds
    print(
        f"raw insert (bulk_create of plain Person rows, batches of {batch_size:,}): "
        f"{raw_rows:,} rows in {raw_seconds:.1f} s = {raw_rate:,.0f} rows/s"
    )
    print(f"import / raw: {job.rows_done / seconds / raw_rate:.0%}")


if __name__ == "__main__":
    main()
