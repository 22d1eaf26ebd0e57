"""Field rules shared by forms, the API and (later) imports, so all three accept the same input."""

import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

# `FieldError` and `parse_date` are shared by every app; they stay importable from here.
from rapport.core.cleaning import FieldError, FieldErrors, parse_date
from rapport.customers.models import CustomFieldDefinition, CustomFieldType


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Return the number in E.164 or raise FieldError. Numbers without +country use CN."""
    raw = (raw or "").strip()
    if not raw:
        raise FieldError(_("Enter a phone number."))
    if len(raw) > 40:
        raise FieldError(_("This phone number is too long."))
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise FieldError(_("“%(value)s” is not a phone number.") % {"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldError(_("“%(value)s” is not a valid phone number.") % {"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A readable form: national format for numbers of the default region, else international."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONE_DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def normalize_email(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        raise FieldError(_("Enter an email address."))
    if len(raw) > 254:
        raise FieldError(_("This email address is too long."))
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldError(_("“%(value)s” is not a valid email address.") % {"value": raw}) from exc
    return result.normalized.lower()


# "http(s)://" and a host with an optional port, or a bare host (no port: "javascript:1/alert(1)"
# would read as host and port); then anything without spaces.
WEBSITE = re.compile(
    r"(?:https?://[^\s/:?#@]+(?::\d{1,5})?|[^\s/:?#@]+)(?:[/?#]\S*)?", re.IGNORECASE
)


def normalize_website(raw: str) -> str:
    """A company's web address: http(s)://… or a bare host like "dongfang.cn", as typed; empty is
    allowed. Any other scheme ("javascript:", "data:", "file:") is refused, and so is a space or
    control character anywhere, since browsers drop tabs and newlines from a URL before reading
    its scheme ("java\tscript:")."""
    raw = (raw or "").strip()
    if raw and not WEBSITE.fullmatch(raw):
        raise FieldError(_("Enter a web address starting with http:// or https://."))
    return raw


def normalize_contact(value: str, field: str, errors: FieldErrors) -> str:
    """A "phone" or "email" column's text normalised as on persons, so records compare (leads
    match persons on them); other columns, empty values and fields already in error as they are.
    """
    normalize = {"phone": normalize_phone, "email": normalize_email}.get(field)
    if normalize is None or not value or field in errors:
        return value
    try:
        return normalize(value)
    except FieldError as exc:
        errors.add(field, str(exc))
        return value


def clean_custom_value(definition: CustomFieldDefinition, raw):
    """Validate one custom field value; returns the JSON-storable value or None when empty."""
    if raw is None or raw == "" or raw == []:
        if definition.required:
            raise FieldError(_("This field is required."))
        return None
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise FieldError(_("Enter text."))
        value = str(raw).strip()
        if len(value) > 1000:
            raise FieldError(_("Use at most 1000 characters."))
        return value
    if kind == CustomFieldType.NUMBER:
        if isinstance(raw, bool):
            raise FieldError(_("Enter a number."))
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation as exc:
            raise FieldError(_("Enter a number.")) from exc
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise FieldError(_("Enter a number."))
        # Integers stay integers; other values keep their decimals as a JSON number.
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldType.DATE:
        return parse_date(raw).isoformat()
    if kind == CustomFieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes", "on", "是"}:
            return True
        if text in {"false", "0", "no", "off", "否"}:
            return False
        raise FieldError(_("Choose yes or no."))
    if kind == CustomFieldType.CHOICE:
        if raw not in definition.choices:
            raise FieldError(_("“%(value)s” is not one of the choices.") % {"value": raw})
        return raw
    if kind == CustomFieldType.MULTI_CHOICE:
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list | tuple):
            raise FieldError(_("Choose from the list."))
        for value in values:
            if value not in definition.choices:
                raise FieldError(_("“%(value)s” is not one of the choices.") % {"value": value})
        return list(dict.fromkeys(values))
    raise FieldError(_("Unknown field type."))


def clean_custom_values(
    record_type: str, values: dict | None, *, existing: dict | None = None
) -> tuple[dict, dict[str, list[str]]]:
    """Validate a record's custom values against the active definitions.

    Returns (cleaned values, errors keyed `custom.<key>`). Unknown keys are errors, so a typo in
    an API call is reported instead of silently dropped. Keys not given keep their existing value.
    """
    values = values or {}
    definitions = {
        d.key: d
        for d in CustomFieldDefinition.objects.filter(record_type=record_type, is_active=True)
    }
    cleaned = dict(existing or {})
    errors: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        return cleaned, {"custom": [_("Custom fields must be an object.")]}
    for key in values:
        if key not in definitions:
            errors[f"custom.{key}"] = [_("There is no custom field “%(key)s”.") % {"key": key}]
    for key, definition in definitions.items():
        if key not in values and key in cleaned:
            continue
        try:
            value = clean_custom_value(definition, values.get(key))
        except FieldError as exc:
            errors[f"custom.{key}"] = [str(exc)]
            continue
        if value is None:
            cleaned.pop(key, None)
        else:
            cleaned[key] = value
    return cleaned, errors
