#!/usr/bin/env python
"""How many waiting chat visitors a default install holds, and how fast news reaches them.

    .venv/bin/python bench/chat_long_poll.py --visitors 20 200

Migrates a fresh SQLite file in a temporary directory, starts granian as `manage.py serve` does
by default (WSGI, min(2, cores) workers, min(8, 2 × cores + 1) threads each) and, for each
number of visitors, opens that many chats whose widgets poll like `rapport-chat.js` (a held long
poll; when the process already holds RAPPORT_CHAT_MAX_WAITING_POLLS it answers `busy` and the
client asks again a second later). With them all waiting it measures a page (the login page,
p50/p95 of 20 loads) and then writes one agent message into every chat and reports how long each
visitor took to receive it after its message was committed (p50/p95/max). Prints one line per run.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.example.com"
# What rapport-chat.js waits before asking again when the server answered `busy`.
BUSY_RETRY_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Origin": ORIGIN})  # noqa: S310
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, nargs="+", default=[20, 200])
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    env = {**os.environ, "RAPPORT_SQLITE_PATH": f"{tmp}/bench.sqlite3", "DEBUG": "false"}
    # Every simulated visitor comes from 127.0.0.1: the per-address limit would refuse them.
    env["RAPPORT_CHAT_RATE_LIMIT"] = "0"
    env.pop("DATABASE_URL", None)
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from rapport.accounts.models import Role
    from rapport.accounts.services import user_create
    from rapport.behaviour.services import site_key_create
    from rapport.chat import services
    from rapport.chat.models import ChatSession, ChatStatus

    admin = user_create(username="admin", password="x" * 20, role=Role.ADMINISTRATOR)
    agent = user_create(username="agent", password="x" * 20, role=Role.SERVICE_AGENT)
    key = site_key_create(actor=admin, data={"name": "Shop", "allowed_origins": [ORIGIN]})
    cores = os.cpu_count() or 1
    workers, threads = min(2, cores), min(8, 2 * cores + 1)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "config.wsgi:application",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        for visitors in args.visitors:
            ChatSession.objects.all().delete()
            services.agent_seen(user=agent)
            tokens = []
            for n in range(visitors):
                started = request(
                    f"{base}/chat/w/{key.key}/start?lang=en",
                    {"question": f"Question {n}"},
                )
                tokens.append((started["token"], started["messages"][-1]["id"]))
            for chat in ChatSession.objects.all():
                services.chat_take(actor=agent, session=chat)
            received: dict[int, float] = {}
            stop = threading.Event()

            def visitor(index, token, after, stop=stop, received=received):
                status = "waiting"
                while not stop.is_set():
                    try:
                        news = request(
                            f"{base}/chat/w/{key.key}/poll?lang=en&token={token}"
                            f"&after={after}&status={status}"
                        )
                    except OSError:
                        time.sleep(1)
                        continue
                    status = news["status"]
                    for message in news["messages"]:
                        after = message["id"]
                        if message["text"] == "ping":
                            received.setdefault(index, time.monotonic())
                    if news["busy"]:
                        time.sleep(BUSY_RETRY_SECONDS)

            pool = [
                threading.Thread(target=visitor, args=(i, *tokens[i]), daemon=True)
                for i in range(visitors)
            ]
            for thread in pool:
                thread.start()
            time.sleep(5)  # everyone polling, the first ones held
            pages = []
            for _ in range(20):
                start = time.monotonic()
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=60).read()  # noqa: S310
                pages.append((time.monotonic() - start) * 1000)
            index_of = {token: i for i, (token, _after) in enumerate(tokens)}
            sent: dict[int, float] = {}
            for chat in ChatSession.objects.filter(status=ChatStatus.ACTIVE):
                services.chat_agent_send(actor=agent, session=chat, text="ping")
                sent[index_of[chat.visitor_token]] = time.monotonic()
            deadline = time.monotonic() + 30
            while len(received) < visitors and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            delays = sorted(received[i] - sent[i] for i in received)
            pages.sort()

            print(
                f"visitors={visitors} workers={workers} threads={threads} "
                f"held_per_process={settings.RAPPORT_CHAT_MAX_WAITING_POLLS} "
                f"page_p50={statistics.median(pages):.0f}ms page_p95={pct(pages, 0.95):.0f}ms "
                f"received={len(received)}/{visitors} "
                f"delivery_p50={pct(delays, 0.5):.2f}s delivery_p95={pct(delays, 0.95):.2f}s "
                f"delivery_max={delays[-1] if delays else float('nan'):.2f}s",
                flush=True,
            )
            for thread in pool:
                thread.join(timeout=25)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
