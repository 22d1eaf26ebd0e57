"""Turning rows into CSV bytes or an .xlsx file, without holding the rows in memory.

Formula injection (OWASP "CSV injection"): a spreadsheet runs a cell whose text starts with
`=`, `+`, `-` or `@` (and, in some programs, a tab or carriage return) as a formula. Text
values that start so are written with a leading `'` in CSV, as OWASP advises, which Excel and
WPS read as "this is text"; in .xlsx they are written as string cells with Excel's own "quote
prefix" style, so the cell shows the text unchanged and stays text even when edited. Rapport's
import reads `'` before such a character as that guard and drops it, so the value comes back
as it was. Numbers, dates and amounts are typed values, not text, and are never prefixed (a
negative amount stays a number).

A text that is only a signed number, or several separated by "; " as a list cell writes them
(`+8613800138000`, `+8613800138000; +14155550123`, `-12`), is not guarded: with no letter it
can name no function (HYPERLINK, WEBSERVICE, DDE's `cmd|`) and no cell, so there is nothing a
spreadsheet could run or send anywhere (the reason OWASP lists those characters), and a phone
number in E.164 comes out without a mark. A sum such as `-3+4` or `+1+2` is still guarded: a
spreadsheet would show its result instead of the text.

Numbers stay machine-readable (docs/decisions.md): CSV writes an amount as a plain decimal with
a "." and no thousands separator ("1207014.00"), whatever the user's language, so the file
re-imports and every spreadsheet parses it; .xlsx writes a number cell whose display format
groups thousands ("#,##0.00"), so it reads like the pages and still sums. Dates are ISO in CSV
and date cells in .xlsx.

GBK cannot encode every character (emoji, some rare names): such characters become `?`
(`errors="replace"`) instead of failing half-way through a download. Choose UTF-8 to keep them.
"""

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SIGNED_NUMBERS = re.compile(r"[+-]?\d+(?:\.\d+)?(?:; [+-]?\d+(?:\.\d+)?)*", re.ASCII)
UTF8_BOM = "\ufeff"
# Excel refuses longer cell texts; a longer note is cut rather than making the file unreadable.
XLSX_MAX_CELL_TEXT = 32767
# Amounts (every Decimal column is money): thousands grouped and two decimals, as on the pages.
XLSX_MONEY_FORMAT = "#,##0.00"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) and not SIGNED_NUMBERS.fullmatch(text)


def escape_formula(text: str) -> str:
    return f"'{text}" if is_formula_like(text) else text


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def text_of(value: Any) -> str:
    """A value as the text a cell shows (before escaping)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(text_of(v) for v in value)
    return str(value)


def csv_cell(value: Any) -> str:
    text = text_of(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return text
    return escape_formula(text)


def csv_chunks(
    header: list[str], rows: Iterable[list[list[Any]]], *, encoding: str
) -> Iterator[bytes]:
    """CSV bytes, one piece per chunk of rows, starting with the header.

    UTF-8 starts with a byte order mark: without it, Excel on Chinese Windows reads the file as
    GBK and shows mojibake.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode(encoding, errors="replace")

    if encoding == "utf-8":
        buffer.write(UTF8_BOM)
    writer.writerow([escape_formula(h) for h in header])
    try:
        yield flush()
        for chunk in rows:
            writer.writerows([csv_cell(v) for v in row] for row in chunk)
            yield flush()
    finally:
        # A client that goes away closes this generator; close the rows too, so that whatever
        # they do at their end (logging the export) runs now rather than at garbage collection.
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _xlsx_cell(sheet, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return text_of(value)
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_MONEY_FORMAT
        return cell
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: write the local wall-clock time.
        return _local(value).replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = text_of(value)[:XLSX_MAX_CELL_TEXT]
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl would store text starting with "=" as a formula; a string cell never runs.
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def xlsx_file(header: list[str], rows: Iterable[list[list[Any]]], *, title: str):
    """An .xlsx workbook in a temporary file (rewound), written row by row.

    openpyxl's write-only mode streams the sheet to disk as it goes, so memory stays flat; the
    file is deleted when closed.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.append([_xlsx_cell(sheet, h) for h in header])
    for chunk in rows:
        for row in chunk:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    workbook.save(file)
    file.seek(0)
    return file
