"""Run Rapport: the granian web server and the Huey job consumer, as two child processes.

Ctrl-C or SIGTERM stops both and exits 0. If either child exits on its own, the other is
stopped too and the command exits non-zero, so a supervisor (systemd, Docker) restarts the pair.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT = 15


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise CommandError(f"{name} must be an integer, got {raw!r}") from exc


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start when another process listens on host:port.

    granian binds its socket with SO_REUSEPORT, so a second server on a busy port would start
    without an error and quietly take a share of the first one's connections. A probe bound
    without that option fails whenever anyone listens there. SO_REUSEADDR only lets it ignore
    connections of a stopped server still in TIME_WAIT.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"Cannot serve on {host}:{port}: the address is already in use "
                f"({exc.strerror}). Stop the other server, or set RAPPORT_PORT to a free port."
            ) from exc


class Command(BaseCommand):
    help = (
        "Serve Rapport with granian (RAPPORT_HOST, RAPPORT_PORT, RAPPORT_WEB_WORKERS) and run "
        "the Huey job consumer alongside it."
    )
    # The children import the whole project anyway; checking it here first would only slow
    # the start.
    requires_system_checks = []

    def handle(self, *args, **options):
        host = os.environ.get("RAPPORT_HOST", "127.0.0.1")
        port = _env_int("RAPPORT_PORT", 8000)
        workers = _env_int("RAPPORT_WEB_WORKERS", 2)
        ensure_port_free(host, port)
        base_dir = Path(settings.BASE_DIR)
        web = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "config.wsgi:application",
        ]
        jobs = [sys.executable, str(base_dir / "manage.py"), "run_huey"]

        stop_requested: list[int] = []

        def request_stop(signum, _frame):
            stop_requested.append(signum)

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        children: dict[str, subprocess.Popen] = {}
        exit_code = 0
        try:
            children["web"] = subprocess.Popen(web, cwd=base_dir)  # noqa: S603
            children["jobs"] = subprocess.Popen(jobs, cwd=base_dir)  # noqa: S603
            self.stdout.write(
                f"Serving on http://{host}:{port}/ with {workers} worker(s) and the job "
                "consumer. Press Ctrl-C to stop."
            )
            while not stop_requested:
                dead = [name for name, p in children.items() if p.poll() is not None]
                if dead:
                    name = dead[0]
                    self.stderr.write(
                        f"The {name} process exited with code {children[name].returncode}; "
                        "stopping."
                    )
                    exit_code = 1
                    break
                time.sleep(0.2)
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exit_code:
            sys.exit(exit_code)
        self.stdout.write("Stopped.")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for process in children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
