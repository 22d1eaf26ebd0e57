"""Benchmark-sized sales data: leads with their history, deals with their stage changes, orders
with lines, instalments and payments — millions of rows in minutes, bypassing the services.

Written like `bulk.py` writes customers and with its machinery (`_Load` drops and re-creates the
secondary indexes and analyses the loaded tables, `_batch` writes one transaction of rows with
`executemany` on SQLite and `COPY` on PostgreSQL). Customers are picked among the persons and
companies already in the database — those `bulk_load` wrote just before, or earlier (`--append`)
— so sales data can be added to a database that has its million persons.

The rows keep the invariants the services keep:

- money is exact: amounts are computed in whole cents and written as decimal strings; an order's
  lines add up to its total, its instalments add up to the total, its payments to its paid amount,
  and each instalment's paid part is filled oldest due first, as `payment_record` fills them;
- an order is for a person or a company (one of them) and copies that customer's owner and team,
  as `order_create` does; its status, its `*_at` stamps and its payments tell one consistent story
  (a cancelled order took no money, a returned one was paid and received first, a paid one is
  paid in full, money outstanding on an instalment past its due date is overdue);
- a deal belongs to the default pipeline and its customer's owner and team; each move has its
  `DealStageChange` with the seconds spent in the stage it left; open deals are spread over the
  open stages (their number is `open_deals`, the rest are won or lost, a loss with its reason);
- a lead's score and reasons are what `lead_score_compute` gives for the scoring rules in force;
  its history has the entries the services write (created, inquiry, contact, status, outcome);
  converted leads point at the person and the deal they became.

Orders follow their customers' habits (`habits.py`): each buying customer orders in a rhythm of
their own, about half of them stop at some point after longer gaps and smaller baskets, and
baskets hang together (bundles, follow-ups of what they bought, favourite categories), so that
churn and recommendations have structure to find — structure put there on purpose.

Not written (the services would add them; the benchmarks do not read them): timeline entries
for deals, orders and payments, and the automatic follow-up tasks of leads.
"""

import datetime
import math
import multiprocessing
import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.db import connection
from django.utils import timezone
from pypinyin import lazy_pinyin

from rapport.customers.models import Company, Person, SourceChannel
from rapport.dataio.demo import names
from rapport.dataio.demo.bulk import BATCH, _batch, _ensure_users, _json, _Load, _next_id, _phone
from rapport.dataio.demo.habits import Baskets, customer_life
from rapport.dataio.demo.sales_names import (
    CAMPAIGNS,
    COMPANY_CATEGORIES,
    COMPANY_PAYMENT_METHODS,
    DISQUALIFY_REASONS,
    LEAD_MESSAGES,
    LOST_REASONS,
    PERSON_CATEGORIES,
    PERSON_PAYMENT_METHODS,
    PRODUCTS,
    SCORING_RULES,
    short_name,
)
from rapport.sales.models import (
    Deal,
    DealStageChange,
    Instalment,
    Lead,
    LeadScoringRule,
    LostReason,
    Order,
    OrderLine,
    Payment,
    PriceList,
    Product,
    StageKind,
)
from rapport.sales.models.leads import LeadEvent
from rapport.sales.services.deals import derive_priority, pipeline_get_default, stage_stays_rebuild
from rapport.sales.services.leads import lead_score_compute

LOADED_MODELS = (Lead, LeadEvent, Deal, DealStageChange, Order, OrderLine, Instalment, Payment)
DAY = 86400
# Shares of lead statuses, in this order; open deals per open stage (first to last).
LEAD_STATUSES = (("new", 25), ("contacted", 20), ("qualified", 15), ("converted", 20))
OPEN_STAGE_WEIGHTS = (35, 27, 22, 16)
WON_SHARE = 0.35
PERSON_ORDER_SHARE = 0.85
# Median of the customers' own mean gaps between orders (days), before fitting the orders asked
# for into the customers there are; and the orders a life gives on average (measured on the
# lives `habits.customer_life` draws over two years), for that fitting.
GAP_MEDIAN = {"person": 75.0, "company": 45.0}
ORDERS_PER_LIFE = 7.4
HISTORY_DAYS = 730
DEAL_ORDER_SHARE = 0.05  # of the orders, made from won deals (while there are any)
LINES_PER_ORDER = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4)  # 1–4, 2.1 on average
QUANTITY = (1, 1, 1, 1, 1, 2, 2, 2, 3, 5)
PLAN_PARTS = (1, 1, 1, 1, 1, 1, 2, 2, 3, 3)  # instalments of an order (of 300 yuan or more)
PRIORITY_LEVELS = ("low", "medium", "medium", "high")
# Loads of this many records and more generate their rows in a second process; orders go by
# smaller batches (each is about six rows), so writing one overlaps generating the next.
PARALLEL_FROM = 100_000
ORDER_BATCH = 10_000

LEAD_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "full_name",
    "company_name",
    "job_title",
    "phone",
    "email",
    "region",
    "city",
    "source",
    "campaign",
    "product_interest_id",
    "budget",
    "message",
    "data",
    "form_id",
    "status",
    "disqualify_reason",
    "score",
    "score_reasons",
    "owner_id",
    "team_id",
    "last_contacted_at",
    "converted_at",
    "converted_person_id",
    "converted_company_id",
    "converted_deal_id",
    "version",
)
LEAD_EVENT_COLUMNS = ("lead_id", "kind", "occurred_at", "actor_id", "body", "data")
DEAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "title",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "purchase_intent",
    "budget_status",
    "urgency",
    "priority",
    "person_id",
    "company_id",
    "lead_id",
    "owner_id",
    "team_id",
    "stage_entered_at",
    "closed_at",
    "lost_reason_id",
    "close_note",
    "notes",
    "stale_task_created_at",
    "version",
    "furthest_position",
)
STAGE_CHANGE_COLUMNS = (
    "deal_id",
    "from_stage_id",
    "to_stage_id",
    "changed_by_id",
    "changed_at",
    "seconds_in_previous_stage",
)
ORDER_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "number",
    "person_id",
    "company_id",
    "deal_id",
    "price_list_id",
    "owner_id",
    "team_id",
    "status",
    "currency",
    "placed_at",
    "paid_at",
    "shipped_at",
    "received_at",
    "cancelled_at",
    "returned_at",
    "subtotal",
    "discount_total",
    "total",
    "paid_amount",
    # Written as zero: the bulk orders have no refunds nor order discounts.
    "refunded_amount",
    "credited_amount",
    "order_discount",
    "notes",
    "version",
)
LINE_COLUMNS = (
    "order_id",
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "line_total",
)
INSTALMENT_COLUMNS = ("order_id", "sequence", "due_date", "amount", "paid_amount")
PAYMENT_COLUMNS = (
    "created_at",
    "updated_at",
    "order_id",
    "amount",
    "paid_at",
    "method",
    "reference",
    "notes",
    "refunded_amount",
    "recorded_by_id",
)


@dataclass
class SalesBulkResult:
    leads: int = 0
    lead_events: int = 0
    deals: int = 0
    open_deals: int = 0
    stage_changes: int = 0
    orders: int = 0
    lines: int = 0
    instalments: int = 0
    payments: int = 0
    seconds: float = 0.0


def lines_per_order_table(orders: int, lines: int | None) -> tuple[int, ...]:
    """The numbers of lines an order is drawn from: LINES_PER_ORDER by default; for about
    `lines` lines in all, a hundred entries of the two whole numbers around `lines / orders`
    (at least one line per order)."""
    if not lines or not orders:
        return LINES_PER_ORDER
    average = max(1.0, lines / orders)
    low = int(average)
    more = round((average - low) * 100)
    return (low,) * (100 - more) + (low + 1,) * more


def default_open_deals(deals: int) -> int:
    """Open deals when not told: a fifth of the deals, at most 10,000 (one busy pipeline)."""
    return min(10_000, deals // 5)


# Formatting is a good part of the time per row: amounts and times are formatted from caches.
_CENTS: dict[int, str] = {}
_UTC_DAYS: dict[int, str] = {}
_TIMES_OF_DAY = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def _stride(size: int) -> int:
    """A step through 0..size-1 that visits each index once (coprime with `size`), far enough
    that neighbours in the database are not neighbours in the visit."""
    step = max(1, int(size * 0.618034)) | 1
    while size > 1 and math.gcd(step, size) != 1:
        step += 2
    return step


def _cents(value: int) -> str:
    """An amount in cents as the exact decimal string the column stores."""
    text = _CENTS.get(value)
    if text is None:
        if len(_CENTS) > 500_000:
            _CENTS.clear()
        text = _CENTS[value] = f"{value // 100}.{value % 100:02d}"
    return text


def _stamp(ts: int | None) -> str | None:
    """A POSIX time as Django stores an aware datetime (UTC, no offset)."""
    if ts is None:
        return None
    day, second = divmod(ts, DAY)
    prefix = _UTC_DAYS.get(day)
    if prefix is None:
        prefix = _UTC_DAYS[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * DAY))
    return prefix + _TIMES_OF_DAY[second]


class _Calendar:
    """Local days around today (in the configured time zone), as integer offsets: 0 is today,
    1 yesterday, -1 tomorrow. Times are POSIX seconds; a day's date and local midnight are
    computed once, so daylight-saving zones come out right too."""

    def __init__(self, now: datetime.datetime, *, past: int = 800, future: int = 400):
        tz = timezone.get_default_timezone()
        self.now = int(now.timestamp())
        self.future = future
        today = timezone.localdate(now)
        self.dates: list[str] = []
        self.midnights: list[int] = []
        for offset in range(-future, past + 1):
            day = today - datetime.timedelta(days=offset)
            midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
            self.dates.append(day.isoformat())
            self.midnights.append(int(midnight.timestamp()))
        self.tz = tz

    def date(self, day: int) -> str:
        return self.dates[day + self.future]

    def at(self, day: int, seconds: int) -> int:
        return self.midnights[day + self.future] + seconds

    def day_of(self, ts: int) -> int:
        """The offset of the local day `ts` falls on."""
        day = (self.now - ts) // DAY
        while self.at(day, 0) > ts:
            day += 1
        while self.at(day - 1, 0) <= ts:
            day -= 1
        return day

    def local_year(self, ts: int) -> str:
        return self.date(self.day_of(ts))[:4]


class _Customers:
    """Ids, owners and teams of the persons or companies in the database, for random picks."""

    def __init__(self, model):
        self.ids, self.owners, self.teams = array("q"), array("q"), array("q")
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, owner_id, team_id FROM {table} ORDER BY id"  # noqa: S608
            )
            while rows := cursor.fetchmany(100_000):
                for pk, owner, team in rows:
                    self.ids.append(pk)
                    self.owners.append(owner)
                    self.teams.append(team or 0)

    def __len__(self) -> int:
        return len(self.ids)

    def pick(self, rng: random.Random, skew: float = 1.0) -> int:
        """An index; with `skew` > 1 some customers come back far more often than others."""
        return int(len(self.ids) * rng.random() ** skew)

    def owner_team(self, index: int) -> tuple[int, int | None]:
        return self.owners[index], self.teams[index] or None


# --- Settings the data needs ------------------------------------------------------------------


def _ensure_catalogue() -> list[tuple[int, str, int]]:
    """Active products with a price as (id, name, list price in cents); the demo catalogue
    when there is none."""
    if not Product.objects.filter(is_active=True, unit_price__gt=0).exists():
        Product.objects.bulk_create(
            Product(sku=sku, name=name, category=category, unit_price=Decimal(price))
            for sku, name, category, price in PRODUCTS
        )
    return [
        (pk, name[:200], int(price * 100))
        for pk, name, price in Product.objects.filter(is_active=True, unit_price__gt=0)
        .order_by("pk")
        .values_list("pk", "name", "unit_price")
    ]


def _default_price_list(cal: _Calendar):
    """The default price list as (id, prices by product in cents, first day, last day), where
    the days are calendar offsets (None: unbounded); None when there is no default list."""
    price_list = PriceList.objects.filter(is_default=True, is_active=True).first()
    if price_list is None:
        return None
    prices = {
        product_id: int(price * 100)
        for product_id, price in price_list.items.values_list("product_id", "unit_price")
    }
    today = datetime.date.fromisoformat(cal.date(0))
    first = (today - price_list.valid_from).days if price_list.valid_from else None
    last = (today - price_list.valid_until).days if price_list.valid_until else None
    return price_list.pk, prices, first, last


def _ensure_lost_reasons() -> list[int]:
    if not LostReason.objects.filter(is_active=True).exists():
        for position, name in enumerate(LOST_REASONS):
            LostReason.objects.get_or_create(name=name, defaults={"position": position})
    return list(LostReason.objects.filter(is_active=True).values_list("pk", flat=True))


def _ensure_scoring_rules() -> list[LeadScoringRule]:
    if not LeadScoringRule.objects.exists():
        LeadScoringRule.objects.bulk_create(
            LeadScoringRule(
                label=label, kind=kind, field=field, value=value, points=points, position=i
            )
            for i, (label, kind, field, value, points) in enumerate(SCORING_RULES)
        )
    return list(LeadScoringRule.objects.filter(is_active=True).order_by("position", "pk"))


# --- Leads ---------------------------------------------------------------------------------------


class _Leads:
    """Writes leads and their history; remembers the conversions for the deals."""

    def __init__(self, rng, cal, owners, teams, products, persons: _Customers, deals: range):
        self.rng, self.cal, self.owners, self.teams = rng, cal, owners, teams
        self.products, self.persons = products, persons
        # The deals converted leads become: the first ones of the deals written next.
        self.deal_ids = deals
        self.rules = _ensure_scoring_rules()
        self.now_dt = datetime.datetime.fromtimestamp(cal.now, datetime.UTC)
        self.reason_json: dict[tuple, str] = {}
        self.pinyin: dict[str, str] = {}
        self.conversions: list[tuple[int, int, int]] = []  # (lead id, person index, time)
        self.budgets = [
            (_cents(k * 100_000), Decimal(k * 1000)) for k in (5, 8, 12, 20, 30, 50, 80, 120, 200)
        ]
        self.event_json = {
            "contact": _json({"channel": "call"}),
            "qualified": _json({"from": "contacted", "to": "qualified"}),
        }
        self.created_json: dict[tuple, str] = {}
        surname_pool = [
            s for s, w in zip(names.SURNAMES, names.SURNAME_WEIGHTS, strict=True) for _ in range(w)
        ]
        given_pool = [
            g
            for g, w in zip(names.GIVEN_NAMES, names.GIVEN_NAME_WEIGHTS, strict=True)
            for _ in range(w)
        ]
        self.surnames, self.given = surname_pool, given_pool

    def _name(self) -> tuple[str, str, str]:
        rng = self.rng
        if rng.random() < 0.15:
            given = rng.choice(names.ENGLISH_GIVEN_NAMES)
            family = rng.choice(names.ENGLISH_FAMILY_NAMES)
            return f"{given} {family}", f"{given}.{family}".lower(), "en"
        full_name = rng.choice(self.surnames) + rng.choice(self.given)
        local = self.pinyin.get(full_name)
        if local is None:
            local = self.pinyin[full_name] = "".join(lazy_pinyin(full_name))
        return full_name, local, "cn"

    def _score(self, lead: SimpleNamespace, interactions: int) -> tuple[int, str]:
        score, reasons = lead_score_compute(
            lead, self.rules, interactions=interactions, now=self.now_dt
        )
        key = tuple(r["rule_id"] for r in reasons)
        text = self.reason_json.get(key)
        if text is None:
            text = self.reason_json[key] = _json(reasons)
        return score, text

    def batch(self, first_id: int, count: int) -> tuple[list[tuple], list[tuple]]:
        rng, now = self.rng, self.cal.now
        provinces = list(names.PLACES)
        sources = SourceChannel.values
        rows, events = [], []
        for lead_id in range(first_id, first_id + count):
            full_name, local, language = self._name()
            phone = _phone(rng, foreign=language == "en" and rng.random() < 0.5)
            domains = names.EMAIL_DOMAINS_EN if language == "en" else names.EMAIL_DOMAINS_CN
            email = f"{local}{lead_id}@{rng.choice(domains)}" if rng.random() < 0.6 else ""
            region = rng.choice(provinces)
            city = rng.choice(list(names.PLACES[region]))
            company_name = job_title = ""
            if rng.random() < 0.5:
                kind, _kind_en = rng.choice(names.COMPANY_KINDS)
                company_name = (
                    f"{city}{rng.choice(names.COMPANY_TRADE_NAMES)}{kind}"
                    f"{rng.choice(names.COMPANY_SUFFIXES)}"
                )
                job_title = rng.choice(names.JOB_TITLES)
            source = rng.choice(sources)
            campaign = rng.choice(CAMPAIGNS)
            product_id = rng.choice(self.products)[0] if rng.random() < 0.6 else None
            budget_text, budget = rng.choice(self.budgets) if rng.random() < 0.5 else (None, None)
            message = rng.choice(LEAD_MESSAGES)
            created = now - rng.randrange(365 * DAY)

            roll = rng.random() * 100
            status = "disqualified"
            for name, share in LEAD_STATUSES:
                if roll < share:
                    status = name
                    break
                roll -= share
            if status == "converted" and not len(self.persons):
                status = "qualified"
            owner_id, team_id = self.owners[rng.randrange(len(self.owners))]
            if status == "new" and rng.random() < 0.3:
                owner_id, team_id = None, rng.choice(self.teams)  # waiting in the team's queue
            actor = owner_id
            contacted = converted = None
            last = created
            interactions = 1 if message else 0
            history = [
                (
                    lead_id,
                    "created",
                    _stamp(created),
                    actor,
                    "",
                    self._created_data(source, campaign),
                )
            ]
            if message:
                history.append((lead_id, "inquiry", _stamp(created + 60), None, message, "{}"))
            disqualify_reason = ""
            person_id = deal_id = None
            if status != "new" and (status != "disqualified" or rng.random() < 0.5):
                contacted = min(now, created + rng.randrange(3600, 10 * DAY))
                last = contacted
                interactions += 1
                history.append(
                    (lead_id, "contact", _stamp(contacted), actor, "", self.event_json["contact"])
                )
            if status in ("qualified", "converted"):
                last = min(now, last + rng.randrange(3600, 5 * DAY))
                history.append(
                    (lead_id, "status", _stamp(last), actor, "", self.event_json["qualified"])
                )
            if status == "disqualified":
                disqualify_reason = rng.choice(DISQUALIFY_REASONS)
                last = min(now, last + rng.randrange(3600, 10 * DAY))
                history.append(
                    (
                        lead_id,
                        "disqualified",
                        _stamp(last),
                        actor,
                        "",
                        _json({"reason": disqualify_reason}),
                    )
                )
            elif status == "converted":
                converted = last = min(now, last + rng.randrange(3600, 20 * DAY))
                person_index = self.persons.pick(rng)
                person_id = self.persons.ids[person_index]
                if len(self.conversions) < len(self.deal_ids):
                    deal_id = self.deal_ids[len(self.conversions)]
                    self.conversions.append((lead_id, person_index, converted))
                history.append(
                    (
                        lead_id,
                        "converted",
                        _stamp(converted),
                        actor,
                        "",
                        _json(
                            {
                                "person_id": person_id,
                                "company_id": None,
                                "deal_id": deal_id,
                                "matched_existing_person": True,
                            }
                        ),
                    )
                )
            lead = SimpleNamespace(
                full_name=full_name,
                company_name=company_name,
                job_title=job_title,
                phone=phone,
                email=email,
                region=region,
                city=city,
                source=source,
                campaign=campaign,
                budget=budget,
                message=message,
                status=status,
                product_interest_id=product_id,
                data={},
                created_at=datetime.datetime.fromtimestamp(created, datetime.UTC),
                last_contacted_at=(
                    datetime.datetime.fromtimestamp(contacted, datetime.UTC) if contacted else None
                ),
            )
            score, reasons = self._score(lead, interactions)
            rows.append(
                (
                    lead_id,
                    _stamp(created),
                    _stamp(last),
                    full_name,
                    company_name,
                    job_title,
                    phone,
                    email,
                    region,
                    city,
                    source,
                    campaign,
                    product_id,
                    budget_text,
                    message,
                    "{}",
                    None,
                    status,
                    disqualify_reason,
                    score,
                    reasons,
                    owner_id,
                    team_id,
                    _stamp(contacted),
                    _stamp(converted),
                    person_id,
                    None,
                    deal_id,
                    len(history) - (1 if message else 0),
                )
            )
            events.extend(history)
        return rows, events

    def _created_data(self, source: str, campaign: str) -> str:
        key = (source, campaign)
        text = self.created_json.get(key)
        if text is None:
            text = self.created_json[key] = _json(
                {"via": "import", "source": source, "campaign": campaign}
            )
        return text


# --- Deals ---------------------------------------------------------------------------------------


class _Deals:
    """Writes deals through the default pipeline; remembers the won ones for orders."""

    def __init__(self, rng, cal, products, persons, companies, conversions, lost_reasons):
        self.rng, self.cal, self.products = rng, cal, products
        self.persons, self.companies = persons, companies
        self.conversions, self.lost_reasons = conversions, lost_reasons
        pipeline = pipeline_get_default()
        stages = list(pipeline.stages.order_by("position", "id"))
        self.pipeline_id = pipeline.pk
        self.open = [(s.pk, s.probability) for s in stages if s.kind == StageKind.OPEN]
        self.open_positions = [s.position for s in stages if s.kind == StageKind.OPEN]
        self.won = next(s.pk for s in stages if s.kind == StageKind.WON)
        self.lost = next(s.pk for s in stages if s.kind == StageKind.LOST)
        weights = (
            OPEN_STAGE_WEIGHTS
            if len(self.open) == len(OPEN_STAGE_WEIGHTS)
            else (1,) * len(self.open)
        )
        self.open_weights = [sum(weights[: i + 1]) for i in range(len(weights))]
        self.priorities = {
            (a, b, c): derive_priority(a, b, c)
            for a in ("low", "medium", "high")
            for b in ("low", "medium", "high")
            for c in ("low", "medium", "high")
        }
        # (deal id, "person"|"company", customer index, closed at, amount in cents, title)
        self.won_deals: list[tuple[int, str, int, int, int, str]] = []

    def _open_stage(self) -> int:
        roll = self.rng.random() * self.open_weights[-1]
        return next(i for i, edge in enumerate(self.open_weights) if roll < edge)

    def batch(self, first_id: int, count: int, index: int, total: int, open_left: int):
        rng, cal, now = self.rng, self.cal, self.cal.now
        rows, changes = [], []
        opened = 0
        for deal_id in range(first_id, first_id + count):
            remaining = total - index
            is_open = rng.random() * remaining < open_left - opened
            lead_id = None
            if index < len(self.conversions):
                lead_id, customer, created = self.conversions[index]
                kind = "person"
            else:
                created = None
                use_person = len(self.persons) and (not len(self.companies) or rng.random() < 0.8)
                kind = "person" if use_person else "company"
                customer = (self.persons if use_person else self.companies).pick(rng)
            customers = self.persons if kind == "person" else self.companies
            owner_id, team_id = customers.owner_team(customer)
            _product_id, product_name, price = rng.choice(self.products)
            quantity = rng.choice((1, 2, 5, 10, 20, 50))
            amount = price * quantity
            title = f"{short_name(product_name)} × {quantity}"
            if is_open:
                opened += 1
                target = self._open_stage()
                if created is None:
                    created = now - rng.randrange(DAY, 150 * DAY)
                end = created + int((now - created) * rng.uniform(0.2, 0.98))
                path = [s for s, _p in self.open[: target + 1]]
                furthest = self.open_positions[target]
                outcome = None
            else:
                won = rng.random() < WON_SHARE
                reached = rng.randrange(1 if won else 0, len(self.open))
                if created is None:
                    created = now - rng.randrange(3 * DAY, 730 * DAY)
                end = max(created, min(now - 3600, created + rng.randrange(2 * DAY, 90 * DAY)))
                path = [s for s, _p in self.open[: reached + 1]]
                furthest = self.open_positions[reached]
                outcome = self.won if won else self.lost
                path.append(outcome)
            moves = sorted(rng.randint(created, end) for _ in range(len(path) - 1))
            times = [created, *moves]
            owner = owner_id
            previous = None
            for i, stage in enumerate(path):
                changes.append(
                    (
                        deal_id,
                        previous,
                        stage,
                        owner,
                        _stamp(times[i]),
                        None if i == 0 else times[i] - times[i - 1],
                    )
                )
                previous = stage
            last = times[-1]
            intent, budget, urgency = (rng.choice(PRIORITY_LEVELS) for _ in range(3))
            if outcome is None:
                status, probability = "open", self.open[target][1]
                expected = cal.date(-rng.randrange(0, 180))
                closed = reason = None
            else:
                status = "won" if outcome == self.won else "lost"
                probability = 100 if status == "won" else 0
                expected = cal.date(cal.day_of(last))
                closed = last
                reason = rng.choice(self.lost_reasons) if status == "lost" else None
                if status == "won":
                    self.won_deals.append((deal_id, kind, customer, last, amount, title))
            rows.append(
                (
                    deal_id,
                    _stamp(created),
                    _stamp(last),
                    title,
                    self.pipeline_id,
                    path[-1],
                    status,
                    _cents(amount),
                    "CNY",
                    probability,
                    expected,
                    intent,
                    budget,
                    urgency,
                    self.priorities[(intent, budget, urgency)],
                    customers.ids[customer] if kind == "person" else None,
                    customers.ids[customer] if kind == "company" else None,
                    lead_id,
                    owner_id,
                    team_id,
                    _stamp(last),
                    _stamp(closed),
                    reason,
                    "",
                    "",
                    None,
                    len(path),
                    furthest,
                )
            )
            index += 1
        return rows, changes, opened


# --- Orders --------------------------------------------------------------------------------------


class _Orders:
    """Writes orders with their lines, payment plan and payments."""

    def __init__(
        self,
        rng,
        cal,
        products,
        price_list,
        persons,
        companies,
        won_deals,
        orders,
        lines=None,
        kinds=None,
    ):
        self.rng, self.cal, self.products = rng, cal, products
        self.lines_per_order = lines_per_order_table(orders, lines)
        self.persons, self.companies = persons, companies
        self.price_list = price_list
        self.won_deals = won_deals[: int(orders * DEAL_ORDER_SHARE)]
        self.terms = settings.RAPPORT_PAYMENT_TERMS_DAYS
        self.price_texts = {}
        # `kinds`: (product id, SKU, category) of the catalogue, for the baskets' affinities.
        index = {product[0]: i for i, product in enumerate(products)}
        self.baskets = Baskets(
            rng,
            [(index[pk], sku, category) for pk, sku, category in kinds or () if pk in index]
            or [(i, str(i), "") for i in range(len(products))],
        )
        self.planned = self._planned(orders - len(self.won_deals))

    def _planned(self, orders: int) -> Iterator[tuple[str, int, int, list[int], bool]]:
        """(kind, customer index, day offset, product indexes, warning) of each order, customer
        by customer: their life's orders in turn. Customers are visited in a scrambled order
        (a stride through their indexes), a person with PERSON_ORDER_SHARE of the lives. When
        the orders asked for would need more lives than there are customers, the customers'
        gaps shrink to fit; past all of them, the visit starts over."""
        rng, random = self.rng, self.rng.random
        n_persons, n_companies = len(self.persons), len(self.companies)
        person_share = PERSON_ORDER_SHARE if n_companies else 1.0
        if not n_persons:
            person_share = 0.0
        lives = orders / ORDERS_PER_LIFE
        room = 0.8 * (n_persons + n_companies) or 1
        shrink = min(1.0, room / lives) if lives else 1.0
        lines_per_order = self.lines_per_order
        baskets = self.baskets
        seen = {"person": 0, "company": 0}
        sizes = {"person": n_persons, "company": n_companies}
        strides = {kind: _stride(size) for kind, size in sizes.items()}
        while orders > 0:
            kind = "person" if random() < person_share else "company"
            size = sizes[kind]
            customer = (seen[kind] * strides[kind] + 7) % size
            seen[kind] += 1
            categories = PERSON_CATEGORIES if kind == "person" else COMPANY_CATEGORIES
            favourites = baskets.favourites(categories)
            life = customer_life(rng, span=HISTORY_DAYS, gap_median=GAP_MEDIAN[kind] * shrink)
            owned: list[int] = []
            for day, warning in life.orders:
                count = 1 if warning else lines_per_order[int(random() * len(lines_per_order))]
                yield (
                    kind,
                    customer,
                    HISTORY_DAYS - day,
                    baskets.basket(owned, favourites, count),
                    warning,
                )
                orders -= 1
                if not orders:
                    return

    def _line_price(self, product_id: int, price: int, day: int) -> tuple[int, int | None]:
        """The price on the default list when it is in force that day, else the list price."""
        price_list = self.price_list
        if price_list is None:
            return price, None
        list_id, prices, first, last = price_list
        if (first is not None and day > first) or (last is not None and day < last):
            return price, None
        return prices.get(product_id, price), list_id

    def batch(self, first_id: int, count: int, index: int):
        # The hottest loop of the load: draws are `random()` scaled by hand (a third of the
        # cost of randrange and choice), lookups are bound to locals.
        rng, cal, now = self.rng, self.cal, self.cal.now
        random = rng.random
        products, persons, companies = self.products, self.persons, self.companies
        terms, won_deals, at = self.terms, self.won_deals, cal.at
        planned = self.planned
        today = at(0, 0)
        now_day_seconds = now - today
        cents, stamp = _cents, _stamp
        orders, lines, instalments, payments = [], [], [], []
        for order_id in range(first_id, first_id + count):
            order_lines = []
            price_list_id = deal_id = None
            if index < len(won_deals):
                deal_id, kind, customer, closed, amount, title = won_deals[index]
                placed = min(now - 60, closed + 3600 + int(random() * 4 * DAY))
                day = cal.day_of(placed)
                order_lines.append((None, title[:200], 1, amount, 0))
            else:
                kind, customer, day, basket, _warning = next(planned)
                if day:
                    seconds = 8 * 3600 + int(random() * 14 * 3600)
                else:
                    seconds = int(random() * max(1, now_day_seconds - 60))
                placed = at(day, seconds)
                for product in basket:
                    product_id, name, list_price = products[product]
                    price, price_list_id = self._line_price(product_id, list_price, day)
                    quantity = QUANTITY[int(random() * 10)]
                    # Now and then a round discount of about 5 %, in whole yuan.
                    discount = price * quantity // 2000 * 100 if random() < 0.1 else 0
                    order_lines.append((product_id, name, quantity, price, discount))
            index += 1
            source = persons if kind == "person" else companies
            owner_id = source.owners[customer]
            team_id = source.teams[customer] or None
            customer_id = source.ids[customer]
            subtotal = discount_total = 0
            for product_id, description, quantity, price, discount in order_lines:
                gross = price * quantity
                subtotal += gross
                discount_total += discount
                lines.append(
                    (
                        order_id,
                        product_id,
                        description,
                        quantity,
                        cents(price),
                        cents(discount),
                        cents(gross - discount),
                    )
                )
            total = subtotal - discount_total

            # The payment plan: one instalment after the terms, or a deposit due on the day and
            # the rest monthly. Due days are calendar offsets (negative: still to come).
            parts = PLAN_PARTS[int(random() * 10)] if total >= 300 else 1
            if parts == 1:
                plan = [[day - terms, total, 0]]
            else:
                deposit = total * 3 // 10
                share = (total - deposit) // (parts - 1)
                amounts = [deposit, *[share] * (parts - 2)]
                amounts.append(total - sum(amounts))
                plan = [[day - 30 * i, a, 0] for i, a in enumerate(amounts)]

            # What happened to it, as its age (`day`, in days) makes likely.
            version = 1
            status = "placed"
            paid = 0
            paid_at = shipped = received = cancelled = returned = None
            last = placed
            methods = PERSON_PAYMENT_METHODS if kind == "person" else COMPANY_PAYMENT_METHODS
            if random() < 0.06:
                status = "cancelled"
                cancelled = last = min(now - 1, placed + 3600 + int(random() * 2 * DAY))
                version += 1
            else:
                roll = random()
                if day < 7:
                    mode = "full" if roll < 0.4 else "partial" if roll < 0.5 else "none"
                elif day < 45:
                    mode = "full" if roll < 0.7 else "partial" if roll < 0.85 else "none"
                else:
                    mode = "full" if roll < 0.86 else "partial" if roll < 0.96 else "none"
                paid_until = placed
                for i, instalment in enumerate(plan):
                    if mode == "none" or (mode == "partial" and i == parts - 1 and i > 0):
                        break
                    due = at(instalment[0], 10 * 3600)
                    if i == 0:
                        when = placed + int(max(0, min(due, now) - placed) * random() * 0.6)
                    else:
                        when = max(paid_until, due - int(random() * 10 * DAY))
                    if when > now:
                        break
                    amount = instalment[1]
                    if mode == "partial" and parts == 1:
                        amount = amount * (3 + int(random() * 4)) // 10 or amount
                    instalment[2] = amount
                    paid += amount
                    paid_until = when
                    version += 1
                    text = stamp(when)
                    payments.append(
                        (
                            text,
                            text,
                            order_id,
                            cents(amount),
                            text,
                            methods[int(random() * len(methods))],
                            "",
                            "",
                            "0.00",
                            owner_id,
                        )
                    )
                last = paid_until
                full = paid == total
                if full:
                    paid_at, status = paid_until, "paid"
                if day >= 2 and random() < 0.92:
                    ship = placed + DAY // 2 + int(random() * 2.5 * DAY)
                    if full and kind == "person":
                        # Shops ship what is paid.
                        ship = paid_until + 2 * 3600 + int(random() * 46 * 3600)
                    if ship < now:
                        shipped, status, version = ship, "shipped", version + 1
                        receive = ship + DAY + int(random() * 5 * DAY)
                        if receive < now and random() < 0.95:
                            received, status, version = receive, "received", version + 1
                            back = receive + DAY + int(random() * 9 * DAY)
                            if full and paid_until < back < now and random() < 0.04:
                                returned, status, version = back, "returned", version + 1
                last = max(last, shipped or 0, received or 0, returned or 0)
            for sequence, (due_day, amount, paid_part) in enumerate(plan, start=1):
                instalments.append(
                    (order_id, sequence, cal.date(due_day), cents(amount), cents(paid_part))
                )
            placed_text = stamp(placed)
            orders.append(
                (
                    order_id,
                    placed_text,
                    stamp(last),
                    f"SO-{cal.date(day)[:4]}-{order_id:06d}",
                    customer_id if kind == "person" else None,
                    customer_id if kind == "company" else None,
                    deal_id,
                    price_list_id,
                    owner_id,
                    team_id,
                    status,
                    "CNY",
                    placed_text,
                    stamp(paid_at),
                    stamp(shipped),
                    stamp(received),
                    stamp(cancelled),
                    stamp(returned),
                    cents(subtotal),
                    cents(discount_total),
                    cents(total),
                    cents(paid),
                    "0.00",
                    "0.00",
                    "0.00",
                    "",
                    version,
                )
            )
        return orders, lines, instalments, payments, index


# --- All of it -----------------------------------------------------------------------------------


def _generated_elsewhere(batches: Callable[[], Iterator[tuple]]) -> Iterator[tuple]:
    """The items of `batches()`, generated in a forked process and passed through a queue.

    The child inherits everything already read from the database and never touches the
    connection (multiprocessing ends a forked child with `os._exit`, so it is not even closed
    there). Two batches at most wait in the queue.
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)

    def produce() -> None:
        try:
            for item in batches():
                queue.put(item)
        except BaseException as exc:
            queue.put(("error", f"{type(exc).__name__}: {exc}"))
            raise
        queue.put(None)

    child = context.Process(target=produce, name="bulk-sales-rows", daemon=True)
    child.start()
    try:
        while (item := queue.get()) is not None:
            if item[0] == "error":
                raise RuntimeError(f"Generating the rows failed: {item[1]}")
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def bulk_sales_load(
    *,
    leads: int,
    deals: int,
    orders: int,
    open_deals: int | None = None,
    order_lines: int | None = None,
    users: int = 40,
    password: str | None = None,
    seed: int = 42,
    parallel: bool | None = None,
    progress: Callable[[str], None] = print,
) -> SalesBulkResult:
    """Add `leads`, `deals` (`open_deals` of them open) and `orders` for the customers in the
    database. Deals and orders need persons or companies; leads convert only when there are
    persons (otherwise they stop at qualified).

    With `parallel` (by default for large loads) the rows are generated in a second process
    while this one writes them: generating is about as much work as writing, and the machine
    has more than one core. The rows are the same either way. `order_lines` asks for about that
    many order lines in all (default: 2.1 per order); the lines of orders from won deals are
    one each, so the count comes out a little under.
    """
    started = time.monotonic()
    rng = random.Random(seed * 1_000_003 + 17)  # another stream than the customers'
    cal = _Calendar(timezone.now())
    result = SalesBulkResult()
    open_deals = default_open_deals(deals) if open_deals is None else min(open_deals, deals)

    owners = [(u.pk, u.team_id) for u in _ensure_users(users, password)]
    teams = sorted({team for _owner, team in owners if team})
    products = _ensure_catalogue()
    kinds = list(Product.objects.values_list("pk", "sku", "category"))
    price_list = _default_price_list(cal)
    lost_reasons = _ensure_lost_reasons()
    persons, companies = _Customers(Person), _Customers(Company)
    if (deals or orders) and not (len(persons) or len(companies)):
        raise ValueError("Deals and orders need persons or companies in the database.")
    progress(
        f"Customers to pick from: {len(persons):,} persons, {len(companies):,} companies "
        f"({time.monotonic() - started:.0f}s)"
    )
    first_lead, first_deal, first_order = _next_id(Lead), _next_id(Deal), _next_id(Order)

    # Everything that reads the database happens here, before the rows are generated (perhaps
    # in another process, which must not touch the connection).
    lead_maker = _Leads(
        rng, cal, owners, teams, products, persons, range(first_deal, first_deal + deals)
    )
    deal_maker = _Deals(
        rng, cal, products, persons, companies, lead_maker.conversions, lost_reasons
    )

    def batches() -> Iterator[tuple]:
        for offset in range(0, leads, BATCH):
            size = min(BATCH, leads - offset)
            yield ("leads", offset + size, *lead_maker.batch(first_lead + offset, size))
        opened = 0
        for offset in range(0, deals, BATCH):
            size = min(BATCH, deals - offset)
            rows, changes, new = deal_maker.batch(
                first_deal + offset, size, offset, deals, open_deals - opened
            )
            opened += new
            yield ("deals", offset + size, rows, changes, new)
        order_maker = _Orders(
            rng,
            cal,
            products,
            price_list,
            persons,
            companies,
            deal_maker.won_deals,
            orders,
            order_lines,
            kinds,
        )
        index = 0
        for offset in range(0, orders, ORDER_BATCH):
            size = min(ORDER_BATCH, orders - offset)
            rows, lines, plan, paid, index = order_maker.batch(first_order + offset, size, index)
            yield ("orders", offset + size, rows, lines, plan, paid)

    if parallel is None:
        parallel = leads + deals + orders >= PARALLEL_FROM
    with _Load(LOADED_MODELS, progress):
        for kind, done, *tables in _generated_elsewhere(batches) if parallel else batches():
            with _batch() as writer:
                if kind == "leads":
                    rows, events = tables
                    writer.write("sales_lead", LEAD_COLUMNS, rows)
                    writer.write("sales_leadevent", LEAD_EVENT_COLUMNS, events)
                    result.leads += len(rows)
                    result.lead_events += len(events)
                    total = leads
                elif kind == "deals":
                    rows, changes, opened = tables
                    writer.write("sales_deal", DEAL_COLUMNS, rows)
                    writer.write("sales_dealstagechange", STAGE_CHANGE_COLUMNS, changes)
                    result.deals += len(rows)
                    result.open_deals += opened
                    result.stage_changes += len(changes)
                    total = deals
                else:
                    rows, lines, plan, paid = tables
                    writer.write("sales_order", ORDER_COLUMNS, rows)
                    writer.write("sales_orderline", LINE_COLUMNS, lines)
                    writer.write("sales_instalment", INSTALMENT_COLUMNS, plan)
                    writer.write("sales_payment", PAYMENT_COLUMNS, paid)
                    result.orders += len(rows)
                    result.lines += len(lines)
                    result.instalments += len(plan)
                    result.payments += len(paid)
                    total = orders
            progress(f"{done:,} / {total:,} {kind} ({time.monotonic() - started:.0f}s)")
    if deals:
        # The funnel's per-day sums of stage stays, which the services keep on every move.
        written = stage_stays_rebuild()
        progress(f"{written:,} stage-stay sums ({time.monotonic() - started:.0f}s)")
    result.seconds = time.monotonic() - started
    return result
