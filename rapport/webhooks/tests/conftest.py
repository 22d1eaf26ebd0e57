"""A real HTTP receiver on 127.0.0.1 for the webhook tests, which checks every signature."""

import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rapport.webhooks import services

SECRET = "receiver-secret-0123456789abcdef"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (docs/webhooks.md): recompute the HMAC over "<t>.<body>"."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    expected = hmac.new(secret.encode(), parts.get("t", "").encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


@dataclass
class Receiver:
    url: str
    secret: str = SECRET
    # What to answer: an HTTP status, or "hang" (no answer until the test ends).
    answer: int | str = 200
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    location: str = ""


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self):
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver.requests.append(
            Received(
                self.path,
                dict(self.headers),
                body,
                verify(receiver.secret, self.headers.get("Rapport-Signature", ""), body),
            )
        )
        if receiver.answer == "hang":
            receiver.release.wait(5)
            return
        self.send_response(receiver.answer)
        if receiver.location:
            self.send_header("Location", receiver.location)
        reply = json.dumps({"received": True, "padding": "x" * 5000}).encode()
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/rapport")
    server.receiver = state
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: the connection is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def _fresh_subscription_cache():
    services.forget_subscriptions()
    yield
    services.forget_subscriptions()


@pytest.fixture
def subscribe_receiver(admin_user, receiver):
    def make(event_types=("person.created", "person.updated"), **data):
        return services.subscription_create(
            actor=admin_user,
            data={
                "name": "Shop",
                "url": receiver.url,
                "event_types": list(event_types),
                "allow_private": True,
                "secret": receiver.secret,
                **data,
            },
        )

    return make
