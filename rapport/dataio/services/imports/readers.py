"""Reading an uploaded file as a table: a header and data rows of text, streamed.

`open_table` looks at the content (and the name) to pick a reader for CSV, Excel .xlsx or vCard,
detects a CSV's encoding and delimiter, and refuses files it cannot read with `ImportFileError`
(empty, binary, too many columns, broken structure). Readers then yield rows one at a time with
flat memory, whatever the file's size.

A row that cannot be read but does not spoil the rest of the file (a line in another encoding,
a stray quote) is yielded as a `FlawedRow`: a list of what could be read, with `problem` saying
what went wrong. `rows.RowCleaner` rejects it with that reason and the import goes on.
"""

import codecs
import csv
import datetime
import itertools
import quopri
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from rapport.core.errors import ValidationFailed
from rapport.dataio.services.imports.encodings import (
    EncodingGuess,
    guess_legacy_encoding,
    utf16_without_bom,
)

MAX_COLUMNS = 500
# Encoding and delimiter are decided on this much of the start of the file.
SAMPLE_BYTES = 1024 * 1024
DELIMITERS = ",;\t|"

CSV_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
VCARD_EXTENSIONS = {".vcf", ".vcard"}

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old Office formats
BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"MZ",
)
# Control characters that never appear in a text table (tab, newlines and form feed aside).
CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13))

# The columns a vCard is read into. The mapping proposes fields for each of them; what a card
# holds that no column takes is named in VCARD_UNREAD_COLUMN, for the dry run to list.
VCARD_UNREAD_COLUMN = "(not read)"
VCARD_COLUMNS = [
    "FN",
    "N.family",
    "N.given",
    "N.middle",
    "N.prefix",
    "N.suffix",
    "NICKNAME",
    "TEL;CELL",
    "TEL;WORK",
    "TEL;HOME",
    "TEL;FAX",
    "TEL",
    "EMAIL",
    "EMAIL;HOME",
    "ORG",
    "ORG.unit",
    "TITLE",
    "ROLE",
    "ADR.country",
    "ADR.region",
    "ADR.locality",
    "ADR.street",
    "ADR.postcode",
    "ADR;HOME.country",
    "ADR;HOME.region",
    "ADR;HOME.locality",
    "ADR;HOME.street",
    "ADR;HOME.postcode",
    "ADR;OTHER.country",
    "ADR;OTHER.region",
    "ADR;OTHER.locality",
    "ADR;OTHER.street",
    "ADR;OTHER.postcode",
    "BDAY",
    "NOTE",
    "GENDER",
    "CATEGORIES",
    "URL",
    "URL;MORE",
    "UID",
    "MORE",
    VCARD_UNREAD_COLUMN,
]
# Properties that say how the card is written, not what it says about the contact.
VCARD_FRAME = {"VERSION", "PRODID", "REV", "X-ABLABEL", "X-ABADR", "X-ABSHOWAS", "CLASS", "KIND"}
# Apple's standard labels of grouped properties: "_$!<Anniversary>!$_".
APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
# Several values of one property (three phone numbers) share a cell, joined by this.
MULTI_VALUE_SEPARATOR = "; "
CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be read; the message says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message, {"file": [message]})
        self.code = "import_file_invalid"


class FlawedRow(list):
    """A row that could not be read cleanly; its values are what could be read.

    `problem` is "undecodable" (a line not in the file's encoding, read with replacement
    characters, or a UTF-8 line in a GB18030 file), "quoting" (a quote that does not close where
    it should) or "too_long" (an unquoted value over csv.field_size_limit()); for the last two
    the value is the raw text of the lines concerned. `lines` is the range of physical lines,
    for the message.
    """

    def __init__(self, values, problem: str, lines: tuple[int, int]):
        super().__init__(values)
        self.problem = problem
        self.lines = lines


def _empty_file() -> ImportFileError:
    return ImportFileError(_("The file is empty."))


def _not_a_table() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not a table Rapport can read. Upload a CSV file, an Excel .xlsx "
            "workbook or a vCard (.vcf) file."
        )
    )


def _no_vcard() -> ImportFileError:
    return ImportFileError(_("The file has no vCard in it (BEGIN:VCARD … END:VCARD)."))


def _not_a_workbook(exc: Exception) -> ImportFileError:
    return ImportFileError(
        _("This file is not an Excel workbook Rapport can read (%(error)s).")
        % {"error": exc.__class__.__name__}
    )


def _too_many_columns(count: int) -> ImportFileError:
    return ImportFileError(
        _("The file has %(count)d columns; at most %(limit)d can be imported.")
        % {"count": count, "limit": MAX_COLUMNS}
    )


def _unique_columns(names) -> list[str]:
    """Header names, stripped; an empty one becomes "#<position>", a repeated one "name (2)".

    Column names key the mapping, so they must be unique and must not depend on the language.
    """
    columns: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        if not name:
            name = f"#{position}"
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate)
        columns.append(candidate)
    return columns


# --- Detection -----------------------------------------------------------------------------------


def _looks_binary(head: bytes) -> bool:
    if head.startswith(BINARY_SIGNATURES):
        return True
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in CONTROL_BYTES)
    return controls > max(8, len(head) // 100)


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """The encoding of a text sample, the best reading `guess_encoding` finds."""
    return guess_encoding(sample, complete=complete).encoding


def guess_encoding(sample: bytes, *, complete: bool) -> EncodingGuess:
    """The encoding of a text sample and how sure that is: from its BOM; UTF-16 without one
    (NUL high bytes); else UTF-8 when most of its non-ASCII lines are UTF-8 (a few lines in
    another encoding become undecodable rows); else the most plausible of GB18030 (a superset
    of GBK and GB2312, what Chinese Excel writes), Windows-1252 and Latin-1 (see `encodings`),
    not `confident` when another reading is nearly as plausible. Raises ImportFileError for
    binary content.

    `complete` says the sample is the whole file; otherwise it may end inside a character, so it
    is cut after its last newline.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16")
    if not sample.startswith(BINARY_SIGNATURES) and (utf16 := utf16_without_bom(sample)):
        return EncodingGuess(utf16)
    if _looks_binary(sample[:65536]):
        raise _not_a_table()
    if not complete:
        if b"\n" in sample:
            sample = sample[: sample.rindex(b"\n") + 1]
        else:
            # One long line cut at the sample's end, perhaps inside a character.
            sample = _drop_partial_utf8(sample)
    lines = sample.splitlines()
    utf8 = other = 0
    for line in lines:
        if line.isascii():
            continue
        if _decodes(line, "utf-8"):
            utf8 += 1
        else:
            other += 1
    if other == 0 or utf8 > other:
        return EncodingGuess("utf-8")
    guess = guess_legacy_encoding(lines)
    if not guess.candidates:
        raise _not_a_table()
    return guess


def _drop_partial_utf8(sample: bytes) -> bytes:
    """`sample` without the start of a UTF-8 character cut off at its end."""
    for back in range(1, min(4, len(sample)) + 1):
        byte = sample[-back]
        if byte < 0x80:
            return sample
        if byte >= 0xC0:  # a lead byte: keep it only if its character is complete
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return sample if back >= length else sample[:-back]
    return sample


def _utf8_cjk_line(line: bytes) -> bool:
    """Whether a line of a GB18030 file is really UTF-8 Chinese (a row pasted from another
    file). GB18030 bytes are seldom valid UTF-8, and when they are by chance they decode to
    Latin, Greek or Cyrillic letters, hardly ever to a CJK ideograph."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return CJK_IDEOGRAPH.search(text) is not None


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _encoding_after_ascii(path: Path, start: int) -> EncodingGuess:
    """The encoding of a file whose first megabyte is all ASCII (English names first, Chinese
    ones later), judged on the lines from its first other byte on; UTF-8 if there is none."""
    with path.open("rb") as f:
        f.seek(start)
        while chunk := f.read(SAMPLE_BYTES):
            if chunk.isascii():
                continue
            first = next(i for i, byte in enumerate(chunk) if byte >= 0x80)
            line_start = chunk.rfind(b"\n", 0, first) + 1
            sample = chunk[line_start:] + f.read(65536)
            try:
                guess = guess_encoding(sample, complete=False)
            except ImportFileError:
                return EncodingGuess("utf-8")  # binary bytes: each spoilt line is reported
            # A byte order mark in the middle (files pasted together) says nothing of the start.
            if guess.encoding.startswith(("utf-8", "utf-16")):
                return EncodingGuess("utf-8")
            return guess
    return EncodingGuess("utf-8")


def guess_file_encoding(path: Path, head: bytes | None = None) -> EncodingGuess:
    """`guess_encoding` of a CSV file, from its first SAMPLE_BYTES (`head`, when already read)
    and, when they are all ASCII, from the first lines after them that are not."""
    path = Path(path)
    if head is None:
        with path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
    complete = path.stat().st_size <= len(head)
    guess = guess_encoding(head, complete=complete)
    if guess.encoding == "utf-8" and not complete and head.isascii():
        guess = _encoding_after_ascii(path, len(head))
    return guess


def detect_delimiter(text: str) -> str:
    """The delimiter among `,;\\t|` that csv.Sniffer finds in `text` (complete lines), else the
    one splitting the first line into the most columns, else a comma."""
    lines = text.splitlines()
    if len(lines) > 1:
        try:
            delimiter = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=DELIMITERS).delimiter
        except csv.Error:
            # One column, or rows of different lengths: the Sniffer gives up.
            delimiter = None
        if delimiter and delimiter in DELIMITERS:
            return delimiter
    first = lines[0] if lines else ""
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def open_table(path: Path, *, original_name: str, encoding: str | None = None) -> "TableReader":
    """Open an uploaded file for import, choosing the reader from its content and name.
    `encoding` (a CSV file's, as the user chose it) replaces the guess.

    Raises ImportFileError when the file is empty, binary, in an unknown format, has more than
    MAX_COLUMNS columns or is broken in its first megabyte.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise _empty_file()
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    extension = Path(original_name or "").suffix.lower()
    if head.startswith(ZIP_SIGNATURE):
        return XlsxReader(path)
    if head.startswith(OLE_SIGNATURE):
        raise ImportFileError(
            _("Old Excel .xls files cannot be imported. Save the file as .xlsx or CSV first.")
        )
    if extension in XLSX_EXTENSIONS:
        raise _not_a_table()
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise _empty_file()
    if _starts_vcard(head) or (extension in VCARD_EXTENSIONS and b"BEGIN:VCARD" in head.upper()):
        return VCardReader(path, head, complete=size <= len(head))
    if extension in VCARD_EXTENSIONS:
        raise _no_vcard()
    return CsvReader(path, head, complete=size <= len(head), encoding=encoding)


def _starts_vcard(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head[:64].decode("utf-16", errors="replace").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:11].upper()
    return text == b"BEGIN:VCARD"


# --- The readers ---------------------------------------------------------------------------------


class TableReader:
    """A header and data rows of text. Subclasses fill the attributes and `_iter_rows`."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    columns: list[str]

    def rows(self, start: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(row number, values) from data row `start + 1` on (blank rows are not data rows).

        The row number is the file's own: the line a CSV row starts on (a quoted value may span
        several lines), the sheet's row number in a workbook, the BEGIN line of a vCard, with
        the header and blank lines counted, so a rejected row is found where the report says.
        """
        return itertools.islice(self._iter_rows(), start, None)

    def sample(self, n: int = 5) -> list[list[str]]:
        return [values for _number, values in itertools.islice(self.rows(), n)]

    def _iter_rows(self) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError


class CsvReader(TableReader):
    """CSV read line by line from the bytes, so one line in another encoding spoils one row only,
    and the byte offset after each row is known: `offset` after a row was yielded is where the
    next one starts, and `rows_from_offset(offset, start)` resumes there without re-reading.
    """

    format = "csv"

    def __init__(self, path: Path, head: bytes, *, complete: bool, encoding: str | None = None):
        """`encoding` is the one the user chose; without it, the file's is guessed and `guess`
        says how sure that is."""
        self.path = path
        if encoding:
            self.guess = None
            self.encoding = encoding
        else:
            self.guess = guess_file_encoding(path, head)
            self.encoding = self.guess.encoding
        self.offset: int | None = None
        # UTF-16 has NUL bytes in every line and old Mac files have no \n: both are read through
        # a text stream instead (no per-line decoding, no offsets).
        self._text_mode = self.encoding.startswith("utf-16") or (
            b"\n" not in head and b"\r" in head
        )
        text = self._decode_sample(head, complete)
        self.delimiter = detect_delimiter(text)
        self._bom = len(codecs.BOM_UTF8) if self.encoding == "utf-8-sig" else 0
        header = self._read_header()
        if isinstance(header, FlawedRow) and header.problem != "undecodable":
            raise ImportFileError(
                _(
                    'The first row, with the column names, cannot be read: a quote (") is not '
                    "closed where it should be, or a value is too long."
                )
            )
        if len(header) > MAX_COLUMNS:
            raise _too_many_columns(len(header))
        self.columns = _unique_columns(header)
        if not any(self.columns_given):
            raise _empty_file()
        self._check_sample()

    @property
    def columns_given(self) -> list[str]:
        return [c for c in self.columns if not c.startswith("#")]

    def _decode_sample(self, head: bytes, complete: bool) -> str:
        if not complete and b"\n" in head:
            head = head[: head.rindex(b"\n") + 1]
        text = head.decode(self.encoding, errors="replace")
        return text.lstrip("\ufeff")

    def _open_text(self):
        return open(self.path, encoding=self.encoding, newline="", errors="strict")

    def _lines(self, f, offset: int, state: dict) -> Iterator[str]:
        """Decoded lines from a binary file positioned at `offset`, keeping `state` current:
        the offset after the last line given, the raw lines of the row being read and whether
        one of them was not in the file's encoding."""
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        for raw in f:
            offset += len(raw)
            state["offset"] = offset
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError:
                line = raw.decode(encoding, errors="replace")
                state["undecodable"] = True
            else:
                # GB18030 decodes almost any bytes, so a UTF-8 line would pass as gibberish.
                if encoding == "gb18030" and not raw.isascii() and _utf8_cjk_line(raw):
                    state["undecodable"] = True
            state["pending"].append(line)
            yield line

    @staticmethod
    def _text_lines(f, state: dict) -> Iterator[str]:
        """Lines of a text stream, kept in `state` like `_lines` does, for a row's message."""
        for line in f:
            state["pending"].append(line)
            yield line

    def _read_header(self) -> list[str]:
        for _number, values, _offset in self._parse(None, header=True):
            return values
        return []

    def _parse(self, offset: int | None, *, header: bool = False, start_line: int = 1):
        """(line number, values, offset after the row) from `offset` (None: the header), the
        line at `offset` being number `start_line`.

        Raises ImportFileError for a quote that never closes; yields a FlawedRow for a line in
        another encoding or a quote in the wrong place.
        """
        state = {"offset": 0, "pending": [], "undecodable": False}
        if self._text_mode:
            f = self._open_text()
            lines = self._text_lines(f, state)
        else:
            f = open(self.path, "rb")  # noqa: SIM115
            start = self._bom if offset is None else offset
            f.seek(start)
            lines = self._lines(f, start, state)
        with f:
            reader = csv.reader(lines, delimiter=self.delimiter, quotechar='"', strict=True)
            lines_before = start_line - 1
            skip_header = offset is None and not header
            while True:
                first_line = reader.line_num + 1
                state["pending"].clear()
                state["undecodable"] = False
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise ImportFileError(
                        _("Line %(line)d is not in the file's encoding (%(encoding)s).")
                        % {"line": reader.line_num + 1, "encoding": self.encoding}
                    ) from None
                except csv.Error as exc:
                    values = self._broken_quote(exc, first_line, reader.line_num, state)
                if not any(values) and not isinstance(values, FlawedRow):
                    continue  # a blank line, or only delimiters
                if skip_header:
                    skip_header = False
                    continue
                if state["undecodable"] and not isinstance(values, FlawedRow):
                    values = FlawedRow(values, "undecodable", (first_line, reader.line_num))
                number = lines_before + first_line
                yield number, values, (None if self._text_mode else state["offset"])
                if header:
                    return

    def _lines_before(self, offset: int) -> int:
        """How many lines the file has before byte `offset` (a resumed run numbers its rows
        from there; counting newlines reads the bytes once, without decoding or parsing)."""
        count, left = 0, offset
        with open(self.path, "rb") as f:
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                left -= len(chunk)
        return count

    def _broken_quote(self, exc: csv.Error, first: int, last: int, state: dict) -> FlawedRow:
        message = str(exc)
        raw = "".join(state["pending"])
        if "field limit" in message and '"' not in raw:
            # An unquoted value ends with its line, so the next row reads cleanly.
            return FlawedRow([raw.rstrip("\r\n")], "too_long", (first, max(first, last)))
        if "field limit" in message or "end of data" in message:
            raise ImportFileError(
                _(
                    'A quoted value starting on line %(line)d never ends: a quote (") is '
                    "missing, or the value is longer than %(limit)d characters."
                )
                % {"line": first, "limit": csv.field_size_limit()}
            )
        return FlawedRow([raw.rstrip("\r\n")], "quoting", (first, max(first, last)))

    def _check_sample(self) -> None:
        """Parse the first megabyte now, so a broken file is refused before the import starts."""
        read = 0
        for _number, values, _offset in self._parse(None):
            read += sum(len(v) for v in values) + len(values)
            if read > SAMPLE_BYTES:
                return

    def _iter_rows(self):
        for number, values, offset in self._parse(None):
            self.offset = offset
            yield number, values

    def rows_from_offset(self, offset: int, start: int) -> Iterator[tuple[int, list[str]]]:
        """Rows from byte `offset` (an `offset` read after row `start` was yielded). Only for
        files read line by line (`offset` is not None)."""
        if self._text_mode:
            yield from self.rows(start)
            return
        for number, values, next_offset in self._parse(
            offset, start_line=self._lines_before(offset) + 1
        ):
            self.offset = next_offset
            yield number, values


def _cell_text(value) -> str:
    """An Excel cell as the text a CSV of it would hold: whole numbers without ".0" (phone
    numbers are often stored as numbers), dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)


class XlsxReader(TableReader):
    """The first worksheet of a workbook, streamed by openpyxl in read-only mode."""

    format = "xlsx"

    def __init__(self, path: Path):
        self.path = path
        header = None
        for _number, values in self._sheet_rows():
            header = values
            break
        if header is None:
            raise ImportFileError(_("The workbook's first sheet is empty."))
        while header and not header[-1]:
            header.pop()
        if len(header) > MAX_COLUMNS:
            raise _too_many_columns(len(header))
        self.columns = _unique_columns(header)
        if not header:
            raise ImportFileError(_("The workbook's first sheet is empty."))

    def _sheet_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Non-blank rows of the first sheet as text, with their row numbers."""
        from openpyxl import load_workbook

        # A file object, not the path: openpyxl refuses a path whose extension is not .xlsx,
        # and a workbook is recognised by its content whatever the upload was called.
        with open(self.path, "rb") as f:
            try:
                workbook = load_workbook(f, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds on a corrupt file
                raise _not_a_workbook(exc) from exc
            try:
                if not workbook.worksheets:
                    return
                sheet = workbook.worksheets[0]
                # Rows missing from the sheet's XML come as empty rows, so the count is the
                # sheet's own row number.
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    values = [_cell_text(v) for v in row]
                    if any(v.strip() for v in values):
                        yield number, values
            except (zipfile.BadZipFile, ValueError, KeyError, SyntaxError, EOFError) as exc:
                # A sheet damaged after its first rows (lxml's XMLSyntaxError is a SyntaxError).
                raise _not_a_workbook(exc) from exc
            finally:
                workbook.close()

    def _iter_rows(self):
        width = len(self.columns)
        rows = self._sheet_rows()
        next(rows, None)  # the header
        for number, values in rows:
            # Read-only sheets pad rows to the sheet's width; drop the empty tail.
            if len(values) > width:
                tail = values[width:]
                if not any(tail):
                    values = values[:width]
            yield number, values


# --- vCard ---------------------------------------------------------------------------------------

VCARD_PARAM = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')
VCARD_ESCAPE = re.compile(r"\\([\\,;nN])")


def _unescape(text: str) -> str:
    return VCARD_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _split_property(line: bytes) -> tuple[bytes, bytes, bytes]:
    """(name and parameters, ":", value) of a content line. The colon is the first one outside
    double quotes: RFC 6350 parameters may be quoted and hold one (GEO="geo:39.9,116.4")."""
    colon = line.find(b":")
    quote = line.find(b'"')
    if colon < 0 or quote < 0 or quote > colon:
        return line.partition(b":")
    quoted = False
    for position, byte in enumerate(line):
        if byte == 0x22:  # "
            quoted = not quoted
        elif byte == 0x3A and not quoted:  # :
            return line[:position], b":", line[position + 1 :]
    return line, b"", b""


def _split_structured(text: str) -> list[str]:
    """Components of a structured value (N, ADR, ORG): split on unescaped semicolons."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            parts.append(_unescape("".join(current)).strip())
            current = []
        else:
            current.append(char)
    parts.append(_unescape("".join(current)).strip())
    return parts


class VCardReader(TableReader):
    """vCards 2.1, 3.0 and 4.0 (RFC 6350), one card a row in the columns of VCARD_COLUMNS.

    Handles folded lines, QUOTED-PRINTABLE values with a CHARSET (2.1, and 3.0 as phones write
    it), TYPE parameters in each version's spelling and grouped properties (item1.TEL). Unknown
    properties, photos and keys are ignored.
    """

    format = "vcard"

    def __init__(self, path: Path, head: bytes, *, complete: bool):
        self.path = path
        self.encoding = detect_encoding(head, complete=complete)
        if self.encoding == "utf-16":
            raise ImportFileError(
                _("vCard files in UTF-16 cannot be imported. Export the contacts as UTF-8.")
            )
        self.columns = list(VCARD_COLUMNS)
        self._index = {name: i for i, name in enumerate(self.columns)}
        if not self.sample(1):
            raise _no_vcard()

    def _physical_lines(self) -> Iterator[tuple[bytes, int]]:
        with open(self.path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                yield raw.rstrip(b"\r\n"), number

    def _logical_lines(self) -> Iterator[tuple[bytes, int]]:
        """Unfolded lines: a line starting with a space or tab continues the one before; a
        quoted-printable line ending in "=" continues on the next."""
        current: bytes | None = None
        first = 0
        quoted_printable = False
        for raw, number in self._physical_lines():
            if current is not None and raw[:1] in (b" ", b"\t"):
                current += raw[1:]
                continue
            if current is not None and quoted_printable and current.endswith(b"="):
                current = current[:-1] + raw
                continue
            if current is not None:
                yield current, first
            current, first = raw, number
            quoted_printable = b"QUOTED-PRINTABLE" in raw.split(b":", 1)[0].upper()
        if current is not None:
            yield current, first

    def _iter_rows(self):
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        card: dict[str, list[str]] | None = None
        depth = 0
        number = 0
        undecodable = False
        first_line = 0
        for raw, line_number in self._logical_lines():
            raw = raw.lstrip(b"\xef\xbb\xbf") if line_number == 1 else raw
            if not raw.strip():
                continue
            name_part, sep, value_part = _split_property(raw)
            if not sep:
                continue
            name_params = name_part.decode("ascii", errors="replace")
            parts = VCARD_PARAM.split(name_params)
            group, _dot, name = parts[0].strip().upper().rpartition(".")
            if name == "BEGIN" and value_part.strip().upper() == b"VCARD":
                depth += 1
                if depth == 1:
                    card, undecodable, first_line = {}, False, line_number
                continue
            if name == "END" and value_part.strip().upper() == b"VCARD":
                depth -= 1
                if depth == 0 and card is not None:
                    number = first_line
                    values = self._card_values(card)
                    if undecodable:
                        values = FlawedRow(values, "undecodable", (first_line, line_number))
                    yield number, values
                    card = None
                depth = max(depth, 0)
                continue
            if card is None or depth != 1:
                continue
            params = self._params(parts[1:])
            charset = params.get("CHARSET", [encoding])[0]
            transfer = params.get("ENCODING", [""])[0].upper()
            if transfer in ("B", "BASE64"):
                # Photos, sounds, keys: not kept, but named for the dry run.
                if name not in VCARD_FRAME:
                    card.setdefault(VCARD_UNREAD_COLUMN, []).append(name)
                continue
            if transfer == "QUOTED-PRINTABLE":
                value_part = quopri.decodestring(value_part)
            try:
                value = value_part.decode(charset)
            except LookupError:
                value = value_part.decode(encoding, errors="replace")
                undecodable = True
            except UnicodeDecodeError:
                value = value_part.decode(charset, errors="replace")
                undecodable = True
            if group and name not in ("FN", "N"):
                # Apple groups a property with its label (item1.TEL, item1.X-ABLabel), which
                # may come after it: read when the card ends.
                card.setdefault("_grouped", []).append((group, name, params, value))
            else:
                self._add_property(card, name, params, value)
        if card is not None and depth:
            raise ImportFileError(
                _("The vCard starting on line %(line)d has no END:VCARD.") % {"line": first_line}
            )

    @staticmethod
    def _params(parts: list[str]) -> dict[str, list[str]]:
        """Parameters by upper-case name; 2.1's bare types (TEL;CELL;VOICE) go under TYPE."""
        params: dict[str, list[str]] = {}
        for part in parts:
            key, eq, value = part.partition("=")
            if not eq:
                key, value = "TYPE", key
            values = [v.strip().strip('"').upper() for v in value.strip('"').split(",")]
            params.setdefault(key.strip().upper(), []).extend(values)
        return params

    def _add_property(self, card: dict, name: str, params: dict, value: str) -> None:
        def add(column: str, text: str) -> None:
            text = text.strip()
            if text:
                card.setdefault(column, []).append(text)

        types = set(params.get("TYPE", []))
        label = params.get("X-LABEL", [""])[0]
        if name == "FN":
            add("FN", _unescape(value))
        elif name == "N":
            parts = _split_structured(value) + [""] * 5
            add("N.family", parts[0])
            add("N.given", parts[1])
            add("N.middle", parts[2])
            add("N.prefix", parts[3])
            add("N.suffix", parts[4])
        elif name == "NICKNAME":
            add("NICKNAME", _unescape(value))
        elif name == "TEL":
            number = value.strip()
            if number.lower().startswith("tel:"):
                number = number[4:]
            kinds = types | {label.upper()}
            if "FAX" in kinds or "WORK FAX" in kinds or "HOME FAX" in kinds:
                column = "TEL;FAX"
            elif kinds & {"CELL", "MOBILE", "IPHONE"}:
                column = "TEL;CELL"
            elif kinds & {"WORK", "MAIN"}:
                column = "TEL;WORK"
            elif "HOME" in kinds:
                column = "TEL;HOME"
            else:
                column = "TEL"
            add(column, _unescape(number))
        elif name == "EMAIL":
            add("EMAIL;HOME" if "HOME" in types | {label.upper()} else "EMAIL", _unescape(value))
        elif name == "ORG":
            parts = _split_structured(value)
            add("ORG", parts[0])
            add("ORG.unit", ", ".join(p for p in parts[1:] if p))
        elif name == "TITLE":
            add("TITLE", _unescape(value))
        elif name == "ROLE":
            add("ROLE", _unescape(value))
        elif name == "ADR":
            group = "ADR;HOME" if "HOME" in types | {label.upper()} else "ADR"
            if f"{group}.street" in card or f"{group}.locality" in card:
                group = "ADR;OTHER"
            if f"{group}.street" in card or f"{group}.locality" in card:
                card.setdefault("MORE", []).append(f"ADR: {_address_line(value)}")
                return
            parts = _split_structured(value) + [""] * 7
            add(f"{group}.street", " ".join(p for p in (parts[2], parts[1], parts[0]) if p))
            add(f"{group}.locality", parts[3])
            add(f"{group}.region", parts[4])
            add(f"{group}.postcode", parts[5])
            add(f"{group}.country", parts[6] or params.get("X-COUNTRY", [""])[0])
        elif name == "BDAY":
            add("BDAY", value)
        elif name == "NOTE":
            add("NOTE", _unescape(value))
        elif name in ("GENDER", "X-GENDER"):
            add("GENDER", value.split(";", 1)[0])
        elif name == "CATEGORIES":
            for category in re.split(r"(?<!\\),", value):
                add("CATEGORIES", _unescape(category))
        elif name == "URL":
            add("URL" if "URL" not in card else "URL;MORE", _unescape(value))
        elif name == "UID":
            add("UID", value)
        elif name == "X-ANDROID-CUSTOM":
            self._android_custom(card, value)
        elif name in VCARD_MORE:
            # The user's data with no field of its own: into the notes, under its label.
            caption = label or VCARD_MORE[name]
            add("MORE", f"{caption}: {_unescape(value).replace(';', ' ').strip()}")
        elif name == "X-ABSHOWAS":
            card["_company"] = value.strip().upper() == "COMPANY"
        elif name not in VCARD_FRAME:
            add(VCARD_UNREAD_COLUMN, name)

    def _android_custom(self, card: dict, value: str) -> None:
        """Android's own rows: "vnd.android.cursor.item/nickname;小芳;…", relations and events."""
        kind, _sep, rest = value.partition(";")
        parts = [p for p in _split_structured(rest) if p]
        if not parts:
            return
        what = kind.rsplit("/", 1)[-1]
        if what == "nickname":
            card.setdefault("NICKNAME", []).append(parts[0])
        else:
            card.setdefault("MORE", []).append(f"{what}: {parts[0]}")

    def _card_values(self, card: dict[str, list[str]]) -> list[str]:
        labels = {g: v for g, n, _p, v in card.get("_grouped", ()) if n == "X-ABLABEL"}
        countries = {g: v for g, n, _p, v in card.get("_grouped", ()) if n == "X-ABADR"}
        for group, name, params, value in card.pop("_grouped", ()):
            if name in ("X-ABLABEL", "X-ABADR"):
                continue
            label = labels.get(group, "").strip()
            match = APPLE_LABEL.fullmatch(label)
            params = dict(params)
            if label:
                params["X-LABEL"] = [match[1] if match else label]
            if group in countries:
                params["X-COUNTRY"] = [countries[group].strip().upper()]
            self._add_property(card, name, params, value)
        if card.get("_company"):
            # Apple's company card: its FN is the company's name, not a person's.
            for column in ("FN", "N.family", "N.given", "N.middle", "N.prefix", "N.suffix"):
                card.pop(column, None)
        card.pop("_company", None)
        values = [""] * len(self.columns)
        for column, items in card.items():
            separator = ", " if column in ("CATEGORIES", VCARD_UNREAD_COLUMN) else None
            if column == "MORE":
                separator = "\n"
            values[self._index[column]] = (separator or MULTI_VALUE_SEPARATOR).join(
                dict.fromkeys(items)
            )
        return values


# Properties kept in the notes as "caption: value", with the caption used when the card gives
# no label of its own.
VCARD_MORE = {
    "X-ABDATE": "Date",
    "ANNIVERSARY": "Anniversary",
    "X-ANNIVERSARY": "Anniversary",
    "X-ABRELATEDNAMES": "Related name",
    "RELATED": "Related",
    "X-SPOUSE": "Spouse",
    "X-ASSISTANT": "Assistant",
    "X-MANAGER": "Manager",
    "IMPP": "Instant messaging",
    "X-AIM": "AIM",
    "X-QQ": "QQ",
    "X-WECHAT": "WeChat",
    "X-SKYPE": "Skype",
    "X-SOCIALPROFILE": "Social profile",
    "X-PHONETIC-FIRST-NAME": "Phonetic first name",
    "X-PHONETIC-MIDDLE-NAME": "Phonetic middle name",
    "X-PHONETIC-LAST-NAME": "Phonetic last name",
    "X-PHONETIC-ORG": "Phonetic company name",
    "X-MAIDENNAME": "Maiden name",
    "TZ": "Time zone",
    "GEO": "Location",
    "LANG": "Language",
    "EXPERTISE": "Expertise",
    "HOBBY": "Hobby",
    "INTEREST": "Interest",
}


def _address_line(value: str) -> str:
    return ", ".join(p for p in _split_structured(value) if p)


__all__ = [
    "MAX_COLUMNS",
    "VCARD_COLUMNS",
    "FlawedRow",
    "ImportFileError",
    "TableReader",
    "detect_delimiter",
    "detect_encoding",
    "guess_encoding",
    "guess_file_encoding",
    "open_table",
]
