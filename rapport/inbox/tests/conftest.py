"""A real IMAP server for the inbox tests: Debian's dovecot (package dovecot-imapd), started once
per test session in a temporary directory with its own configuration (a non-privileged port on
127.0.0.1, one user from a passwd-file, Maildir storage in the directory, no TLS). Messages are
put in the mailbox with IMAP APPEND, as a mail server's delivery would."""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from rapport.inbox.imap import mailbox_config

DOVECOT = "/usr/sbin/dovecot"
USER = "inbox"
PASSWORD = "secret"
SAMPLES = Path(__file__).parent / "samples"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@{self.host}:{self.port}/INBOX"

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(USER, PASSWORD)
        connection.select("INBOX")
        return connection


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accounts() -> tuple[str, int, int]:
    """(login user, mail uid, mail gid): dovecot refuses to run its login processes and to
    store mail as root, so under root (a CI container) they run as Debian's service users."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()
    login = "dovenull"
    try:
        pwd.getpwnam(login)
    except KeyError:
        login = "nobody"
    nobody = pwd.getpwnam("nobody")
    return login, nobody.pw_uid, nobody.pw_gid


def _configuration(base: Path, port: int) -> str:
    login_user, uid, gid = _accounts()
    if os.geteuid() == 0:
        internal = "default_internal_user = dovecot"
    else:
        # Not root: every process runs as this user, and its sockets belong to its group.
        group = grp.getgrgid(os.getgid()).gr_name
        internal = f"default_internal_user = {login_user}\ndefault_internal_group = {group}"
    return f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login_user}
{internal}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _wait_for_greeting(port: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            if s.recv(100).startswith(b"* OK"):
                return
        time.sleep(0.05)
    pytest.fail(f"dovecot did not answer on port {port}:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def imap_server():
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(f"{DOVECOT} is missing: install Debian's dovecot-imapd (see .ci/run)")
    # A short path: dovecot's unix sockets live under it and socket paths are limited in length.
    base = Path(tempfile.mkdtemp(prefix="rapport-imap-"))
    base.chmod(0o755)
    port = _free_port()
    _, uid, gid = _accounts()
    for name in ("mail", "home"):
        (base / name).mkdir()
        if os.geteuid() == 0:
            os.chown(base / name, uid, gid)
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    config = base / "dovecot.conf"
    config.write_text(_configuration(base, port))
    # No pipes: the daemon would keep them open and run() would wait for it to end.
    subprocess.run(  # noqa: S603
        [DOVECOT, "-c", str(config)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_greeting(port, base / "dovecot.log")
        yield ImapServer("127.0.0.1", port)
    finally:
        # SIGTERM to the master ends its processes; `dovecot stop` would wait for them.
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((base / "run" / "master.pid").read_text()), signal.SIGTERM)
        shutil.rmtree(base, ignore_errors=True)


class Mailbox:
    """The test's view of the shared mailbox: deliver messages, read their flags."""

    def __init__(self, server: ImapServer):
        self.server = server

    def deliver(self, *messages: bytes) -> None:
        connection = self.server.connect()
        try:
            for raw in messages:
                status, _ = connection.append("INBOX", None, None, raw)
                assert status == "OK"
        finally:
            connection.logout()

    def seen_count(self) -> int:
        connection = self.server.connect()
        try:
            _, data = connection.uid("SEARCH", None, "SEEN")
            return len(data[0].split())
        finally:
            connection.logout()

    def empty(self) -> None:
        connection = self.server.connect()
        try:
            _, data = connection.search(None, "ALL")
            if data and data[0]:
                connection.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                connection.expunge()
        finally:
            connection.logout()


@pytest.fixture
def mailbox(imap_server, settings, db):
    """The shared mailbox, empty, configured as RAPPORT_IMAP_URL for this test."""
    settings.RAPPORT_IMAP_URL = imap_server.url
    box = Mailbox(imap_server)
    box.empty()
    assert mailbox_config() is not None
    return box


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
