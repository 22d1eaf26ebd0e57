"""Which encoding a text file without a byte order mark is in, and how sure that is.

UTF-8 is recognised by its structure. Other bytes are read as each legacy candidate (GB18030,
the superset of GBK and GB2312 that Chinese Excel writes; Big5, what Excel writes in Taiwan and
Hong Kong; Shift_JIS, Japanese Windows'; Windows-1252, what Western Excel and Outlook write;
Windows-1251, Cyrillic Windows'; Latin-1) and each reading is scored by how plausible its text is:
a Chinese reading
is plausible when its characters are mostly common ones (GB2312's first level) and not glued
between Latin letters (Windows-1252 `Müller` read as GBK is `M黮ler`: a rare character inside a
Latin word); a Western reading is plausible when its accented letters sit one or two at a time
inside Latin words (GBK `张伟` read as Windows-1252 is `ÕÅÎ°`: a run of accented letters and
symbols). A Big5 or Shift_JIS reading is scored like a GB18030 one, on the characters each
standard lists as frequent (Big5's first level; kana and JIS's first level); a Cyrillic reading
is plausible when its letters make words (`Иван`, not `ХЕО°`, which is GBK `张伟`).
charset-normalizer's mess ratio of each reading weighs in. A guess is `confident` only
when one reading clearly wins; otherwise the import asks the user, showing the lines that
differ read each way.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

# The readings compared for a file that is not UTF-8, in the order of preference on a tie.
LEGACY_CANDIDATES = ("gb18030", "cp950", "cp932", "cp1252", "cp1251", "latin-1", "mac_roman")
# How much less often than GB18030 and Windows-1252 a file of Rapport's users (mainland China,
# English) is in the other legacy encodings: a file of a few rare characters (`赟玥`) is read in
# the likelier one first; a whole Big5, Shift_JIS or Cyrillic file still wins without asking.
PRIOR = {"cp950": 0.7, "cp932": 0.7, "cp1251": 0.8}
# The double-byte candidates: a few characters are no proof between them and a single-byte one.
DOUBLE_BYTE = frozenset({"gb18030", "cp950", "cp932"})
# Names charset-normalizer knows the candidates by.
NORMALIZER_NAMES = {
    "gb18030": "gb18030",
    "cp950": "cp950",
    "cp932": "cp932",
    "cp1252": "cp1252",
    "cp1251": "cp1251",
    "latin-1": "latin_1",
    "mac_roman": "mac_roman",
}
# Encodings a user may choose for a CSV file.
CHOOSABLE = (
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "cp950",
    "cp932",
    "cp1252",
    "cp1251",
    "latin-1",
    "mac_roman",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
)
# A reading wins without asking when it scores at least this and leads the next by MARGIN.
CONFIDENT_SCORE = 0.5
CONFIDENT_MARGIN = 0.3
# With fewer non-ASCII bytes than this, the best reading wins without asking only when the
# others score below CLEAR_LOSER_SCORE.
THIN_EVIDENCE_BYTES = 12
CLEAR_LOSER_SCORE = 0.15
HIGH_BYTES = bytes(range(0x80, 0x100))
# Readings scoring below this are not offered as a choice.
OFFERED_SCORE = 0.05
# How much of the non-ASCII lines the scores are computed on, and how many are shown.
EVIDENCE_BYTES = 16 * 1024
SHOWN_LINES = 5
SHOWN_LINE_CHARS = 160

NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
# Symbols a Western text holds on their own: currency, quotes, dashes, degrees, fractions.
LATIN_SYMBOLS = set("\xa0€£¥¢©®°±²³µ·¹º¼½¾¿¡§¶«»‘’‚“”„•–—…×÷‰™ª")
# Chinese punctuation and the symbols GB2312 has in its first rows.
CJK_PUNCTUATION = set("·—…‘’“”、。〃々〈〉《》「」『』【】〔〕℃№※→←↑↓■□▲△○●◎◇◆★☆")


@dataclass(frozen=True)
class EncodingCandidate:
    encoding: str
    score: float
    # The first lines with non-ASCII characters, read in this encoding.
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding to read a file in; `confident` is False when another reading in
    `candidates` (best first) is nearly as plausible and the user should choose."""

    encoding: str
    confident: bool = True
    candidates: tuple[EncodingCandidate, ...] = field(default=())

    def as_json(self) -> dict:
        return {
            "detected": self.encoding,
            "confident": self.confident,
            "candidates": [
                {"encoding": c.encoding, "score": round(c.score, 3), "lines": list(c.lines)}
                for c in self.candidates
            ],
        }


def encoding_label(encoding: str) -> str:
    """The name of an encoding as the user knows it."""
    labels = {
        "utf-8": "UTF-8",
        "utf-8-sig": _("UTF-8 with BOM"),
        "utf-16": _("UTF-16 (Excel “Unicode text”)"),
        "utf-16-le": "UTF-16LE",
        "utf-16-be": "UTF-16BE",
        "gb18030": _("GB18030/GBK (Chinese)"),
        "cp950": _("Big5 (Traditional Chinese: Taiwan, Hong Kong)"),
        "cp932": _("Shift_JIS (Japanese)"),
        "cp1252": _("Windows-1252 (Western European)"),
        "cp1251": _("Windows-1251 (Cyrillic)"),
        "latin-1": _("ISO-8859-1 (Latin-1)"),
        "mac_roman": _("Mac OS Roman (CSV from an old Mac Excel)"),
    }
    return labels.get(encoding, encoding)


def utf16_without_bom(head: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 text without a byte order mark: the high byte of
    every ASCII character (delimiters, digits, line ends) is NUL, always on the same side."""
    window = head[:65536]
    pairs = len(window) // 2
    if pairs < 4:
        return None
    even_nul = window[0 : pairs * 2 : 2].count(0)
    odd_nul = window[1 : pairs * 2 : 2].count(0)
    if odd_nul >= pairs * 0.1 and even_nul <= pairs * 0.01:
        encoding = "utf-16-le"
    elif even_nul >= pairs * 0.1 and odd_nul <= pairs * 0.01:
        encoding = "utf-16-be"
    else:
        return None
    text = None
    for cut in (0, 2, 4):  # the window may end inside a surrogate pair
        try:
            text = window[: pairs * 2 - cut].decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        return None
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f")
    return encoding if controls <= len(text) // 200 else None


def evidence_lines(lines: list[bytes]) -> list[bytes]:
    """The lines with non-ASCII bytes, up to EVIDENCE_BYTES of them."""
    kept, size = [], 0
    for line in lines:
        if line.isascii():
            continue
        kept.append(line)
        size += len(line)
        if size >= EVIDENCE_BYTES:
            break
    return kept


def guess_legacy_encoding(lines: list[bytes]) -> EncodingGuess:
    """The most plausible reading of `lines` (the non-ASCII lines of a file that is not UTF-8)
    among LEGACY_CANDIDATES, each reading scored from 0 to 1."""
    evidence = evidence_lines(lines)
    if not evidence:
        return EncodingGuess("utf-8")
    mess = _mess_ratios(b"\n".join(evidence))
    scored: list[EncodingCandidate] = []
    seen_texts: set[tuple[str, ...]] = set()
    windows_1252_failed = None
    for encoding in LEGACY_CANDIDATES:
        if encoding == "latin-1" and windows_1252_failed == 0:
            # Latin-1 differs from Windows-1252 only in bytes 0x80-0x9F, which it reads as
            # control characters: it is the better reading only where Windows-1252 fails.
            continue
        texts, failed = [], 0
        for line in evidence:
            try:
                texts.append(line.decode(encoding))
            except UnicodeDecodeError:
                failed += 1
                continue
            if encoding in DOUBLE_BYTE and _is_utf8_cjk(line):
                failed += 1  # a UTF-8 line that GB18030 (or Big5) happens to decode
        if encoding == "cp1252":
            windows_1252_failed = failed
        if failed * 2 > len(evidence):
            continue
        shown = tuple(t.strip()[:SHOWN_LINE_CHARS] for t in texts[:SHOWN_LINES])
        if shown in seen_texts:
            continue
        seen_texts.add(shown)
        text = "\n".join(texts)
        plausibility = PLAUSIBILITY.get(encoding, _western_plausibility)(text)
        decoded_share = 1 - failed / len(evidence)
        score = plausibility * decoded_share * (1 - mess.get(encoding, 0.5))
        score *= PRIOR.get(encoding, 1.0)
        scored.append(EncodingCandidate(encoding, score, shown))
    if not scored:
        return EncodingGuess("gb18030", confident=False)
    # Stable: on equal scores the order of LEGACY_CANDIDATES decides.
    scored.sort(key=lambda c: -c.score)
    best = scored[0]
    second = scored[1].score if len(scored) > 1 else 0.0
    confident = best.score >= CONFIDENT_SCORE and best.score - second >= CONFIDENT_MARGIN
    double_byte = best.encoding in DOUBLE_BYTE
    rival = max((c.score for c in scored if (c.encoding in DOUBLE_BYTE) != double_byte), default=0)
    if confident and rival >= CLEAR_LOSER_SCORE:
        # A few characters are no proof between Chinese and Western text: one rare Chinese
        # character (赟, bytes DA 53) reads as a plausible `ÚS` in Windows-1252.
        confident = sum(len(line) - len(line.translate(None, HIGH_BYTES)) for line in evidence) >= (
            THIN_EVIDENCE_BYTES
        )
    offered = tuple(c for c in scored if c is best or c.score >= OFFERED_SCORE)
    return EncodingGuess(best.encoding, confident, offered)


def _mess_ratios(data: bytes) -> dict[str, float]:
    """charset-normalizer's mess ratio (0: clean text, 1: gibberish) of each candidate it can
    decode `data` in; candidates it rules out are missing."""
    matches = from_bytes(
        data,
        cp_isolation=[NORMALIZER_NAMES[e] for e in LEGACY_CANDIDATES],
        threshold=1.0,
        preemptive_behaviour=False,
    )
    by_name = {name: encoding for encoding, name in NORMALIZER_NAMES.items()}
    ratios: dict[str, float] = {}
    for match in matches:
        for name in [match.encoding, *match.could_be_from_charset]:
            encoding = by_name.get(name)
            if encoding is not None and encoding not in ratios:
                ratios[encoding] = float(match.chaos)
    return ratios


def _is_utf8_cjk(line: bytes) -> bool:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return CJK_IDEOGRAPH.search(text) is not None


def _runs(text: str):
    """Each run of non-ASCII characters with whether an ASCII letter is right before it and
    right after it."""
    for run in NON_ASCII_RUN.finditer(text):
        start, end = run.span()
        before = start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()
        after = end < len(text) and text[end].isascii() and text[end].isalpha()
        yield run.group(), before, after


def _chinese_plausibility(text: str, char_value=None) -> float:
    """How plausible `text` is as East Asian text, by `char_value` (GB2312's frequent
    characters by default) of each non-ASCII character and where it stands."""
    char_value = char_value or _chinese_char_value
    total = weight = 0.0
    for run, before, after in _runs(text):
        for char in run:
            value, common = char_value(char)
            if before and after:
                value *= 0.2  # inside a Latin word: Windows-1252 `Müller` is `M黮ler`
            elif (before or after) and not common:
                value *= 0.5
            total += 1
            weight += value
    return weight / total if total else 0.0


@functools.lru_cache(maxsize=8192)
def _chinese_char_value(char: str) -> tuple[float, bool]:
    """How likely `char` is in a Chinese contact list, and whether it is a common one."""
    if CJK_IDEOGRAPH.match(char):
        try:
            code = char.encode("gb2312")
        except UnicodeEncodeError:
            # Outside GB2312: the rare characters of GBK and GB18030 (some given names).
            return 0.3, False
        # GB2312's first level (lead bytes B0-D7) holds the 3,755 common characters.
        return (1.0, True) if code[0] <= 0xD7 else (0.6, False)
    if "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e" or char in CJK_PUNCTUATION:
        return 0.9, True
    return 0.1, False  # Greek, Cyrillic, kana, box drawing: seldom in a Chinese contact list


@functools.lru_cache(maxsize=8192)
def _traditional_char_value(char: str) -> tuple[float, bool]:
    """How likely `char` is in a Traditional Chinese (Big5) contact list."""
    if CJK_IDEOGRAPH.match(char):
        try:
            code = char.encode("big5")
        except UnicodeEncodeError:
            return 0.3, False  # Microsoft's or Hong Kong's additions
        # Big5's A440-C67E holds its 5,401 frequently used characters.
        return (1.0, True) if code[0] <= 0xC6 else (0.6, False)
    if "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e" or char in CJK_PUNCTUATION:
        return 0.9, True
    return 0.1, False


@functools.lru_cache(maxsize=8192)
def _japanese_char_value(char: str) -> tuple[float, bool]:
    """How likely `char` is in a Japanese (Shift_JIS) contact list."""
    if "\u3041" <= char <= "\u30ff":
        return 1.0, True  # hiragana and katakana
    if CJK_IDEOGRAPH.match(char):
        try:
            code = char.encode("cp932")
        except UnicodeEncodeError:
            return 0.3, False
        # JIS X 0208's first level (lead bytes 88-98 in Shift_JIS) holds the common kanji.
        return (1.0, True) if code[0] <= 0x98 else (0.6, False)
    if "\uff61" <= char <= "\uff9f":
        # Half-width katakana: old systems wrote them, but GB2312's common characters read as
        # Shift_JIS are runs of them.
        return 0.2, False
    if "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e" or char in CJK_PUNCTUATION:
        return 0.9, True
    return 0.1, False


CYRILLIC_WORD = re.compile(r"[А-ЯЁЂ-Џ]?[а-яёђ-џ]+|[А-ЯЁЂ-Џ]+")
CYRILLIC_SYMBOLS = set("№«»—–…„“”‘’•·\xa0€")


def _cyrillic_plausibility(text: str) -> float:
    """Cyrillic words are runs of Cyrillic letters, lower case, capitalised or all capitals, not
    glued to Latin letters; a Cyrillic reading of Chinese bytes mixes cases and symbols."""
    total = weight = 0.0
    for run, before, after in _runs(text):
        total += len(run)
        if CYRILLIC_WORD.fullmatch(run):
            weight += len(run) * (0.3 if before or after else 1.0)
        elif len(run) == 1 and run in CYRILLIC_SYMBOLS:
            weight += 0.8
        else:
            weight += 0.1 * len(run)
    return weight / total if total else 0.0


def _big5_plausibility(text: str) -> float:
    """A Big5 reading scored like a Chinese one, but Big5 text has the second byte of about a
    third of its characters in 40-7E, which GB2312 never uses: GB2312 bytes read as Big5 are
    frequent Traditional characters too (`张伟` reads `涨帧`), yet none of them has such a byte."""
    plausibility = _chinese_plausibility(text, char_value=_traditional_char_value)
    ideographs = low_second_bytes = 0
    for char in CJK_IDEOGRAPH.findall(text):
        try:
            code = char.encode("cp950")
        except UnicodeEncodeError:
            continue
        ideographs += 1
        low_second_bytes += len(code) == 2 and code[1] < 0x7F
    if ideographs > 1 and not low_second_bytes:
        # Each Big5 character has about a 60 % chance of a high second byte (94 of its 157
        # values): n of them all high is as unlikely as 0.6^n.
        plausibility *= BIG5_HIGH_SECOND_BYTE ** (ideographs - 1)
    return plausibility


BIG5_HIGH_SECOND_BYTE = 0.6

PLAUSIBILITY = {
    "gb18030": _chinese_plausibility,
    "cp950": _big5_plausibility,
    "cp932": functools.partial(_chinese_plausibility, char_value=_japanese_char_value),
    "cp1251": _cyrillic_plausibility,
}


def _western_plausibility(text: str) -> float:
    total = weight = 0.0
    for match in NON_ASCII_RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        previous = text[start - 1] if start > 0 else " "
        following = text[end] if end < len(text) else " "
        before = previous.isascii() and previous.isalpha()
        after = following.isascii() and following.isalpha()
        for position, char in enumerate(run):
            total += 1
            weight += _western_char_value(
                char,
                len(run),
                before or after,
                # A lower-case letter right before an upper-case one is seldom inside a word,
                # nor is a capital between two letters (Mac Roman `Müller` is `MŸller` here).
                case_break=(
                    (position == 0 and previous.islower() and char.isupper())
                    or (position == len(run) - 1 and char.islower() and following.isupper())
                    or (len(run) == 1 and before and char.isupper() and following.islower())
                ),
            )
    return weight / total if total else 0.0


def _western_char_value(char, length, in_word, *, case_break) -> float:
    # Letters are upper- and lower-case ones: not modifier letters (`ˆ`, Mac Roman's reading of
    # Windows-1252 `ö`) nor ligatures (`ﬂ`, of `ß`).
    if unicodedata.category(char).startswith("C"):
        return 0.0  # C1 control characters: Latin-1's reading of 0x80-0x9F
    if unicodedata.category(char) in ("Lu", "Ll") and not "\ufb00" <= char <= "\ufb06":
        if not in_word:
            return 0.3 if length <= 2 else 0.1
        if case_break:
            return 0.3
        return 1.0 if length == 1 else 0.7 if length == 2 else 0.2
    if char in LATIN_SYMBOLS and length == 1:
        # `5 €`, `20°C`, `“Müller”`; a symbol touching a letter (`•N`, `«h`) seldom.
        return 0.3 if in_word else 0.8
    return 0.1
