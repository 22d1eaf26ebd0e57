"""Duplicates in the demo: customers typed twice, the way imports and busy colleagues make them,
so that the duplicates page has pairs to review and merging can be tried.

Each pair is a first record and a later one for the same customer: a phone typed with or without
+86 and spaces, a name in pinyin instead of characters or with a homophone typo, an English
nickname, an e-mail in other capitals, a company with or without 有限公司 or its city in
brackets (（北京）). The names are ones the random demo cannot produce, so each pair stays a pair.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.services import interaction_create
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create, person_create
from rapport.dataio.models import DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan

# (first record, second record); "company" names the company a person works for.
COMPANY_PAIRS = (
    (
        {
            "name": "金桥信息技术（北京）有限公司",
            "english_name": "Jinqiao Information Technology (Beijing) Co., Ltd.",
            "website": "https://www.jinqiao-it.cn",
            "phone": "+86 10 6552 8866",
            "industry": "信息技术",
            "city": "北京",
        },
        {
            "name": "金桥信息技术有限公司",
            "website": "http://jinqiao-it.cn/",
            "phone": "010-65528866",
            "industry": "信息技术",
            "city": "北京",
        },
    ),
    (
        {
            "name": "杭州云帆网络科技有限公司",
            "website": "https://www.yunfan-net.cn",
            "phone": "+86 571 8702 3456",
            "industry": "互联网",
            "city": "杭州",
        },
        {"name": "杭州云帆网络科技", "industry": "互联网", "city": "杭州"},
    ),
)
PERSON_PAIRS = (
    # The same mobile, once with +86 and spaces, once as eleven digits.
    (
        {
            "full_name": "欧阳娜",
            "phones": [{"number": "+86 139 1234 5678", "label": "mobile"}],
            "emails": [{"email": "ouyangna@163.com", "label": "work"}],
            "region": "上海",
            "company": "金桥信息技术（北京）有限公司",
        },
        {
            "full_name": "欧阳娜",
            "phones": [{"number": "13912345678", "label": "mobile"}],
            "region": "上海",
        },
    ),
    # Characters, then pinyin from a business card, with the e-mail in other capitals.
    (
        {
            "full_name": "司马晓明",
            "phones": [{"number": "+86 137 2468 1357", "label": "mobile"}],
            "emails": [{"email": "simaxiaoming@qq.com", "label": "work"}],
            "region": "北京",
            "company": "金桥信息技术（北京）有限公司",
        },
        {
            "full_name": "Sima Xiaoming",
            "given_name": "Xiaoming",
            "family_name": "Sima",
            "emails": [{"email": "SimaXiaoming@QQ.com", "label": "work"}],
            "region": "北京",
        },
    ),
    # A homophone typed for the given name (婷 / 亭), the mobile with dashes.
    (
        {
            "full_name": "诸葛婷",
            "phones": [{"number": "+86 135 0021 7788", "label": "mobile"}],
            "emails": [{"email": "zhugeting@yunfan-net.cn", "label": "work"}],
            "region": "浙江",
            "company": "杭州云帆网络科技有限公司",
        },
        {
            "full_name": "诸葛亭",
            "phones": [{"number": "135-0021-7788", "label": "mobile"}],
            "region": "浙江",
            "company": "杭州云帆网络科技有限公司",
        },
    ),
    # An English nickname and the e-mail in other capitals.
    (
        {
            "full_name": "Robert Ashdown",
            "given_name": "Robert",
            "family_name": "Ashdown",
            "phones": [{"number": "+44 7911 123456", "label": "mobile"}],
            "emails": [{"email": "robert.ashdown@harbourview.co.uk", "label": "work"}],
        },
        {
            "full_name": "Bob Ashdown",
            "given_name": "Bob",
            "family_name": "Ashdown",
            "emails": [{"email": "Robert.Ashdown@Harbourview.co.uk", "label": "work"}],
        },
    ),
)


@dataclass
class DuplicatesDemoResult:
    person_pairs: list[tuple[int, int]]
    company_pairs: list[tuple[int, int]]
    candidates: int


def _company(actor: User, owner: User, data: dict) -> Company:
    data = dict(data)
    city = data.pop("city")
    return company_create(
        actor=actor,
        data={
            **data,
            "owner_id": owner.pk,
            "addresses": [{"label": "work", "country": "CN", "city": city}],
        },
    )


def _person(actor: User, owner: User, data: dict, companies: dict[str, Company]) -> Person:
    data = dict(data)
    company = data.pop("company", None)
    if company:
        data["employments"] = [{"company_id": companies[company].pk, "is_primary": True}]
    return person_create(actor=actor, data={**data, "owner_id": owner.pk})


def duplicates_demo_load(*, admin: User, owners: list[User]) -> DuplicatesDemoResult:
    """Create the pairs (the second of each by another owner, a few weeks later), log a call on
    each record so that a merge has a timeline to join, and scan for duplicates."""
    now = timezone.now()
    companies: dict[str, Company] = {}
    company_pairs = []
    for i, (first, second) in enumerate(COMPANY_PAIRS):
        pair = []
        for j, data in enumerate((first, second)):
            company = _company(admin, owners[(i + j) % len(owners)], data)
            companies[data["name"]] = company
            pair.append(company.pk)
        company_pairs.append(tuple(pair))
    person_pairs = []
    for i, (first, second) in enumerate(PERSON_PAIRS):
        pair = []
        for j, data in enumerate((first, second)):
            owner = owners[(i + j) % len(owners)]
            person = _person(admin, owner, data, companies)
            interaction_create(
                actor=owner,
                person=person,
                company=None,
                data={
                    "channel": "call",
                    "direction": "inbound" if j else "outbound",
                    "occurred_at": now - datetime.timedelta(days=60 - 30 * j, hours=i),
                    "subject": "询价" if j else "首次联系",
                    "content": "客户来电询问报价，留下了联系方式。"
                    if j
                    else "介绍了产品，客户有兴趣，约定下周再联系。",
                },
            )
            pair.append(person.pk)
        person_pairs.append(tuple(pair))
    candidates = sum(
        duplicates_scan(record_type=record_type).candidates
        for record_type in DuplicateRecordType.values
    )
    return DuplicatesDemoResult(person_pairs, company_pairs, candidates)
