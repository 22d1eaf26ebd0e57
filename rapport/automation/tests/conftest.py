"""Shared pieces of the automation tests: jobs run in-process, a real HTTP receiver, rules."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from huey.contrib.djhuey import HUEY

from rapport.automation.services import rule_create
from rapport.customers.services import tag_create


@pytest.fixture
def jobs_now():
    """Jobs queued with on_commit run at once, in the test's own process."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP"})


@pytest.fixture
def welcomed(admin_user):
    return tag_create(actor=admin_user, data={"name": "Welcomed"})


@pytest.fixture
def make_rule(admin_user):
    def make(trigger, actions, conditions=None, **data):
        return rule_create(
            actor=admin_user,
            data={
                "name": data.pop("name", "Rule"),
                "is_active": True,
                "trigger": trigger,
                "conditions": conditions or {"match": "all", "items": []},
                "actions": actions,
                **data,
            },
        )

    return make


@dataclass
class Receiver:
    url: str
    # An HTTP status to answer, or "hold": announce the request, then never answer.
    answer: int | str = 200
    bodies: list[dict] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        receiver = self.server.receiver
        receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        if receiver.answer == "hold":
            receiver.holding.set()
            receiver.release.wait(60)
            return
        self.send_response(receiver.answer)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.receiver
    server.receiver.release.set()
    server.shutdown()
    server.server_close()
