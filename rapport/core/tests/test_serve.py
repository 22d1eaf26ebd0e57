"""`manage.py serve` refuses an address another server already listens on."""

import socket

import pytest
from django.core.management.base import CommandError

from rapport.core.management.commands.serve import ensure_port_free


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
