"""One row of a file, checked by the rules of the forms and turned into values for the models.

`RowCleaner` is built once per import: it resolves the mapping to column positions and picks a
handler per column, so `clean(values)` only runs the handlers. A row either comes out as a
`CleanRow` ready for the writer, or as a `RejectedRow` whose reasons name the column and the value
("手机: “12345” is not a valid phone number."). Nothing is ever cut short to fit: a value longer
than its field rejects the row.

The rules are the forms' (rapport.customers.validation, rapport.core.cleaning). Phones and e-mails
go through the same functions, with a fast path for the common shapes that gives the same answer
(see `_phone` and `_email`), since an import checks millions of them.

Dates: ISO and Chinese forms (2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305), English
month names (5 Mar 2024, March 5, 2024), an Excel serial day number of five digits (45356), and
for slashed dates day first like the forms (05/03/2024 is 5 March) unless `date_order="mdy"`
(Outlook's US exports write 3/5/2024 for 5 March).

Times (an interaction's, a payment's): one of those dates with an optional time of day after
it — 14:30, 14:30:05, 2:30 PM, 下午2:30, 14点30分, 下午3点半 — read in the configured TIME_ZONE,
or an ISO 8601 time with its offset (2024-03-05T14:30:00+08:00, …Z). A date alone means noon
that day, as in the forms.
"""

import csv
import dataclasses
import datetime
import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.core.cleaning import (
    BIDI_CONTROLS,
    FORBIDDEN_CHARACTERS,
    STRICT_MONEY,
    FieldError,
    FieldErrors,
    clean_money,
    forbidden_character_message,
    parse_date,
    parse_int,
    too_long,
    visible_text,
)
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import MAX_LIST_ITEMS
from rapport.customers.models import (
    Address,
    CustomFieldDefinition,
    CustomFieldType,
    RecordType,
)
from rapport.customers.validation import (
    clean_custom_value,
    normalize_email,
    normalize_phone,
    normalize_website,
)
from rapport.dataio.services.imports.mapping import (
    CUSTOM_PREFIX,
    SUPPORTED_TARGETS,
    ImportField,
    import_fields,
)
from rapport.dataio.services.imports.readers import FlawedRow
from rapport.dataio.services.imports.regions import address_country, country_by_name

# Several phones, e-mails or tags in one cell: "138… / 139…", Google's " ::: ".
MULTI_SEPARATORS = re.compile(r"\s*(?::::|[;,，；、|/\n])\s*")
TAG_SEPARATORS = re.compile(r"\s*(?::::|[;,，；、|\n])\s*")
_split = MULTI_SEPARATORS.split
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Address fields; on a person or company they make one address. A person may have a home and
# an "other" address too, under the same keys with a prefix (home_street).
ADDRESS_KEYS = ("country", "province", "city", "district", "street", "postcode")
ADDRESS_GROUPS = (("", "work"), ("home_", "home"), ("other_", "other"))
COUNTRY_KEYS = {f"{prefix}country" for prefix, _label in ADDRESS_GROUPS}
STREET_LIMIT = Address._meta.get_field("street").max_length
# A person's phone and e-mail fields with the label each gives, in the order they are kept
# (the first phone is the primary one).
PHONE_KEYS = (
    ("phone", "mobile"),
    ("work_phone", "work"),
    ("home_phone", "home"),
    ("other_phone", "other"),
    ("fax", "fax"),
)
EMAIL_KEYS = (("email", "work"), ("home_email", "home"), ("other_email", "other"))
# Fields read from the whole row after the other cells (RowCleaner._labelled_values): the label
# of a phone, e-mail or address beside it (Google's "Phone 1 - Label"), and the lines that go to
# the notes under their column's name.
LABELLING_KEYS = ("contact_label", "note_line")
# The columns of a vCard (readers.VCARD_COLUMNS) that go to the notes: under these captions,
# or ("MORE") as lines that carry their own.
NOTE_CAPTIONS = {
    "N.prefix": "Name prefix",
    "N.suffix": "Name suffix",
    "ROLE": "Role",
    "URL;MORE": "Website",
}
CAPTIONED_COLUMNS = {"MORE"}
# What the labels of Google, Apple and Android say → a ContactLabel.
LABEL_WORDS = {
    "mobile": "mobile",
    "cell": "mobile",
    "iphone": "mobile",
    "手机": "mobile",
    "移动电话": "mobile",
    "work": "work",
    "business": "work",
    "main": "work",
    "company": "work",
    "工作": "work",
    "单位": "work",
    "公司": "work",
    "home": "home",
    "personal": "home",
    "住宅": "home",
    "家庭": "home",
    "家": "home",
    "fax": "fax",
    "workfax": "fax",
    "homefax": "fax",
    "otherfax": "fax",
    "传真": "fax",
    "other": "other",
    "其他": "other",
}

BASE_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y年%m月%d号",
    "%Y%m%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)
DAY_FIRST = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y")
MONTH_FIRST = ("%m/%d/%Y", "%d/%m/%Y", "%m-%d-%Y", "%d.%m.%Y")
ISO_LIKE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
EXCEL_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIAL_TIME = re.compile(r"\d{5}\.\d+")
# The time of day at the end of a cell, after the date and a space, a "T", or straight after
# a Chinese date's 日/号: 14:30, 14:30:05.123, 2:30 PM, 2 pm, 下午2:30, 14点, 14时30分, 下午3点半.
TIME_OF_DAY = re.compile(
    r"(?P<date>.*?[^\sT])(?:\s*T\s*|\s+|(?<=[日号]))"
    r"(?P<period>上午|下午|中午|晚上|凌晨|早上|傍晚)?\s*(?P<hour>\d{1,2})"
    r"(?:"
    r"[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2})(?:\.\d{1,6})?)?"
    r"|[时点](?:(?P<cn_minute>\d{1,2})分?(?:(?P<cn_second>\d{1,2})秒)?|(?P<half>半))?"
    r"|(?=\s*[AaPp]\.?[Mm]\.?$)"
    r")"
    r"\s*(?P<suffix>[AaPp]\.?[Mm]\.?)?",
)
ISO_WITH_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})"
)
AFTERNOON = {"下午", "晚上", "傍晚"}
# An interaction logged further ahead than this is refused, as `interaction_create` does.
FUTURE_LIMIT = datetime.timedelta(days=366)
# What Outlook writes for "no date".
EMPTY_DATES = {"0/0/00", "0/0/0000", "00/00/0000", "0000-00-00", "1/1/4501"}

TRUE_WORDS = {"true", "1", "yes", "y", "on", "是", "对", "启用", "有效", "在售", "√", "x"}
FALSE_WORDS = {"false", "0", "no", "n", "off", "否", "不", "停用", "禁用", "无效", "下架"}

CHOICE_EXTRAS: dict[str, dict[str, str]] = {
    "gender": {
        "m": "male",
        "f": "female",
        "o": "other",
        "u": "unknown",
        "n": "unknown",
        "男": "male",
        "女": "female",
        "男性": "male",
        "女性": "female",
        "先生": "male",
        "女士": "female",
        "小姐": "female",
        "未知": "unknown",
        "保密": "unknown",
        "其他": "other",
        "其它": "other",
        "unspecified": "unknown",
        "未指定": "unknown",
        "none": "unknown",
    },
    "source": {
        "网站": "web",
        "官网": "web",
        "网络": "web",
        "展会": "trade_show",
        "转介绍": "referral",
        "介绍": "referral",
        "推荐": "referral",
        "广告": "ads",
        "百度": "ads",
        "来电": "phone_inquiry",
        "电话": "phone_inquiry",
        "门店": "store",
        "微信": "social",
        "抖音": "social",
        "小红书": "social",
        "微博": "social",
        "邮件": "email",
        "合作伙伴": "partner",
        "渠道商": "partner",
        "其它": "other",
    },
}

CHOICE_EXTRAS["channel"] = {
    "电话": "call",
    "通话": "call",
    "来电": "call",
    "去电": "call",
    "致电": "call",
    "打电话": "call",
    "phone": "call",
    "phonecall": "call",
    "电子邮件": "email",
    "邮件": "email",
    "邮箱": "email",
    "mail": "email",
    "e-mail": "email",
    "开会": "meeting",
    "会面": "meeting",
    "面谈": "meeting",
    "视频会议": "meeting",
    "上门": "visit",
    "走访": "visit",
    "拜访客户": "visit",
    "微信": "chat",
    "企业微信": "chat",
    "qq": "chat",
    "短信": "chat",
    "sms": "chat",
    "wechat": "chat",
    "微博": "social",
    "抖音": "social",
    "小红书": "social",
    "社交媒体": "social",
    "社交": "social",
    "socialmedia": "social",
    "笔记": "note",
    "记录": "note",
    "其他": "note",
    "其它": "note",
}
CHOICE_EXTRAS["method"] = {
    "转账": "bank_transfer",
    "银行转账": "bank_transfer",
    "银行汇款": "bank_transfer",
    "汇款": "bank_transfer",
    "对公转账": "bank_transfer",
    "transfer": "bank_transfer",
    "bank": "bank_transfer",
    "支付宝": "alipay",
    "微信": "wechat_pay",
    "微信支付": "wechat_pay",
    "wechat": "wechat_pay",
    "刷卡": "card",
    "银行卡": "card",
    "信用卡": "card",
    "现金": "cash",
    "其他": "other",
    "其它": "other",
}
CHOICE_EXTRAS["direction"] = {
    "in": "inbound",
    "incoming": "inbound",
    "received": "inbound",
    "呼入": "inbound",
    "来电": "inbound",
    "打入": "inbound",
    "客户发起": "inbound",
    "收到": "inbound",
    "out": "outbound",
    "outgoing": "outbound",
    "sent": "outbound",
    "外呼": "outbound",
    "去电": "outbound",
    "打出": "outbound",
    "主动": "outbound",
    "我方发起": "outbound",
}

COUNTRIES = {
    "中国": "CN",
    "中国大陆": "CN",
    "中华人民共和国": "CN",
    "china": "CN",
    "prc": "CN",
    "peoplesrepublicofchina": "CN",
    "香港": "HK",
    "中国香港": "HK",
    "hongkong": "HK",
    "澳门": "MO",
    "中国澳门": "MO",
    "macau": "MO",
    "macao": "MO",
    "台湾": "TW",
    "中国台湾": "TW",
    "taiwan": "TW",
    "美国": "US",
    "usa": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "英国": "GB",
    "uk": "GB",
    "unitedkingdom": "GB",
    "日本": "JP",
    "japan": "JP",
    "韩国": "KR",
    "southkorea": "KR",
    "korea": "KR",
    "新加坡": "SG",
    "singapore": "SG",
    "德国": "DE",
    "germany": "DE",
    "法国": "FR",
    "france": "FR",
    "加拿大": "CA",
    "canada": "CA",
    "澳大利亚": "AU",
    "australia": "AU",
    "马来西亚": "MY",
    "malaysia": "MY",
}


@dataclasses.dataclass
class CleanRow:
    """A row ready for the writer.

    `fields` holds the model values given in the row (empty cells are left out, so an update
    keeps what the record has): person or lead columns, address parts (country, province, …),
    job_title, and "custom" (key → value) when a custom field is mapped. `match_keys` are the
    keys to look for an existing record by, strongest first: ("external_id", "C-001"),
    ("phone", "+8613800138000"), ("email", "a@b.cn"), ("name", "casefolded name"), ("sku", …).

    A person's phones and e-mails carry a label each (`phone_labels`, `email_labels`: value →
    ContactLabel; unlisted ones are "mobile" and "work"), and `addresses` holds each address
    given, as (label, parts). `company_only` is a person row that names no person but a
    company (how Outlook exports a company): the writer creates or finds that company.
    """

    fields: dict[str, Any]
    phones: list[str] = dataclasses.field(default_factory=list)
    emails: list[str] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)
    company_name: str = ""
    owner_username: str = ""
    external_id: str = ""
    match_keys: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    phone_labels: dict[str, str] = dataclasses.field(default_factory=dict)
    email_labels: dict[str, str] = dataclasses.field(default_factory=dict)
    addresses: list[tuple[str, dict[str, str]]] = dataclasses.field(default_factory=list)
    company_only: bool = False
    # What was left out of the row and why ("生日: “2305-07-13” is in the future…"), and a
    # person's phone numbers valid in no region, kept as written: [{"label", "raw"}].
    warnings: list[str] = dataclasses.field(default_factory=list)
    raw_phones: list[dict[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RejectedRow:
    reasons: list[str]


# --- Value rules ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _mobile_pattern(region: str):
    """The default region's mobile number pattern from libphonenumber's own metadata."""
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None or not metadata.country_code:
        return None, ""
    general = re.compile(metadata.general_desc.national_number_pattern)
    mobile = re.compile(metadata.mobile.national_number_pattern)
    return (general, mobile), f"+{metadata.country_code}"


PHONE_PUNCTUATION = str.maketrans("", "", " -()\u00a0")


@lru_cache(maxsize=65536)
def _phone_slow(raw: str, region: str, language: str | None) -> str | FieldError:
    # Keyed by the region (the answer) and the language (the message) as well as the number.
    try:
        return normalize_phone(raw, region)
    except FieldError as exc:
        return exc


def normalize_phone_fast(raw: str) -> str:
    """`normalize_phone` with a shortcut: a plain mobile number of the default region (138 0013
    8000, +86 138-0013-8000) that libphonenumber's mobile pattern for the region matches is valid
    by that same pattern, so it is formatted without parsing. Anything else goes the long way.
    """
    patterns, prefix = _mobile_pattern(settings.PHONE_DEFAULT_REGION)
    if patterns is not None:
        digits = raw.strip().translate(PHONE_PUNCTUATION)
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
        if (
            digits.isdigit()
            and digits.isascii()
            and patterns[1].fullmatch(digits)
            and patterns[0].fullmatch(digits)
            and len(raw) <= 40
        ):
            return prefix + digits
    result = _phone_slow(raw.strip(), settings.PHONE_DEFAULT_REGION, translation.get_language())
    if isinstance(result, FieldError):
        raise FieldError(str(result))
    return result


def phone_in_region(raw: str, region: str) -> tuple[str, str | None]:
    """A number read in `region` (the row's country), as E.164, with a note when it had to be
    read otherwise: one that is no number of `region` but one of the installation's default
    region is taken as that, and the note says so. A number written with + is its own
    country's. FieldError when it is valid in neither."""
    default = settings.PHONE_DEFAULT_REGION
    if region == default or raw.lstrip().startswith("+"):
        return normalize_phone_fast(raw), None
    result = _phone_slow(raw.strip(), region, translation.get_language())
    if not isinstance(result, FieldError):
        return result, None
    try:
        number = normalize_phone_fast(raw)
    except FieldError:
        raise FieldError(str(result)) from None
    note = _(
        "“%(value)s” is not a number of %(region)s, where the row is; it was read as a number "
        "of %(default)s: %(number)s."
    ) % {"value": raw.strip(), "region": region, "default": default, "number": number}
    return number, note


class MonthDay(tuple):
    """A birthday without its year: (month, day)."""

    __slots__ = ()

    @property
    def month(self) -> int:
        return self[0]

    @property
    def day(self) -> int:
        return self[1]


# --07-14 (Google, vCard), --0714 (vCard), 07-14, 7月14日: a birthday without its year.
YEARLESS = re.compile(r"(?:--(\d{2})-?(\d{2})|(\d{1,2})-(\d{1,2})|(\d{1,2})月(\d{1,2})[日号]?)")
OLDEST_BIRTH_YEAR = 1900


def parse_birthday(raw: str, *, month_first: bool = False) -> datetime.date | MonthDay | None:
    """A birthday: a date as `parse_import_date` reads it, or its month and day alone (a
    MonthDay) when the year is not given; None for an export's "no date". A date in the future
    or before 1900 and an impossible one (19450493, --02-30) are FieldErrors: the import leaves
    the birthday out with a warning, and keeps the rest of the row."""
    text = raw.strip()
    match = YEARLESS.fullmatch(text)
    if match:
        month, day = (int(g) for g in match.groups() if g is not None)
        try:
            datetime.date(2000, month, day)  # a leap year: 29 February is a birthday
        except ValueError:
            raise FieldError(
                _("“%(value)s” is not a day of the year (use --MM-DD).") % {"value": text}
            ) from None
        return MonthDay((month, day))
    day = _optional_date(text, month_first)
    if day is None:
        return None
    if isinstance(day, datetime.datetime):
        day = day.date()
    if day > timezone.localdate():
        raise FieldError(_("“%(value)s” is in the future; a birthday cannot be.") % {"value": text})
    if day.year < OLDEST_BIRTH_YEAR:
        raise FieldError(
            _("“%(value)s” is before %(year)d; check the year.")
            % {"value": text, "year": OLDEST_BIRTH_YEAR}
        )
    return day


DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    """The normalised domain as email-validator accepts it, or None: checked once per domain."""
    try:
        return normalize_email(f"a@{domain}").split("@", 1)[1]
    except FieldError:
        return None


def normalize_email_fast(raw: str) -> str:
    """`normalize_email` with a shortcut: an ASCII dot-atom local part (which email-validator
    always accepts) at a domain already checked by email-validator. Anything else goes the long
    way. The result is the same: lower-cased."""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and DOT_ATOM.fullmatch(local):
        normalized = _email_domain(domain)
        if normalized is not None:
            return f"{local}@{normalized}".lower()
    return normalize_email(text)


def parse_import_date(raw: str, *, month_first: bool = False) -> datetime.date:
    """A date in one of the forms listed in the module docstring, or FieldError."""
    text = raw.strip()
    match = ISO_LIKE.fullmatch(text) or CHINESE_DATE.fullmatch(text)
    if match:
        groups = [g for g in match.groups() if g.isdigit()]
    else:
        match = COMPACT_DATE.fullmatch(text)
        groups = match.groups() if match else None
    if groups:
        try:
            return datetime.date(int(groups[0]), int(groups[1]), int(groups[2]))
        except ValueError:
            raise FieldError(
                _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text}
            ) from None
    if EXCEL_SERIAL.fullmatch(text):
        return EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
    if text.startswith("--"):
        raise FieldError(_("“%(value)s” has no year; a birthday needs one.") % {"value": text})
    formats = BASE_DATE_FORMATS + (MONTH_FIRST if month_first else DAY_FIRST)
    return parse_date(text, formats)


def _time_of_day(match: re.Match) -> datetime.time:
    hour = int(match["hour"])
    minute = int(match["minute"] or match["cn_minute"] or (30 if match["half"] else 0))
    second = int(match["second"] or match["cn_second"] or 0)
    period, suffix = match["period"], (match["suffix"] or "").replace(".", "").lower()
    if suffix or period:
        if not 1 <= hour <= 12 and not (period and hour <= 23):
            raise ValueError
        if (
            suffix == "pm" or period in AFTERNOON or (period == "中午" and hour < 11)
        ) and hour < 12:
            hour += 12
        elif (suffix == "am" or period == "凌晨") and hour == 12:
            hour = 0
    return datetime.time(hour, minute, second)


def parse_import_datetime(raw: str, *, month_first: bool = False) -> datetime.datetime:
    """A timezone-aware time in one of the forms listed in the module docstring, or
    FieldError. Refuses a time more than a year ahead, as the interaction form does."""
    text = raw.strip()
    # No date and time is longer; the patterns below need not read a whole paragraph.
    shown = text if len(text) <= 64 else text[:20] + "…"
    problem = _("“%(value)s” is not a date and time (use YYYY-MM-DD HH:MM).") % {"value": shown}
    if len(text) > 64:
        raise FieldError(problem)
    if ISO_WITH_OFFSET.fullmatch(text):
        try:
            when = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(problem) from None
    elif EXCEL_SERIAL_TIME.fullmatch(text):
        when = datetime.datetime.combine(EXCEL_EPOCH, datetime.time()) + datetime.timedelta(
            days=float(text)
        )
        when = when.replace(microsecond=0)
    else:
        match = TIME_OF_DAY.fullmatch(text)
        try:
            if match:
                day = parse_import_date(match["date"], month_first=month_first)
                when = datetime.datetime.combine(day, _time_of_day(match))
            else:
                when = datetime.datetime.combine(
                    parse_import_date(text, month_first=month_first), datetime.time(12, 0)
                )
        except (FieldError, ValueError):
            raise FieldError(problem) from None
    if timezone.is_naive(when):
        # The configured zone, not the one a request may have activated: a job has none.
        when = timezone.make_aware(when, timezone.get_default_timezone())
    if when > timezone.now() + FUTURE_LIMIT:
        raise FieldError(_("This is too far in the future."))
    return when


def _optional_date(text: str, month_first: bool) -> datetime.date | None:
    """A date cell: None for the placeholders exports write for "no date"."""
    if text in EMPTY_DATES:
        return None
    return parse_import_date(text, month_first=month_first)


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.casefold())


def choice_lookup(key: str, choices) -> dict[str, str]:
    """What a cell may say for each choice → its code: the code, the English and the Chinese
    label (and for gender and source what people commonly write), case and spaces ignored."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[_fold(code)] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup.setdefault(_fold(str(label)), code)
    codes = {code for code, _label in choices}
    for word, code in CHOICE_EXTRAS.get(key, {}).items():
        if code in codes:
            lookup.setdefault(_fold(word), code)
    return lookup


def split_multi(text: str, pattern: re.Pattern = MULTI_SEPARATORS) -> list[str]:
    return [part for part in pattern.split(text) if part]


# --- Field-level rules of contact imports ------------------------------------------------------

# In these imports a bad value of these kinds (a birthday, e-mail, phone, choice…), of a country
# or of a custom field leaves that field out with a warning on the row, and the rest of the row
# is imported: one wrong cell no longer loses a whole contact. A text too long for its field,
# or with characters a database cannot hold, still rejects the row (nothing is cut short).
SOFT_TARGETS = ("persons", "companies", "leads")
SOFT_KINDS = {"phone", "email", "date", "datetime", "choice", "money", "int", "bool"}
# The parts of an address that show which country it is in, read from the row's cells.
REGION_PARTS = ("province", "city", "postcode", "street", "address_text")


@dataclasses.dataclass
class _RegionSources:
    """Where a row says its country: column positions of the country cells (work address
    first), and of each address's other parts."""

    countries: list[int]
    addresses: list[tuple[list[int], list[int], list[int], list[int]]]


def _region_sources(plan) -> "_RegionSources | None":
    positions: dict[str, list[int]] = {}
    for index, _column, key, _handler in plan:
        positions.setdefault(key, []).append(index)
    countries = [i for prefix, _l in ADDRESS_GROUPS for i in positions.get(f"{prefix}country", [])]
    addresses = []
    for prefix, _label in ADDRESS_GROUPS:
        found = [positions.get(f"{prefix}{part}", []) for part in REGION_PARTS]
        if any(found):
            addresses.append((found[0], found[1], found[2], found[3] + found[4]))
    if not countries and not addresses:
        return None
    return _RegionSources(countries, addresses)


def _country_of_name(text: str) -> str | None:
    return COUNTRIES.get(_fold(text).replace(".", "")) or country_by_name(text)


@lru_cache(maxsize=65536)
def _address_region(province: str, city: str, postcode: str, text: str) -> str | None:
    return address_country(
        province=province, city=city, postcode=postcode, text=text, country_name=_country_of_name
    )


def _address_text(value) -> str:
    if isinstance(value, list):
        return "\n".join(v for v in value if v)
    return value or ""


def _first_phone_region(data: dict) -> str | None:
    """The country of the first number of the row written with its + prefix (stored E.164)."""
    import phonenumbers

    default = settings.PHONE_DEFAULT_REGION
    _patterns, default_prefix = _mobile_pattern(default)
    for key, _label in PHONE_KEYS:
        numbers = data.get(key)
        for number in [numbers] if isinstance(numbers, str) else numbers or ():
            if default_prefix and number.startswith(default_prefix):
                return default
            try:
                region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
            except phonenumbers.NumberParseException:
                continue
            if region and region != "001":
                return region
    return None


@dataclasses.dataclass
class _KeptPhoneNote:
    """The warning of a person's number valid in no region, worded once the row's fate is
    known: kept as written when the person is imported, else only what is wrong with it."""

    column: str
    value: str
    region: str
    problem: str

    def text(self, kept: bool) -> str:
        if not kept:
            return _reason(self.column, self.problem)
        return _reason(
            self.column,
            _(
                "“%(value)s” is not a valid phone number (read as a number of %(region)s); it "
                "is kept as written, apart from the phone numbers."
            )
            % {"value": self.value, "region": self.region},
        )


def _notes(warnings: list, *, kept: bool) -> list[str]:
    return [w.text(kept) if isinstance(w, _KeptPhoneNote) else w for w in warnings]


# --- The cleaner ---------------------------------------------------------------------------------

IDENTITY_FIELDS = {"owner", "external_id", "tags", "company"}
INTERACTION_COPIED = ("channel", "direction", "occurred_at", "subject", "content", "outcome")
PAYMENT_COPIED = ("amount", "paid_at", "method", "reference", "notes")
ORDER_COPIED = (
    "order_ref",
    "placed_at",
    "currency",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "discount_percent",
)
# Person fields that go to `CleanRow.fields` as they are.
PERSON_COPIED = (
    "middle_name",
    "nickname",
    "website",
    "gender",
    "birthday",
    "job_title",
    "department",
    *ADDRESS_KEYS,
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "notes",
)


class RowCleaner:
    """Checks rows of one import. Build it once (it reads custom field definitions), then call
    `clean(values)` per row.

    `mapping` is column name → field key (see mapping.propose_mapping); `columns` the reader's
    columns, which give each name its position. `defaults` (field key → text) fill a field whose
    column is missing or empty; an invalid default raises ValidationFailed here, not per row.
    """

    def __init__(
        self,
        target: str,
        mapping: dict[str, str],
        defaults: dict[str, str] | None = None,
        *,
        actor=None,
        columns: list[str] | None = None,
        date_order: str = "dmy",
    ):
        if target not in SUPPORTED_TARGETS:
            raise ValueError(f"Unsupported import target: {target!r}")
        if columns is None:
            raise TypeError("RowCleaner needs the reader's columns (columns=reader.columns).")
        self.target = target
        self.actor = actor
        self.month_first = date_order == "mdy"
        self.columns = list(columns)
        self.fields = {f.key: f for f in import_fields(target)}
        self._definitions = self._custom_definitions()
        self._handlers: dict[str, Any] = {}
        positions = {name: i for i, name in enumerate(self.columns)}
        self._plan: list[tuple[int, str, str, Any]] = []
        for column, key in mapping.items():
            if key not in self.fields:
                raise ValueError(f"Unknown field {key!r} for {target}")
            if column not in positions:
                raise ValueError(f"Column {column!r} is not in the file")
            self._plan.append((positions[column], column, key, self._handler(self.fields[key])))
        self._plan.sort()
        mapped = {key for _i, _c, key, _h in self._plan}
        self.defaults: dict[str, Any] = {}
        errors = FieldErrors()
        for key, raw in (defaults or {}).items():
            if key not in self.fields:
                errors.add(f"defaults.{key}", _("Unknown field."))
                continue
            if raw in (None, "", []):
                continue
            if isinstance(raw, list | tuple):
                if len(raw) > MAX_LIST_ITEMS:
                    errors.add(
                        f"defaults.{key}",
                        _("Give at most %(limit)s entries.") % {"limit": MAX_LIST_ITEMS},
                    )
                    continue
                raw = "\n".join(str(item) for item in raw)  # tags, phones: one per line
            try:
                self.defaults[key] = self._handler(self.fields[key])(str(raw).strip())
            except FieldError as exc:
                errors.add(f"defaults.{key}", str(exc))
        errors.raise_if_any()
        # Required custom fields are enforced only when the file or a default fills them:
        # otherwise every row of a file without that column would be rejected.
        self._required = [
            f
            for f in self.fields.values()
            if f.required and (f.key in mapped or f.key in self.defaults)
        ]
        self._required_base = [
            f for f in self.fields.values() if f.required and not f.key.startswith(CUSTOM_PREFIX)
        ]
        self._required_all = list(dict.fromkeys(self._required_base + self._required))
        self._width = len(self.columns)
        self._name_limit = self.fields["full_name"].max_length if "full_name" in self.fields else 0
        self._build = getattr(self, f"_build_{target}")
        self._labelling = _labelling_plan(mapping, positions)
        self._field_rules()

    @classmethod
    def for_reader(cls, reader, target: str, mapping: dict[str, str], defaults=None, **kwargs):
        return cls(target, mapping, defaults, columns=reader.columns, **kwargs)

    def _custom_definitions(self) -> dict[str, CustomFieldDefinition]:
        record_type = {"persons": RecordType.PERSON, "companies": RecordType.COMPANY}.get(
            self.target
        )
        if record_type is None:
            return {}
        return {
            f"{CUSTOM_PREFIX}{d.key}": d
            for d in CustomFieldDefinition.objects.filter(record_type=record_type, is_active=True)
        }

    # Handlers take the stripped, non-empty text of a cell and return the clean value or raise
    # FieldError. Repeatable fields return a list.

    def _handler(self, field: ImportField):
        key, kind, limit = field.key, field.kind, field.max_length
        if key in self._definitions:
            return self._custom_handler(self._definitions[key])
        if key in COUNTRY_KEYS:
            return _country
        if key == "birthday" and self.target == "persons":
            month_first = self.month_first
            return lambda text: parse_birthday(text, month_first=month_first)
        if kind == "phone":
            if field.repeatable:
                return lambda text: [normalize_phone_fast(p) for p in _split(text) if p]
            return lambda text: normalize_phone_fast(_one_value(text))
        if kind == "email":
            if field.repeatable:
                return lambda text: [normalize_email_fast(p) for p in _split(text) if p]
            return lambda text: normalize_email_fast(_one_value(text))
        if kind == "date":
            month_first = self.month_first
            return lambda text: _optional_date(text, month_first)
        if kind == "datetime":
            month_first = self.month_first
            return lambda text: parse_import_datetime(text, month_first=month_first)
        if kind == "choice":
            return _choice_handler(key, field.choices)
        if kind == "multi":
            return lambda text: _tags(text, limit)
        if kind == "money":
            return _money
        if kind == "int":
            return _int
        if kind == "bool":
            return _bool
        if key == "website":
            return lambda text: normalize_website(_text(text, limit or len(text)))
        if key in LABELLING_KEYS:
            return _read_later
        if field.repeatable:
            # Several columns of one text field (Street, Street 2, PO Box): all kept, joined.
            return lambda text: [_text(text, limit or len(text))]
        if limit is None:
            return str
        return lambda text: _text(text, limit)

    def _custom_handler(self, definition: CustomFieldDefinition):
        kind = definition.field_type
        month_first = self.month_first

        def handle(text: str):
            raw: Any = text
            if kind == CustomFieldType.DATE:
                raw = _optional_date(text, month_first)
            elif kind == CustomFieldType.MULTI_CHOICE:
                raw = split_multi(text, TAG_SEPARATORS)
            return clean_custom_value(definition, raw)

        return handle

    # --- Rows ------------------------------------------------------------------------------------

    def clean(self, values: list[str]) -> CleanRow | RejectedRow:
        if isinstance(values, FlawedRow):
            return RejectedRow([_flaw_reason(values)])
        reasons: list[str] = []
        width = len(values)
        if width > self._width and any(v.strip() for v in values[self._width :] if v):
            reasons.append(
                _("The row has %(count)d values but the file has %(columns)d columns.")
                % {"count": width, "columns": self._width}
            )
        data: dict[str, Any] = {}
        warnings: list[str] = []
        raw_phones: list[dict[str, str]] = []
        region = None  # the row's country, found when a phone number needs it
        for index, column, key, handler in self._plan:
            if index >= width:
                continue
            text = values[index].strip()
            if not text:
                continue
            # Most cells start with a letter or digit and hold nothing odd: only the others are
            # looked at character by character.
            if not text[0].isalnum() or _odd_characters(text):
                # A quote before = + - @ is the formula guard of Rapport's CSV exports (and of
                # other tools that follow OWASP; see exports.writers): the value comes after it.
                if text[0] == "'" and text[1:2] and text[1] in "=+-@\t\r":
                    text = text[1:]
                try:
                    text = _visible_cell(text)
                except FieldError as exc:
                    reasons.append(_reason(column, exc))
                    continue
                if not text:
                    continue
            try:
                if key in self._phone_keys:
                    if region is None and text[0] != "+":
                        region = self._row_region(values)
                    value = self._phones(
                        text, key, column, region or self._default_region, warnings, raw_phones
                    )
                else:
                    value = handler(text)
            except FieldError as exc:
                (warnings if key in self._soft else reasons).append(_reason(column, exc))
                continue
            if value is None:
                continue  # a placeholder for "no value", like Outlook's 0/0/00 for a date
            if key not in data:
                data[key] = value
            elif value.__class__ is list:
                data[key] = data[key] + value
            # A second column for a single field only fills it when the first was empty.
        if self.defaults:
            for key, value in self.defaults.items():
                if key not in data:
                    data[key] = value
        if self._labelling is not None:
            self._labelling.read(values, data)
        if reasons:
            return RejectedRow(reasons + _notes(warnings, kept=False))
        if self._contact:
            return self._with_warnings(data, warnings, raw_phones)
        return self._build(data)

    # --- Field-level rules (contact imports) -----------------------------------------------------

    def _field_rules(self) -> None:
        soft = self._contact = self.target in SOFT_TARGETS
        self._default_region = settings.PHONE_DEFAULT_REGION
        keys = {key for _i, _c, key, _h in self._plan}
        self._soft = {
            key
            for key in keys
            if soft
            and (
                self.fields[key].kind in SOFT_KINDS
                or key in COUNTRY_KEYS
                or (
                    key in self._definitions
                    and self._definitions[key].field_type != CustomFieldType.TEXT
                )
            )
        }
        self._phone_keys = {key for key in self._soft if self.fields[key].kind == "phone"}
        self._region_sources = _region_sources(self._plan)
        self._phone_labels = dict(PHONE_KEYS) if self.target == "persons" else None
        self._address_prefixes = [
            prefix for prefix, _label in ADDRESS_GROUPS if f"{prefix}country" in self.fields
        ]
        # Per address: its country key, the keys of its other parts, and those read for the
        # country it is in (province, city, postcode, the rest as text).
        self._address_keys = [
            (
                f"{p}country",
                tuple(f"{p}{k}" for k in (*ADDRESS_KEYS[1:], "address_text")),
                f"{p}province",
                f"{p}city",
                f"{p}postcode",
                (f"{p}street", f"{p}address_text"),
            )
            for p in self._address_prefixes
        ]

    def _row_region(self, values: list[str]) -> str:
        """The country the row's phone numbers without + are read in: its country cell, else
        the one its address shows, else the installation's default."""
        sources = self._region_sources
        if sources is not None:
            width = len(values)

            def cell(index: int) -> str:
                return values[index].strip() if index < width and values[index] else ""

            for index in sources.countries:
                code = country_code(cell(index)) if cell(index) else None
                if code:
                    return code
            for province, city, postcode, text in sources.addresses:
                found = _address_region(
                    " ".join(map(cell, province)),
                    " ".join(map(cell, city)),
                    " ".join(map(cell, postcode)),
                    "\n".join(map(cell, text)),
                )
                if found:
                    return found
        return self._default_region

    def _phones(self, text, key, column, region, warnings, raw_phones):
        """The numbers of a phone cell read in the row's `region`. One valid in no region is
        left out with a warning; a person keeps it as written (Person.raw_phones)."""
        repeatable = self.fields[key].repeatable
        pieces = [p for p in _split(text) if p] if repeatable else [_one_value(text)]
        numbers = []
        for piece in pieces:
            try:
                number, note = phone_in_region(piece, region)
            except FieldError as exc:
                if self._phone_labels is None or not repeatable:
                    raise
                if len(piece) > 40 or sum(c.isdigit() for c in piece) < 3:
                    warnings.append(_reason(column, exc))
                    continue
                raw_phones.append({"label": self._phone_labels.get(key, "other"), "raw": piece})
                warnings.append(_KeptPhoneNote(column, piece, region, str(exc)))
                continue
            if note:
                warnings.append(_reason(column, note))
            numbers.append(number)
        if not repeatable:
            return numbers[0]
        return numbers or None

    def _fill_countries(self, data: dict) -> None:
        """Each address of the row without a country gets the one it shows, else the row's
        (another address's, the country of a number written with +), else the default."""
        given = None  # a country the row gives for one of its addresses
        missing = []
        for country, parts, province, city, postcode, text in self._address_keys:
            if data.keys().isdisjoint(parts):
                continue  # the data holds only the cells that are not empty
            if country in data:
                given = given or data[country]
                continue
            found = _address_region(
                _address_text(data.get(province)),
                _address_text(data.get(city)),
                _address_text(data.get(postcode)),
                "\n".join(_address_text(data.get(key)) for key in text),
            )
            missing.append((country, found))
        if not missing:
            return
        fallback = (
            given
            or next((code for _key, code in missing if code), None)
            or _first_phone_region(data)
            or self._default_region
        )
        for country, found in missing:
            data[country] = found or fallback

    def _with_warnings(self, data: dict, warnings: list[str], raw_phones: list) -> Any:
        """Build a row of a contact import: its birthday's month and day, the countries of its
        addresses, a name when it has none, then the warnings and kept phone numbers."""
        birthday = data.get("birthday")
        month_day = None
        if birthday is not None and self.target == "persons":
            if isinstance(birthday, MonthDay):
                del data["birthday"]
            month_day = (birthday.month, birthday.day)
        if self._address_prefixes:
            self._fill_countries(data)
        if self.target == "persons":
            self._name_from_contacts(data, warnings)
        row = self._build(data)
        if isinstance(row, RejectedRow):
            row.reasons += _notes(warnings, kept=False)
            return row
        kept = bool(raw_phones) and not row.company_only
        if month_day and not row.company_only:
            row.fields["birth_month"], row.fields["birth_day"] = month_day
        row.warnings = _notes(warnings, kept=kept)
        if kept:
            row.raw_phones = list({p["raw"]: p for p in raw_phones}.values())
        return row

    def _name_from_contacts(self, data: dict, warnings: list[str]) -> None:
        """A person row with no name and no company is still someone: named by its nickname,
        else its first e-mail address or phone number, with a warning. A row with none of
        these is rejected as before."""
        if any(data.get(k) for k in ("full_name", "given_name", "middle_name", "family_name")):
            return
        if data.get("company"):
            return
        for key in ("nickname", *(k for k, _l in EMAIL_KEYS), *(k for k, _l in PHONE_KEYS)):
            value = data.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if value:
                data["full_name"] = value[: self._name_limit]
                warnings.append(
                    _("The row has no name: “%(name)s” is used as the name.") % {"name": value}
                )
                return

    def _name_problem(self, full_name: str) -> str | None:
        if not full_name:
            return _reason(_("Name"), _("Enter a name."))
        limit = self._name_limit
        if len(full_name) > limit:
            return _reason(_("Name"), too_long(limit, len(full_name)))
        return None

    def _reject_missing(self, data: dict, names: dict[str, str] | None = None) -> list[str]:
        reasons = []
        for field in self._required_all:
            if data.get(field.key) in (None, "", []) and field.key not in (names or {}):
                reasons.append(_reason(field.label, _("This field is required.")))
        return reasons

    def _common(self, data: dict, row: CleanRow) -> None:
        """Owner, external id, tags, custom values and match keys, the same for every target."""
        row.owner_username = data.get("owner", "")
        row.external_id = data.get("external_id", "")
        if "tags" in data:
            row.tags = list(dict.fromkeys(data["tags"]))
        if self._definitions:
            custom = {
                k[len(CUSTOM_PREFIX) :]: v
                for k, v in data.items()
                if k in self._definitions and v is not None
            }
            if custom:
                row.fields["custom"] = custom
        if row.external_id:
            row.match_keys.append(("external_id", row.external_id))

    def _build_persons(self, data: dict) -> CleanRow | RejectedRow:
        full_name = data.get("full_name", "")
        given = data.get("given_name", "")
        middle = data.get("middle_name", "")
        family = data.get("family_name", "")
        if not full_name:
            full_name = join_name(" ".join(p for p in (given, middle) if p), family)
        elif not given and not family:
            given, family = split_name(full_name)
        if not full_name and data.get("company"):
            return self._company_only(data)
        if not full_name or len(full_name) > self._name_limit:
            return RejectedRow([self._name_problem(full_name)])
        if self._required_all:
            missing = self._reject_missing(data, {"full_name": full_name})
            if missing:
                return RejectedRow(missing)
        fields = {"full_name": full_name}
        if given:
            fields["given_name"] = given
        if family:
            fields["family_name"] = family
        for key in PERSON_COPIED:
            if key in data:
                fields[key] = data[key]
        lines = list(data.get("note_line") or ())
        addresses = _person_addresses(data, lines)
        # The first address also in `fields`, where the region of a new person comes from.
        first = addresses[0][1] if addresses else {}
        for key in ADDRESS_KEYS:
            fields.pop(key, None)
            if first.get(key):
                fields[key] = first[key]
        if not data.get("company"):
            # A job title or department without a company has no employment to sit on.
            moved = [
                f"{caption}: {fields.pop(key)}"
                for key, caption in (("job_title", _("Job title")), ("department", _("Department")))
                if fields.get(key)
            ]
            lines[:0] = moved
        if lines:
            fields["notes"] = "\n".join(filter(None, [fields.get("notes", ""), *lines]))
        row = CleanRow(fields=fields, company_name=data.get("company", ""), addresses=addresses)
        row.phones, row.phone_labels = _labelled(data, PHONE_KEYS, "phone", _label_of_number)
        row.emails, row.email_labels = _labelled(data, EMAIL_KEYS, "email", _label_of_email)
        self._common(data, row)
        # A fax number is often a whole office's: it does not tell a person.
        row.match_keys += [("phone", p) for p in row.phones if row.phone_labels[p] != "fax"]
        row.match_keys += [("email", e) for e in row.emails]
        return row

    def _company_only(self, data: dict) -> CleanRow | RejectedRow:
        """A person row with a company and no person: the company, with the row's contact
        details (its first phone and e-mail, website, address, notes)."""
        name = data["company"]
        lines = list(data.get("note_line") or ())
        addresses = _person_addresses(data, lines)
        phones, phone_labels = _labelled(data, PHONE_KEYS, "phone", _label_of_number)
        emails, _labels = _labelled(data, EMAIL_KEYS, "email", _label_of_email)
        fields: dict[str, Any] = {"name": name}
        for key in ("website", "industry", "region", "source", "lifecycle_stage"):
            if data.get(key):
                fields[key] = data[key]
        phone = next((p for p in phones if phone_labels[p] != "fax"), phones[0] if phones else "")
        if phone:
            fields["phone"] = phone
        if emails:
            fields["email"] = emails[0]
        # What has no column on a company is kept in its notes.
        more = [
            f"{_('Fax') if phone_labels[p] == 'fax' else _('Phone')}: {p}"
            for p in phones
            if p != phone
        ]
        more += [f"{_('E-mail')}: {e}" for e in emails[1:]]
        for key, caption in (("job_title", _("Job title")), ("department", _("Department"))):
            if data.get(key):
                more.append(f"{caption}: {data[key]}")
        notes = "\n".join(filter(None, [data.get("notes", ""), *more, *lines]))
        if notes:
            fields["notes"] = notes
        if addresses:
            fields.update(addresses[0][1])
        row = CleanRow(fields=fields, company_name=name, addresses=addresses[:1])
        row.company_only = True
        self._common(data, row)
        row.match_keys = [("name", name.casefold())]
        return row

    def _build_companies(self, data: dict) -> CleanRow | RejectedRow:
        missing = self._reject_missing(data)
        if missing:
            return RejectedRow(missing)
        fields = {
            k: v
            for k, v in data.items()
            if k not in IDENTITY_FIELDS and not k.startswith(CUSTOM_PREFIX)
        }
        row = CleanRow(fields=fields, company_name=data["name"])
        if data.get("phone"):
            row.phones = [data["phone"]]
        if data.get("email"):
            row.emails = [data["email"]]
        self._common(data, row)
        row.match_keys += [("phone", p) for p in row.phones] + [("email", e) for e in row.emails]
        row.match_keys.append(("name", data["name"].casefold()))
        return row

    def _build_leads(self, data: dict) -> CleanRow | RejectedRow:
        full_name = data.get("full_name") or join_name(
            data.get("given_name", ""), data.get("family_name", "")
        )
        problem = self._name_problem(full_name)
        if problem:
            return RejectedRow([problem])
        fields = {"full_name": full_name}
        for key in ("job_title", "phone", "email", "region", "city", "source", "campaign",
                    "budget", "message", "status"):  # fmt: skip
            if key in data:
                fields[key] = data[key]
        if data.get("company"):
            fields["company_name"] = data["company"]
        row = CleanRow(fields=fields, company_name=data.get("company", ""))
        row.phones = [data["phone"]] if data.get("phone") else []
        row.emails = [data["email"]] if data.get("email") else []
        self._common(data, row)
        row.match_keys += [("phone", p) for p in row.phones] + [("email", e) for e in row.emails]
        return row

    def _build_products(self, data: dict) -> CleanRow | RejectedRow:
        missing = self._reject_missing(data)
        if missing:
            return RejectedRow(missing)
        fields = dict(data)
        fields["currency"] = fields.get("currency", "CNY")
        row = CleanRow(fields=fields)
        row.match_keys.append(("sku", data["sku"]))
        return row

    def _build_interactions(self, data: dict) -> CleanRow | RejectedRow:
        """The interaction's values; the customer (by phone, e-mail and company) and the user
        who logged it are looked up by the writer, a batch at a time."""
        missing = self._reject_missing(data)
        if missing:
            return RejectedRow(missing)
        phones = list(dict.fromkeys(data.get("phone") or ()))
        emails = list(dict.fromkeys(data.get("email") or ()))
        if not phones and not emails:
            return RejectedRow([_("Give the customer's phone number or e-mail.")])
        fields = {key: data[key] for key in INTERACTION_COPIED if key in data}
        fields.setdefault("direction", "outbound")
        row = CleanRow(fields=fields, phones=phones, emails=emails)
        row.company_name = data.get("company", "")
        row.owner_username = data.get("logged_by", "")
        return row

    def _build_orders(self, data: dict) -> CleanRow | RejectedRow:
        """One line of an order; the writer groups the lines and finds the customer (named on
        the order's first row) and the product (by SKU)."""
        missing = self._reject_missing(data)
        if missing:
            return RejectedRow(missing)
        if not data.get("sku") and not data.get("description"):
            return RejectedRow([_("Give the product's SKU or describe the line.")])
        fields = {key: data[key] for key in ORDER_COPIED if key in data}
        row = CleanRow(
            fields=fields,
            phones=list(dict.fromkeys(data.get("phone") or ())),
            emails=list(dict.fromkeys(data.get("email") or ())),
        )
        row.company_name = data.get("company", "")
        return row

    def _build_payments(self, data: dict) -> CleanRow | RejectedRow:
        """The payment's values and its order's number; the order is found by the writer, and
        `payment_record` checks the amount and time against it."""
        missing = self._reject_missing(data)
        if missing:
            return RejectedRow(missing)
        fields = {key: data[key] for key in PAYMENT_COPIED if key in data}
        # Numbers are written SO-2024-12; "so-2024-12" in a spreadsheet is the same order.
        fields["order_number"] = data["order_number"].upper()
        return CleanRow(fields=fields)

    @property
    def fields_mapped(self) -> set[str]:
        return {key for _i, _c, key, _h in self._plan} | set(self.defaults)


# --- Labels and notes read from the whole row -----------------------------------------------------

# "Phone 1 - Label" is the label of "Phone 1 - Value"; "Address 2 - Type" of "Address 2 - City".
_LABEL_COLUMN = re.compile(r"(?P<prefix>.+?)\s+-\s+(?:Label|Type)")
_VALUE_COLUMN = re.compile(r"(?P<prefix>.+?)\s+-\s+.+")
_ADDRESS_FIELD_KEYS = {
    f"{prefix}{part}": prefix
    for prefix, _label in ADDRESS_GROUPS
    for part in (*ADDRESS_KEYS, "address_text")
}


def _read_later(text: str) -> None:
    """The handler of LABELLING_KEYS: the cell is read with its neighbours, by _Labelling."""
    return None


def contact_label(text: str) -> str | None:
    """The ContactLabel a label cell means ("* Home" → home, "Work Fax" → fax, a label of the
    user's own → other), or None for an empty one."""
    word = re.sub(r"[\s_\-*]+", "", text.casefold())
    if not word:
        return None
    return LABEL_WORDS.get(word, "other")


def _digits(number: str) -> str:
    """A phone number's digits without trunk zeros, to tell a normalised number by the cell it
    came from: "+86 755 8888 1234" ends with those of "0755-8888 1234"."""
    return re.sub(r"\D", "", number).lstrip("0")


def _label_of_number(number, labels: dict[str, str]) -> str | None:
    if not labels or not isinstance(number, str):
        return None
    digits = _digits(number)
    for written, label in labels.items():
        if written and digits.endswith(written):
            return label
    return None


@dataclasses.dataclass
class _Labelling:
    """What is read from a row after its cells: the label columns beside phones, e-mails and
    addresses, and the lines that go to the notes under their column's name (or the label
    beside them: Google's "Relation 1 - Label: Spouse" and "Relation 1 - Value: Anna" give
    "Spouse: Anna"). Results go to the row's data under "_phone_labels", "_email_labels",
    "_address_labels" (address field prefix → label) and "note_line"."""

    contacts: list[tuple[int, int, str]]  # (value index, label index, "phone" or "email")
    groups: list[tuple[int, str]]  # (label index, address field prefix)
    notes: list[tuple[int, str, int | None]]  # (index, column, label index)

    def read(self, values: list[str], data: dict) -> None:
        width = len(values)

        def cell(index: int | None) -> str:
            if index is None or index >= width or not values[index]:
                return ""
            return values[index].strip()

        for index, label_index, kind in self.contacts:
            text, label = cell(index), contact_label(cell(label_index))
            if not text or label is None:
                continue
            found = data.setdefault(f"_{kind}_labels", {})
            for piece in _split(text):
                if kind == "phone":
                    found[_digits(piece)] = label
                else:
                    found[piece.strip().casefold()] = label
        for label_index, prefix in self.groups:
            label = contact_label(cell(label_index))
            if label in ("home", "work", "other"):
                data.setdefault("_address_labels", {})[prefix] = label
        for index, column, label_index in self.notes:
            text = cell(index)
            if not text or text in EMPTY_DATES:
                continue  # Outlook writes 0/0/00 in an anniversary it does not know
            try:
                text = _visible_cell(text)
            except FieldError:
                continue  # the cell's own check has given the reason
            if column in CAPTIONED_COLUMNS:
                data.setdefault("note_line", []).extend(text.splitlines())
                continue
            caption = cell(label_index).lstrip("* ").strip() or NOTE_CAPTIONS.get(column, column)
            data.setdefault("note_line", []).append(f"{caption}: {text}")


def _labelling_plan(mapping: dict[str, str], positions: dict[str, int]) -> _Labelling | None:
    label_columns = {}
    for column, key in mapping.items():
        match = _LABEL_COLUMN.fullmatch(column)
        if key == "contact_label" and match:
            label_columns[match["prefix"]] = positions[column]
    plan = _Labelling([], [], [])
    for column, key in mapping.items():
        match = _VALUE_COLUMN.fullmatch(column)
        label_index = label_columns.get(match["prefix"]) if match else None
        if key == "note_line":
            plan.notes.append((positions[column], column, label_index))
        elif label_index is None:
            continue
        elif key in dict(PHONE_KEYS):
            plan.contacts.append((positions[column], label_index, "phone"))
        elif key in dict(EMAIL_KEYS):
            plan.contacts.append((positions[column], label_index, "email"))
        elif key in _ADDRESS_FIELD_KEYS:
            plan.groups.append((label_index, _ADDRESS_FIELD_KEYS[key]))
    if not (plan.contacts or plan.groups or plan.notes):
        return None
    plan.notes.sort()
    plan.groups = sorted(set(plan.groups))
    return plan


def _joined(value) -> str:
    """A text field filled from several columns (Street, Street 2, PO Box), one line each."""
    if isinstance(value, list):
        return ", ".join(dict.fromkeys(v for v in value if v))
    return value or ""


def _person_addresses(data: dict, lines: list[str]) -> list[tuple[str, dict[str, str]]]:
    """Each address group the row fills, as (label, parts). A whole address in one cell
    (Google's "Address 1 - Formatted") is its street when no part is given. A street longer
    than the field goes to the notes whole instead of being cut."""
    labels = data.get("_address_labels") or {}
    addresses = []
    for prefix, label in ADDRESS_GROUPS:
        parts = {k: _joined(data.get(f"{prefix}{k}")) for k in ADDRESS_KEYS}
        text = data.get(f"{prefix}address_text") or ""
        if text and not any(parts[k] for k in ADDRESS_KEYS if k != "country"):
            parts["street"] = ", ".join(p.strip() for p in text.splitlines() if p.strip())
        if len(parts["street"]) > STREET_LIMIT:
            lines.append(f"{_('Address')}: {parts['street']}")
            parts["street"] = ""
        if any(parts[k] for k in ADDRESS_KEYS if k != "country"):
            addresses.append((labels.get(prefix, label), parts))
    return addresses


def _labelled(data: dict, keys, kind: str, match) -> tuple[list[str], dict[str, str]]:
    """The row's phones or e-mails in the order of `keys`, each with its label: the label
    column beside it, else the field's."""
    written = data.get(f"_{kind}_labels") or {}
    values: list[str] = []
    labels: dict[str, str] = {}
    for key, default in keys:
        for value in data.get(key) or ():
            if value in labels:
                continue
            values.append(value)
            labels[value] = match(value, written) or default
    return values, labels


def _label_of_email(email, labels: dict[str, str]) -> str | None:
    return labels.get(email.casefold()) if isinstance(email, str) else None


# --- Small rules ---------------------------------------------------------------------------------


def _one_value(text: str) -> str:
    """The cell of a field that takes one phone or e-mail. Several in it ("138… / 139…") are
    refused: the forms' parser would keep the first and silently drop the others."""
    if len(split_multi(text)) > 1:
        raise FieldError(
            _("“%(value)s” holds several values; this field takes one.") % {"value": text}
        )
    return text


def _odd_characters(text: str) -> bool:
    return bool(FORBIDDEN_CHARACTERS.search(text) or BIDI_CONTROLS.search(text))


def _visible_cell(text: str) -> str:
    """A cell as `clean_text` reads text: files do not pass the request middleware, so a NUL or
    lone surrogate is refused here, before the database driver fails on it."""
    fault = forbidden_character_message(text)
    if fault:
        raise FieldError(fault)
    return visible_text(text)


def _text(text: str, limit: int) -> str:
    if len(text) > limit:
        raise FieldError(too_long(limit, len(text)))
    return text


def _tags(text: str, limit: int | None) -> list[str]:
    names = []
    for name in split_multi(text, TAG_SEPARATORS):
        if name.startswith("* "):
            continue  # Google's system groups: "* myContacts", "* starred"
        name = visible_text(name)
        if not name:
            continue
        if limit is not None and len(name) > limit:
            raise FieldError(
                _("The tag “%(name)s” is too long: %(message)s")
                % {"name": name[:20] + "…", "message": too_long(limit, len(name))}
            )
        names.append(name)
    return names


def _choice_handler(key: str, choices):
    lookup = choice_lookup(key, choices)

    def handle(text: str) -> str:
        code = lookup.get(_fold(text))
        if code is None:
            raise FieldError(_("“%(value)s” is not a valid choice.") % {"value": text})
        return code

    return handle


def _country(text: str) -> str:
    code = COUNTRIES.get(_fold(text).replace(".", "")) or country_by_name(text)
    if code:
        return code
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    raise FieldError(_("Use a two-letter country code, e.g. CN."))


def country_code(text: str) -> str | None:
    """The region a country cell or a country's name names (a code libphonenumber knows), or
    None."""
    import phonenumbers

    code = COUNTRIES.get(_fold(text).replace(".", "")) or country_by_name(text)
    if code is None and re.fullmatch(r"[A-Za-z]{2}", text.strip()):
        code = text.strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


CURRENCY_MARKS = re.compile(r"^[¥￥$]|^(?:CNY|RMB|USD)\s*|\s*(?:元|CNY|RMB)$")


def _money(text: str):
    errors = FieldErrors()
    amount = clean_money(CURRENCY_MARKS.sub("", text), "value", errors, rules=STRICT_MONEY)
    if errors:
        raise FieldError(errors["value"][0])
    return amount


def _int(text: str) -> int:
    number = parse_int(text)
    if number is None:
        raise FieldError(_("Enter a whole number."))
    return number


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FieldError(_("Choose yes or no."))


def join_name(given: str, family: str) -> str:
    """A full name from its parts: 张 + 伟 → 张伟 (family first, no space), Emily + Carter →
    Emily Carter."""
    if not given or not family:
        return given or family
    if CJK.search(given) or CJK.search(family):
        return f"{family}{given}"
    return f"{given} {family}"


def split_name(full_name: str) -> tuple[str, str]:
    """(given, family) of a Western name: "Emily Carter" → (Emily, Carter), "Carter, Emily" →
    (Emily, Carter), "Mary Ann Smith" → (Mary Ann, Smith). A Chinese name or a single word is
    not split: the English name fields stay empty."""
    if CJK.search(full_name):
        return "", ""
    if "," in full_name:
        family, _sep, given = full_name.partition(",")
        return given.strip(), family.strip()
    parts = full_name.split()
    if len(parts) < 2:
        return "", ""
    return " ".join(parts[:-1]), parts[-1]


def _reason(column, message) -> str:
    """A rejected row's reason: the column, then what is wrong with its value."""
    return _("%(column)s: %(message)s") % {"column": column, "message": message}


def _flaw_reason(values: FlawedRow) -> str:
    first, last = values.lines
    if values.problem == "too_long":
        return _("Line %(line)d has a value longer than %(limit)d characters.") % {
            "line": first,
            "limit": csv.field_size_limit(),
        }
    if values.problem == "undecodable":
        if first == last:
            return _("Line %(line)d has characters that are not in the file's encoding.") % {
                "line": first
            }
        return _(
            "Lines %(first)d–%(last)d have characters that are not in the file's encoding."
        ) % {"first": first, "last": last}
    if first == last:
        return _('Line %(line)d: a quote (") is not closed where it should be.') % {"line": first}
    return _('Lines %(first)d–%(last)d: a quote (") is not closed where it should be.') % {
        "first": first,
        "last": last,
    }


__all__ = [
    "CleanRow",
    "RejectedRow",
    "RowCleaner",
    "ValidationFailed",
    "join_name",
    "normalize_email_fast",
    "normalize_phone_fast",
    "parse_import_date",
    "parse_import_datetime",
    "split_name",
]
