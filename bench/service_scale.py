#!/usr/bin/env python
"""The service module at scale: 1,000,000 tickets with 5,000,000 messages (issue 16).

Two steps, on a database of its own (never the test database):

    export RAPPORT_SQLITE_PATH=/var/tmp/svc/bench.sqlite3   # or DATABASE_URL=postgres://...
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/service_scale.py fill --tickets 1000000 --messages-per-ticket 5
    .venv/bin/python bench/service_scale.py run --json /tmp/service_scale.json

`fill` adds customers first when there are none (`seed_demo`'s bulk loader: 50,000 persons,
2,500 companies, 40 users in 5 teams, no interactions), then tickets spread over the teams,
statuses, priorities, types, channels, assignees and three years (2 % still open, the newest
mostly), each with 1-20 messages (5 on average): the customer's first message, replies, notes.
Rows are written like the demo's bulk mode does persons: generated in batches, `executemany` on
SQLite, `COPY` on PostgreSQL, the tables' indexes dropped during the load and re-created from
their definitions afterwards, then analysed. Not written: timeline entries and SLA timers.

`run` times pages and API calls in-process with Django's test Client (middleware, session or
API-key auth, queries, templates / JSON; no network) as an agent of a team (sees the team's
queue and their own tickets: about a fifth of all), as that team's lead (the queue) and as an
administrator (sees everything), and prints p50/p95 and queries per request, plus the
process's CPU time per request (the machine is shared: CPU time says what the code costs).
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET_MS = 50
BATCH = 20_000

PRODUCTS_ZH = (
    "滚筒洗衣机",
    "波轮洗衣机",
    "空气净化器",
    "净水器",
    "扫地机器人",
    "电饭煲",
    "微波炉",
    "冰箱",
    "空调",
    "热水器",
    "吸尘器",
    "加湿器",
    "洗碗机",
    "电烤箱",
    "豆浆机",
)
PRODUCTS_EN = (
    "washing machine",
    "air purifier",
    "water filter",
    "robot vacuum",
    "rice cooker",
    "microwave",
    "fridge",
    "air conditioner",
    "water heater",
    "dishwasher",
)
ISSUES_ZH = (
    "不能开机",
    "显示 E2 错误代码",
    "漏水",
    "噪音很大",
    "还没收到货",
    "发票怎么开",
    "想退货",
    "想换货",
    "安装预约",
    "配件缺少",
    "遥控器失灵",
    "滤芯多久换一次",
    "保修期多久",
    "物流太慢",
    "客服态度差",
    "价格比别家贵",
    "不制冷",
    "有异味",
    "订单被取消",
    "退款还没到账",
)
ISSUES_EN = (
    "won't turn on",
    "shows error E2",
    "is leaking",
    "very noisy",
    "parcel not arrived",
    "need an invoice",
    "want to return it",
    "exchange request",
    "installation appointment",
    "missing parts",
    "refund not received",
    "warranty question",
    "filter replacement",
    "not cooling",
    "bad smell",
)
SENTENCES_ZH = (
    "你好，我上周买的产品出现了问题。",
    "麻烦尽快帮我处理一下，谢谢。",
    "已经按照说明书操作过了，还是不行。",
    "订单号在附件里，请查收。",
    "请问什么时候可以上门维修？",
    "我们已为您登记，师傅会在两个工作日内联系您。",
    "请提供一下产品背面的序列号和购买凭证。",
    "非常抱歉给您带来不便，我们会跟进到底。",
    "好的，收到，谢谢你们的帮助。",
    "问题还是没有解决，希望换一台新的。",
)
SENTENCES_EN = (
    "Hello, the product I bought last week has a problem.",
    "Please help me as soon as possible, thanks.",
    "I followed the manual but it still does not work.",
    "The order number is in the attachment.",
    "When can a technician come?",
    "We have logged your request; a technician will call within two working days.",
    "Could you send the serial number on the back and your receipt?",
    "Sorry for the trouble, we will follow this up until it is solved.",
    "OK, got it, thank you for your help.",
    "Still not solved, I would like a new one.",
)
TYPES = (
    ("question", 40),
    ("incident", 20),
    ("request", 15),
    ("complaint", 10),
    ("repair", 10),
    ("return_exchange", 5),
)
PRIORITIES = (("low", 20), ("normal", 55), ("high", 20), ("urgent", 5))
CHANNELS = (("email", 45), ("web_form", 20), ("chat", 15), ("phone", 10), ("api", 5), ("agent", 5))
OPEN_STATUSES = (
    ("new", 25),
    ("open", 40),
    ("waiting_customer", 20),
    ("on_hold", 10),
    ("reopened", 5),
)
SLA_HOURS = {"urgent": 4, "high": 8, "normal": 24, "low": 72}
ROOT_CAUSES = (
    "product_defect",
    "delivery",
    "service_attitude",
    "slow_response",
    "billing",
    "other",
)
# Messages per ticket: 1 to 20, 5 on average.
MESSAGE_COUNTS = (
    (1, 15),
    (2, 14),
    (3, 16),
    (4, 14),
    (5, 12),
    (6, 9),
    (7, 7),
    (8, 5),
    (9, 4),
    (10, 3),
    (12, 3),
    (15, 2),
    (20, 3),
)


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, list(__import__("itertools").accumulate(weights))


def _setup_django():
    import django

    django.setup()


# --- fill ----------------------------------------------------------------------------------------


def _fmt(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _base_data(progress):
    """Customers and users from the demo's bulk loader, when the database has none; the service
    categories; an administrator."""
    from rapport.accounts.models import Role, User
    from rapport.customers.models import Person
    from rapport.dataio.demo.bulk import bulk_load
    from rapport.service.models import TicketCategory

    if not Person.objects.exists():
        bulk_load(persons=50_000, interactions=0, companies=2_500, users=40, progress=progress)
    User.objects.get_or_create(
        username="bench_admin", defaults={"role": Role.ADMINISTRATOR, "language": "zh-hans"}
    )
    if not TicketCategory.objects.exists():
        for i, name in enumerate(("售前咨询", "售后维修", "物流配送", "退换货", "发票与付款")):
            root = TicketCategory.objects.create(name=name, position=i)
            for j, product in enumerate(PRODUCTS_ZH[:4]):
                TicketCategory.objects.create(name=product, parent=root, position=j)


def fill(tickets: int, per_ticket: float, seed: int, progress=print) -> None:
    from django.db import connection

    from rapport.accounts.models import User
    from rapport.customers.models import Company, Person, Tag
    from rapport.dataio.demo.bulk import _batch, _Load
    from rapport.service.models import Ticket, TicketCategory, TicketMessage

    started = time.monotonic()
    cpu_started = time.process_time()
    _base_data(progress)
    rng = random.Random(seed)
    users = list(
        User.objects.filter(username__startswith="bench_user", team__isnull=False).values_list(
            "pk", "team_id"
        )
    )
    team_members: dict[int, list[int]] = {}
    for user_id, team_id in users:
        team_members.setdefault(team_id, []).append(user_id)
    teams = sorted(team_members)
    persons = list(Person.objects.values_list("pk", "owner_id").order_by("pk"))
    companies = list(Company.objects.values_list("pk", "owner_id").order_by("pk"))
    categories = list(TicketCategory.objects.values_list("pk", flat=True))
    tag_ids = list(Tag.objects.values_list("pk", flat=True))
    first_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_message_id = (
        TicketMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1

    types, type_w = _weighted(TYPES)
    priorities, priority_w = _weighted(PRIORITIES)
    channels, channel_w = _weighted(CHANNELS)
    open_statuses, open_w = _weighted(OPEN_STATUSES)
    counts, count_w = _weighted(MESSAGE_COUNTS)
    scale = per_ticket / 5.0

    # Every column of the tables, so columns added later (with their defaults) are filled too.
    ticket_fields = Ticket._meta.concrete_fields
    message_fields = TicketMessage._meta.concrete_fields
    defaults = {}
    for f in (*ticket_fields, *message_fields):
        if f.has_default():
            value = f.get_default()
            defaults[f.model, f.attname] = (
                json.dumps(value) if f.get_internal_type() == "JSONField" else value
            )
        else:
            defaults[f.model, f.attname] = "" if (f.empty_strings_allowed and not f.null) else None
    ticket_columns = tuple(f.column for f in ticket_fields)
    message_columns = tuple(f.column for f in message_fields)
    tags_table = Ticket.tags.through._meta.db_table

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    span = datetime.timedelta(days=3 * 365).total_seconds()
    start = now - datetime.timedelta(seconds=span)
    open_share_recent = 0.6  # of the last 30 days' tickets
    message_id = first_message_id
    written_tickets = written_messages = 0

    def ticket_rows(batch_start: int, batch_end: int):
        nonlocal message_id
        trows, mrows, tagrows = [], [], []
        for n in range(batch_start, batch_end):
            pk = first_id + n
            created = start + datetime.timedelta(seconds=span * (n + rng.random()) / tickets)
            age_days = (now - created).total_seconds() / 86400
            open_chance = open_share_recent if age_days < 30 else 0.004
            is_open = rng.random() < open_chance
            zh = rng.random() < 0.8
            ttype = rng.choices(types, cum_weights=type_w)[0]
            priority = rng.choices(priorities, cum_weights=priority_w)[0]
            channel = rng.choices(channels, cum_weights=channel_w)[0]
            team = teams[pk % len(teams)] if rng.random() > 0.03 else None
            if is_open:
                status = rng.choices(open_statuses, cum_weights=open_w)[0]
                unassigned = (status == "new" and rng.random() < 0.6) or rng.random() < 0.05
            else:
                status = "closed" if age_days > 7 or rng.random() < 0.5 else "resolved"
                unassigned = False
            if team is None:
                assignee = rng.choice(users)[0] if not unassigned else None
            else:
                assignee = None if unassigned else rng.choice(team_members[team])
            person_id = company_id = owner = None
            requester_email = requester_name = ""
            r = rng.random()
            if r < 0.8:
                # Some customers write far more often than others.
                person_id, owner = persons[int(len(persons) * rng.random() ** 2)]
            elif r < 0.9:
                company_id, owner = companies[rng.randrange(len(companies))]
            else:
                requester_email = f"visitor{rng.randrange(10**6)}@example.net"
                requester_name = f"Visitor {pk}"
            if zh:
                product = rng.choice(PRODUCTS_ZH)
                subject = f"{product}{rng.choice(ISSUES_ZH)}"
                sentences = SENTENCES_ZH
            else:
                product = rng.choice(PRODUCTS_EN)
                subject = f"My {product} {rng.choice(ISSUES_EN)}"
                sentences = SENTENCES_EN
            if rng.random() < 0.3:
                subject = f"{subject} #{rng.randrange(10**5, 10**6)}"
            count = max(1, round(rng.choices(counts, cum_weights=count_w)[0] * scale))
            duration = rng.expovariate(1 / (3 * 86400)) + 600
            last = min(created + datetime.timedelta(seconds=duration), now)
            step = (last - created) / count
            first_response = last_customer = None
            for k in range(count):
                when = created + step * k
                if k == 0:
                    kind = "customer_message"
                elif rng.random() < 0.12:
                    kind = "internal_note"
                elif k % 2:
                    kind = "public_reply"
                else:
                    kind = "customer_message"
                if kind == "public_reply" and first_response is None:
                    first_response = when
                if kind == "customer_message":
                    last_customer = when
                body = " ".join(rng.choice(sentences) for _ in range(rng.randrange(1, 5)))
                values = {
                    "id": message_id,
                    "ticket_id": pk,
                    "kind": kind,
                    "author_user_id": assignee if kind != "customer_message" else None,
                    "author_person_id": person_id if kind == "customer_message" else None,
                    "body": body,
                    "message_id": f"<t{pk}.{k}@bench.example>" if channel == "email" else "",
                    "created_at": _fmt(when),
                }
                mrows.append(
                    tuple(
                        values[f.attname]
                        if f.attname in values
                        else defaults[TicketMessage, f.attname]
                        for f in message_fields
                    )
                )
                message_id += 1
            closed = not is_open
            values = {
                "id": pk,
                "created_at": _fmt(created),
                "updated_at": _fmt(last),
                "subject": subject[:300],
                "type": ttype,
                "category_id": rng.choice(categories) if rng.random() < 0.85 else None,
                "priority": priority,
                "channel": channel,
                "status": status,
                "assignee_id": assignee,
                "team_id": team,
                "person_id": person_id,
                "company_id": company_id,
                "customer_owner_id": owner,
                "requester_email": requester_email,
                "requester_name": requester_name,
                "language": "zh-hans" if zh else "en",
                "first_responded_at": _fmt(first_response) if first_response else None,
                "last_customer_message_at": _fmt(last_customer) if last_customer else None,
                "resolved_at": _fmt(last) if closed else None,
                "closed_at": _fmt(last) if status == "closed" else None,
                "root_cause": rng.choice(ROOT_CAUSES) if closed and ttype == "complaint" else "",
                "resolution": "已更换新机并回访确认。" if closed and ttype == "complaint" else "",
                # The nearest SLA due time of an open ticket whose clock runs (issue 16 item 3);
                # some of them already breached.
                "sla_due_at": _fmt(created + datetime.timedelta(hours=SLA_HOURS[priority]))
                if is_open and status != "waiting_customer"
                else None,
            }
            trows.append(
                tuple(
                    values[f.attname] if f.attname in values else defaults[Ticket, f.attname]
                    for f in ticket_fields
                )
            )
            if tag_ids and rng.random() < 0.1:
                tagrows.append((pk, rng.choice(tag_ids)))
        return trows, mrows, tagrows

    with _Load((Ticket, TicketMessage, Ticket.tags.through), progress):
        for batch_start in range(0, tickets, BATCH):
            batch_end = min(batch_start + BATCH, tickets)
            trows, mrows, tagrows = ticket_rows(batch_start, batch_end)
            with _batch() as writer:
                writer.write(Ticket._meta.db_table, ticket_columns, trows)
                writer.write(TicketMessage._meta.db_table, message_columns, mrows)
                writer.write(tags_table, ("ticket_id", "tag_id"), tagrows)
            written_tickets += len(trows)
            written_messages += len(mrows)
            if batch_end % 100_000 < BATCH or batch_end == tickets:
                progress(
                    f"{written_tickets:,} tickets, {written_messages:,} messages "
                    f"({time.monotonic() - started:.0f} s)"
                )
    progress(
        f"Done: {written_tickets:,} tickets, {written_messages:,} messages on "
        f"{connection.vendor} in {time.monotonic() - started:.0f} s wall, "
        f"{time.process_time() - cpu_started:.0f} s CPU."
    )


# --- run -----------------------------------------------------------------------------------------


class Result:
    def __init__(self, scenario: str, user: str):
        self.scenario = scenario
        self.user = user
        self.times_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.queries: list[int] = []
        self.errors: list[str] = []

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        if len(self.times_ms) < 2:
            return self.p50
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[18]

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else float("nan")

    @property
    def cpu_p95(self) -> float:
        if len(self.cpu_ms) < 2:
            return self.cpu_p50
        return statistics.quantiles(self.cpu_ms, n=20, method="inclusive")[18]


class _QueryCounter:
    """Counts the queries run through it (`connection.execute_wrapper`): unlike
    `connection.queries` it needs no DEBUG, which would also turn on the templates' debug mode
    and the SQL logging and make every page dearer than it is when served."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _time(client, url: str, result: Result, headers=None) -> None:
    from django.db import connection

    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        wall = time.perf_counter()
        cpu = time.process_time()
        response = client.get(url, headers=headers or {})
        result.cpu_ms.append((time.process_time() - cpu) * 1000)
        result.times_ms.append((time.perf_counter() - wall) * 1000)
    result.queries.append(counter.count)
    if response.status_code != 200:
        result.errors.append(f"{url}: {response.status_code}")


def run(requests: int, only: set[str], json_path: str | None) -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from rapport.accounts.models import Role, User
    from rapport.service.models import Ticket, TicketMessage

    # DEBUG stays as served (off): queries are counted by `_QueryCounter`.
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(5)
    lead = (
        User.objects.filter(username__startswith="bench_user", role=Role.SALES_MANAGER)
        .order_by("pk")
        .first()
    )
    agent = (
        User.objects.filter(team_id=lead.team_id, username__startswith="bench_user")
        .exclude(pk=lead.pk)
        .order_by("pk")
        .first()
    )
    admin = User.objects.get(username="bench_admin")
    total = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # Tickets of the team with 20 messages, for the ticket page (found through the message index).
    long_tickets: list[int] = []
    for pk in (
        Ticket.objects.filter(team_id=lead.team_id)
        .order_by("-pk")
        .values_list("pk", flat=True)[:20000:7]
    ):
        if TicketMessage.objects.filter(ticket_id=pk).count() >= 20:
            long_tickets.append(pk)
        if len(long_tickets) >= 30:
            break
    team_tickets = list(
        Ticket.objects.filter(team_id=lead.team_id, pk__gt=total // 2)
        .order_by("pk")
        .values_list("pk", "subject", "requester_email")[:2000]
    )
    # Searches: a product or a problem (many matches), a two-character word (no trigram), and
    # a reference number or a requester's address (a handful of matches: the costly case).
    common = [*PRODUCTS_ZH, *PRODUCTS_EN, "E2", "漏水", "退款"]
    rare = [s.rsplit("#", 1)[1] for _, s, _ in team_tickets if "#" in s][:200]
    rare += [e.split("@")[0] for _, _, e in team_tickets if e][:100]
    print(
        f"{total:,} tickets, {TicketMessage.objects.count():,} messages; {connection.vendor}; "
        f"agent {agent.username}, lead {lead.username}; "
        f"{len(long_tickets)} tickets of 20 messages"
    )

    from rapport.accounts.services import api_key_create

    def api_headers(user):
        _key, secret = api_key_create(user=user, name="bench")
        return {"Authorization": f"Bearer {secret}"}

    statuses = ["open", "new", "waiting_customer", "closed", "resolved"]
    priorities = ["urgent", "high", "normal", "low"]

    def scenarios(user):
        return {
            "list first page": lambda: "/service/tickets/",
            "list filter": lambda: (
                f"/service/tickets/?status={rng.choice(statuses)}&priority={rng.choice(priorities)}"
            ),
            "list search": lambda: "/service/tickets/?q=" + quote(rng.choice(common)),
            "list search rare": lambda: "/service/tickets/?q=" + quote(rng.choice(rare)),
            "list search number": lambda: (
                f"/service/tickets/?q=T-{rng.choice(team_tickets)[0]:06d}"
            ),
            "my tickets": lambda: "/service/tickets/mine/",
            "queue": lambda: "/service/queue/",
            "ticket page": lambda: (
                f"/service/tickets/{rng.choice(long_tickets or [team_tickets[0][0]])}/"
            ),
            "api list": lambda: "/api/v1/tickets",
            "api list filter": lambda: (
                f"/api/v1/tickets?status={rng.choice(statuses[1:])}"
                f"&priority={rng.choice(priorities)}"
            ),
        }

    results = []
    for name, user in (("agent", agent), ("lead", lead), ("admin", admin)):
        client = Client()
        client.force_login(user)
        headers = api_headers(user)
        for scenario, make_url in scenarios(user).items():
            if only and scenario not in only:
                continue
            result = Result(scenario, name)
            # Warm up once (caches, the connection), then measure.
            url = make_url()
            client.get(url, headers=headers if url.startswith("/api/") else {})
            for _ in range(requests):
                url = make_url()
                _time(client, url, result, headers if url.startswith("/api/") else None)
            results.append(result)
            flag = "ok" if result.p95 <= TARGET_MS and not result.errors else "MISSED"
            print(
                f"{scenario:20s} {name:6s} p50 {result.p50:6.1f} p95 {result.p95:6.1f} ms "
                f"cpu p50 {result.cpu_p50:6.1f} p95 {result.cpu_p95:6.1f} ms  "
                f"queries {statistics.mean(result.queries):4.1f}  "
                f"{flag} {result.errors[:2] if result.errors else ''}",
                flush=True,
            )
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                [
                    {
                        "scenario": r.scenario,
                        "user": r.user,
                        "p50": r.p50,
                        "p95": r.p95,
                        "cpu_p50": r.cpu_p50,
                        "cpu_p95": r.cpu_p95,
                        "queries": statistics.mean(r.queries) if r.queries else None,
                        "errors": r.errors[:5],
                    }
                    for r in results
                ],
                indent=1,
            )
        )
    print(f"load average: {os.getloadavg()}")
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_fill = sub.add_parser("fill", help="Add tickets and messages.")
    p_fill.add_argument("--tickets", type=int, default=1_000_000)
    p_fill.add_argument("--messages-per-ticket", type=float, default=5.0)
    p_fill.add_argument("--seed", type=int, default=16)
    p_run = sub.add_parser("run", help="Time the pages and the API.")
    p_run.add_argument("--requests", type=int, default=40)
    p_run.add_argument("--only", default="", help="Comma-separated scenario names.")
    p_run.add_argument("--json", default=None)
    args = parser.parse_args()
    _setup_django()
    if args.command == "fill":
        fill(args.tickets, args.messages_per_ticket, args.seed)
    else:
        run(args.requests, {s for s in args.only.split(",") if s}, args.json)


if __name__ == "__main__":
    main()
