"""Reading an e-mail's raw bytes into what the inbox keeps, whatever the sender's software did.

Real mail is often not what the RFCs say: subjects in GB2312 that hold GBK characters, Big5
with Hong Kong additions, 8-bit bytes in headers with no declared charset, broken base64,
missing headers. Every header and text part is decoded here by hand with a fallback chain, so
a bad part costs a few replacement characters, never the message; only a message with nothing
usable (no sender) is refused by the services, with a reason the administrators read.
"""

import datetime
import email
import email.header
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

BODY_MAX = 100_000
HEADER_MAX = 10_000

# Mail software labels text with a narrower charset than it used; decode with the superset.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message: Message
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: str = ""
    subject: str = ""
    sent_at: datetime.datetime | None = None
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    automatic: bool = False


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in the declared charset (or its superset), else UTF-8, else GB18030."""
    tried = []
    if charset:
        name = charset.strip().strip('"').lower()
        tried.append(_SUPERSETS.get(name, name))
    tried += ["utf-8", "gb18030"]
    for name in tried:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(raw: str | None, hint: str | None = None) -> str:
    """A header's text: RFC 2047 encoded words decoded, lines unfolded, and raw 8-bit bytes read
    in `hint` (the charset the message declares for its text, which the sender's software also
    used for its headers), else UTF-8, else GB18030."""
    if not raw:
        return ""
    value = re.sub(r"\r?\n[ \t]+", " ", str(raw))[:HEADER_MAX]
    if re.search(r"[\udc80-\udcff]", value):
        # Undeclared 8-bit bytes, which the parser kept as surrogates.
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), hint)
    if "=?" not in value:
        return value.strip()
    try:
        parts = email.header.decode_header(value)
    except Exception:  # a broken encoded word leaves the header as it came
        return value.strip()
    text = "".join(
        part if isinstance(part, str) else decode_bytes(part, charset) for part, charset in parts
    )
    return text.strip()


def _raw_header(message: Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


def _message_ids(value: str) -> list[str]:
    found = re.findall(r"<([^<>\s]+)>", value)
    if found:
        return found
    return [token.strip("<>") for token in value.split() if "@" in token]


def _sent_at(value: str) -> datetime.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)
    return when


def _sender(message: Message, hint: str | None) -> tuple[str, str]:
    value = decode_header_value(
        _raw_header(message, "from") or _raw_header(message, "sender"), hint
    )
    name, address = email.utils.parseaddr(value)
    address = address.strip().lower()
    if "@" not in address or len(address) > 254 or " " in address:
        return "", name
    return address, name


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # a broken RFC 2231 parameter: the file still comes
        name = None
    name = decode_header_value(name) if name else ""
    name = name.replace("/", "_").replace("\\", "_").strip()
    return name[:255]


def _walk_body(parsed: ParsedMail) -> None:
    html = ""
    for part in parsed.message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part)
        if disposition == "attachment" or filename:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parsed.attachments.append(
                    Attachment(
                        filename=filename or _("attachment"),
                        content_type=content_type[:100],
                        content=payload,
                    )
                )
            continue
        if content_type == "text/plain" and not parsed.body_text:
            parsed.body_text = _part_text(part)
        elif content_type == "text/html" and not html:
            html = _part_text(part)
    if not parsed.body_text and html:
        parsed.body_text = strip_tags(html)
    parsed.body_text = parsed.body_text.replace("\r\n", "\n").strip()[:BODY_MAX]


def _declared_charset(message: Message) -> str | None:
    for part in message.walk():
        charset = part.get_content_charset()
        if charset:
            return charset
    return None


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a message's bytes as well as they can be read; never raises for bad input."""
    message = email.message_from_bytes(raw)
    parsed = ParsedMail(message=message)
    hint = _declared_charset(message)
    parsed.message_id = "".join(_message_ids(_raw_header(message, "message-id"))[:1])[:998]
    parsed.in_reply_to = " ".join(_message_ids(_raw_header(message, "in-reply-to")))
    parsed.references = _message_ids(_raw_header(message, "references"))[-50:]
    parsed.from_address, parsed.from_name = _sender(message, hint)
    parsed.from_name = parsed.from_name[:200]
    parsed.to = decode_header_value(_raw_header(message, "to"), hint)
    parsed.subject = decode_header_value(_raw_header(message, "subject"), hint)[:500]
    parsed.sent_at = _sent_at(_raw_header(message, "date"))
    auto_submitted = _raw_header(message, "auto-submitted").strip().lower()
    precedence = _raw_header(message, "precedence").strip().lower()
    parsed.automatic = (auto_submitted not in ("", "no")) or precedence in (
        "bulk",
        "junk",
        "list",
        "auto_reply",
    )
    _walk_body(parsed)
    return parsed
