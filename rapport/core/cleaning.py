"""Reading untrusted input (API JSON, form posts, imports) into clean values, field by field.

Services validate the whole input before saving anything. Each `clean_*` function takes the raw
value, the field name its message is filed under and a `FieldErrors`; it returns the clean value,
or None (an empty text for text) after adding a message. The service then raises everything at
once with `errors.raise_if_any()`, so the API answers 422 with a message per field and a form
shows each message next to its input.

The messages are part of the product: translated, and matched by tests. Where screens worded a
rule differently before these functions were shared, the difference is a parameter (or, for
money, a `MoneyRules`), so each caller keeps what it says.
"""

import dataclasses
import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import ValidationFailed

CENT = Decimal("0.01")
# Money columns are DecimalField(max_digits=14, decimal_places=2): twelve digits before the point.
MONEY_LIMIT = Decimal("999999999999.99")
# A time a little ahead of the server's clock is skew between machines, not "in the future".
CLOCK_SKEW = datetime.timedelta(minutes=5)
# The range of the database's 64-bit integer columns (ids are 1 and up): a number outside it is
# refused as input, since the database driver would fail on it with an OverflowError.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# What people type for a date on customer records, tried in this order.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%d/%m/%Y", "%m/%d/%Y")


class FieldError(ValueError):
    """A single field's value is invalid; the message is for the user."""


class FieldErrors(dict):
    """Field name → messages, collected before anything is saved."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(_("Please correct the errors below."), dict(self))


def invalid(field: str, message: str) -> ValidationFailed:
    """The error to raise when one field is wrong and nothing else needs checking."""
    return ValidationFailed(_("Please correct the errors below."), {field: [str(message)]})


def reject_unknown(
    data: dict, allowed: tuple[str, ...], errors: FieldErrors, prefix: str = ""
) -> None:
    """A key the service does not take is an error, so a typo is reported, not dropped."""
    for key in data:
        if key not in allowed:
            errors.add(f"{prefix}{key}", _("Unknown field."))


# --- Text ----------------------------------------------------------------------------------------

# NUL cannot be stored by PostgreSQL, a lone surrogate cannot be encoded as UTF-8: either fails in
# the database driver. The request middleware refuses both for every request; `clean_text` again
# for imports and jobs, which do not pass through it.
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = gettext_lazy("Text may not contain the NUL character.")
SURROGATE_MESSAGE = gettext_lazy(
    "Text may not contain a lone surrogate character (U+D800 to U+DFFF)."
)
# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) reorder the text around
# them: a name "abc\u202egpj.exe" shows as "abcexe.jpg", and an unclosed one garbles whatever a
# page shows next to it. Removed from every text. The marks U+200E, U+200F and U+061C are kept:
# they only set the direction of neighbouring punctuation, which right-to-left text needs.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Categories that draw nothing on their own: separators and spaces, controls and format
# characters (zero-width space and joiners, word joiner, BOM), surrogates, and combining marks
# with no letter to sit on.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Mc", "Me"})
# Letters and symbols that are blank although their category says otherwise (Hangul fillers,
# the empty Braille pattern).
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def forbidden_character_message(text: str) -> str | None:
    """The message for a NUL or lone surrogate in `text` (which the database cannot take)."""
    match = FORBIDDEN_CHARACTERS.search(text)
    if match is None:
        return None
    return str(NUL_MESSAGE if match.group() == "\x00" else SURROGATE_MESSAGE)


def has_visible_character(text: str) -> bool:
    return any(
        ch not in BLANK_CHARACTERS and unicodedata.category(ch) not in INVISIBLE_CATEGORIES
        for ch in text
    )


def visible_text(text: str) -> str:
    """`text` without bidirectional controls and surrounding whitespace; empty when nothing in it
    would show (only spaces, zero-width characters or combining marks), so a required name made
    of those is refused as missing."""
    if BIDI_CONTROLS.search(text):
        text = BIDI_CONTROLS.sub("", text)
    text = text.strip()
    return text if has_visible_character(text) else ""


def too_long(limit: int, count: int) -> str:
    return _("Use at most %(limit)d characters (it has %(count)d).") % {
        "limit": limit,
        "count": count,
    }


def clean_text(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    limit: int | None = None,
    required: bool = False,
    required_message: str | None = None,
    coerce: bool = False,
    count: bool = True,
) -> str:
    """Stripped text; None is empty. Returns the text even when it is too long.

    Bidirectional controls are removed, and a text with no visible character is empty (see
    `visible_text`); a NUL or lone surrogate is refused. Anything but a string is refused
    ("Enter text."), unless `coerce`: then a number or other value is read as its `str` and any
    false value as empty, as settings screens always did.
    An empty `required` text gets `required_message` (default "This field is required.").
    `count=False` leaves the current length out of the too-long message.
    """
    if coerce:
        value = str(value or "")
    elif value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Enter text."))
        return ""
    fault = forbidden_character_message(value)
    if fault:
        errors.add(field, fault)
        return ""
    value = visible_text(value)
    if required and not value:
        errors.add(field, required_message or _("This field is required."))
    elif limit is not None and len(value) > limit:
        if count:
            errors.add(field, too_long(limit, len(value)))
        else:
            errors.add(field, _("Use at most %(limit)d characters.") % {"limit": limit})
    return value


def clean_choice(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    choices,
    default: str | None = None,
    list_choices: bool = False,
    message: str | None = None,
) -> Any:
    """One of `choices` (a model's `Choices.values`), `default` when empty, else None.

    The message names the wrong value (“x” is not a valid choice.), or with `list_choices` the
    allowed ones (Choose one of: a, b.); `message` replaces both.
    """
    if default is not None and not value:
        value = default
    if value in choices:
        return value
    if message is None:
        if list_choices:
            message = _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}
        else:
            message = _("“%(value)s” is not a valid choice.") % {"value": value}
    errors.add(field, message)
    return None


def clean_flag(value: Any, field: str, errors: FieldErrors, *, message: str | None = None) -> bool:
    """A JSON true or false; anything else ("yes", 1) is refused ("Choose yes or no.")."""
    if isinstance(value, bool):
        return value
    errors.add(field, message or _("Choose yes or no."))
    return False


# --- Whole numbers and ids -----------------------------------------------------------------------


def _int_or_none(digits: str) -> int | None:
    try:
        return int(digits)
    except ValueError:  # more than sys.get_int_max_str_digits() digits
        return None


def parse_int(value: Any) -> int | None:
    """An int, or a string of digits with an optional minus sign; None for anything else.

    Bools and floats are not whole numbers here, whatever Python says about True == 1. A number
    outside the database's 64-bit range is None too: no column could hold it, and the driver
    would fail on it. Every filter, id and count read from input goes through here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = _int_or_none(value)
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def parse_id(value: Any) -> int | None:
    """A record id (1 up to the 64-bit limit) as `parse_int` reads it, else None."""
    number = parse_int(value)
    return number if number is not None and number >= 1 else None


def clean_int(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    message: str,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int | None:
    """A whole number (see `parse_int`) within the bounds, or None after adding `message`.

    The message says what is wanted ("Enter a whole number from 0 to 100."), so each caller
    gives its own.
    """
    number = parse_int(value)
    if (
        number is None
        or (min_value is not None and number < min_value)
        or (max_value is not None and number > max_value)
    ):
        errors.add(field, message)
        return None
    return number


def clean_id(value: Any, field: str, errors: FieldErrors) -> int | None:
    """An optional record id: None when empty, an int, or a string of digits (no sign).

    Whether a record has that id, and whether the actor may see it, is the caller's question;
    an id beyond the 64-bit range names no record, and is refused like any other bad id.
    """
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = _int_or_none(value)
    else:
        number = None
    if number is None or not 0 <= number <= INT64_MAX:
        errors.add(field, _("Enter a whole number."))
        return None
    return number


# --- Money ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MoneyRules:
    """How one family of inputs reads an amount, and what it says when it cannot.

    The defaults are the strictest rules (products, price lists, orders and payments). Deals and
    lead budgets were written with other wording and tolerances; their `MoneyRules` live beside
    them and list exactly what they do differently.
    """

    # Read a float through its `str`; when False a float is refused, since a binary float
    # cannot hold most cent amounts and money should arrive as a string, int or Decimal.
    floats: bool = False
    # Round to cents instead of refusing a third decimal.
    round_cents: bool = False
    # Treat a text of spaces as empty (required / None) rather than as not-a-number.
    blank_is_empty: bool = True
    empty: str = gettext_lazy("Enter an amount.")
    boolean: str = gettext_lazy("Give the amount as a decimal string, e.g. 1280.50.")
    binary_float: str = gettext_lazy("Give the amount as a decimal string, e.g. 1280.50.")
    invalid: str = gettext_lazy("Enter an amount, e.g. 1280.50.")
    negative: str = gettext_lazy("The amount cannot be negative.")
    zero: str = gettext_lazy("The amount must be more than zero.")
    too_large: str = gettext_lazy("This amount is too large.")
    places: str = gettext_lazy("Use at most two decimal places.")


STRICT_MONEY = MoneyRules()


def clean_money(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    positive: bool = False,
    required: bool = True,
    rules: MoneyRules = STRICT_MONEY,
) -> Decimal | None:
    """An amount as a `Decimal` with two places, or None (with a message unless it was an empty,
    optional value).

    Strings may use thousands separators ("12,800.50"). Amounts are never negative, below
    10¹² (the money columns' size) and have at most two decimals; `positive` also refuses zero.
    Arithmetic never touches a float: an accepted float is read through its `str`.
    """
    empty = value is None or value == ""
    if rules.blank_is_empty and isinstance(value, str) and not value.strip():
        empty = True
    if empty:
        if required:
            errors.add(field, rules.empty)
        return None
    if isinstance(value, bool):
        errors.add(field, rules.boolean)
        return None
    if isinstance(value, float) and not rules.floats:
        errors.add(field, rules.binary_float)
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(field, rules.invalid)
        return None
    if not amount.is_finite():
        errors.add(field, rules.invalid)
        return None
    if amount < 0:
        errors.add(field, rules.negative)
        return None
    if positive and amount == 0:
        errors.add(field, rules.zero)
        return None
    # 10¹² and up; checked before quantizing, which overflows the decimal context for 1e30.
    if amount >= MONEY_LIMIT + CENT:
        errors.add(field, rules.too_large)
        return None
    if not rules.round_cents and amount != amount.quantize(CENT):
        errors.add(field, rules.places)
        return None
    amount = amount.quantize(CENT)
    if amount > MONEY_LIMIT:  # 999999999999.995 rounded up
        errors.add(field, rules.too_large)
        return None
    return amount


def clean_currency(value: Any, field: str, errors: FieldErrors) -> str | None:
    """A three-letter ISO 4217 code, upper-cased."""
    currency = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.add(field, _("Use a three-letter currency code, e.g. CNY."))
        return None
    return currency


def cents(value: Any) -> Decimal:
    """A sum or average read back from the database, to the cent (half up); None is 0.00."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Dates and times -----------------------------------------------------------------------------


def parse_date(raw: Any, formats: tuple[str, ...] = DATE_FORMATS) -> datetime.date:
    """A date from a date, a datetime or a text in one of `formats`, or FieldError."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw or "").strip()
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldError(_("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text})


def clean_date(
    value: Any, field: str, errors: FieldErrors, *, formats: tuple[str, ...] | None = None
) -> datetime.date | None:
    """An optional date: None when empty.

    Without `formats` a text must be ISO 8601 ("Enter a date as YYYY-MM-DD."); with them (e.g.
    `DATE_FORMATS`, for what people type on customer records) any of those formats will do and
    the message names the value.
    """
    if value in (None, ""):
        return None
    if formats is not None:
        try:
            return parse_date(value, formats)
        except FieldError as exc:
            errors.add(field, str(exc))
            return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None


def parse_date_or(value: str | None, default: datetime.date | None = None) -> datetime.date | None:
    """A YYYY-MM-DD query parameter, or `default` when it is missing or not a date: a filter
    ignores a bad value rather than failing the page."""
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def clean_datetime(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    now_if_empty: bool = False,
    past_only: bool = False,
) -> datetime.datetime | None:
    """A timezone-aware time: None when empty (or now, with `now_if_empty`).

    A date means noon that day; a time without an offset is read in the current time zone.
    `past_only` refuses a time more than `CLOCK_SKEW` ahead of now.
    """
    if value in (None, ""):
        return timezone.now() if now_if_empty else None
    if isinstance(value, datetime.datetime):
        when = value
    elif isinstance(value, datetime.date):
        when = datetime.datetime.combine(value, datetime.time(12, 0))
    else:
        try:
            when = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(field, _("Enter a date and time, e.g. 2026-05-01 14:30."))
            return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if past_only and when > timezone.now() + CLOCK_SKEW:
        errors.add(field, _("This cannot be in the future."))
        return None
    return when
