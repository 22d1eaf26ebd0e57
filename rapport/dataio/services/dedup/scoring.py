"""Scoring a pair of person records: weighted evidence with the reasons that make it up.

Each piece of evidence adds or removes points (the weights of a Fellegi–Sunter style linkage,
rounded to readable numbers); the score is their sum clamped to 0–100. Two rules veto a match
whatever the sum: a different birthday or gender on both records, and a common name whose
phones differ with no shared e-mail; many different people are called 张伟.

Reasons are stored as codes with parameters and worded when read (`reason_text`), so the review
queue speaks the reader's language.
"""

from dataclasses import dataclass

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA, Indel

from rapport.core.formats import format_date
from rapport.dataio.services.dedup.normalize import name_key, name_tokens

CANDIDATE_MIN_SCORE = 60  # stored in the review queue from here
HIGH_CONFIDENCE_SCORE = 90  # administrators may bulk-merge from here
VETO_CAP = 40

NAME_SAME = 30
NAME_SCRIPT = 28  # same name in other characters or in pinyin, swapped order, nickname
NAME_TYPO = 18
NAME_DIFFERENT = -30
COMMON_NAME = -8
PHONE_SAME = 45
PHONE_DIFFERENT = -15
EMAIL_SAME = 45
EMAIL_DIFFERENT = -10
MAILBOX_SAME = 10  # info@, sales@: a team's mailbox says little about who wrote from it
BIRTHDAY_SAME = 25
COMPANY_SAME = 15
CITY_SAME = 5
STREET_SAME = 15

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
    street: str = ""


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
) -> PersonProfile:
    """A profile from values already normalised (phone_key, email_key, company_key, place_key)."""
    chinese, tokens, is_chinese = name_tokens(full_name)
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
        street=street,
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
            # zhen/zheng, lin/ling, si/shi: the sounds southern speakers merge when typing.
            if len(differing) == 1 and OSA.distance(*differing[0]) == 1:
                x, y = differing[0]
                if x[0] == y[0] and len(x) >= 2:
                    return 0.88, "typo"
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
    return similarity, "different"


def _spellings(p: PersonProfile) -> set[str]:
    """The name written as one Latin word, family name first and last."""
    if not p.tokens:
        return set()
    return {"".join(p.tokens), "".join(p.tokens[1:] + p.tokens[:1]), "".join(p.tokens[::-1])}


def _spelled_similarity(a: PersonProfile, b: PersonProfile) -> float:
    """Similarity of the names spelled out in pinyin or Latin letters, for slips that change
    the words themselves ("Hou Lnigling" for 侯玲玲): one edit (a swapped pair of letters counts
    as one) in a name of six letters or more, two in one of ten or more; 0.95 for the same
    spelling with the given name first ("Naxin Wu" for 吴娜欣). 0 otherwise."""
    best = 0.0
    for x in _spellings(a):
        for y in _spellings(b):
            if x == y:
                return 0.95
            shortest = min(len(x), len(y))
            if shortest < 6:
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
    else:
        reasons.append(["name_different", NAME_DIFFERENT, names])
    common = kind != "different" and (
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
        else:
            reasons.append(["birthday_different", 0, {"a": a.birthday, "b": b.birthday}])
            veto = True
    if a.gender and b.gender and a.gender != b.gender:
        reasons.append(["gender_different", 0, {}])
        veto = True
    company = _first_shared(a.companies, b.companies)
    if company:
        reasons.append(["company_same", COMPANY_SAME, {}])
    if a.city and a.city == b.city:
        reasons.append(["city_same", CITY_SAME, {}])
        if a.street and b.street and Indel.normalized_similarity(a.street, b.street) >= 0.9:
            reasons.append(["street_same", STREET_SAME, {}])
    if common and not phone and (not email or shared_mailbox) and a.phones and b.phones:
        reasons.append(["common_name_phones_differ", 0, {}])
        veto = True
    score = max(0, min(100, sum(r[1] for r in reasons)))
    if veto:
        score = min(score, VETO_CAP)
    return score, reasons


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
        "common_name": _("%(name)s is a common name"),
        "phone_same": _("Same phone %(phone)s"),
        "phone_different": _("Different phones"),
        "email_same": _("Same email %(email)s"),
        "mailbox_same": _("Same shared mailbox %(email)s"),
        "email_different": _("Different emails"),
        "birthday_same": _("Same birthday %(date)s"),
        "birthday_different": _("Different birthdays %(a)s / %(b)s"),
        "gender_different": _("Different genders"),
        "company_same": _("Same company"),
        "city_same": _("Same city"),
        "street_same": _("Same street address"),
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
