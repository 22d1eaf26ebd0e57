"""Fixtures of the messaging tests: Huey runs jobs inline, and a real SMTP server (aiosmtpd)
listens on 127.0.0.1 for the tests that deliver mail."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from huey.contrib.djhuey import HUEY

from rapport.customers.services import person_create


@pytest.fixture(autouse=True)
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


class Recorder:
    """An aiosmtpd handler keeping every message it accepts (as bytes, with its recipients)."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; RAPPORT_EMAIL_URL points at it for the test."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{port}"
    settings.RAPPORT_EMAIL_RATE_PER_MINUTE = 0
    yield recorder
    controller.stop()


@pytest.fixture
def outbox_only(settings):
    settings.RAPPORT_EMAIL_URL = ""
    settings.EMAIL_HOST = ""


@pytest.fixture
def person(alice):
    return person_create(
        actor=alice, data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]}
    )


@pytest.fixture
def chinese_person(alice):
    return person_create(
        actor=alice, data={"full_name": "张伟", "emails": [{"email": "zhangwei@example.com"}]}
    )
