"""The input-cleaning primitives every service uses: what each accepts, refuses and says."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from rapport.core.cleaning import (
    DATE_FORMATS,
    STRICT_MONEY,
    FieldError,
    FieldErrors,
    cents,
    clean_choice,
    clean_currency,
    clean_date,
    clean_datetime,
    clean_flag,
    clean_id,
    clean_int,
    clean_money,
    clean_text,
    invalid,
    parse_date,
    parse_date_or,
    parse_id,
    parse_int,
    reject_unknown,
    visible_text,
)
from rapport.core.errors import ValidationFailed

LENIENT_MONEY = dataclasses.replace(
    STRICT_MONEY,
    floats=True,
    round_cents=True,
    blank_is_empty=False,
    invalid="Enter a number.",
)


@pytest.fixture
def errors():
    return FieldErrors()


# --- The collector -------------------------------------------------------------------------------


def test_errors_collect_every_message_per_field_and_raise_them_together():
    errors = FieldErrors()
    errors.add("name", "Enter a name.")
    errors.add("name", "Too long.")
    errors.add("phone", "Not a phone.")

    with pytest.raises(ValidationFailed) as caught:
        errors.raise_if_any()

    assert caught.value.status == 422
    assert caught.value.details == {
        "name": ["Enter a name.", "Too long."],
        "phone": ["Not a phone."],
    }


def test_no_errors_raise_nothing(errors):
    errors.raise_if_any()


def test_messages_are_worded_in_the_language_active_when_they_are_added(errors):
    with translation.override("zh-hans"):
        clean_money(None, "amount", errors)
        clean_text(None, "name", errors, required=True)

    assert errors == {"amount": ["请输入金额。"], "name": ["此项为必填项。"]}


def test_invalid_is_a_validation_error_about_one_field():
    error = invalid("stage_id", "Choose a stage.")

    assert isinstance(error, ValidationFailed)
    assert error.details == {"stage_id": ["Choose a stage."]}


def test_unknown_keys_are_errors_with_their_prefix(errors):
    reject_unknown({"name": "x", "colour": "red"}, ("name",), errors, prefix="lines.0.")

    assert errors == {"lines.0.colour": ["Unknown field."]}


# --- Text ----------------------------------------------------------------------------------------


def test_text_is_stripped_and_none_is_empty(errors):
    assert clean_text("  王芳 ", "name", errors) == "王芳"
    assert clean_text(None, "name", errors) == ""
    assert errors == {}


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}])
def test_text_refuses_anything_but_a_string(errors, value):
    assert clean_text(value, "name", errors) == ""
    assert errors == {"name": ["Enter text."]}


def test_required_text_says_so_in_the_callers_words(errors):
    clean_text("  ", "title", errors, required=True)
    clean_text("", "name", errors, required=True, required_message="Enter a name.")

    assert errors == {"title": ["This field is required."], "name": ["Enter a name."]}


def test_too_long_text_is_refused_with_or_without_its_length(errors):
    assert clean_text("abcdef", "sku", errors, limit=5) == "abcdef"
    clean_text("abcdef", "notes", errors, limit=5, count=False)

    assert errors == {
        "sku": ["Use at most 5 characters (it has 6)."],
        "notes": ["Use at most 5 characters."],
    }


def test_text_at_its_limit_is_accepted(errors):
    assert clean_text("abcde", "sku", errors, limit=5) == "abcde"
    assert errors == {}


def test_coerced_text_reads_numbers_and_treats_false_values_as_empty(errors):
    assert clean_text(2024, "name", errors, coerce=True) == "2024"
    assert clean_text(0, "name", errors, coerce=True) == ""
    assert clean_text(None, "name", errors, coerce=True) == ""
    assert errors == {}


# --- Choices and flags ---------------------------------------------------------------------------

COLOURS = ["red", "green"]


def test_a_choice_is_one_of_the_values(errors):
    assert clean_choice("red", "colour", errors, choices=COLOURS) == "red"
    assert errors == {}


def test_an_empty_choice_takes_the_default(errors):
    assert clean_choice("", "colour", errors, choices=COLOURS, default="green") == "green"
    assert clean_choice(None, "colour", errors, choices=COLOURS, default="green") == "green"
    assert errors == {}


def test_a_wrong_choice_is_named_or_the_allowed_ones_listed(errors):
    assert clean_choice("blue", "colour", errors, choices=COLOURS) is None
    clean_choice("blue", "shade", errors, choices=COLOURS, list_choices=True)
    clean_choice("", "tone", errors, choices=COLOURS)
    clean_choice("blue", "hue", errors, choices=COLOURS, message="Choose a colour.")

    assert errors == {
        "colour": ["“blue” is not a valid choice."],
        "shade": ["Choose one of: red, green."],
        "tone": ["“” is not a valid choice."],
        "hue": ["Choose a colour."],
    }


def test_a_flag_is_a_json_boolean(errors):
    assert clean_flag(True, "is_active", errors) is True
    assert clean_flag(False, "is_active", errors) is False
    assert errors == {}


@pytest.mark.parametrize("value", ["true", 1, 0, None])
def test_a_flag_refuses_anything_else(errors, value):
    clean_flag(value, "is_active", errors)
    clean_flag(value, "is_default", errors, message="Enter true or false.")

    assert errors == {"is_active": ["Choose yes or no."], "is_default": ["Enter true or false."]}


# --- Whole numbers and ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), (-3, -3), ("42", 42), (" -5 ", -5), ("٣", 3)],
)
def test_whole_numbers_come_as_ints_or_digit_strings(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", [True, False, 1.0, "1.5", "", " ", "abc", "--5", "+5", "²", None])
def test_anything_else_is_not_a_whole_number(value):
    assert parse_int(value) is None


def test_a_bounded_number_outside_its_range_gets_the_callers_message(errors):
    message = "Enter a whole number from 0 to 100."
    assert clean_int("100", "probability", errors, min_value=0, max_value=100, message=message)
    assert clean_int(0, "probability", errors, min_value=0, max_value=100, message=message) == 0
    assert errors == {}

    assert clean_int(101, "a", errors, min_value=0, max_value=100, message=message) is None
    assert clean_int(-1, "b", errors, min_value=0, message=message) is None
    assert clean_int("x", "c", errors, message=message) is None

    assert errors == {"a": [message], "b": [message], "c": [message]}


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), (12, 12), (" 12 ", 12)])
def test_an_id_is_optional_and_an_int_or_digits(errors, value, expected):
    assert clean_id(value, "person_id", errors) == expected
    assert errors == {}


@pytest.mark.parametrize("value", [True, "-3", "12a", 1.0, [1]])
def test_an_id_refuses_signs_bools_and_other_types(errors, value):
    assert clean_id(value, "person_id", errors) is None
    assert errors == {"person_id": ["Enter a whole number."]}


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30, "9223372036854775808", "1" * 5000])
def test_a_number_beyond_64_bits_is_not_a_whole_number(value):
    assert parse_int(value) is None


@pytest.mark.parametrize(
    "value", [2**63 - 1, -(2**63), "9223372036854775807", "-9223372036854775808"]
)
def test_the_64_bit_limits_themselves_are_whole_numbers(value):
    assert parse_int(value) == int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (2**63 - 1, 2**63 - 1), (0, None), ("-1", None), (2**63, None)],
)
def test_a_record_id_is_from_1_to_the_64_bit_limit(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", [2**63, "9223372036854775808", "9" * 5000])
def test_an_id_beyond_64_bits_is_refused_like_any_bad_id(errors, value):
    assert clean_id(value, "person_id", errors) is None
    assert errors == {"person_id": ["Enter a whole number."]}


# --- Hostile text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("\ud800x", "Text may not contain a lone surrogate character (U+D800 to U+DFFF)."),
        ("x\udfff", "Text may not contain a lone surrogate character (U+D800 to U+DFFF)."),
        ("张\x00伟", "Text may not contain the NUL character."),
    ],
)
def test_text_the_database_cannot_store_is_refused(errors, value, message):
    # Imports and jobs do not pass the request middleware; the text cleaner refuses these too.
    assert clean_text(value, "full_name", errors) == ""
    assert errors == {"full_name": [message]}


def test_bidirectional_overrides_are_removed_from_text(errors):
    assert clean_text("\u202eabc\u202c gpj.exe\u2066x\u2069", "name", errors) == "abc gpj.exex"
    assert errors == {}


def test_direction_marks_that_right_to_left_text_needs_are_kept(errors):
    assert clean_text("שלום\u200f!", "name", errors) == "שלום\u200f!"


@pytest.mark.parametrize(
    "value",
    [
        "\u200b\u200c\u200d",  # zero-width space, non-joiner, joiner
        " \u2060\ufeff ",  # word joiner, byte order mark
        "\u0301\u0302",  # combining marks with no letter
        "\u3164\u115f",  # Hangul fillers
        "\u202e\u3000",  # an override and an ideographic space
    ],
)
def test_a_required_text_with_nothing_visible_is_missing(errors, value):
    assert clean_text(value, "name", errors, required=True, required_message="Enter a name.") == ""
    assert errors == {"name": ["Enter a name."]}


@pytest.mark.parametrize("value", ["张伟", "e\u0301", "😀", "\u200b李", "a\u200db"])
def test_text_with_a_visible_character_is_kept(value):
    assert visible_text(value) == value


# --- Money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1280.5", Decimal("1280.50")),
        ("12,800.00", Decimal("12800.00")),
        (" 3 ", Decimal("3.00")),
        (1280, Decimal("1280.00")),
        (Decimal("0.10"), Decimal("0.10")),
        ("0", Decimal("0.00")),
        ("999999999999.99", Decimal("999999999999.99")),
    ],
)
def test_money_is_a_decimal_with_two_places(errors, value, expected):
    amount = clean_money(value, "amount", errors)

    assert amount == expected
    assert amount.as_tuple().exponent == -2
    assert errors == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Enter an amount."),
        ("  ", "Enter an amount."),
        (True, "Give the amount as a decimal string, e.g. 1280.50."),
        (12.5, "Give the amount as a decimal string, e.g. 1280.50."),
        ("12 yuan", "Enter an amount, e.g. 1280.50."),
        ("NaN", "Enter an amount, e.g. 1280.50."),
        ("Infinity", "Enter an amount, e.g. 1280.50."),
        ("-1", "The amount cannot be negative."),
        ("1000000000000", "This amount is too large."),
        ("1e30", "This amount is too large."),
        ("1.005", "Use at most two decimal places."),
    ],
)
def test_money_refuses_with_a_message(errors, value, message):
    assert clean_money(value, "amount", errors) is None
    assert errors == {"amount": [message]}


def test_optional_money_may_be_empty(errors):
    assert clean_money("", "discount", errors, required=False) is None
    assert clean_money(None, "discount", errors, required=False) is None
    assert errors == {}


def test_positive_money_refuses_zero(errors):
    assert clean_money("0.00", "amount", errors, positive=True) is None
    assert errors == {"amount": ["The amount must be more than zero."]}


def test_rules_may_read_floats_round_cents_and_treat_blanks_as_not_a_number(errors):
    assert clean_money(0.1, "budget", errors, rules=LENIENT_MONEY) == Decimal("0.10")
    assert clean_money("1.005", "budget", errors, rules=LENIENT_MONEY) == Decimal("1.00")
    assert errors == {}

    assert clean_money("  ", "budget", errors, required=False, rules=LENIENT_MONEY) is None
    assert errors == {"budget": ["Enter a number."]}


def test_rounding_up_to_ten_to_the_twelve_is_too_large(errors):
    assert clean_money("999999999999.995", "budget", errors, rules=LENIENT_MONEY) is None
    assert errors == {"budget": ["This amount is too large."]}


def test_currency_is_three_letters_upper_cased(errors):
    assert clean_currency(" usd ", "currency", errors) == "USD"
    assert clean_currency("RMB1", "currency", errors) is None
    assert errors == {"currency": ["Use a three-letter currency code, e.g. CNY."]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, Decimal("0.00")), (Decimal("2.345"), Decimal("2.35")), (Decimal("7"), Decimal("7.00"))],
)
def test_sums_from_the_database_are_rounded_half_up_to_cents(value, expected):
    assert cents(value) == expected


# --- Dates and times -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2024-05-01", "2024/05/01", "2024年5月1日", "01/05/2024"])
def test_people_may_type_a_date_in_several_formats(raw):
    assert parse_date(raw) == datetime.date(2024, 5, 1)


def test_a_text_that_is_no_date_raises_a_field_error_naming_it():
    with pytest.raises(FieldError, match="“tomorrow” is not a date"):
        parse_date("tomorrow")


def test_an_iso_date_is_optional(errors):
    assert clean_date(None, "valid_from", errors) is None
    assert clean_date("", "valid_from", errors) is None
    assert clean_date(" 2026-03-31 ", "valid_from", errors) == datetime.date(2026, 3, 31)
    assert clean_date(datetime.datetime(2026, 3, 31, 9), "d", errors) == datetime.date(2026, 3, 31)
    assert errors == {}


def test_an_iso_date_refuses_other_formats(errors):
    assert clean_date("2026/03/31", "valid_from", errors) is None
    assert errors == {"valid_from": ["Enter a date as YYYY-MM-DD."]}


def test_a_date_in_the_customer_formats_names_a_wrong_value(errors):
    assert clean_date("2026/03/31", "birthday", errors, formats=DATE_FORMATS) == datetime.date(
        2026, 3, 31
    )
    assert clean_date("31.31.2026", "birthday", errors, formats=DATE_FORMATS) is None
    assert errors == {"birthday": ["“31.31.2026” is not a date (use YYYY-MM-DD)."]}


def test_a_filter_date_falls_back_to_its_default():
    default = datetime.date(2026, 1, 1)

    assert parse_date_or("2026-02-03", default) == datetime.date(2026, 2, 3)
    assert parse_date_or("", default) == default
    assert parse_date_or("not a date", default) == default
    assert parse_date_or(None) is None


def test_a_time_without_offset_is_read_in_the_current_time_zone(errors):
    with timezone.override("Asia/Shanghai"):
        when = clean_datetime("2026-05-01 14:30", "at", errors)

    assert when == datetime.datetime(2026, 5, 1, 6, 30, tzinfo=datetime.UTC)
    assert errors == {}


def test_a_date_where_a_time_is_wanted_means_noon(errors):
    with timezone.override("Asia/Shanghai"):
        when = clean_datetime(datetime.date(2026, 5, 1), "at", errors)

    assert timezone.localtime(when, timezone.get_fixed_timezone(480)).hour == 12


def test_an_empty_time_is_none_or_now(errors):
    before = timezone.now()

    assert clean_datetime("", "at", errors) is None
    assert clean_datetime(None, "at", errors, now_if_empty=True) >= before
    assert errors == {}


def test_a_time_that_cannot_be_read_is_refused(errors):
    assert clean_datetime("soon", "at", errors) is None
    assert errors == {"at": ["Enter a date and time, e.g. 2026-05-01 14:30."]}


def test_past_only_allows_clock_skew_but_not_the_future(errors):
    now = timezone.now()

    assert clean_datetime(now + datetime.timedelta(minutes=2), "a", errors, past_only=True)
    assert clean_datetime(now + datetime.timedelta(hours=1), "b", errors, past_only=True) is None
    assert clean_datetime(now + datetime.timedelta(hours=1), "c", errors) is not None
    assert errors == {"b": ["This cannot be in the future."]}
