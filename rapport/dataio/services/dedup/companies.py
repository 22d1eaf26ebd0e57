"""Duplicate companies: the same organisation entered twice, e.g. "华信科技有限公司" and
"華信科技", or "Huaxin Tech Co., Ltd." beside its Chinese name.

A company is known by its name without legal suffix (`company_key`), its English name, its
phone, the domain of its website and e-mail, and its city. Blocking uses each of those keys; the
score adds their evidence like the person scorer, and two companies with different names are
never a pair on a shared phone alone (a group switchboard serves many companies).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from rapidfuzz.distance import Indel

from rapport.dataio.services.dedup.normalize import company_key, email_key, phone_key

NAME_SAME = 55
NAME_SIMILAR = 30
ENGLISH_SAME = 30
PHONE_SAME = 30
DOMAIN_SAME = 30
CITY_SAME = 10
CITY_DIFFERENT = -20
KEY_BLOCK_MAX = 50
NEIGHBOURHOOD_WINDOW = 3
# Web mail domains say nothing about which company an address belongs to.
FREE_MAIL_DOMAINS = frozenset(
    [
        "qq.com",
        "163.com",
        "126.com",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "sina.com",
        "foxmail.com",
        "yahoo.com",
        "sohu.com",
        "aliyun.com",
        "139.com",
        "yeah.net",
        "icloud.com",
        "live.com",
    ]
)


@dataclass(slots=True)
class CompanyProfile:
    id: int
    name: str
    key: str
    english: str
    phone: str
    domain: str
    city: str


def _domain(website: str, email: str) -> str:
    host = (website or "").strip().lower()
    for prefix in ("https://", "http://"):
        host = host.removeprefix(prefix)
    host = host.split("/", 1)[0].removeprefix("www.")
    if host:
        return host
    domain = email_key(email).partition("@")[2]
    return "" if domain in FREE_MAIL_DOMAINS else domain


def company_profile(
    *, id: int, name: str, english_name="", phone="", email="", website="", city=""
) -> CompanyProfile:
    return CompanyProfile(
        id=id,
        name=name,
        key=company_key(name),
        english=company_key(english_name),
        phone=phone_key(phone),
        domain=_domain(website, email),
        city=city,
    )


def score_company_pair(a: CompanyProfile, b: CompanyProfile) -> tuple[int, list[list]]:
    """The score (0–100) of `a` and `b` being one company, with [code, points, params] reasons
    worded by `scoring.reason_text`."""
    names = {"a": a.name, "b": b.name}
    reasons: list[list] = []
    if a.key and a.key == b.key:
        reasons.append(["name_same", NAME_SAME, names])
    elif a.key and b.key and Indel.normalized_similarity(a.key, b.key) >= 0.85:
        percent = round(Indel.normalized_similarity(a.key, b.key) * 100)
        reasons.append(["name_similar", NAME_SIMILAR, {**names, "percent": percent}])
    if a.english and a.english == b.english:
        reasons.append(["english_name_same", ENGLISH_SAME, {"name": a.english}])
    if not reasons:
        return 0, []  # different names: a shared switchboard or domain is a group's, not a pair
    if a.phone and a.phone == b.phone:
        reasons.append(["phone_same", PHONE_SAME, {"phone": a.phone}])
    if a.domain and a.domain == b.domain:
        reasons.append(["domain_same", DOMAIN_SAME, {"domain": a.domain}])
    if a.city and b.city:
        if a.city == b.city:
            reasons.append(["city_same", CITY_SAME, {}])
        else:
            # Branches of a chain share a name; different cities are different offices.
            reasons.append(["city_different", CITY_DIFFERENT, {}])
    return max(0, min(100, sum(r[1] for r in reasons))), reasons


def _groups(profiles: Sequence[CompanyProfile], attribute: str) -> Iterator[list[int]]:
    entries = sorted(
        (getattr(p, attribute), i) for i, p in enumerate(profiles) if getattr(p, attribute)
    )
    for _, group in groupby(entries, key=lambda e: e[0]):
        members = [i for _, i in group]
        if 2 <= len(members) <= KEY_BLOCK_MAX:
            yield members


def company_candidate_pairs(profiles: Sequence[CompanyProfile]) -> Iterator[tuple[int, int]]:
    for attribute in ("key", "english", "phone", "domain"):
        for members in _groups(profiles, attribute):
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    yield i, j
    order = sorted((i for i, p in enumerate(profiles) if p.key), key=lambda i: profiles[i].key)
    for x, i in enumerate(order):
        for j in order[x + 1 : x + 1 + NEIGHBOURHOOD_WINDOW]:
            yield i, j


def find_company_duplicates(
    profiles: Sequence[CompanyProfile], *, min_score: int, stats: dict | None = None
) -> dict[tuple[int, int], tuple[int, list]]:
    """{(smaller id, larger id): (score, reasons)} for company pairs scoring `min_score` or more."""
    found: dict[tuple[int, int], tuple[int, list]] = {}
    seen: set[tuple[int, int]] = set()
    for i, j in company_candidate_pairs(profiles):
        a, b = profiles[i], profiles[j]
        pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if pair in seen:
            continue
        seen.add(pair)
        score, reasons = score_company_pair(a, b)
        if score >= min_score:
            found[pair] = (score, reasons)
    if stats is not None:
        stats["pairs_compared"] = len(seen)
    return found
