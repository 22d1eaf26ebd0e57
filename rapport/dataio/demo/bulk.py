"""Benchmark-sized data: millions of rows in minutes, bypassing the services.

The rows are exactly those the services would write for the same input (primary phone and e-mail
copied onto the person, one PersonPhone / PersonEmail row each, search terms from
`rapport.customers.search`, a `record.created` timeline entry per record and an
`interaction.<channel>` entry per interaction), but they are generated in Python in batches and
written with raw SQL: `executemany` in large transactions on SQLite, `COPY` on PostgreSQL.
Secondary indexes and (on PostgreSQL) foreign keys of the loaded tables are dropped for the load
and re-created afterwards, so the schema ends up exactly as the migrations define it. `_Load` and
`_batch` are that machinery; `bulk_sales` loads the sales tables with it.
"""

import datetime
import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from pypinyin import lazy_pinyin

from rapport.accounts.models import Role, Team, User
from rapport.activities.models import Interaction, TimelineEntry
from rapport.customers import search
from rapport.customers.models import (
    Address,
    Company,
    CompanySearchTerm,
    CustomFieldDefinition,
    CustomFieldType,
    Employment,
    LifecycleStage,
    Person,
    PersonEmail,
    PersonPhone,
    PersonSearchTerm,
    RecordType,
    SourceChannel,
    Tag,
)
from rapport.dataio.demo import names
from rapport.dataio.tablewriter import (
    COMPANY_TABLE_COLUMNS,
    INTERACTION_TABLE_COLUMNS,
    PERSON_TABLE_COLUMNS,
    TIMELINE_COLUMNS,
    TableWriter,
)

BATCH = 50_000
CHANNELS = ("call", "call", "email", "email", "meeting", "visit", "chat", "chat", "note", "social")
PERSON_TAG_SHARE = 0.3
EMPLOYED_SHARE = 0.6
COMPANY_ONLY_INTERACTION_SHARE = 0.05
CUSTOM_VALUES_SHARE = 0.4

LOADED_MODELS = (
    Company,
    Company.tags.through,
    CompanySearchTerm,
    Address,
    Person,
    Person.tags.through,
    PersonPhone,
    PersonEmail,
    PersonSearchTerm,
    Employment,
    Interaction,
    TimelineEntry,
)


@dataclass
class BulkResult:
    persons: int
    companies: int
    interactions: int
    timeline_entries: int
    search_terms: int
    seconds: float


def _json(value) -> str:
    # What Django's JSONField writes (json.dumps with its defaults).
    return json.dumps(value)


class _Clock:
    """Timestamps spread over the two years before `now`, formatted once per day."""

    def __init__(self, rng: random.Random, now: datetime.datetime, days: int = 730):
        self.rng = rng
        self.days = days
        today = now.date()
        self.day_strings = [(today - datetime.timedelta(days=d)).isoformat() for d in range(days)]

    def moment(self, max_day: int | None = None, min_day: int = 0) -> str:
        rng = self.rng
        day = self.day_strings[rng.randrange(min_day, max_day or self.days)]
        seconds = rng.randrange(86400)
        return f"{day} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def day_index(self) -> int:
        return self.rng.randrange(self.days)


class _Schema:
    """Drops the secondary indexes (and PostgreSQL foreign keys) of the loaded tables, and
    puts back exactly the same definitions."""

    def __init__(self, cursor, tables: list[str]):
        self.cursor = cursor
        self.tables = tables
        self.indexes: list[str] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        cur = self.cursor
        if connection.vendor == "postgresql":
            cur.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
                """,
                [self.tables],
            )
            self.foreign_keys = list(cur.fetchall())
            cur.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                  AND i.indexname NOT IN (
                      SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))
                """,
                [self.tables],
            )
            found = cur.fetchall()
            for table, name, _definition in self.foreign_keys:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, definition in found:
                cur.execute(f'DROP INDEX "{name}"')
                self.indexes.append(definition)
        else:
            placeholders = ", ".join("?" * len(self.tables))
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({placeholders})",
                self.tables,
            )
            for name, definition in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                self.indexes.append(definition)

    def restore(self, progress: Callable[[str], None]) -> None:
        cur = self.cursor
        for definition in self.indexes:
            started = time.monotonic()
            cur.execute(definition)
            progress(f"  {definition[:90]}  ({time.monotonic() - started:.1f}s)")
        self.indexes = []
        for table, name, definition in self.foreign_keys:
            started = time.monotonic()
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            progress(f"  foreign key {name} ({time.monotonic() - started:.1f}s)")
        self.foreign_keys = []


@contextmanager
def _batch() -> Iterator[TableWriter]:
    """One transaction of inserts."""
    with transaction.atomic():
        cursor = connection.cursor()
        if connection.vendor == "postgresql":
            cursor = cursor.cursor  # psycopg's cursor, for copy()
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        yield TableWriter(cursor)


class _Load:
    """A bulk load of `models`' tables, as a context manager.

    On entry: SQLite's durability and foreign-key checks are relaxed for the connection, and the
    tables' secondary indexes (and PostgreSQL foreign keys) are dropped. On exit they are
    re-created from their exact definitions (also after a failure, so the schema is never left
    without them); after a success the id sequences are moved past the loaded ids and the loaded
    tables, only those, get full statistics.

    Inside a caller's transaction (tests, tiny loads) the schema is left alone: PostgreSQL
    refuses ALTER TABLE with pending deferred constraint checks, SQLite refuses the pragmas.
    """

    def __init__(self, models, progress: Callable[[str], None]):
        self.models = list(models)
        self.tables = [m._meta.db_table for m in self.models]
        self.progress = progress
        self.schema: _Schema | None = None
        self.tune_sqlite = False

    def __enter__(self) -> "_Load":
        outer_transaction = connection.in_atomic_block
        self.tune_sqlite = connection.vendor == "sqlite" and not outer_transaction
        if self.tune_sqlite:
            with connection.cursor() as c:
                c.execute("PRAGMA synchronous = OFF")
                c.execute("PRAGMA foreign_keys = OFF")
                c.execute("PRAGMA cache_size = -1000000")
        if not outer_transaction:
            with transaction.atomic():
                self.schema = _Schema(connection.cursor(), self.tables)
                self.schema.drop()
            self.progress(f"Dropped {len(self.schema.indexes)} indexes for the load.")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            schema = self.schema
            if schema is not None and (schema.indexes or schema.foreign_keys):
                self.progress("Re-creating indexes…")
                with transaction.atomic():
                    cursor = connection.cursor()
                    if connection.vendor == "postgresql":
                        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                    schema.cursor = cursor
                    schema.restore(self.progress)
            if exc_type is None:
                self._finish()
        finally:
            if self.tune_sqlite:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA synchronous = NORMAL")
                    cursor.execute("PRAGMA foreign_keys = ON")

    def _finish(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)
        self.progress("Analysing…")
        with connection.cursor() as cursor:
            # Full statistics (a few seconds a table): sampled ones (`analysis_limit`) saw one
            # owner's or team's rows and told the planner every owner had a thousand records,
            # so it read a whole team to find one owner's page.
            # Only the loaded tables: statistics on the small users table make SQLite drive
            # list queries from accounts_user and sort the persons, instead of walking the
            # (updated_at, id) index (seen in the benchmarks: 8 s instead of milliseconds).
            # On PostgreSQL, VACUUM too: it sets the visibility map, without which counts and
            # covering indexes read every row from the table until autovacuum comes by (a
            # representative's home page counted their 25,000 persons in 60 ms instead of 5).
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            for table in self.tables:
                cursor.execute(f'VACUUM (ANALYZE) "{table}"' if vacuum else f'ANALYZE "{table}"')


def _phone(rng: random.Random, foreign: bool) -> str:
    if foreign:
        code, prefix, digits = rng.choice(names.FOREIGN_MOBILES)
        return f"{code}{prefix}{rng.randrange(10**digits):0{digits}d}"
    return f"+86{rng.choice(names.CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _ensure_users(count: int, password: str | None) -> list[User]:
    """The bench's teams and users (`bench_user<n>`), created once and reused by --append."""
    existing = list(User.objects.filter(username__startswith="bench_user").order_by("pk"))
    if len(existing) >= count:
        return existing[:count]
    team_count = max(2, count // 8)
    teams = [Team.objects.get_or_create(name=f"Bench team {i + 1}")[0] for i in range(team_count)]
    hashed = make_password(password) if password else make_password(None)
    rng = random.Random(7)
    new = []
    for i in range(len(existing), count):
        team = teams[i % team_count]
        role = Role.SALES_MANAGER if i < team_count else Role.SALES_REP
        surname = names.SURNAMES[i % len(names.SURNAMES)]
        new.append(
            User(
                username=f"bench_user{i + 1}",
                password=hashed,
                role=role,
                team=team,
                first_name=rng.choice(names.GIVEN_NAMES),
                last_name=surname,
                language="zh-hans",
            )
        )
    User.objects.bulk_create(new)
    return list(User.objects.filter(username__startswith="bench_user").order_by("pk"))[:count]


def _ensure_tags() -> list[int]:
    for name, color in names.TAGS:
        Tag.objects.get_or_create(name=name, defaults={"color": color})
    return list(Tag.objects.values_list("pk", flat=True))


def _ensure_custom_fields() -> None:
    CustomFieldDefinition.objects.get_or_create(
        record_type=RecordType.PERSON,
        key="customer_level",
        defaults={
            "label": "客户等级",
            "field_type": CustomFieldType.CHOICE,
            "choices": list(names.CUSTOMER_LEVELS),
            "position": 1,
        },
    )
    CustomFieldDefinition.objects.get_or_create(
        record_type=RecordType.PERSON,
        key="annual_purchase",
        defaults={"label": "年采购额", "field_type": CustomFieldType.NUMBER, "position": 2},
    )


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _batches(iterator: Iterator, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in iterator:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_load(
    *,
    persons: int,
    interactions: int,
    companies: int,
    users: int,
    password: str | None = None,
    seed: int = 42,
    progress: Callable[[str], None] = print,
) -> BulkResult:
    """Add `persons`, `companies` and `interactions` (with everything they own) to the database."""
    started = time.monotonic()
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC)
    clock = _Clock(rng, now)

    user_rows = _ensure_users(users, password)
    tag_ids = _ensure_tags()
    _ensure_custom_fields()
    owners = [(u.pk, u.team_id) for u in user_rows]

    first_company = _next_id(Company)
    first_person = _next_id(Person)
    first_interaction = _next_id(Interaction)

    empty_json = _json({})
    custom_pool = [
        _json(
            {
                "customer_level": rng.choice(names.CUSTOMER_LEVELS),
                "annual_purchase": rng.randrange(1, 500) * 10_000,
            }
        )
        for _ in range(200)
    ]
    stages = LifecycleStage.values
    sources = SourceChannel.values
    provinces = list(names.PLACES)
    cities = {p: list(c) for p, c in names.PLACES.items()}
    # Expanded by weight once, so drawing a name is one rng.choice.
    surname_pool = [
        s for s, w in zip(names.SURNAMES, names.SURNAME_WEIGHTS, strict=True) for _ in range(w)
    ]
    given_pool = [
        g
        for g, w in zip(names.GIVEN_NAMES, names.GIVEN_NAME_WEIGHTS, strict=True)
        for _ in range(w)
    ]
    trade_pinyin = {t: "".join(lazy_pinyin(t)).title() for t in names.COMPANY_TRADE_NAMES}
    term_count = 0

    name_cache: dict[str, tuple[frozenset, str]] = {}

    def name_info(full_name: str, given: str, family: str) -> tuple[frozenset, str]:
        """Name terms and the e-mail local part for a name, computed once per distinct name."""
        info = name_cache.get(full_name)
        if info is None:
            terms = search.name_terms(full_name)
            if given or family:
                terms |= search.name_terms(f"{given} {family}")
                local = f"{given}.{family}".lower()
            else:
                local = "".join(lazy_pinyin(full_name)).lower()
            info = name_cache[full_name] = (frozenset(terms), local)
        return info

    with _Load(LOADED_MODELS, progress):
        with _batch() as writer:
            # --- Companies -------------------------------------------------------------------
            company_ids = range(first_company, first_company + companies)
            company_rows, company_terms, company_tags, company_addresses = [], [], [], []
            timeline_rows = []
            for cid in company_ids:
                province = rng.choice(provinces)
                city = rng.choice(cities[province])
                kind, kind_en = rng.choice(names.COMPANY_KINDS)
                trade = rng.choice(names.COMPANY_TRADE_NAMES)
                name = f"{city}{trade}{kind}{rng.choice(names.COMPANY_SUFFIXES)}"
                english = f"{trade_pinyin[trade]} {kind_en} Co., Ltd." if rng.random() < 0.3 else ""
                owner_id, team_id = owners[rng.randrange(len(owners))]
                created_day = clock.day_index()
                created = clock.moment(min_day=created_day, max_day=created_day + 1)
                updated = clock.moment(max_day=created_day + 1)
                company_rows.append(
                    (
                        cid,
                        created,
                        updated,
                        rng.choice(names.INDUSTRIES),
                        province,
                        rng.choice(sources),
                        rng.choice(stages),
                        owner_id,
                        team_id,
                        "",
                        empty_json,
                        1,
                        name,
                        english,
                        "",
                        "",
                        "",
                    )
                )
                for term in search.company_terms(name=name, english_name=english):
                    company_terms.append((cid, term))
                if rng.random() < 0.3:
                    company_tags.append((cid, rng.choice(tag_ids)))
                district = rng.choice(names.PLACES[province][city])
                company_addresses.append(
                    (
                        cid,
                        "work",
                        "CN",
                        province,
                        city,
                        district,
                        f"{rng.choice(names.STREETS)}{rng.randrange(1, 999)}号",
                        names.POSTCODES.get(city, ""),
                    )
                )
                timeline_rows.append(
                    (cid, None, "record.created", created, "", "", owner_id, "", None, empty_json)
                )
            writer.write(
                "customers_company",
                COMPANY_TABLE_COLUMNS,
                company_rows,
            )
            writer.write("customers_companysearchterm", ("company_id", "term"), company_terms)
            writer.write("customers_company_tags", ("company_id", "tag_id"), company_tags)
            writer.write(
                "customers_address",
                (
                    "company_id",
                    "label",
                    "country",
                    "province",
                    "city",
                    "district",
                    "street",
                    "postcode",
                ),
                company_addresses,
            )
            term_count += len(company_terms)
            progress(
                f"{companies:,} companies, {len(company_terms):,} search terms "
                f"({time.monotonic() - started:.0f}s)"
            )
            del company_rows, company_terms, company_tags, company_addresses

        # --- Persons -------------------------------------------------------------------------
        person_owner = []  # owner id per new person, for the interactions
        person_company = []  # primary company id (or None) per new person
        person_cn = []  # whether the person writes Chinese, for interaction subjects
        with _batch() as writer:
            writer.write("activities_timelineentry", TIMELINE_COLUMNS, timeline_rows)
        timeline_count = len(timeline_rows)
        del timeline_rows

        for offset in range(0, persons, BATCH):
            size = min(BATCH, persons - offset)
            rows, phones, emails, terms, tags, jobs, created_entries = [], [], [], [], [], [], []
            for pid in range(first_person + offset, first_person + offset + size):
                english = rng.random() < 0.15
                if english:
                    given = rng.choice(names.ENGLISH_GIVEN_NAMES)
                    family = rng.choice(names.ENGLISH_FAMILY_NAMES)
                    full_name = f"{given} {family}"
                    gender = "unknown"
                else:
                    given = family = ""
                    full_name = rng.choice(surname_pool) + rng.choice(given_pool)
                    gender = rng.choice(("female", "male", "unknown"))
                name_terms, local = name_info(full_name, given, family)
                phone = _phone(rng, foreign=english or rng.random() < 0.02)
                domains = names.EMAIL_DOMAINS_EN if english else names.EMAIL_DOMAINS_CN
                email = f"{local}{pid}@{rng.choice(domains)}"
                owner_id, team_id = owners[rng.randrange(len(owners))]
                created_day = clock.day_index()
                created = clock.moment(min_day=created_day, max_day=created_day + 1)
                updated = clock.moment(max_day=created_day + 1)
                province = rng.choice(provinces)
                custom = (
                    rng.choice(custom_pool) if rng.random() < CUSTOM_VALUES_SHARE else empty_json
                )
                birthday, birth_month, birth_day = None, None, None
                if rng.random() < 0.3:
                    year = rng.randrange(1960, 2002)
                    birth_month, birth_day = rng.randrange(1, 13), rng.randrange(1, 29)
                    birthday = f"{year}-{birth_month:02d}-{birth_day:02d}"
                rows.append(
                    (
                        pid,
                        created,
                        updated,
                        rng.choice(names.INDUSTRIES),
                        province,
                        rng.choice(sources),
                        rng.choice(stages),
                        owner_id,
                        team_id,
                        "",
                        custom,
                        1,
                        full_name,
                        given,
                        family,
                        gender,
                        birthday,
                        "",
                        phone,
                        email,
                        "",  # middle name
                        "",  # nickname
                        "",  # website
                        birth_month,
                        birth_day,
                        "[]",  # unrecognised phone numbers
                    )
                )
                phones.append((pid, "mobile", phone, True))
                emails.append((pid, "work", email, True))
                for term in name_terms:
                    terms.append((pid, term))
                terms.append((pid, "p:" + phone[1:][::-1]))
                terms.append((pid, "e:" + email))
                if rng.random() < PERSON_TAG_SHARE:
                    first_tag = rng.choice(tag_ids)
                    tags.append((pid, first_tag))
                    second = rng.choice(tag_ids)
                    if second != first_tag and rng.random() < 0.3:
                        tags.append((pid, second))
                company_id = None
                if companies and rng.random() < EMPLOYED_SHARE:
                    company_id = first_company + rng.randrange(companies)
                    jobs.append((pid, company_id, rng.choice(names.JOB_TITLES), "", True))
                person_owner.append(owner_id)
                person_company.append(company_id)
                person_cn.append(not english)
                created_entries.append(
                    (None, pid, "record.created", created, "", "", owner_id, "", None, empty_json)
                )
            with _batch() as writer:
                writer.write(
                    "customers_person",
                    PERSON_TABLE_COLUMNS,
                    rows,
                )
                writer.write(
                    "customers_personphone", ("person_id", "label", "number", "is_primary"), phones
                )
                writer.write(
                    "customers_personemail", ("person_id", "label", "email", "is_primary"), emails
                )
                writer.write("customers_personsearchterm", ("person_id", "term"), terms)
                writer.write("customers_person_tags", ("person_id", "tag_id"), tags)
                writer.write(
                    "customers_employment",
                    ("person_id", "company_id", "job_title", "department", "is_primary"),
                    jobs,
                )
                writer.write("activities_timelineentry", TIMELINE_COLUMNS, created_entries)
            term_count += len(terms)
            timeline_count += len(created_entries)
            progress(f"{offset + size:,} / {persons:,} persons ({time.monotonic() - started:.0f}s)")

        # --- Interactions --------------------------------------------------------------------
        subjects = {
            (cn, ch): [
                (subject, content, _json({"channel": ch, "direction": d, "outcome": o}), d, o)
                for subject, content in (names.SUBJECTS_CN if cn else names.SUBJECTS_EN)[ch]
                for d in ("outbound", "inbound")
                for o in (names.OUTCOMES_CN if cn else names.OUTCOMES_EN)
            ]
            for cn in (True, False)
            for ch in set(CHANNELS)
        }
        kinds = {ch: f"interaction.{ch}" for ch in CHANNELS}
        person_count = len(person_owner)
        for offset in range(0, interactions, BATCH):
            size = min(BATCH, interactions - offset)
            rows, entries = [], []
            for iid in range(first_interaction + offset, first_interaction + offset + size):
                channel = CHANNELS[rng.randrange(10)]
                if person_count and rng.random() >= COMPANY_ONLY_INTERACTION_SHARE:
                    index = rng.randrange(person_count)
                    person_id = first_person + index
                    company_id = person_company[index]
                    actor = person_owner[index]
                    cn = person_cn[index]
                elif companies:
                    person_id = None
                    company_id = first_company + rng.randrange(companies)
                    actor = owners[rng.randrange(len(owners))][0]
                    cn = True
                else:
                    continue
                choices = subjects[(cn, channel)]
                subject, content, data, direction, outcome = choices[rng.randrange(len(choices))]
                when = clock.moment()
                rows.append(
                    (
                        iid,
                        when,
                        when,
                        person_id,
                        company_id,
                        channel,
                        direction,
                        when,
                        subject,
                        content,
                        outcome,
                        actor,
                    )
                )
                entries.append(
                    (
                        company_id,
                        person_id,
                        kinds[channel],
                        when,
                        subject,
                        content,
                        actor,
                        "interaction",
                        iid,
                        data,
                    )
                )
            with _batch() as writer:
                writer.write(
                    "activities_interaction",
                    INTERACTION_TABLE_COLUMNS,
                    rows,
                )
                writer.write("activities_timelineentry", TIMELINE_COLUMNS, entries)
            timeline_count += len(entries)
            progress(
                f"{offset + size:,} / {interactions:,} interactions "
                f"({time.monotonic() - started:.0f}s)"
            )
    return BulkResult(
        persons=persons,
        companies=companies,
        interactions=interactions,
        timeline_entries=timeline_count,
        search_terms=term_count,
        seconds=time.monotonic() - started,
    )
