"""The bilingual demo set, built through the services so it passes the same validation as real
input and gets its search terms and timeline entries the normal way.

Only the creation dates are moved afterwards, spreading records over the past two years so the
lists and timelines look lived-in rather than all created a second ago. The sales part (products,
leads, deals, quotas, orders and payments) is `rapport.dataio.demo.sales`, the service part
(tickets, help centre, surveys) `rapport.dataio.demo.service`.
"""

import datetime
import os
import random
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from pypinyin import lazy_pinyin

from rapport.accounts.models import Role, Team, User
from rapport.accounts.services import team_create, user_create
from rapport.activities.models import TimelineEntry
from rapport.activities.services import interaction_create
from rapport.customers.models import (
    Company,
    CustomFieldDefinition,
    LifecycleStage,
    Person,
    RecordType,
    SourceChannel,
    Tag,
)
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    tag_create,
)
from rapport.dataio.demo import names
from rapport.dataio.demo.duplicates import DuplicatesDemoResult, duplicates_demo_load
from rapport.dataio.demo.messaging import messaging_demo_load
from rapport.dataio.demo.sales import SalesDemoResult, sales_demo_load
from rapport.dataio.demo.service import ServiceDemoResult, service_demo_load
from rapport.dataio.services.health import health_snapshot_take

DEMO_PERSONS = 300
DEMO_COMPANIES = 100
DEMO_INTERACTIONS = 1500
# A few names that must come up more than once, as they do in any real Chinese customer base.
REPEATED_NAMES = ("张伟", "张伟", "张伟", "王芳", "王芳", "李娜", "李娜", "刘洋")

# (username, first name, last name, role, team index or None, language)
DEMO_USERS = (
    ("wang.fang", "芳", "王", Role.SALES_MANAGER, 0, "zh-hans"),
    ("li.qiang", "强", "李", Role.SALES_REP, 0, "zh-hans"),
    ("zhao.min", "敏", "赵", Role.SALES_REP, 0, "zh-hans"),
    ("chen.jie", "杰", "陈", Role.SALES_MANAGER, 1, "zh-hans"),
    ("huang.li", "丽", "黄", Role.SALES_REP, 1, "zh-hans"),
    ("emily.carter", "Emily", "Carter", Role.SALES_REP, 1, "en"),
    ("zhou.tao", "涛", "周", Role.SALES_MANAGER, 2, "zh-hans"),
    ("wu.jing", "静", "吴", Role.SALES_REP, 2, "zh-hans"),
    ("sun.yan", "艳", "孙", Role.MARKETING, None, "zh-hans"),
    ("lin.hao", "浩", "林", Role.SERVICE_AGENT, None, "zh-hans"),
)
DEMO_TEAMS = ("华东销售部", "华南销售部", "华北销售部")


@dataclass
class DemoResult:
    persons: int = 0
    companies: int = 0
    interactions: int = 0
    usernames: list[str] = field(default_factory=list)
    sales: SalesDemoResult = field(default_factory=SalesDemoResult)
    duplicates: DuplicatesDemoResult | None = None
    service: ServiceDemoResult | None = None


def default_demo_password() -> str | None:
    """The administrator's password (see the bootstrap command), which demo users share."""
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD")
    if password:
        return password
    path = settings.VAR_DIR / "admin_password"
    return path.read_text().strip() if path.exists() else None


def _administrator(password: str | None) -> User:
    admin = (
        User.objects.filter(is_active=True).filter(role=Role.ADMINISTRATOR).order_by("pk").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    )
    if admin is not None:
        return admin
    return user_create(
        username="demo_admin",
        password=password or secrets.token_urlsafe(24),
        role=Role.ADMINISTRATOR,
    )


def _users(password: str | None) -> tuple[list[Team], list[User]]:
    teams = [team_create(name=name) for name in DEMO_TEAMS]
    users, created = [], []
    for username, first, last, role, team_index, language in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            # Created without a usable password, then given the shared one hashed once: Argon2
            # costs about a second per hash by design, ten of them were a third of the demo.
            user = user_create(
                username=username,
                password=None,
                role=role,
                team=teams[team_index] if team_index is not None else None,
                first_name=first,
                last_name=last,
                email=f"{username}@rapport.example",
                language=language,
            )
            created.append(user.pk)
        users.append(user)
    if password and created:
        User.objects.filter(pk__in=created).update(password=make_password(password))
    return teams, [User.objects.get(pk=u.pk) for u in users]


def _tags(admin: User) -> list[int]:
    ids = []
    for name, color in names.TAGS:
        tag = Tag.objects.filter(name=name).first() or tag_create(
            actor=admin, data={"name": name, "color": color}
        )
        ids.append(tag.pk)
    return ids


def _custom_fields(admin: User) -> None:
    existing = set(
        CustomFieldDefinition.objects.filter(record_type=RecordType.PERSON).values_list(
            "key", flat=True
        )
    )
    if "customer_level" not in existing:
        custom_field_create(
            actor=admin,
            data={
                "record_type": RecordType.PERSON,
                "key": "customer_level",
                "label": "客户等级",
                "field_type": "choice",
                "choices": list(names.CUSTOMER_LEVELS),
                "position": 1,
            },
        )
    if "annual_purchase" not in existing:
        custom_field_create(
            actor=admin,
            data={
                "record_type": RecordType.PERSON,
                "key": "annual_purchase",
                "label": "年采购额",
                "field_type": "number",
                "position": 2,
            },
        )


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(names.CN_MOBILE_PREFIXES)
    return f"+86 {prefix} {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}"


def _foreign_mobile(rng: random.Random) -> str:
    code, prefix, digits = rng.choice(names.FOREIGN_MOBILES)
    return f"{code} {prefix}{rng.randrange(10**digits):0{digits}d}"


def _place(rng: random.Random) -> tuple[str, str, str]:
    province = rng.choice(list(names.PLACES))
    city = rng.choice(list(names.PLACES[province]))
    return province, city, rng.choice(names.PLACES[province][city])


def _address(rng: random.Random, label: str = "work") -> dict:
    province, city, district = _place(rng)
    return {
        "label": label,
        "country": "CN",
        "province": province,
        "city": city,
        "district": district,
        "street": f"{rng.choice(names.STREETS)}{rng.randrange(1, 999)}号",
        "postcode": names.POSTCODES.get(city, ""),
    }


def _companies(rng, admin, sales, tag_ids) -> list[Company]:
    companies = []
    used = set()
    for i in range(DEMO_COMPANIES):
        if i < len(names.ENGLISH_COMPANY_NAMES):
            name = english = names.ENGLISH_COMPANY_NAMES[i]
            address = _address(rng)
        else:
            address = _address(rng)
            kind, kind_en = rng.choice(names.COMPANY_KINDS)
            trade = rng.choice(names.COMPANY_TRADE_NAMES)
            name = f"{address['city']}{trade}{kind}{rng.choice(names.COMPANY_SUFFIXES)}"
            if name in used:
                continue
            english = (
                f"{''.join(lazy_pinyin(trade)).title()} {kind_en} Co., Ltd."
                if rng.random() < 0.4
                else ""
            )
        used.add(name)
        owner = rng.choice(sales)
        companies.append(
            company_create(
                actor=admin,
                data={
                    "name": name,
                    "english_name": english if english != name else "",
                    "website": f"https://www.example-{i + 1}.cn",
                    "phone": f"+86 21 6{rng.randrange(10**7):07d}",
                    "industry": rng.choice(names.INDUSTRIES),
                    "source": rng.choice(SourceChannel.values),
                    "lifecycle_stage": rng.choice(LifecycleStage.values),
                    "owner_id": owner.pk,
                    "tag_ids": rng.sample(tag_ids, k=rng.choice((0, 0, 1, 2))),
                    "addresses": [address],
                },
            )
        )
    return companies


def _person_data(rng, i, sales, companies, tag_ids) -> dict:
    english = i >= len(REPEATED_NAMES) and rng.random() < 0.18
    owner = rng.choice(sales)
    data: dict = {
        "industry": rng.choice(names.INDUSTRIES),
        "source": rng.choice(SourceChannel.values),
        "lifecycle_stage": rng.choice(LifecycleStage.values),
        "owner_id": owner.pk,
        "tag_ids": rng.sample(tag_ids, k=rng.choice((0, 0, 0, 1, 1, 2))),
    }
    if english:
        given = rng.choice(names.ENGLISH_GIVEN_NAMES)
        family = rng.choice(names.ENGLISH_FAMILY_NAMES)
        data.update(full_name=f"{given} {family}", given_name=given, family_name=family)
        local = f"{given}.{family}".lower()
        phones = [{"number": _foreign_mobile(rng), "label": "mobile"}]
        domain = rng.choice(names.EMAIL_DOMAINS_EN)
    else:
        if i < len(REPEATED_NAMES):
            full_name = REPEATED_NAMES[i]
        else:
            full_name = rng.choice(names.SURNAMES[:40]) + rng.choice(names.GIVEN_NAMES)
        data.update(full_name=full_name, gender=rng.choice(("female", "male", "unknown")))
        local = "".join(lazy_pinyin(full_name))
        phones = [{"number": _mobile(rng), "label": "mobile"}]
        if rng.random() < 0.2:
            phones.append({"number": f"+86 10 8{rng.randrange(10**7):07d}", "label": "work"})
        domain = rng.choice(names.EMAIL_DOMAINS_CN)
    data["phones"] = phones
    data["emails"] = [{"email": f"{local}{rng.randrange(1, 999)}@{domain}", "label": "work"}]
    if rng.random() < 0.7:
        data["addresses"] = [_address(rng, label=rng.choice(("work", "home")))]
    else:
        data["region"] = _place(rng)[0]
    if rng.random() < 0.3:
        data["birthday"] = f"{rng.randrange(1960, 2002)}-{rng.randrange(1, 13):02d}-" + (
            f"{rng.randrange(1, 29):02d}"
        )
    if rng.random() < 0.6:
        data["custom"] = {
            "customer_level": rng.choice(names.CUSTOMER_LEVELS),
            "annual_purchase": rng.randrange(1, 300) * 10_000,
        }
    if companies and rng.random() < 0.75:
        company = rng.choice(companies)
        data["employments"] = [
            {
                "company_id": company.pk,
                "job_title": rng.choice(names.JOB_TITLES),
                "is_primary": True,
            }
        ]
    _add_contact_details(data, i, english)
    return data


DEPARTMENTS = ("采购部", "财务部", "销售部", "市场部", "技术部", "行政部")
# Numbers as foreign exports write them that are valid in no region: an import keeps them as
# written, with a warning on the person (Person.raw_phones).
KEPT_NUMBERS = (
    {"label": "work", "raw": "+1 (555) 0100 ext. 7"},
    {"label": "fax", "raw": "020-1234"},
)


def _add_contact_details(data: dict, i: int, english: bool) -> None:
    """Middle names, nicknames, a birthday without a year, departments: drawn from a generator
    of their own, so the rest of the demo set is what it was before they existed."""
    extra = random.Random(i)
    if english and extra.random() < 0.3:
        data["middle_name"] = extra.choice(names.ENGLISH_GIVEN_NAMES)
    if extra.random() < 0.15:
        if english:
            data["nickname"] = data["given_name"][:3]
        else:
            data["nickname"] = "小" + data["full_name"][-1]
    if "birthday" not in data and extra.random() < 0.1:
        data["birth_month"] = extra.randrange(1, 13)
        data["birth_day"] = extra.randrange(1, 29)
    for employment in data.get("employments", ()):
        if extra.random() < 0.6:
            employment["department"] = extra.choice(DEPARTMENTS)


def _keep_unrecognised_numbers(persons: list[Person]) -> None:
    """Each owner's first person holds numbers an import could not read, as after a real
    import of a foreign file (the import's writer is the only other writer of this column)."""
    first: dict[int, int] = {}
    for person in persons:
        first.setdefault(person.owner_id, person.pk)
    Person.objects.filter(pk__in=first.values()).update(raw_phones=list(KEPT_NUMBERS))


def _backdate(model, rng, now, ids) -> None:
    """Spread creation dates over two years; the record.created entries move with them."""
    field = "person_id" if model is Person else "company_id"
    for pk in ids:
        created = now - datetime.timedelta(days=rng.uniform(30, 730))
        updated = created + (now - created) * rng.random()
        model.objects.filter(pk=pk).update(created_at=created, updated_at=updated)
        TimelineEntry.objects.filter(**{field: pk}, kind="record.created").update(
            occurred_at=created
        )


@transaction.atomic
def demo_load(*, password: str | None = None, seed: int = 42) -> DemoResult:
    rng = random.Random(seed)
    now = timezone.now()
    if password is None:
        password = default_demo_password()
    admin = _administrator(password)
    teams, users = _users(password)
    sales = [u for u in users if u.role in (Role.SALES_MANAGER, Role.SALES_REP)]
    tag_ids = _tags(admin)
    _custom_fields(admin)
    companies = _companies(rng, admin, sales, tag_ids)
    persons = [
        person_create(actor=admin, data=_person_data(rng, i, sales, companies, tag_ids))
        for i in range(DEMO_PERSONS)
    ]
    _keep_unrecognised_numbers(persons)
    by_id = {u.pk: u for u in users}
    interactions = 0
    for _ in range(DEMO_INTERACTIONS):
        channel = rng.choice(
            ("call", "call", "email", "meeting", "visit", "chat", "note", "social")
        )
        if rng.random() < 0.9:
            person, company = rng.choice(persons), None
            owner, chinese = by_id[person.owner_id], not person.given_name
        else:
            person, company = None, rng.choice(companies)
            owner, chinese = by_id[company.owner_id], True
        subject, content = rng.choice(
            (names.SUBJECTS_CN if chinese else names.SUBJECTS_EN)[channel]
        )
        outcome = rng.choice(names.OUTCOMES_CN if chinese else names.OUTCOMES_EN)
        interaction_create(
            actor=owner,
            person=person,
            company=company,
            data={
                "channel": channel,
                "direction": rng.choice(("outbound", "outbound", "inbound")),
                "occurred_at": now - datetime.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                "subject": subject,
                "content": content,
                "outcome": outcome,
            },
        )
        interactions += 1
    _backdate(Company, rng, now, [c.pk for c in companies])
    _backdate(Person, rng, now, [p.pk for p in persons])
    sales = sales_demo_load(
        rng=rng,
        now=now,
        admin=admin,
        users=users,
        teams=teams,
        # Reloaded: orders are placed after the (moved) time their customer appeared.
        persons=list(Person.objects.filter(pk__in=[p.pk for p in persons]).order_by("pk")),
        companies=list(Company.objects.filter(pk__in=[c.pk for c in companies]).order_by("pk")),
    )
    # The welcome and reminder mails the outbox shows (no mail server: nothing is sent).
    messaging_demo_load(admin=admin, persons=persons, users=users)
    # Tickets, the help centre and survey answers; a generator of its own, so that the records
    # above are what they were before the service part existed.
    service = service_demo_load(
        rng=random.Random(seed + 16),
        now=now,
        admin=admin,
        users=users,
        teams=teams,
        persons=persons,
    )
    # Last, so that the scan sees every record and the duplicates page opens with its queue.
    duplicates = duplicates_demo_load(
        admin=admin,
        owners=[u for u in users if u.team_id == teams[0].pk and u.role == Role.SALES_REP],
    )
    # A first data-health snapshot, so that the home page and the data-health page have figures
    # before the nightly job takes the next.
    health_snapshot_take()
    return DemoResult(
        persons=len(persons),
        companies=len(companies),
        interactions=interactions,
        usernames=[u.username for u in users] + service.usernames,
        sales=sales,
        duplicates=duplicates,
        service=service,
    )
