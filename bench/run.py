#!/usr/bin/env python
"""Server-side response times of Rapport's busiest pages on a large database.

Fill a database first (see docs/benchmarks.md), for example:

    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py seed_demo \\
        --persons 1000000 --interactions 5000000
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/run.py

(or with DATABASE_URL=postgres://... for PostgreSQL). The sales scenarios need sales data
(`seed_demo --leads 300000 --deals 500000 --orders 3000000 --append`); without it they are
skipped with a note. Requests run in-process through Django's test Client, so the figures are
the full request/response cycle in Django (middleware, auth, queries, template rendering, JSON)
without network or web-server overhead. Each scenario runs
for a sales representative (who sees their team's records) and for an administrator (who sees
everything), with varied parameters, and reports p50/p95 in milliseconds against its target.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LIST_TARGET_MS = 50
SEARCH_TARGET_MS = 150
KANBAN_TARGET_MS = 200
REPORT_TARGET_MS = 500


@dataclass
class Result:
    scenario: str
    user: str
    target_ms: int
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        if len(self.times_ms) < 2:
            return self.p50
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[18]

    @property
    def ok(self) -> bool:
        return not self.errors and self.p95 <= self.target_ms


def _parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=60, help="Requests per scenario and user (default 60)."
    )
    parser.add_argument(
        "--deep-pages",
        type=int,
        default=100,
        help="Cursor pages to follow in the deep API scenario (default 100).",
    )
    parser.add_argument(
        "--only", default="", help="Comma-separated scenario names to run (default: all)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed for the parameters.")
    parser.add_argument("--json", dest="json_path", help="Also write the results to this file.")
    return parser.parse_args()


def _setup_django():
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Plain static URLs: what is measured is the page, not the manifest lookup, and a manifest
    # from an older `collectstatic` (or none, when `make setup` was not run here) would fail
    # pages that use a newer file.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _bench_users():
    from rapport.accounts.models import Role, User
    from rapport.customers.models import Person

    reps = User.objects.filter(role=Role.SALES_REP, team__isnull=False, is_active=True)
    rep = next((u for u in reps.order_by("pk") if Person.objects.filter(owner=u).exists()), None)
    admin = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).order_by("pk").first()
    if admin is None:
        from rapport.accounts.services import user_create

        admin = user_create(
            username="bench_admin", password=os.urandom(16).hex(), role=Role.ADMINISTRATOR
        )
    if rep is None:
        sys.exit("No sales representative owns persons: seed the database first.")
    return rep, admin


def _api_key(user) -> str:
    from rapport.accounts.services import api_key_create

    _key, secret = api_key_create(user=user, name="bench")
    return secret


class Runner:
    def __init__(self, args):
        from django.test import Client

        self.args = args
        self.rng = random.Random(args.seed)
        self.Client = Client
        self.results: list[Result] = []

    def client_for(self, user):
        client = self.Client()
        client.force_login(user)
        return client

    def timed(self, client, url: str, result: Result, **headers):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, **headers)
            body = response.content
            elapsed = (time.perf_counter() - started) * 1000
        result.times_ms.append(elapsed)
        result.queries.append(len(ctx.captured_queries))
        if response.status_code != 200:
            result.errors.append(f"{response.status_code} {url}")
        return response, body

    def run(self, name: str, user_label: str, client, urls: list[str], target: int, **headers):
        result = Result(name, user_label, target)
        for url in urls[:2]:  # warm-up: imports, template compilation, connection
            client.get(url, **headers)
        for url in urls:
            self.timed(client, url, result, **headers)
        self.results.append(result)
        self.report(result)
        return result

    def report(self, r: Result) -> None:
        status = "ok" if r.ok else "MISSED" if not r.errors else f"{len(r.errors)} errors"
        mean_queries = statistics.mean(r.queries) if r.queries else 0
        print(
            f"{r.scenario:<28} {r.user:<6} n={len(r.times_ms):<4} p50={r.p50:7.1f} ms "
            f"p95={r.p95:7.1f} ms  target {r.target_ms} ms  queries~{mean_queries:.0f}  {status}",
            flush=True,
        )
        for error in r.errors[:3]:
            print(f"    {error}", flush=True)


def _sample_persons(user, count: int, rng: random.Random):
    """Persons `user` can see, picked across the id range (no ORDER BY random())."""
    from rapport.customers.models import Person
    from rapport.customers.selectors import persons_visible_to

    bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), Person.objects.order_by("-pk").values_list("pk", flat=True)[0]
    visible = persons_visible_to(user)
    found = []
    while len(found) < count:
        start = rng.randrange(low, high + 1)
        person = visible.filter(pk__gte=start).order_by("pk").first()
        if person is not None:
            found.append(person)
    return found


def _search_queries(persons, companies, rng: random.Random) -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    chinese = [p for p in persons if not p.given_name and len(p.full_name) >= 2]
    english = [p for p in persons if p.given_name]
    queries: dict[str, list[str]] = {
        "chinese_substring": [],
        "full_pinyin": [],
        "pinyin_initials": [],
        "english_name": [],
        "phone_last4": [],
        "email_prefix": [],
        "company_name": [],
    }
    for p in chinese:
        start = rng.randrange(0, len(p.full_name) - 1)
        queries["chinese_substring"].append(p.full_name[start : start + 2])
        syllables = lazy_pinyin(p.full_name)
        queries["full_pinyin"].append("".join(syllables))
        queries["pinyin_initials"].append("".join(s[0] for s in syllables))
    for p in english or persons:
        queries["english_name"].append(rng.choice([p.given_name, p.family_name, p.full_name]))
    for p in persons:
        if p.primary_phone:
            queries["phone_last4"].append(p.primary_phone[-4:])
        if p.primary_email:
            queries["email_prefix"].append(p.primary_email.split("@")[0][:6])
    for c in companies:
        queries["company_name"].append(c.name[: rng.choice((2, 4, 6))])
    return queries


def _cpu_seconds() -> float:
    """A fixed piece of pure Python work, timed: this machine's speed at the moment.

    Shared virtual machines vary by a third from one minute to the next (1.4 to 1.8 s seen on
    the 2-core machine of docs/benchmarks.md); printing this before and after a run tells
    whether two runs can be compared.
    """
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main():
    args = _parse_args()
    cpu_before = _cpu_seconds()
    _setup_django()
    from django.db import connection

    from rapport.accounts.models import User
    from rapport.activities.models import Interaction
    from rapport.customers.models import Company, Person, Tag
    from rapport.customers.selectors import PERSON_SORTS, companies_visible_to

    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rng = random.Random(args.seed)
    n = args.requests
    runner = Runner(args)
    rep, admin = _bench_users()
    print(
        f"Database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{Person.objects.count():,} persons, {Company.objects.count():,} companies, "
        f"{Interaction.objects.count():,} interactions. Representative: {rep.username}; "
        f"administrator: {admin.username}.",
        flush=True,
    )
    tag_ids = list(Tag.objects.values_list("pk", flat=True))
    stages = ["", "customer", "potential", "opportunity"]

    for label, user in (("rep", rep), ("admin", admin)):
        client = runner.client_for(user)
        owners = (
            list(User.objects.filter(team=user.team).values_list("pk", flat=True))
            if user.team_id
            else list(
                User.objects.filter(username__startswith="bench_user").values_list("pk", flat=True)
            )
        ) or [user.pk]

        def wanted(name: str) -> bool:
            return not only or name in only

        if wanted("person_list"):
            urls = []
            for _ in range(n):
                sort = rng.choice(PERSON_SORTS)
                stage = rng.choice(stages)
                urls.append(
                    f"/persons/?sort={sort}" + (f"&lifecycle_stage={stage}" if stage else "")
                )
            runner.run("person_list", label, client, urls, LIST_TARGET_MS)

        if wanted("person_list_owner_tag"):
            urls = [
                f"/persons/?owner_id={rng.choice(owners)}&tag_id={rng.choice(tag_ids)}"
                for _ in range(n)
            ]
            runner.run("person_list_owner_tag", label, client, urls, LIST_TARGET_MS)

        sample = _sample_persons(user, n, rng)
        if wanted("person_detail"):
            urls = [f"/persons/{p.pk}/" for p in sample]
            runner.run("person_detail", label, client, urls, LIST_TARGET_MS)

        if wanted("person_timeline"):
            urls = [f"/persons/{p.pk}/timeline/" for p in sample]
            runner.run("person_timeline", label, client, urls, LIST_TARGET_MS)

        secret = _api_key(user)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        api_client = runner.Client()
        if wanted("api_person_list"):
            urls = []
            for _ in range(n):
                sort = rng.choice(PERSON_SORTS)
                stage = rng.choice(stages)
                urls.append(
                    f"/api/v1/persons?sort={sort}&limit=25"
                    + (f"&lifecycle_stage={stage}" if stage else "")
                )
            runner.run("api_person_list", label, api_client, urls, LIST_TARGET_MS, **auth)

        if wanted("api_person_list_deep"):
            result = Result("api_person_list_deep", label, LIST_TARGET_MS)
            url = "/api/v1/persons?limit=25"
            for _page in range(args.deep_pages):
                response, body = runner.timed(api_client, url, result, **auth)
                if response.status_code != 200:
                    break
                cursor = json.loads(body)["next_cursor"]
                if not cursor:
                    break
                url = f"/api/v1/persons?limit=25&cursor={cursor}"
            runner.results.append(result)
            runner.report(result)

        companies = list(companies_visible_to(user).filter(pk__in=[p.pk for p in sample]))
        if len(companies) < 10:
            companies = list(companies_visible_to(user).order_by("-updated_at")[:n])
        queries = _search_queries(sample, companies, rng)
        for kind, terms in queries.items():
            name = f"search_{kind}"
            if not wanted(name) and not wanted("search"):
                continue
            terms = (terms * (n // max(1, len(terms)) + 1))[:n]
            urls = [f"/persons/?q={_quote(t)}" for t in terms]
            runner.run(name, label, client, urls, SEARCH_TARGET_MS)
        if wanted("global_search"):
            terms = [t for kind_terms in queries.values() for t in kind_terms]
            rng.shuffle(terms)
            urls = [f"/search/?q={_quote(t)}" for t in terms[:n]]
            runner.run("global_search", label, client, urls, SEARCH_TARGET_MS)

        _sales_scenarios(runner, label, user, client, api_client, auth, sample, wanted, rng, n)

    missed = [r for r in runner.results if not r.ok]
    print(f"\n{len(runner.results) - len(missed)} of {len(runner.results)} within target.")
    cpu_after = _cpu_seconds()
    print(f"CPU check (5M Python additions): {cpu_before:.2f} s before, {cpu_after:.2f} s after.")
    if args.json_path:
        Path(args.json_path).write_text(
            json.dumps(
                [
                    {
                        "scenario": r.scenario,
                        "user": r.user,
                        "requests": len(r.times_ms),
                        "p50_ms": round(r.p50, 1),
                        "p95_ms": round(r.p95, 1),
                        "target_ms": r.target_ms,
                        "mean_queries": round(statistics.mean(r.queries), 1) if r.queries else 0,
                        "errors": r.errors[:5],
                    }
                    for r in runner.results
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
    return 1 if missed else 0


def _sales_scenarios(runner, label, user, client, api_client, auth, sample, wanted, rng, n):
    """The sales pages: the pipeline board and one lazy column, the funnel and forecast reports,
    a customer's order history, the lead list by score, and the lead and order API lists."""
    from django.urls import reverse
    from django.utils import timezone

    from rapport.accounts.models import User
    from rapport.sales.models import Deal, Lead, Order, StageKind
    from rapport.sales.services.deals import pipeline_get_default

    def skip(name: str, what: str) -> None:
        print(f"{name:<28} {label:<6} skipped: the database has no {what}", flush=True)

    has_deals, has_leads, has_orders = (
        Deal.objects.exists(),
        Lead.objects.exists(),
        Order.objects.exists(),
    )
    teammates = (
        list(User.objects.filter(team=user.team).values_list("pk", flat=True))
        if user.team_id
        else []
    )
    owner_filters = [""] * 3 + [f"owner_id={pk}" for pk in teammates[:5]]

    if wanted("kanban") or wanted("kanban_column"):
        if not has_deals:
            for name in ("kanban", "kanban_column"):
                if wanted(name):
                    skip(name, "deals")
        else:
            pipeline = pipeline_get_default()
            board = reverse("sales:kanban", args=[pipeline.pk])
            columns = list(pipeline.stages.filter(kind=StageKind.OPEN).values_list("pk", flat=True))
            if wanted("kanban"):
                urls = [_with_query(board, rng.choice(owner_filters)) for _ in range(n)]
                runner.run("kanban", label, client, urls, KANBAN_TARGET_MS)
            if wanted("kanban_column"):
                urls = [
                    _with_query(
                        reverse("sales:kanban_column", args=[rng.choice(columns)]),
                        rng.choice(owner_filters),
                    )
                    for _ in range(n)
                ]
                runner.run("kanban_column", label, client, urls, KANBAN_TARGET_MS)

    if wanted("funnel"):
        if not has_deals:
            skip("funnel", "deals")
        else:
            today = timezone.localdate()
            urls = []
            for _ in range(n):
                days = rng.choice((30, 90, 90, 365))
                query = f"date_from={today - datetime.timedelta(days=days)}&date_to={today}"
                urls.append(f"{reverse('sales:funnel')}?{query}")
            runner.run("funnel", label, client, urls, REPORT_TARGET_MS)

    if wanted("forecast"):
        if not has_deals:
            skip("forecast", "deals")
        else:
            urls = [
                _with_query(reverse("sales:forecast"), rng.choice(owner_filters)) for _ in range(n)
            ]
            runner.run("forecast", label, client, urls, REPORT_TARGET_MS)

    if wanted("customer_sales"):
        if not has_orders:
            skip("customer_sales", "orders")
        else:
            # A person's deal, lead and order panels (the orders panel of the 360° page).
            urls = [reverse("sales:person_sales", args=[p.pk]) for p in sample]
            runner.run("customer_sales", label, client, urls, LIST_TARGET_MS)

    statuses = ["", "", "status=open", "status=new", "status=qualified"]
    if wanted("lead_list_score"):
        if not has_leads:
            skip("lead_list_score", "leads")
        else:
            urls = [
                _with_query(f"{reverse('sales:lead_list')}?sort=-score", rng.choice(statuses))
                for _ in range(n)
            ]
            runner.run("lead_list_score", label, client, urls, LIST_TARGET_MS)

    if wanted("api_lead_list"):
        if not has_leads:
            skip("api_lead_list", "leads")
        else:
            urls = [
                _with_query("/api/v1/leads?sort=-score&limit=25", rng.choice(statuses))
                for _ in range(n)
            ]
            runner.run("api_lead_list", label, api_client, urls, LIST_TARGET_MS, **auth)

    if wanted("api_order_list"):
        if not has_orders:
            skip("api_order_list", "orders")
        else:
            urls = []
            for i in range(n):
                if i % 3 == 2:
                    query = f"person_id={sample[i % len(sample)].pk}"  # a customer's history
                else:
                    query = rng.choice(("", "sort=-total", "status=received", "open_only=true"))
                urls.append(_with_query("/api/v1/orders?limit=25", query))
            runner.run("api_order_list", label, api_client, urls, LIST_TARGET_MS, **auth)


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


if __name__ == "__main__":
    sys.exit(main())
