"""A delivery worker killed (`kill -9`) in the middle of a batch loses and doubles nothing.

The worker is a real process (`manage.py deliver_mail`) sending to a real SMTP server
(aiosmtpd) that holds the third message without answering, so the worker is killed at the
worst moment: after it claimed a message and handed it to the server, before it heard back.
"""

import asyncio
import email
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from rapport.messaging import tasks
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import (
    INTERRUPTED_AFTER,
    email_send,
    messages_deliver,
    messages_recover_interrupted,
)
from rapport.messaging.tests.conftest import free_port

MANAGE = str(Path(django_settings.BASE_DIR) / "manage.py")


class HoldingServer:
    """Accepts every message, but stops answering at the `hold_at`-th one."""

    def __init__(self, hold_at: int):
        self.hold_at = hold_at
        self.received: list[str] = []
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.original_content)["Message-ID"])
        if len(self.received) == self.hold_at:
            self.holding.set()
            await asyncio.Event().wait()  # never answers; the worker is killed meanwhile
        return "250 OK"


def _worker_env(database_file: Path | None, port: int) -> dict:
    env = {
        **os.environ,
        "RAPPORT_EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "RAPPORT_EMAIL_RATE_PER_MINUTE": "0",
        "RAPPORT_SECRET_KEY": django_settings.SECRET_KEY,
    }
    if database_file is not None:
        env["RAPPORT_SQLITE_PATH"] = str(database_file)
        env.pop("DATABASE_URL", None)
    else:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return env


def _run_worker(env) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, MANAGE, "deliver_mail"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(tmp_path, monkeypatch, settings):
    # Given six queued messages (the in-process job is held back: the worker process sends)
    monkeypatch.setattr(tasks, "deliver_queued_messages", lambda: None)
    messages = [
        email_send(
            to_address=f"customer{n}@example.com",
            subject=f"Order {n}",
            body_text="Thank you",
            send_key=f"batch:{n}",
        )
        for n in range(6)
    ]
    database_file = None
    if connection.vendor == "sqlite":
        # The test database lives in memory; the worker process reads a copy in a file.
        database_file = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(database_file) as copy:
            connection.connection.backup(copy)
    server = HoldingServer(hold_at=3)
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = _worker_env(database_file, port)
        # When the worker is killed while the server holds the third message
        worker = _run_worker(env)
        assert server.holding.wait(timeout=120), worker.communicate(timeout=5)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        server.hold_at = 0
        if database_file is not None:
            with sqlite3.connect(database_file) as copy:
                copy.backup(connection.connection)
        # and a worker starts again (here, in this process), counting a message still
        # "sending" as interrupted at once
        settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{port}"
        settings.RAPPORT_EMAIL_RATE_PER_MINUTE = 0
        interrupted = messages_recover_interrupted(now=timezone.now() + INTERRUPTED_AFTER)
        delivered = messages_deliver()["delivered"]
    finally:
        controller.stop()

    # Then every message reached the server exactly once
    sent_ids = sorted(f"<{m.message_id}>" for m in messages)
    assert sorted(server.received) == sent_ids
    # and the one held when the worker died is marked interrupted, not resent by itself
    statuses = dict(Message.objects.values_list("send_key", "status"))
    assert statuses == {
        "batch:0": MessageStatus.SENT,
        "batch:1": MessageStatus.SENT,
        "batch:2": MessageStatus.INTERRUPTED,
        "batch:3": MessageStatus.SENT,
        "batch:4": MessageStatus.SENT,
        "batch:5": MessageStatus.SENT,
    }
    assert (interrupted, delivered) == (1, 3)
