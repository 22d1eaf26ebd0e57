"""How money, dates and times read in the active language, one rule for pages, e-mails and jobs.

The separators and date patterns live in the locale format modules under config/formats/
(settings.FORMAT_MODULE_PATH), so `{{ value|date }}`, `{{ amount|money }}` and Python code
calling these functions print the same thing. Exports do not use them: a CSV or xlsx file
keeps machine-readable numbers and ISO dates (docs/decisions.md).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats, timezone, translation

# What a missing amount prints as, in every language and everywhere.
MISSING = "—"

_CENTS = Decimal("0.01")


def _as_decimal(amount) -> Decimal | None:
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, bool):
        return None
    if isinstance(amount, int):
        return Decimal(amount)
    # A float reaching here goes through its shortest repr, not its binary expansion
    # (0.1 → "0.1", not 0.1000000000000000055…).
    try:
        return Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return None


def format_money(amount, currency: str | None = None) -> str:
    """An amount with two decimals and the active language's thousands separator.

    `format_money(Decimal("1207014"), "CNY")` → "1,207,014.00 CNY" in both zh-Hans and en.
    Rounds half up to cents (how an invoice rounds), never through a float. None or a
    value that is not a number prints as MISSING.
    """
    value = _as_decimal(amount) if amount is not None and amount != "" else None
    if value is None or not value.is_finite():
        return MISSING
    value = value.quantize(_CENTS, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no "-0.00"
    text = formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}" if currency else text


def format_number(value) -> str:
    """A count with the active language's thousands separator: 1234567 → "1,234,567"."""
    if value is None or value == "":
        return MISSING
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def format_date(value) -> str:
    """A date (or the local date of a datetime) in the active language's DATE_FORMAT."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return formats.date_format(value, "DATE_FORMAT")


def format_birthday(birthday, month: int | None, day: int | None) -> str:
    """A birthday in the active language: the date when the year is known, else month and day
    in MONTH_DAY_FORMAT ("Jul 14", "7月14日"); empty when there is none."""
    if birthday:
        return format_date(birthday)
    if not (month and day):
        return ""
    # A leap year, so that 29 February prints.
    return formats.date_format(datetime.date(2000, month, day), "MONTH_DAY_FORMAT")


def format_datetime(value) -> str:
    """A datetime in the active language's DATETIME_FORMAT, in the installation's time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


_SENTENCE_ENDS = ".!?。！？…"


def join_sentences(sentences) -> str:
    """Messages that are each a sentence, as one text in the active language.

    English: "Phone: not a number. Email: not an address." (each ends with a full stop, then a
    space); Chinese: "电话：不是号码。邮箱：不是地址。" (full-width stops, no space). Never ".; ".
    """
    chinese = (translation.get_language() or "").startswith("zh")
    stop = "。" if chinese else "."
    texts = []
    for sentence in sentences:
        text = str(sentence).strip()
        if not text:
            continue
        texts.append(text if text[-1] in _SENTENCE_ENDS else text + stop)
    return ("" if chinese else " ").join(texts)
