"""A worker killed with SIGKILL in the middle of an import: the next consumer resumes it, and
every accepted row ends up in the database exactly once.

Real processes against a real database file (SQLite, and PostgreSQL when the suite runs on it):
the set-up, the first `manage.py run_huey` (killed once some batches are committed) and a
second one, which takes the import over at start-up (`resume_imports_at_startup`).
"""

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
MANAGE = str(BASE_DIR / "manage.py")
ROWS = 30_000
BATCH = 5000  # jobs.BATCH_SIZE, the size of a committed batch

SETUP = """
from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.dataio.services.imports import jobs

user = user_create(
    username="alice", password="resume-test-password-1", role=Role.SALES_REP,
    team=team_create(name="East"), language="en",
)
with open({path!r}, "rb") as f:
    job = jobs.import_upload(actor=user, file=f, original_name="big.csv")
job = jobs.import_set_mapping(
    actor=user, job=job, mapping={{"姓名": "full_name", "手机": "phone", "邮箱": "email"}},
)
jobs.import_start(actor=user, job=job)
print(job.pk)
"""


def write_file(path: Path) -> dict:
    """30,000 rows: every 1,000th has no name and a bad e-mail (rejected), the 500th of each
    thousand a phone number valid nowhere (imported with a warning), every 997th repeats the
    e-mail of the row before it (skipped as a duplicate). Returns what the import must end
    with."""
    rejected = skipped = warned = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["姓名", "手机", "邮箱"])
        for i in range(1, ROWS + 1):
            name, phone, email = f"客户{i}", "", f"c{i}@example.cn"
            if i % 1000 == 0:
                name, email, rejected = "", f"bad-{i}", rejected + 1
            elif i % 1000 == 500:
                phone, warned = "12345", warned + 1
            elif i % 997 == 0:
                email, skipped = f"c{i - 1}@example.cn", skipped + 1
            writer.writerow([name, phone, email])
    return {
        "created": ROWS - rejected - skipped,
        "rejected": rejected,
        "skipped": skipped,
        "warned": warned,
    }


class Database:
    """Reads the subprocesses' database from the test, outside Django's test database."""

    def __init__(self, vendor: str, env: dict):
        self.vendor = vendor
        self.env = env

    def value(self, sql: str):
        if self.vendor == "sqlite":
            with sqlite3.connect(self.env["RAPPORT_SQLITE_PATH"], timeout=30) as conn:
                return conn.execute(sql).fetchone()
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return conn.execute(sql).fetchone()

    def job(self, job_id: int) -> dict:
        names = (
            "status",
            "rows_done",
            "created_count",
            "updated_count",
            "skipped_count",
            "rejected_count",
            "warned_count",
            "run_rows_start",
            "error",
        )
        row = self.value(f"SELECT {', '.join(names)} FROM dataio_importjob WHERE id = {job_id}")
        return dict(zip(names, row, strict=True))


def _postgres_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    env = {
        **os.environ,
        "RAPPORT_VAR_DIR": str(tmp_path),
        "RAPPORT_IMPORT_DIR": str(tmp_path / "imports"),
        "RAPPORT_SECRET_KEY": "resume-test-secret-key-resume-test-secret-key",
        "RAPPORT_HUEY_IMMEDIATE": "0",
        "RAPPORT_WORKERS": "2",
        "RAPPORT_HUEY_NAME": f"rapport-resume-{uuid.uuid4().hex[:8]}",
    }
    drop = None
    if request.param == "sqlite":
        if url:
            # The same subprocesses on the same embedded database as the SQLite run of the
            # suite, which runs this case: the PostgreSQL run checks PostgreSQL only.
            pytest.skip("The SQLite case runs in the suite's SQLite run.")
        env.update(
            DATABASE_URL="",
            REDIS_URL="",
            RAPPORT_SQLITE_PATH=str(tmp_path / "resume.sqlite3"),
            RAPPORT_HUEY_PATH=str(tmp_path / "huey.sqlite3"),
        )
    else:
        if not url.startswith("postgres"):
            pytest.skip("The suite runs on SQLite; PostgreSQL is tried when DATABASE_URL is set.")
        import psycopg

        name = url.rsplit("/", 1)[1].split("?")[0] + "_resume"
        server = _postgres_url(url, "postgres")

        def drop():
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        drop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = _postgres_url(url, name)
    subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, "migrate", "--noinput", "-v0"],
        env=env,
        cwd=BASE_DIR,
        check=True,
        timeout=300,
    )
    yield Database(request.param, env)
    if drop is not None:
        drop()
    if env.get("REDIS_URL"):
        import redis

        # The queue of this test's consumers (huey names its keys after the queue's name).
        client = redis.Redis.from_url(env["REDIS_URL"])
        queue = re.sub("[^a-z0-9]", "", env["RAPPORT_HUEY_NAME"])
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)


def _wait_until(predicate, seconds: float, every: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def _consumer(env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, MANAGE, "run_huey"],
        env=env,
        cwd=BASE_DIR,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def test_a_killed_worker_resumes_and_every_accepted_row_exists_once(database, tmp_path):
    expected = write_file(tmp_path / "big.csv")
    setup = subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, "shell", "-c", SETUP.format(path=str(tmp_path / "big.csv"))],
        env=database.env,
        cwd=BASE_DIR,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    job_id = int(setup.stdout.strip().splitlines()[-1])
    log = tmp_path / "consumer.log"

    first = _consumer(database.env, log)
    try:
        # Kill it once at least one batch is committed, while the import is still running.
        killed_at = _wait_until(
            lambda: (job := database.job(job_id))["rows_done"] >= BATCH and job, 180, 0.02
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert killed_at, log.read_text()
    at_kill = database.job(job_id)
    assert at_kill["status"] == "running", at_kill
    assert BATCH <= at_kill["rows_done"] < ROWS

    second = _consumer(database.env, log)
    try:
        done = _wait_until(lambda: database.job(job_id)["status"] in ("done", "failed"), 300, 0.2)
    finally:
        _stop(second)
    job = database.job(job_id)

    assert done, log.read_text()
    assert job["status"] == "done", job
    # The second run started from the checkpoint the first one left, not from the top.
    assert job["run_rows_start"] >= at_kill["rows_done"]
    assert job["rows_done"] == ROWS
    assert (job["created_count"], job["skipped_count"], job["rejected_count"]) == (
        expected["created"],
        expected["skipped"],
        expected["rejected"],
    )
    assert (
        job["created_count"] + job["updated_count"] + job["skipped_count"] + job["rejected_count"]
        == ROWS
    )
    persons = database.value("SELECT COUNT(*), COUNT(DISTINCT full_name) FROM customers_person")
    assert persons == (expected["created"], expected["created"])
    emails = database.value("SELECT COUNT(*), COUNT(DISTINCT email) FROM customers_personemail")
    assert emails == (expected["created"], expected["created"])
    records = database.value(
        f"SELECT COUNT(*) FROM dataio_importrecord WHERE job_id = {job_id} AND kind = 'person'"
    )
    assert records == (expected["created"],)
    with (tmp_path / "imports" / str(job_id) / "rejected.csv").open(encoding="utf-8") as f:
        rejected = list(csv.reader(f))[1:]
    assert sorted(int(row[-2]) for row in rejected) == list(range(1001, ROWS + 2, 1000))
    # The rows imported with warnings, each once, though a batch was killed after writing them
    assert job["warned_count"] == expected["warned"]
    with (tmp_path / "imports" / str(job_id) / "warnings.csv").open(encoding="utf-8") as f:
        warned = list(csv.reader(f))[1:]
    assert sorted(int(row[-2]) for row in warned) == list(range(501, ROWS + 1, 1000))
