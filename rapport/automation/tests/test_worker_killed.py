"""A worker killed (`kill -9`) in the middle of a rule loses and doubles nothing.

The worker is a real process (`manage.py run_rules --run <id>`) whose third action calls a real
HTTP receiver that holds the request without answering, so the worker dies at the worst moment:
after two actions were done and while the third was under way. The periodic sweep then resumes
the run once the dead worker's lease has run out.
"""

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rapport.activities.models import Notification, Task
from rapport.automation import engine, tasks
from rapport.automation.models import Rule, RunStatus, StepStatus
from rapport.customers.services import person_create

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def _worker_env(database_file: Path | None, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "RAPPORT_SECRET_KEY": settings.SECRET_KEY,
        "RAPPORT_HUEY_PATH": str(tmp_path / "huey.sqlite3"),
        "RAPPORT_VAR_DIR": str(tmp_path),
    }
    if database_file is not None:
        env["RAPPORT_SQLITE_PATH"] = str(database_file)
        env.pop("DATABASE_URL", None)
    else:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return env


def _worker(env, *args) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, MANAGE, "run_rules", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rule_loses_and_doubles_nothing(
    alice, welcomed, make_rule, receiver, tmp_path, monkeypatch
):
    # Given a rule of four actions, started on a new person (the job is left to the worker)
    monkeypatch.setattr(tasks, "start_rules", lambda *args, **kwargs: None)
    make_rule(
        {"type": "record_created", "record_type": "person"},
        [
            {"type": "create_task", "title": "Welcome call", "due_in_days": 1},
            {"type": "add_tag", "tag": "Welcomed"},
            {"type": "webhook", "url": receiver.url, "allow_private": True},
            {"type": "notify", "users": "owner", "message": "Welcomed a new customer"},
        ],
    )
    person = person_create(actor=alice, data={"full_name": "李娜"})
    run = engine.start_run(
        rule_id=Rule.objects.get().pk,
        record_type_key="person",
        record_id=person.pk,
        event_key="test",
        trigger_info={"type": "created"},
    )
    database_file = None
    if connection.vendor == "sqlite":
        # The test database lives in memory; the worker processes use a copy in a file.
        database_file = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(database_file) as copy:
            connection.connection.backup(copy)
    env = _worker_env(database_file, tmp_path)
    receiver.answer = "hold"

    # When the worker is killed while the receiver holds the webhook call
    worker = _worker(env, "--run", str(run.pk))
    assert receiver.holding.wait(timeout=120), worker.communicate(timeout=5)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    receiver.answer = 200
    if database_file is not None:
        with sqlite3.connect(database_file) as copy:
            copy.backup(connection.connection)
    # and the periodic sweep runs after the dead worker's lease (in this process: half the
    # start-up time of another worker)
    engine.resume_due(now=timezone.now() + engine.LEASE + datetime.timedelta(minutes=1))

    # Then every action was done once, the webhook called again with the same id
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    steps = list(run.steps.values_list("action_type", "status", "attempts"))
    assert steps == [
        ("create_task", StepStatus.SUCCEEDED, 1),
        ("add_tag", StepStatus.SUCCEEDED, 1),
        ("webhook", StepStatus.SUCCEEDED, 2),
        ("notify", StepStatus.SUCCEEDED, 1),
    ]
    assert Task.objects.filter(title="Welcome call").count() == 1
    assert list(person.tags.values_list("name", flat=True)) == ["Welcomed"]
    assert Notification.objects.filter(kind="automation.notify").count() == 1
    assert len(receiver.bodies) == 2
    assert receiver.bodies[0]["id"] == receiver.bodies[1]["id"]
