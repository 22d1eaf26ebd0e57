"""Exchange rates: entered, corrected and imported by administrators.

A rate says how many units of the reporting currency (`settings.RAPPORT_REPORTING_CURRENCY`) one
unit of a currency is worth from its `valid_from` day on; `sales.selectors.money` converts every
total with the latest rate valid on the report's day (docs/decisions.md, "Money"). A rate entered
wrongly is corrected or deleted, and each correction is written to the audit log, since it
changes every report that used it. A CSV import is all or nothing: one bad row and nothing is
saved, every bad row reported with its line number.

Who may call these is the caller's check (`accounts.access.require_settings_manager`): the views
and the API ask it; the `import_exchange_rates` command runs as the system.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.core.cleaning import (
    DATE_FORMATS,
    FieldError,
    FieldErrors,
    clean_currency,
    clean_text,
    forbidden_character_message,
    parse_date,
    reject_unknown,
)
from rapport.core.errors import ValidationFailed
from rapport.sales.models import ExchangeRate
from rapport.sales.selectors.money import reporting_currency

RATE_FIELDS = ("currency", "valid_from", "rate", "source")
# The rate column is DecimalField(max_digits=18, decimal_places=8): ten digits before the point.
RATE_LIMIT = Decimal("10") ** 10
RATE_PLACES = Decimal("0.00000001")
SOURCE_LENGTH = 100
# A year of daily rates for a dozen currencies fits many times over.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
# Each column's header in English or Chinese, compared without case, spaces or punctuation.
IMPORT_HEADERS = {
    "currency": ("currency", "currencycode", "code", "币种", "货币", "币别", "外币"),
    "valid_from": ("date", "validfrom", "day", "日期", "生效日期", "起始日期"),
    "rate": ("rate", "exchangerate", "汇率", "兑换率"),
    "source": ("source", "来源", "数据来源"),
}


@dataclass
class RateImportResult:
    created: int
    updated: int
    unchanged: int


def _audit_data(rate: ExchangeRate) -> dict:
    return {
        "currency": rate.currency,
        "to_currency": rate.to_currency,
        "valid_from": rate.valid_from.isoformat(),
        "rate": str(rate.rate),
        "source": rate.source,
    }


def _summary(rate: ExchangeRate, what: str) -> str:
    return f"{what} {rate.currency}/{rate.to_currency} {rate.valid_from.isoformat()}: {rate.rate}"


# --- Reading input -------------------------------------------------------------------------------


def clean_rate(value: Any, field: str, errors: FieldErrors) -> Decimal | None:
    """A rate above zero with at most eight decimals (units of the reporting currency per unit)."""
    message = _("Enter a rate above zero, e.g. 7.1234.")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(field, message)
        return None
    if isinstance(value, bool | float):
        errors.add(field, _("Give the rate as a decimal string, e.g. 7.1234."))
        return None
    try:
        rate = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(field, message)
        return None
    if not rate.is_finite() or rate <= 0:
        errors.add(field, message)
        return None
    if rate >= RATE_LIMIT:
        errors.add(field, _("This rate is too large."))
        return None
    if rate != rate.quantize(RATE_PLACES):
        errors.add(field, _("Use at most eight decimal places."))
        return None
    return rate.quantize(RATE_PLACES)


def _clean_rate_currency(value: Any, field: str, errors: FieldErrors) -> str | None:
    currency = clean_currency(value, field, errors)
    if currency is not None and currency == reporting_currency():
        errors.add(
            field,
            _("%(currency)s is the reporting currency: it needs no rate.") % {"currency": currency},
        )
        return None
    return currency


def _clean_valid_from(value: Any, field: str, errors: FieldErrors) -> datetime.date | None:
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        errors.add(field, _("Enter the day the rate is valid from."))
        return None
    try:
        return parse_date(value, DATE_FORMATS)
    except FieldError as exc:
        errors.add(field, str(exc))
        return None


def _clean_rate_data(data: dict, *, partial: bool = False) -> dict:
    errors = FieldErrors()
    reject_unknown(data, RATE_FIELDS, errors)
    clean: dict = {}
    if not partial or "currency" in data:
        clean["currency"] = _clean_rate_currency(data.get("currency"), "currency", errors)
    if not partial or "valid_from" in data:
        clean["valid_from"] = _clean_valid_from(data.get("valid_from"), "valid_from", errors)
    if not partial or "rate" in data:
        clean["rate"] = clean_rate(data.get("rate"), "rate", errors)
    if not partial or "source" in data:
        clean["source"] = clean_text(data.get("source"), "source", errors, limit=SOURCE_LENGTH)
    errors.raise_if_any()
    return clean


def _refuse_duplicate(currency: str, valid_from: datetime.date, *, exclude: int | None = None):
    taken = ExchangeRate.objects.filter(
        currency=currency, to_currency=reporting_currency(), valid_from=valid_from
    ).exclude(pk=exclude)
    if taken.exists():
        raise ValidationFailed(
            _("Please correct the errors below."),
            {
                "valid_from": [
                    _("%(currency)s already has a rate from this day: correct that one instead.")
                    % {"currency": currency}
                ]
            },
        )


# --- Writes --------------------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_create(*, actor: User | None, data: dict) -> ExchangeRate:
    """Add a rate: `currency` (three letters, not the reporting currency), `valid_from` (a
    date), `rate` (> 0, up to eight decimals, units of the reporting currency per unit) and an
    optional `source`. A second rate for the same currency and day is refused (correct it)."""
    clean = _clean_rate_data(data)
    _refuse_duplicate(clean["currency"], clean["valid_from"])
    try:
        with transaction.atomic():
            return ExchangeRate.objects.create(
                to_currency=reporting_currency(), entered_by=actor, **clean
            )
    except IntegrityError:
        # Entered at the same moment by someone else: the check above now says so.
        _refuse_duplicate(clean["currency"], clean["valid_from"])
        raise


@transaction.atomic
def exchange_rate_update(*, actor: User | None, rate: ExchangeRate, data: dict) -> ExchangeRate:
    """Correct a rate entered wrongly (any of its fields); the audit log keeps what it was."""
    rate = ExchangeRate.objects.select_for_update().get(pk=rate.pk)
    before = _audit_data(rate)
    clean = _clean_rate_data(data, partial=True)
    for key, value in clean.items():
        setattr(rate, key, value)
    _refuse_duplicate(rate.currency, rate.valid_from, exclude=rate.pk)
    rate.entered_by = actor
    rate.save()
    after = _audit_data(rate)
    if after != before:
        audit_record(
            actor=actor,
            action=AuditAction.EXCHANGE_RATE_CORRECTED,
            target_type="exchange_rate",
            target_id=rate.pk,
            summary=_summary(rate, f"{before['rate']} →"),
            data={"operation": "exchange_rate_corrected", "before": before, "after": after},
        )
    return rate


@transaction.atomic
def exchange_rate_delete(*, actor: User | None, rate: ExchangeRate) -> None:
    """Delete a rate entered wrongly; totals fall back to the currency's previous rate."""
    data = _audit_data(rate)
    pk = rate.pk
    ExchangeRate.objects.filter(pk=pk).delete()
    audit_record(
        actor=actor,
        action=AuditAction.EXCHANGE_RATE_DELETED,
        target_type="exchange_rate",
        target_id=pk,
        summary=_summary(rate, "×"),
        data={"operation": "exchange_rate_deleted", "before": data},
    )


# --- Import --------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-.:：()（）]", "", text.strip().lstrip("\ufeff").casefold())


def _decode(content: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (what
    Chinese Excel saves as CSV). Raises ValidationFailed when none fits."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if forbidden_character_message(text) is None:
            return text
    raise _file_error(_("This file is not text in UTF-8 or GB18030: save it as CSV (UTF-8)."))


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(_("The file was not imported."), {"file": [message]})


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _header_key(name)
        for field, names in IMPORT_HEADERS.items():
            if key in names and field not in columns:
                columns[field] = index
    missing = [f for f in ("currency", "valid_from", "rate") if f not in columns]
    if missing:
        raise _file_error(
            _(
                "The first row must name the columns currency, date and rate "
                "(or 币种, 日期, 汇率); missing: %(columns)s."
            )
            % {"columns": ", ".join(missing)}
        )
    return columns


def read_rate_rows(content: bytes) -> list[tuple[int, dict]]:
    """The rows of a rates CSV as (line number, {currency, valid_from, rate, source?}).

    Raises ValidationFailed (`file`) for a file that is empty, too big, not text or without the
    three columns.
    """
    if len(content) > IMPORT_MAX_BYTES:
        raise _file_error(
            _("The file is larger than %(size)d MB.") % {"size": IMPORT_MAX_BYTES // 2**20}
        )
    text = _decode(content)
    if not text.strip():
        raise _file_error(_("The file is empty."))
    # The delimiter is the one the header row uses most: Excel writes ";" in some locales, and
    # a tab-separated export is pasted too.
    first = text.lstrip().splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, dict]] = []
    try:
        header = next(reader, [])
        columns = _columns(header)
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= IMPORT_MAX_ROWS:
                raise _file_error(
                    _("The file has more than %(rows)d rows: split it.") % {"rows": IMPORT_MAX_ROWS}
                )
            row = {
                field: values[index].strip() if index < len(values) else ""
                for field, index in columns.items()
            }
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise _file_error(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num}
        ) from exc
    if not rows:
        raise _file_error(_("The file has no rates under its header row."))
    return rows


@transaction.atomic
def exchange_rates_import(
    *, actor: User | None, content: bytes, filename: str = ""
) -> RateImportResult:
    """Add or correct the rates of a CSV file (columns currency, date, rate and optionally
    source; headers in English or Chinese): a row for a currency and day that has a rate
    corrects it. All or nothing: any bad row and nothing is saved; `ValidationFailed.details`
    then has `rows.<line>.<column>` for each problem (the line number in the file)."""
    rows = read_rate_rows(content)
    errors = FieldErrors()
    cleaned: dict[tuple[str, datetime.date], tuple[int, Decimal, str]] = {}
    default_source = (_("Import %(file)s") % {"file": filename} if filename else _("Import"))[
        :SOURCE_LENGTH
    ]
    for line, row in rows:
        prefix = f"rows.{line}."
        currency = _clean_rate_currency(row["currency"], f"{prefix}currency", errors)
        valid_from = _clean_valid_from(row["valid_from"], f"{prefix}valid_from", errors)
        rate = clean_rate(row["rate"], f"{prefix}rate", errors)
        source = clean_text(row.get("source"), f"{prefix}source", errors, limit=SOURCE_LENGTH)
        if currency is None or valid_from is None or rate is None:
            continue
        key = (currency, valid_from)
        if key in cleaned:
            errors.add(
                f"{prefix}valid_from",
                _("Line %(line)d already gives %(currency)s a rate for this day.")
                % {"line": cleaned[key][0], "currency": currency},
            )
            continue
        cleaned[key] = (line, rate, source or default_source)
    if errors:
        raise ValidationFailed(
            _("The file was not imported: correct the rows listed and import it again."),
            dict(errors),
        )
    to_currency = reporting_currency()
    existing = {
        (rate.currency, rate.valid_from): rate
        for rate in ExchangeRate.objects.select_for_update().filter(
            to_currency=to_currency,
            currency__in={currency for currency, _day in cleaned},
            valid_from__in={day for _currency, day in cleaned},
        )
    }
    new, changed, corrections = [], [], []
    now = timezone.now()
    for (currency, valid_from), (_line, value, source) in cleaned.items():
        rate = existing.get((currency, valid_from))
        if rate is None:
            new.append(
                ExchangeRate(
                    currency=currency,
                    to_currency=to_currency,
                    valid_from=valid_from,
                    rate=value,
                    source=source,
                    entered_by=actor,
                )
            )
        elif rate.rate != value:
            corrections.append({**_audit_data(rate), "new_rate": str(value)})
            rate.rate, rate.source, rate.entered_by = value, source, actor
            rate.updated_at = now
            changed.append(rate)
    ExchangeRate.objects.bulk_create(new)
    ExchangeRate.objects.bulk_update(changed, ["rate", "source", "entered_by", "updated_at"])
    result = RateImportResult(len(new), len(changed), len(cleaned) - len(new) - len(changed))
    audit_record(
        actor=actor,
        action=AuditAction.EXCHANGE_RATES_IMPORTED,
        target_type="exchange_rate",
        summary=f"{filename or 'CSV'}: +{result.created} ~{result.updated}",
        data={
            "operation": "exchange_rates_imported",
            "file": filename,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            # The corrected rates as they were, so an import of a wrong file can be undone.
            "corrected": corrections[:1000],
        },
    )
    return result
