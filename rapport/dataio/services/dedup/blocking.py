"""Which pairs of persons to score: blocking, so that a scan is not n².

Records are grouped by keys that a duplicate very likely shares with its original: a phone, an
e-mail, the order-free name key together with the birthday, a company or the city, and the name
key alone when few people have it. A sorted neighbourhood over the name key (and the key read
backwards) catches typos that change the key. A group larger than its cap is a shared office
number or a name like 张伟 in a large city: it is skipped, and its members meet through their
narrower keys instead.

Records without a phone or an e-mail need keys that survive a slip in any one field, so no key
rests on one field alone: the name's sound (Soundex of each word, order-free: a typo that keeps
the sound, swapped given and family names), the birthday with the first letter of any one name
word (a typo elsewhere in the name, a missing part), the postcode with such a letter (a
birth-date typo), the house number with the postcode, and the street with the city's first
letters. Chinese names have no sound key of their own: their pinyin is one already.

Each key kind is sorted and grouped on its own, so memory stays one list of (key, index) at a
time, and a pair is scored as soon as it is found; a pair found again through another key is
scored again unless it was already kept (about a fifth of the pairs on the labelled data, mostly
true duplicates sharing several keys), which costs less than remembering every pair of a
million persons.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby

from rapport.dataio.services.dedup.scoring import PersonProfile

CONTACT_BLOCK_MAX = 50  # a number or address shared by more is an office's or a family's
NAME_BLOCK_MAX = 30  # a name alone pairs at most this many people
NAME_PLUS_BLOCK_MAX = 200  # name + birthday / company / city
AREA_BLOCK_MAX = 50  # postcode + an initial, house number + postcode, a street
NEIGHBOURHOOD_WINDOW = 4


def _initials(p: PersonProfile) -> set[str]:
    return {t[0] for t in p.tokens}


KeyFunction = Callable[[PersonProfile], Sequence[str]]

BLOCK_KEYS: tuple[tuple[str, KeyFunction, int], ...] = (
    ("phone", lambda p: p.phones, CONTACT_BLOCK_MAX),
    ("email", lambda p: p.emails, CONTACT_BLOCK_MAX),
    ("name", lambda p: (p.key,) if p.key else (), NAME_BLOCK_MAX),
    (
        "name_birthday",
        lambda p: (p.key + "|" + p.birthday,) if p.key and p.birthday else (),
        NAME_PLUS_BLOCK_MAX,
    ),
    (
        "name_company",
        lambda p: [p.key + "|" + c for c in p.companies] if p.key else (),
        NAME_PLUS_BLOCK_MAX,
    ),
    (
        "name_city",
        lambda p: (p.key + "|" + p.city,) if p.key and p.city else (),
        NAME_PLUS_BLOCK_MAX,
    ),
    ("name_sound", lambda p: (p.sound,) if p.sound else (), NAME_BLOCK_MAX),
    (
        "birthday_initial",
        lambda p: [p.birthday + i for i in _initials(p)] if p.birthday else (),
        AREA_BLOCK_MAX,
    ),
    (
        "postcode_initial",
        lambda p: [p.postcode + "|" + i for i in _initials(p)] if p.postcode else (),
        AREA_BLOCK_MAX,
    ),
    (
        "number_postcode",
        lambda p: (p.street_number + "|" + p.postcode,) if p.street_number and p.postcode else (),
        AREA_BLOCK_MAX,
    ),
    (
        "street",
        lambda p: (p.street_number + "|" + p.street + "|" + p.city[:2],) if p.street else (),
        AREA_BLOCK_MAX,
    ),
)


def _key_groups(
    profiles: Sequence[PersonProfile], keys: KeyFunction, cap: int
) -> Iterator[list[int]]:
    entries = [(k, i) for i, p in enumerate(profiles) for k in keys(p) if k]
    entries.sort()
    for _, group in groupby(entries, key=lambda e: e[0]):
        members = [i for _, i in group]
        if 2 <= len(members) <= cap:
            yield members


def candidate_pairs(profiles: Sequence[PersonProfile]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) into `profiles` worth scoring; a pair may come more than once."""
    for _, keys, cap in BLOCK_KEYS:
        for members in _key_groups(profiles, keys, cap):
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    yield (i, j) if i < j else (j, i)
    yield from _neighbourhood_pairs(profiles, lambda p: p.key)
    yield from _neighbourhood_pairs(profiles, lambda p: p.key[::-1])


def _neighbourhood_pairs(profiles: Sequence[PersonProfile], sort_key) -> Iterator[tuple[int, int]]:
    """Neighbours within the window in name-key order whose keys differ (equal keys meet in
    the name blocks)."""
    order = sorted(
        (i for i, p in enumerate(profiles) if p.key), key=lambda i: sort_key(profiles[i])
    )
    for x, i in enumerate(order):
        key = profiles[i].key
        for j in order[x + 1 : x + 1 + NEIGHBOURHOOD_WINDOW]:
            if profiles[j].key != key:
                yield (i, j) if i < j else (j, i)


def name_counts(profiles: Sequence[PersonProfile]) -> Counter:
    return Counter(p.key for p in profiles if p.key)
