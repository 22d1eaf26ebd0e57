"""STARTTLS and TLS with a login, against a real SMTP server (aiosmtpd) holding a certificate made
for the test by openssl; the client trusts it through SSL_CERT_FILE, as it would trust a company's
own certificate authority."""

import email
import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import email_send
from rapport.messaging.tests.conftest import Recorder, free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            shutil.which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"crm@example.com",
        b"p:ss w0rd",
    )
    # handled=False: aiosmtpd answers "535" itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(certificate, settings, monkeypatch):
    """An SMTP server that offers STARTTLS, refuses mail before it and logins without TLS."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    settings.RAPPORT_EMAIL_RATE_PER_MINUTE = 0
    yield port, recorder
    controller.stop()


def _send(settings, url, django_capture_on_commit_callbacks, key):
    settings.RAPPORT_EMAIL_URL = url
    with django_capture_on_commit_callbacks(execute=True):
        message = email_send(
            to_address="emily@example.com", subject="Welcome", body_text="Hello", send_key=key
        )
    message.refresh_from_db()
    return message


def test_starttls_with_a_login_delivers_the_message(
    tls_server, settings, django_capture_on_commit_callbacks
):
    port, recorder = tls_server
    url = f"smtp+tls://crm%40example.com:p%3Ass%20w0rd@127.0.0.1:{port}"

    message = _send(settings, url, django_capture_on_commit_callbacks, "tls-1")

    assert message.status == MessageStatus.SENT, message.error
    [(recipients, raw)] = recorder.received
    assert recipients == ["emily@example.com"]
    assert email.message_from_bytes(raw)["Subject"] == "Welcome"


def test_a_wrong_password_keeps_the_message_queued_with_the_servers_answer(
    tls_server, settings, django_capture_on_commit_callbacks
):
    port, recorder = tls_server
    url = f"smtp+tls://crm%40example.com:wrong@127.0.0.1:{port}"

    message = _send(settings, url, django_capture_on_commit_callbacks, "tls-2")

    assert message.status == MessageStatus.QUEUED
    assert message.error.startswith("535")
    assert recorder.received == []


def test_plain_smtp_to_a_server_requiring_starttls_is_refused_not_sent_in_clear(
    tls_server, settings, django_capture_on_commit_callbacks
):
    port, recorder = tls_server

    message = _send(settings, f"smtp://127.0.0.1:{port}", django_capture_on_commit_callbacks, "t3")

    # The server's "530 Must issue a STARTTLS command first" is our configuration's fault, not
    # the message's: it waits for the address to be corrected.
    assert message.status == MessageStatus.QUEUED
    assert message.error.startswith("530")
    assert recorder.received == []


def test_a_refused_login_stops_the_batch_and_fails_no_message_for_good(
    tls_server, settings, django_capture_on_commit_callbacks
):
    port, recorder = tls_server
    settings.RAPPORT_EMAIL_URL = f"smtp+tls://crm%40example.com:wrong@127.0.0.1:{port}"
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(3):
            email_send(
                to_address=f"p{index}@example.com",
                subject="Hi",
                body_text="x",
                send_key=f"b{index}",
            )

    statuses = list(Message.objects.order_by("pk").values_list("status", "attempts"))

    assert MessageStatus.FAILED not in {status for status, _attempts in statuses}
    assert sum(attempts for _status, attempts in statuses) == 3  # one try each, each job
    assert recorder.received == []
