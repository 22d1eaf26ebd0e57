"""Field rules shared by forms, the API and imports."""

import datetime

import pytest

from rapport.customers.validation import (
    FieldError,
    format_phone,
    normalize_email,
    normalize_phone,
    parse_date,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("(021) 6888 1234", "+862168881234"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_is_normalised_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


def test_phone_region_can_be_overridden(settings):
    settings.PHONE_DEFAULT_REGION = "US"
    assert normalize_phone("(415) 555-2671") == "+14155552671"


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12345", "138001380001234", "1" * 41])
def test_invalid_phone_raises_field_error(raw):
    with pytest.raises(FieldError):
        normalize_phone(raw)


def test_phone_of_default_region_is_formatted_nationally():
    assert format_phone("+8613800138000") == "138 0013 8000"


def test_foreign_phone_is_formatted_internationally():
    assert format_phone("+14155552671") == "+1 415-555-2671"


def test_unparseable_stored_phone_is_shown_as_is():
    assert format_phone("garbage") == "garbage"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zhang.Wei@Example.CN", "zhang.wei@example.cn"),
        ("  li@example.com ", "li@example.com"),
    ],
)
def test_email_is_normalised_lower_case(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "plain", "a@", "@b.cn", "a b@c.cn", "a@b", "x" * 250 + "@a.cn"]
)
def test_invalid_email_raises_field_error(raw):
    with pytest.raises(FieldError):
        normalize_email(raw)


@pytest.mark.parametrize(
    "raw", ["2024-05-01", "2024/05/01", "2024.05.01", "2024年5月1日", "2024年05月01日"]
)
def test_dates_in_common_formats_are_parsed(raw):
    assert parse_date(raw) == datetime.date(2024, 5, 1)


def test_datetime_becomes_its_date():
    assert parse_date(datetime.datetime(2024, 5, 1, 12, 30)) == datetime.date(2024, 5, 1)


@pytest.mark.parametrize("raw", ["", "tomorrow", "2024-02-30", "31/31/2024"])
def test_invalid_date_raises_field_error(raw):
    with pytest.raises(FieldError):
        parse_date(raw)
