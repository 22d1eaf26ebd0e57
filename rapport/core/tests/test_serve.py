"""`manage.py serve`: it refuses an address another server already listens on, prints the
address and the login last, once the web server and the job consumer run, and keeps their lines
in the log directory; the logging configuration keeps the console for warnings."""

import io
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from logging.handlers import WatchedFileHandler
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from huey.contrib.djhuey import HUEY

from rapport.core.job_consumer import READY_FILE_VARIABLE
from rapport.core.management.commands import serve
from rapport.core.management.commands.serve import accepts_connections, ensure_port_free


@pytest.fixture
def busy_port():
    # The way granian listens: SO_REUSEPORT, which would let a second server share the port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_refuses_a_port_already_in_use(busy_port):
    with pytest.raises(CommandError, match=f"127.0.0.1:{busy_port}: the address is already in use"):
        ensure_port_free("127.0.0.1", busy_port)


def test_serve_accepts_a_free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as finder:
        finder.bind(("127.0.0.1", 0))
        port = finder.getsockname()[1]

    ensure_port_free("127.0.0.1", port)


# --- What serve prints, and when ------------------------------------------------------------


class FakeChild:
    """A child process: running until it is stopped, or exited at once with `exit_code`."""

    def __init__(self, args, exit_code=None, **kwargs):
        self.args, self.env, self.returncode = args, kwargs.get("env"), exit_code
        self.new_session, self.signals = kwargs.get("start_new_session"), []

    def poll(self):
        return self.returncode

    def send_signal(self, signum):
        self.signals.append(signum)
        if self.returncode is None:
            self.returncode = 0

    def wait(self, timeout=None):
        return self.returncode

    def kill(self):
        self.returncode = -9


@pytest.fixture
def serve_world(monkeypatch, settings, tmp_path):
    """serve with fake children and a clock of ticks: each pause of its loop is one tick; the
    web server listens from tick `listening`, the job consumer runs from tick `jobs`, and
    Ctrl-C comes at tick `stop`. `seen` records, per tick, whether the banner was out."""
    settings.VAR_DIR = tmp_path
    settings.LOG_DIR = tmp_path / "log"
    monkeypatch.setenv("RAPPORT_PORT", str(_free_port()))
    world = {"tick": 0, "listening": 2, "jobs": 4, "stop": 8, "web_exit": None, "seen": []}
    world["out"], world["err"] = io.StringIO(), io.StringIO()
    children = {}

    def popen(args, **kwargs):
        name = "web" if "granian" in args else "jobs"
        exit_code = world["web_exit"] if name == "web" else None
        children[name] = FakeChild(args, exit_code, **kwargs)
        return children[name]

    def sleep(_seconds):
        world["tick"] += 1
        world["seen"].append("Rapport is running" in world["out"].getvalue())
        if world["tick"] == world["jobs"]:
            # What the consumer's startup hook does
            Path(children["jobs"].env[READY_FILE_VARIABLE]).touch()
        if world["tick"] == world["stop"]:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve.time, "sleep", sleep)
    monkeypatch.setattr(serve, "_signal_group", lambda child, signum: child.send_signal(signum))
    monkeypatch.setattr(
        serve, "accepts_connections", lambda host, port: world["tick"] >= world["listening"]
    )
    world["children"] = children
    return world


def _serve(world, *messages):
    call_command(
        "serve", *[f"--message={m}" for m in messages], stdout=world["out"], stderr=world["err"]
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as finder:
        finder.bind(("127.0.0.1", 0))
        return finder.getsockname()[1]


def test_serve_prints_the_address_and_the_login_last_once_both_children_run(serve_world):
    _serve(serve_world, "Log in as admin / secret")

    lines = [line for line in serve_world["out"].getvalue().splitlines() if line.strip()]
    # Not while the web server was not listening (ticks 1-2) or the consumer not running (3-4)
    assert serve_world["seen"][:4] == [False] * 4
    assert serve_world["seen"][-1] is True
    assert lines[0].startswith("Starting Rapport on http://127.0.0.1:")
    assert lines[1].startswith("Rapport is running at http://127.0.0.1:")
    assert lines[-2:] == ["  Log in as admin / secret", "Stopped."]


def test_ctrl_c_stops_each_child_once_and_kills_what_is_left_of_it(serve_world):
    _serve(serve_world)

    web, jobs = serve_world["children"]["web"], serve_world["children"]["jobs"]
    # In their own process groups, so that Ctrl-C reaches serve only and serve stops them
    assert web.new_session and jobs.new_session
    assert web.signals == [signal.SIGTERM, signal.SIGKILL]
    assert jobs.signals == [signal.SIGINT, signal.SIGKILL]  # Huey finishes its jobs on SIGINT


def test_serve_prints_no_banner_when_the_web_server_exits(serve_world):
    serve_world["web_exit"] = 3

    with pytest.raises(SystemExit) as exited:
        _serve(serve_world, "Log in as admin / secret")

    assert exited.value.code == 1
    assert "The web process exited with code 3; stopping." in serve_world["err"].getvalue()
    assert "rapport.log" in serve_world["err"].getvalue()
    assert "Rapport is running" not in serve_world["out"].getvalue()
    assert serve_world["children"]["jobs"].signals[0] == signal.SIGINT  # stopped too


def test_the_web_server_logs_into_the_log_directory(serve_world, settings):
    _serve(serve_world)

    web = serve_world["children"]["web"].args
    config = json.loads(Path(web[web.index("--log-config") + 1]).read_text())
    handlers = config["handlers"]
    assert "--access-log" in web and "--blocking-threads" in web
    assert config["loggers"]["granian.access"]["handlers"] == ["access"]
    assert handlers["access"]["filename"] == str(settings.LOG_DIR / "access.log")
    assert config["loggers"]["_granian"]["handlers"] == ["console", "file"]
    assert handlers["file"]["filename"] == str(settings.LOG_DIR / "rapport.log")
    assert handlers["console"]["level"] == "WARNING"


def test_accepts_connections_tells_a_listening_port_from_a_closed_one(busy_port):
    assert accepts_connections("127.0.0.1", busy_port)
    assert not accepts_connections("127.0.0.1", _free_port())


def test_the_consumer_announces_that_it_runs(monkeypatch, tmp_path):
    ready = tmp_path / "jobs-ready"
    monkeypatch.setenv(READY_FILE_VARIABLE, str(ready))

    HUEY._startup["announce_consumer_started"]()

    assert ready.exists()


# --- Logging ----------------------------------------------------------------------------------


def test_info_lines_go_to_the_log_file_and_only_warnings_to_the_console(settings):
    marker = f"logging-check-{uuid.uuid4()}"
    root = logging.getLogger()
    log_file = next(h for h in root.handlers if isinstance(h, WatchedFileHandler))
    console = [h for h in root.handlers if type(h) is logging.StreamHandler]

    logging.getLogger("rapport.tests").info(marker)
    log_file.flush()

    assert Path(log_file.baseFilename) == settings.LOG_DIR / "rapport.log"
    assert marker in Path(log_file.baseFilename).read_text(encoding="utf-8")
    assert [handler.level for handler in console] == [logging.WARNING]


def test_stopping_kills_a_child_group_that_ignores_the_stop_signal(monkeypatch):
    monkeypatch.setattr(serve, "STOP_TIMEOUT", 0.5)
    # A parent and its own child, both deaf to SIGTERM, like workers their server cannot stop
    stubborn = subprocess.Popen(
        ["/bin/sh", "-c", 'trap "" TERM; sleep 60 & echo deaf; wait'],
        start_new_session=True,
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout.readline() == b"deaf\n"

    serve.Command()._stop({"web": stubborn})

    stubborn.stdout.close()
    assert stubborn.returncode == -signal.SIGKILL
    assert _group_gone(stubborn.pid)


def _group_gone(pgid: int) -> bool:
    # The killed grandchild lingers until init has reaped it.
    for _ in range(100):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
