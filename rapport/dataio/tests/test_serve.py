"""`manage.py serve` really starts granian and the Huey consumer, and stops both."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
MANAGE = str(BASE_DIR / "manage.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces; ppid follows the state.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(predicate, deadline_seconds: float) -> bool:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _http_status(url: str) -> int | None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@pytest.fixture
def server_env(tmp_path):
    if os.environ.get("DATABASE_URL"):
        # `serve` is tested on the embedded default (SQLite and its queue) whatever the suite's
        # database: the PostgreSQL run would repeat the SQLite run's test exactly.
        pytest.skip("serve is tested on the embedded default in the suite's SQLite run.")
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "RAPPORT_VAR_DIR": str(tmp_path),
        "RAPPORT_SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
        "RAPPORT_HUEY_PATH": str(tmp_path / "huey.sqlite3"),
        "RAPPORT_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "RAPPORT_PORT": str(_free_port()),
        "RAPPORT_WEB_WORKERS": "1",
        "RAPPORT_SECRET_KEY": "serve-test-secret-key-serve-test-secret-key",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, "migrate", "--noinput", "-v0"],
        env=env,
        cwd=BASE_DIR,
        check=True,
        timeout=300,
    )
    return env


def _start(env) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, MANAGE, "serve"],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_serve_answers_and_sigint_stops_both_children(server_env):
    url = f"http://127.0.0.1:{server_env['RAPPORT_PORT']}/accounts/login/"
    server = _start(server_env)
    try:
        assert _wait_until(lambda: _http_status(url) in (200, 302), 90)
        children = _children(server.pid)
        assert len(children) == 2

        server.send_signal(signal.SIGINT)

        assert server.wait(timeout=60) == 0
        assert _wait_until(lambda: not any(_alive(pid) for pid in children), 30)
    finally:
        if server.poll() is None:
            server.kill()


def test_serve_exits_non_zero_when_a_child_dies(server_env):
    url = f"http://127.0.0.1:{server_env['RAPPORT_PORT']}/accounts/login/"
    server = _start(server_env)
    try:
        assert _wait_until(lambda: _http_status(url) in (200, 302), 90)
        children = _children(server.pid)
        jobs = next(pid for pid in children if b"run_huey" in _cmdline(pid))

        os.kill(jobs, signal.SIGKILL)

        assert server.wait(timeout=60) != 0
        assert _wait_until(lambda: not any(_alive(pid) for pid in children), 30)
    finally:
        if server.poll() is None:
            server.kill()


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
