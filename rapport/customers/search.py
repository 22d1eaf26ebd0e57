"""How Chinese and English users find a customer from one search box.

Each person and company gets a handful of *terms*, stored in an indexed table; a query is a
prefix scan over them (`term >= q AND term < q + 1`), so it costs a few index pages whatever the
table size. The terms make each kind of query a prefix:

- ``n:`` name keys. Every suffix (two characters or more) of a Chinese name, so any run of two or
  more consecutive characters is a prefix of one of them (张小伟 → 张小伟, 小伟). The full pinyin
  and its syllable suffixes (zhangxiaowei, xiaowei, wei), the initials and their suffixes (zxw,
  xw). English given, family and full names, lower-cased, both orders; the middle name and the
  nickname on their own.
- ``p:`` the phone's digits reversed, so "the last four digits" is a prefix.
- ``e:`` the e-mail address, lower-cased.

Company names get the same ``n:`` terms; a person is also found through the companies they work
for (see `rapport.customers.selectors.persons_search`).
"""

import re
import unicodedata

from pypinyin import lazy_pinyin

MAX_TERM_LENGTH = 100
MIN_QUERY_LENGTH = 2
MIN_PHONE_DIGITS = 4
# Names longer than this contribute suffixes only up to this many characters: company names can
# be long, and a query is rarely longer.
MAX_SUFFIXES = 24

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")


def normalize_query(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _suffixes(text: str, minimum: int = 2) -> list[str]:
    return [text[i:] for i in range(min(len(text), MAX_SUFFIXES)) if len(text) - i >= minimum]


def _syllable_suffixes(syllables: list[str]) -> list[str]:
    return ["".join(syllables[i:]) for i in range(min(len(syllables), MAX_SUFFIXES))]


def name_terms(name: str) -> set[str]:
    """`n:` terms for a personal or company name in Chinese, English or both."""
    name = normalize_query(name)
    if not name:
        return set()
    terms: set[str] = set()
    compact = re.sub(r"\s+", "", name)
    if _CJK.search(compact):
        cjk_only = "".join(ch for ch in compact if _CJK.match(ch))
        terms.update(_suffixes(cjk_only))
        syllables = [s.lower() for s in lazy_pinyin(cjk_only)]
        initials = [s[0] for s in syllables if s]
        terms.update(_syllable_suffixes(syllables))
        terms.update(s for s in _syllable_suffixes(initials) if len(s) >= MIN_QUERY_LENGTH)
    words = _WORD.findall(name)
    if words:
        terms.update(w for w in words if len(w) >= MIN_QUERY_LENGTH)
        terms.add("".join(words))
        if len(words) > 1:
            terms.add("".join(reversed(words)))
    return {"n:" + t[: MAX_TERM_LENGTH - 2] for t in terms if t}


def phone_terms(e164: str) -> set[str]:
    digits = re.sub(r"\D", "", e164)
    if not digits:
        return set()
    # The national number without the country code, reversed: "…1234" becomes "4321…".
    return {"p:" + digits[::-1]}


def email_terms(email: str) -> set[str]:
    email = email.strip().lower()
    return {"e:" + email[: MAX_TERM_LENGTH - 2]} if email else set()


def person_terms(
    *,
    full_name: str,
    given_name: str = "",
    family_name: str = "",
    middle_name: str = "",
    nickname: str = "",
    phones=(),
    emails=(),
) -> set[str]:
    terms = name_terms(full_name)
    if given_name or family_name:
        terms |= name_terms(f"{given_name} {family_name}")
    # Each on its own: a middle name between given and family name would change their joined
    # keys ("emilycarter"), which users type.
    terms |= name_terms(middle_name) | name_terms(nickname)
    for phone in phones:
        terms |= phone_terms(phone)
    for email in emails:
        terms |= email_terms(email)
    return terms


def company_terms(*, name: str, english_name: str = "") -> set[str]:
    return name_terms(name) | name_terms(english_name)


def query_prefixes(query: str) -> list[str]:
    """The term prefixes a query should scan; empty when the query is too short to search."""
    q = normalize_query(query)
    if len(q) < MIN_QUERY_LENGTH:
        return []
    prefixes = []
    digits = re.sub(r"[\s\-()+]", "", q)
    if digits.isdigit():
        if len(digits) >= MIN_PHONE_DIGITS:
            prefixes.append("p:" + digits[::-1])
        return prefixes
    if "@" in q:
        return ["e:" + q]
    compact = re.sub(r"\s+", "", q)
    prefixes.append("n:" + compact)
    if "." in q or (len(q) >= 3 and not _CJK.search(q)):
        # Could be the beginning of an e-mail address.
        prefixes.append("e:" + q)
    return prefixes


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
