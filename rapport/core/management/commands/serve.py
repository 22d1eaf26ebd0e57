"""Run Rapport: the granian web server and the Huey job consumer, as two child processes.

The console stays quiet: both write their lines to RAPPORT_LOG_DIR (rapport.log, and the web
server's requests to access.log) and show only warnings and errors. Once the web server accepts
connections and the consumer's workers have started (`rapport.core.job_consumer`), the command
prints the address and any `--message` lines (`bootstrap --serve` passes the login), so that
they come last.

Ctrl-C or SIGTERM stops both and exits 0. If either child exits on its own, the other is
stopped too and the command exits non-zero, so a supervisor (systemd, Docker) restarts the pair.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rapport.core.job_consumer import READY_FILE_VARIABLE

STOP_TIMEOUT = 15
POLL_SECONDS = 0.2


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


def accepts_connections(host: str, port: int) -> bool:
    """Whether a server answers on host:port (a wildcard address is tried on loopback)."""
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    try:
        with socket.create_connection((probe, port), timeout=0.5):
            return True
    except OSError:
        return False


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it (var/log/…)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def granian_logging(log_dir: Path, console_level: str) -> dict:
    """granian's logging: its lines into rapport.log (warnings also on the console), the
    requests into access.log, in the format of the project's other log lines."""
    line = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"

    def log_file(name: str, formatter: str) -> dict:
        return {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(log_dir / name),
            "formatter": formatter,
            "encoding": "utf-8",
            "delay": True,
        }

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"()": "logging.Formatter", "fmt": line},
            "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "level": console_level,
                "stream": "ext://sys.stderr",
            },
            "file": log_file("rapport.log", "plain"),
            "access": log_file("access.log", "access"),
        },
        "loggers": {
            "_granian": {"handlers": ["console", "file"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


class Command(BaseCommand):
    help = (
        "Serve Rapport with granian (RAPPORT_HOST, RAPPORT_PORT, RAPPORT_WEB_WORKERS, "
        "RAPPORT_WEB_THREADS) and run the Huey job consumer alongside it; their logs go to "
        "RAPPORT_LOG_DIR, the console shows warnings and errors only."
    )
    # The children import the whole project anyway; checking it here first would only slow
    # the start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--message",
            action="append",
            default=[],
            help="A line to print after the address once the server has started (repeatable).",
        )

    def handle(self, *args, message=(), **options):
        host = os.environ.get("RAPPORT_HOST", "127.0.0.1")
        port = _env_int("RAPPORT_PORT", 8000)
        cores = os.cpu_count() or 1
        # granian warns about more workers than cores, and about more threads per worker than
        # twice the cores plus one; the defaults stay below both.
        workers = _env_int("RAPPORT_WEB_WORKERS", min(2, cores))
        threads = _env_int("RAPPORT_WEB_THREADS", min(8, 2 * cores + 1))
        ensure_port_free(host, port)
        base_dir = Path(settings.BASE_DIR)
        log_dir = Path(settings.LOG_DIR)
        log_config = Path(settings.VAR_DIR) / "granian-logging.json"
        log_config.write_text(
            json.dumps(granian_logging(log_dir, settings.CONSOLE_LOG_LEVEL), indent=2)
        )
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
            "--blocking-threads",
            str(threads),
            "--log-config",
            str(log_config),
            "--access-log",
            "config.wsgi:application",
        ]
        jobs = [sys.executable, str(base_dir / "manage.py"), "run_huey"]
        jobs_ready = Path(settings.VAR_DIR) / "jobs-ready"
        jobs_ready.unlink(missing_ok=True)
        jobs_env = {**os.environ, READY_FILE_VARIABLE: str(jobs_ready)}
        url = f"http://{host}:{port}/"

        stop_requested: list[int] = []

        def request_stop(signum, _frame):
            stop_requested.append(signum)

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        children: dict[str, subprocess.Popen] = {}
        exit_code = 0
        try:
            # Each child leads its own process group: Ctrl-C reaches this command only, which
            # stops each child once (granian, signalled twice, could leave its workers behind),
            # and whatever of a group outlives the timeout is killed with it.
            children["web"] = subprocess.Popen(web, cwd=base_dir, start_new_session=True)  # noqa: S603
            children["jobs"] = subprocess.Popen(  # noqa: S603
                jobs, cwd=base_dir, env=jobs_env, start_new_session=True
            )
            self.stdout.write(f"Starting Rapport on {url} …")
            started = False
            while not stop_requested:
                dead = [name for name, p in children.items() if p.poll() is not None]
                if dead:
                    name = dead[0]
                    self.stderr.write(
                        f"The {name} process exited with code {children[name].returncode}; "
                        f"stopping. See {log_dir / 'rapport.log'}."
                    )
                    exit_code = 1
                    break
                if not started and jobs_ready.exists() and accepts_connections(host, port):
                    started = True
                    self._banner(url, log_dir, message)
                time.sleep(POLL_SECONDS)
        finally:
            self._stop(children)
            jobs_ready.unlink(missing_ok=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exit_code:
            sys.exit(exit_code)
        self.stdout.write("Stopped.")

    def _banner(self, url: str, log_dir: Path, message) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Rapport is running at {url}") + "  (Ctrl-C stops it)"
        )
        self.stdout.write(
            f"  Logs: {_shown(log_dir / 'rapport.log')}, {_shown(log_dir / 'access.log')}"
        )
        for line in message:
            self.stdout.write(f"  {line}")
        self.stdout.write("")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        # granian stops on SIGTERM; Huey finishes its running jobs on SIGINT.
        stop_signals = {"web": signal.SIGTERM, "jobs": signal.SIGINT}
        for name, process in children.items():
            if process.poll() is None:
                _signal_group(process, stop_signals[name])
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Send `signum` to the process group `process` leads, if anything of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
