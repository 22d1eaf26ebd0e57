"""Scoring a pair of person records: weighted evidence with the reasons that make it up.

Each field both records have is compared into a level (same, a typo apart, different, …) and
each level adds or removes points: the agreement weights of a Fellegi–Sunter linkage, about two
points per bit of log2(m/u), rounded to readable numbers; the score is their sum clamped to
0–100, so 60 (proposed) and 90 (bulk merge) keep their meaning. A field that one record lacks
says nothing. Without a phone or an e-mail the name, birth date and address alone can reach
either threshold: the same name and birth date give 60, with the same address 100. Two rules veto
a match whatever the sum: a birthday more than a typo apart or a different gender on both
records, and a common name whose phones differ with no shared e-mail; many different people are
called 张伟.

Reasons are stored as codes with parameters and worded when read (`reason_text`), so the review
queue speaks the reader's language.
"""

from dataclasses import dataclass

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA, Indel

from rapport.core.formats import format_date
from rapport.dataio.services.dedup.normalize import (
    name_key,
    name_tokens,
    postcode_key,
    sound_key,
    street_key,
)

CANDIDATE_MIN_SCORE = 60  # stored in the review queue from here
HIGH_CONFIDENCE_SCORE = 90  # administrators may bulk-merge from here
VETO_CAP = 40

NAME_SAME = 30
NAME_SCRIPT = 28  # same name in other characters or in pinyin, swapped order, nickname
NAME_TYPO = 22
NAME_PARTIAL = 20  # one record lacks a part of the name (a middle or a given name)
NAME_WEAK = 4  # both parts alike but more than a typo apart
NAME_PART_DIFFERENT = 0  # one part the same, the other another name: a relative, or a given name
# written in another language; neutral, the birth date and the address decide
NAME_DIFFERENT = -30
COMMON_NAME = -5
PHONE_SAME = 40
PHONE_DIFFERENT = -15
EMAIL_SAME = 45
EMAIL_DIFFERENT = -10
MAILBOX_SAME = 10  # info@, sales@: a team's mailbox says little about who wrote from it
BIRTHDAY_SAME = 30
BIRTHDAY_SIMILAR = 12  # one digit, two swapped digits, or day and month swapped
COMPANY_SAME = 15
CITY_SAME = 5
CITY_SIMILAR = 3
CITY_DIFFERENT = -3
STREET_SAME = 30
STREET_SIMILAR = 10
STREET_DIFFERENT = -2
POSTCODE_SAME = 6
POSTCODE_SIMILAR = 2
POSTCODE_DIFFERENT = -4
STATE_SAME = 2
STATE_DIFFERENT = -2

# Full names that thousands of people share (the most frequent in China's census tables). A
# name counts as common when it is here or occurs often in the data scanned.
COMMON_CHINESE_NAMES = frozenset(
    [
        "张伟",
        "王伟",
        "王芳",
        "李伟",
        "李娜",
        "张敏",
        "李静",
        "王静",
        "刘伟",
        "王秀英",
        "张丽",
        "李秀英",
        "王丽",
        "张静",
        "张秀英",
        "李强",
        "王敏",
        "李敏",
        "王磊",
        "刘洋",
        "王艳",
        "王勇",
        "李军",
        "张勇",
        "李杰",
        "张杰",
        "张磊",
        "王强",
        "李娟",
        "王军",
        "张艳",
        "张涛",
        "王涛",
        "李艳",
        "王超",
        "李明",
        "李勇",
        "王娟",
        "刘杰",
        "刘敏",
        "李霞",
        "李丽",
        "张军",
        "王杰",
        "张强",
        "王秀兰",
        "王刚",
        "王平",
        "刘芳",
        "张燕",
        "刘艳",
        "刘军",
        "李平",
        "王辉",
        "王燕",
        "陈静",
        "刘勇",
        "李玲",
        "李桂英",
        "王丹",
        "李刚",
        "李丹",
        "李萍",
        "王鹏",
        "刘涛",
        "陈伟",
        "张华",
        "刘静",
        "李涛",
        "王桂英",
        "张秀兰",
        "李红",
        "李超",
        "刘丽",
        "张桂英",
        "王玉兰",
        "李燕",
        "张鹏",
        "陈杰",
        "王霞",
        "李建华",
        "张玉兰",
        "刘强",
        "陈敏",
        "李鹏",
    ]
)
COMMON_NAME_COUNT = 5


@dataclass(slots=True)
class PersonProfile:
    """What the scorer knows of one person, normalised (see `profile`)."""

    id: int
    name: str
    chinese: str
    tokens: tuple[str, ...]
    is_chinese: bool
    key: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    birthday: str = ""
    gender: str = ""
    companies: tuple[str, ...] = ()
    city: str = ""
    street: str = ""  # street words (`street_key`)
    street_number: str = ""
    postcode: str = ""
    state: str = ""
    sound: str = ""  # order-free Soundex of the name tokens, a blocking key
    spellings: frozenset[str] = frozenset()  # see `_spellings`


def profile(
    *,
    id: int,
    full_name: str,
    phones=(),
    emails=(),
    birthday: str = "",
    gender: str = "",
    companies=(),
    city: str = "",
    street: str = "",
    postcode: str = "",
    state: str = "",
) -> PersonProfile:
    """A profile from values already normalised (phone_key, email_key, company_key, place_key
    for the city and the state); the street line and the postcode as written."""
    chinese, tokens, is_chinese = name_tokens(full_name)
    number, street_words = street_key(street)
    for area in (state, city):  # "杭州科技园路" is 科技园路 in 杭州
        if area and street_words.startswith(area) and len(street_words) > len(area) + 1:
            street_words = street_words[len(area) :]
    return PersonProfile(
        id=id,
        name=full_name,
        chinese=chinese,
        tokens=tokens,
        is_chinese=is_chinese,
        key=name_key(tokens),
        phones=tuple(phones),
        emails=tuple(emails),
        birthday=birthday or "",
        gender="" if gender in ("", "unknown") else gender,
        companies=tuple(companies),
        city=city,
        street=street_words,
        street_number=number,
        postcode=postcode_key(postcode),
        state=state,
        sound="" if is_chinese else "".join(sorted(sound_key(t) for t in tokens)),
        spellings=_spellings(tokens),
    )


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    # One slip of the keyboard (a wrong, missing, extra or swapped letter) in a word of three
    # letters or more; shorter words that differ are different names.
    if min(len(a), len(b)) >= 3 and OSA.distance(a, b) == 1:
        return 0.88
    return Indel.normalized_similarity(a, b)


def _aligned(ta: tuple[str, ...], tb: tuple[str, ...]) -> float:
    """The weakest token's similarity under the better of the written and the reversed order."""
    if len(ta) != len(tb) or not ta:
        return 0.0
    best = 0.0
    for candidate in (tb, tb[::-1]) if len(tb) > 1 else (tb,):
        best = max(best, min(_token_similarity(x, y) for x, y in zip(ta, candidate, strict=True)))
    return best


def name_similarity(a: PersonProfile, b: PersonProfile) -> tuple[float, str]:
    """(similarity 0–1, kind) with kind "same", "variant" (other script, pinyin, order,
    nickname), "typo" or "different"."""
    if a.is_chinese and b.is_chinese:
        if a.chinese == b.chinese:
            return 1.0, ("same" if a.name.strip() == b.name.strip() else "variant")
        if a.tokens == b.tokens:
            return 0.95, "variant"  # a homophone: the commonest slip of a pinyin input method
        if len(a.chinese) == len(b.chinese) and sorted(a.chinese) == sorted(b.chinese):
            return 0.88, "typo"
        if len(a.tokens) == len(b.tokens) and a.tokens[0] == b.tokens[0]:
            differing = [(x, y) for x, y in zip(a.tokens, b.tokens, strict=True) if x != y]
            # zhen/zheng, lin/ling, si/shi: the sounds southern speakers merge when typing. Weak
            # evidence only: 任远 and 任艳 may as well be brother and sister.
            if len(differing) == 1 and OSA.distance(*differing[0]) == 1:
                x, y = differing[0]
                if x[0] == y[0] and len(x) >= 2:
                    return 0.88, "weak"
        if _chinese_part_missing(a.chinese, b.chinese):
            return 0.8, "partial"
        return 0.0, "different"
    if a.tokens == b.tokens:
        same_text = a.name.strip().casefold() == b.name.strip().casefold()
        return 1.0 if same_text else 0.97, ("same" if same_text else "variant")
    if a.key == b.key and a.key:
        return 0.95, "variant"  # the same words in another order
    joined_a, joined_b = "".join(a.tokens), "".join(b.tokens)
    if joined_a and (joined_a == joined_b or joined_a == "".join(b.tokens[::-1])):
        return 0.95, "variant"  # "Zhangwei" against "Zhang Wei"
    similarity = _aligned(a.tokens, b.tokens)
    if not similarity and a.tokens and b.tokens and len(a.tokens) != len(b.tokens):
        similarity = 0.95 * max(
            Indel.normalized_similarity(joined_a, joined_b),
            Indel.normalized_similarity(joined_a, "".join(b.tokens[::-1])),
        )
    if similarity >= 0.87:
        return similarity, "typo"
    spelled = _spelled_similarity(a, b)
    if spelled:
        return spelled, ("variant" if spelled >= 0.95 else "typo")
    if _part_missing(a.tokens, b.tokens):
        return 0.8, "partial"
    return _parts_compared(a.tokens, b.tokens)


def _chinese_part_missing(x: str, y: str) -> bool:
    """张明 for 张晓明 (a character of the given name left out) or 晓明 (no family name)."""
    short, long = (x, y) if len(x) < len(y) else (y, x)
    if len(long) - len(short) != 1 or len(short) < 2:
        return False
    if short == long[1:]:
        return True
    return short[0] == long[0] and any(
        short == long[:i] + long[i + 1 :] for i in range(1, len(long))
    )


def _part_missing(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    """Every word of the shorter name is (up to a typo) a different word of the longer one:
    "Neumann" for "Michaela Neumann", "John Smith" for "John Paul Smith"."""
    short, long = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    if not short or len(short) == len(long):
        return False
    left = list(long)
    for word in short:
        match = next((w for w in left if _token_similarity(word, w) >= 0.87), None)
        if match is None and len(word) == 1:
            match = next((w for w in left if w[0] == word), None)  # "J" for "John"
        if match is None:
            return False
        left.remove(match)
    return True


def _parts_compared(ta: tuple[str, ...], tb: tuple[str, ...]) -> tuple[float, str]:
    """Names of two words or more that are neither the same nor a typo apart: "weak" when each
    word is still alike (two slips in one word), "part_different" when one word is the same and
    another is a different name (a relative at the same address), else "different"."""
    if len(ta) != len(tb) or len(ta) < 2:
        return 0.0, "different"
    best: tuple[float, str] = (0.0, "different")
    for candidate in (tb, tb[::-1]):
        pairs = list(zip(ta, candidate, strict=True))
        sims = [_token_similarity(x, y) for x, y in pairs]
        low, high = min(sims), max(sims)
        if high >= 0.87 and all(
            sim >= 0.87 or (min(len(x), len(y)) == 1 and x[0] == y[0])
            for sim, (x, y) in zip(sims, pairs, strict=True)
        ):
            return 0.8, "partial"  # "J Smith" for "John Smith"
        if low >= 0.6 and high >= 0.7:
            return low, "weak"
        if high >= 0.87 and best[1] == "different":
            best = (low, "part_different")
    return best


def _spellings(tokens: tuple[str, ...]) -> frozenset[str]:
    """The name written as one Latin word, family name first and last (kept in the profile: a
    scan compares each name many times)."""
    if not tokens:
        return frozenset()
    return frozenset(("".join(tokens), "".join(tokens[1:] + tokens[:1]), "".join(tokens[::-1])))


def _spelled_similarity(a: PersonProfile, b: PersonProfile) -> float:
    """Similarity of the names spelled out in pinyin or Latin letters, for slips that change
    the words themselves ("Hou Lnigling" for 侯玲玲): one edit (a swapped pair of letters counts
    as one) in a name of six letters or more, two in one of ten or more; 0.95 for the same
    spelling with the given name first ("Naxin Wu" for 吴娜欣). 0 otherwise."""
    best = 0.0
    if a.spellings & b.spellings:
        return 0.95
    for x in a.spellings:
        for y in b.spellings:
            shortest = min(len(x), len(y))
            if shortest < 6 or abs(len(x) - len(y)) > 2:
                continue
            distance = OSA.distance(x, y, score_cutoff=2)
            if distance == 1 or (distance == 2 and shortest >= 10):
                best = max(best, 0.9 if distance == 1 else 0.85)
    return best


def is_common_name(p: PersonProfile, name_counts: dict[str, int] | None) -> bool:
    if p.chinese and p.chinese in COMMON_CHINESE_NAMES:
        return True
    return bool(name_counts) and name_counts.get(p.key, 0) >= COMMON_NAME_COUNT


# Local parts of mailboxes that a team or a family shares rather than one person.
SHARED_MAILBOXES = frozenset(
    [
        "info",
        "sales",
        "admin",
        "office",
        "contact",
        "support",
        "service",
        "hr",
        "team",
        "hello",
        "mail",
        "enquiries",
        "inquiry",
        "marketing",
        "billing",
        "accounts",
        "finance",
        "help",
        "reception",
    ]
)


def is_shared_mailbox(email: str) -> bool:
    return email.partition("@")[0] in SHARED_MAILBOXES


def _first_shared(xs: tuple[str, ...], ys: tuple[str, ...]) -> str:
    for x in xs:
        if x in ys:
            return x
    return ""


def score_pair(
    a: PersonProfile, b: PersonProfile, name_counts: dict[str, int] | None = None
) -> tuple[int, list[list]]:
    """The score (0–100) of `a` and `b` being one person, and its reasons as
    [code, points, params] lists (worded by `reason_text`)."""
    phone = _first_shared(a.phones, b.phones)
    email = _first_shared(a.emails, b.emails)
    shared_mailbox = bool(email) and is_shared_mailbox(email)
    similarity, kind = name_similarity(a, b)
    if kind == "different" and not phone and not email:
        return 0, []  # the common case in a scan: nothing to say, say it fast
    reasons: list[list] = []
    names = {"a": a.name, "b": b.name}
    if kind == "same":
        reasons.append(["name_same", NAME_SAME, names])
    elif kind == "variant":
        reasons.append(["name_variant", NAME_SCRIPT, names])
    elif kind == "typo":
        reasons.append(["name_similar", NAME_TYPO, {**names, "percent": round(similarity * 100)}])
    elif kind == "partial":
        reasons.append(["name_partial", NAME_PARTIAL, names])
    elif kind == "weak":
        reasons.append(["name_weak", NAME_WEAK, {**names, "percent": round(similarity * 100)}])
    elif kind == "part_different":
        reasons.append(["name_part_different", NAME_PART_DIFFERENT, names])
    else:
        reasons.append(["name_different", NAME_DIFFERENT, names])
    if kind == "partial":
        # "Reed" alone is frequent wherever given names go missing; the fuller name says
        # whether this person's name is a common one.
        fuller = a if len(a.tokens) >= len(b.tokens) else b
        common = is_common_name(fuller, name_counts)
    else:
        common = kind not in ("different", "part_different") and (
            is_common_name(a, name_counts) or is_common_name(b, name_counts)
        )
    if common:
        reasons.append(["common_name", COMMON_NAME, {"name": a.name}])
    if phone:
        reasons.append(["phone_same", PHONE_SAME, {"phone": phone}])
    elif a.phones and b.phones and (not email or shared_mailbox):
        reasons.append(["phone_different", PHONE_DIFFERENT, {}])
    if email and shared_mailbox:
        reasons.append(["mailbox_same", MAILBOX_SAME, {"email": email}])
    elif email:
        reasons.append(["email_same", EMAIL_SAME, {"email": email}])
    elif a.emails and b.emails and not phone:
        reasons.append(["email_different", EMAIL_DIFFERENT, {}])
    veto = False
    if a.birthday and b.birthday:
        if a.birthday == b.birthday:
            reasons.append(["birthday_same", BIRTHDAY_SAME, {"date": a.birthday}])
        elif birthdays_a_typo_apart(a.birthday, b.birthday):
            reasons.append(
                ["birthday_similar", BIRTHDAY_SIMILAR, {"a": a.birthday, "b": b.birthday}]
            )
        else:
            reasons.append(["birthday_different", 0, {"a": a.birthday, "b": b.birthday}])
            veto = True
    if a.gender and b.gender and a.gender != b.gender:
        reasons.append(["gender_different", 0, {}])
        veto = True
    company = _first_shared(a.companies, b.companies)
    if company:
        reasons.append(["company_same", COMPANY_SAME, {}])
    _compare_address(a, b, reasons)
    if common and not phone and (not email or shared_mailbox) and a.phones and b.phones:
        reasons.append(["common_name_phones_differ", 0, {}])
        veto = True
    score = max(0, min(100, sum(r[1] for r in reasons)))
    if veto:
        score = min(score, VETO_CAP)
    return score, reasons


def birthdays_a_typo_apart(x: str, y: str) -> bool:
    """ISO dates one slip apart: one digit, two neighbouring digits swapped, or day and month
    swapped (05-03 for 03-05)."""
    if len(x) != len(y):
        return False
    if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
        return True
    return OSA.distance(x, y, score_cutoff=1) <= 1


def _compare_address(a: PersonProfile, b: PersonProfile, reasons: list[list]) -> None:
    """Street, city (or suburb), postcode and state or province, each on its own: a street a
    typo apart still counts when the city is written differently or missing."""
    if a.street and b.street:
        words = Indel.normalized_similarity(a.street, b.street)
        numbers_agree = (
            a.street_number == b.street_number or not a.street_number or not b.street_number
        )
        number_slip = numbers_agree or OSA.distance(a.street_number, b.street_number) <= 1
        if words >= 0.9 and numbers_agree:
            reasons.append(["street_same", STREET_SAME, {}])
        elif (words >= 0.75 and numbers_agree) or (words >= 0.9 and number_slip):
            reasons.append(["street_similar", STREET_SIMILAR, {}])
        else:
            reasons.append(["street_different", STREET_DIFFERENT, {}])
    if a.city and b.city:
        if a.city == b.city:
            reasons.append(["city_same", CITY_SAME, {}])
        elif min(len(a.city), len(b.city)) >= 5 and OSA.distance(
            a.city, b.city, score_cutoff=2
        ) <= (2 if min(len(a.city), len(b.city)) >= 8 else 1):
            reasons.append(["city_similar", CITY_SIMILAR, {}])
        else:
            reasons.append(["city_different", CITY_DIFFERENT, {}])
    if a.postcode and b.postcode:
        if a.postcode == b.postcode:
            reasons.append(["postcode_same", POSTCODE_SAME, {"postcode": a.postcode}])
        elif len(a.postcode) == len(b.postcode) and OSA.distance(a.postcode, b.postcode) == 1:
            reasons.append(["postcode_similar", POSTCODE_SIMILAR, {}])
        else:
            reasons.append(["postcode_different", POSTCODE_DIFFERENT, {}])
    if a.state and b.state:
        if a.state == b.state:
            reasons.append(["state_same", STATE_SAME, {}])
        else:
            reasons.append(["state_different", STATE_DIFFERENT, {}])


def _iso_date_text(value) -> str:
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    return format_date(day) if day else str(value)


def reason_text(code: str, points: int, params: dict) -> str:
    """One reason in the active language, e.g. "Same phone +8613800138000"."""
    wording = {
        "name_same": _("Same name %(a)s"),
        "name_variant": _("Name %(a)s ≈ %(b)s"),
        "name_similar": _("Name %(a)s ≈ %(b)s (%(percent)s %% alike)"),
        "name_different": _("Different names %(a)s / %(b)s"),
        "name_partial": _("Name %(a)s ≈ %(b)s (a part missing)"),
        "name_weak": _("Names %(a)s / %(b)s partly alike (%(percent)s %% alike)"),
        "name_part_different": _("Names %(a)s / %(b)s share one part only"),
        "common_name": _("%(name)s is a common name"),
        "phone_same": _("Same phone %(phone)s"),
        "phone_different": _("Different phones"),
        "email_same": _("Same email %(email)s"),
        "mailbox_same": _("Same shared mailbox %(email)s"),
        "email_different": _("Different emails"),
        "birthday_same": _("Same birthday %(date)s"),
        "birthday_different": _("Different birthdays %(a)s / %(b)s"),
        "birthday_similar": _("Birthdays %(a)s / %(b)s differ by one typo"),
        "gender_different": _("Different genders"),
        "company_same": _("Same company"),
        "city_same": _("Same city"),
        "street_same": _("Same street address"),
        "street_similar": _("Similar street address"),
        "street_different": _("Different street addresses"),
        "city_similar": _("Similar city"),
        "postcode_same": _("Same postcode %(postcode)s"),
        "postcode_similar": _("Postcodes differ by one character"),
        "postcode_different": _("Different postcodes"),
        "state_same": _("Same state or province"),
        "state_different": _("Different states or provinces"),
        "english_name_same": _("Same English name %(name)s"),
        "domain_same": _("Same web domain %(domain)s"),
        "city_different": _("Different cities"),
        "common_name_phones_differ": _("Common name with different phones"),
    }.get(code)
    if wording is None:
        return code
    if code.startswith("birthday_"):
        # Stored as ISO dates; shown in the reader's date format.
        params = {k: _iso_date_text(v) for k, v in params.items()}
    try:
        return wording % params
    except (KeyError, TypeError, ValueError):
        return code
