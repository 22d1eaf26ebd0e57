"""Where mail goes: the SMTP server named by RAPPORT_EMAIL_URL, or the outbox when none is.

    smtp://host:25            plain SMTP (a local relay)
    smtp+tls://user:pass@host:587   STARTTLS
    smtps://user:pass@host:465      TLS from the first byte

User and password are percent-encoded in the URL (`@` is `%40`). EMAIL_HOST and its siblings,
Django's own settings, still work when RAPPORT_EMAIL_URL is not set.
"""

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rapport.messaging.attachments import attachments_of

SCHEMES = {"smtp": ("", 25), "smtp+tls": ("starttls", 587), "smtps": ("ssl", 465)}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "", "starttls" or "ssl"
    username: str = ""
    password: str = ""
    timeout: int = 10


def parse_email_url(url: str) -> SmtpConfig | None:
    """The SMTP server of RAPPORT_EMAIL_URL, or None for the outbox (empty or "outbox:")."""
    if not url or url.strip() in ("outbox:", "outbox"):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            "RAPPORT_EMAIL_URL must look like smtp://host:25, smtp+tls://user:password@host:587 "
            f"or smtps://user:password@host:465, got {parts.scheme or url!r}"
        )
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ImproperlyConfigured(f"RAPPORT_EMAIL_URL has a bad port: {exc}") from exc
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=getattr(settings, "EMAIL_TIMEOUT", 10) or 10,
    )


def smtp_config() -> SmtpConfig | None:
    url = getattr(settings, "RAPPORT_EMAIL_URL", "")
    if url:
        return parse_email_url(url)
    if getattr(settings, "EMAIL_HOST", ""):
        return SmtpConfig(
            host=settings.EMAIL_HOST,
            port=settings.EMAIL_PORT,
            security="ssl"
            if getattr(settings, "EMAIL_USE_SSL", False)
            else "starttls"
            if settings.EMAIL_USE_TLS
            else "",
            username=settings.EMAIL_HOST_USER,
            password=settings.EMAIL_HOST_PASSWORD,
            timeout=settings.EMAIL_TIMEOUT or 10,
        )
    return None


def build_mime(message) -> EmailMessage:
    """The RFC 5322 message of a `Message` row, with the files its send key's source gives
    (`attachments.register_attachment_source`)."""
    mime = EmailMessage()
    mime["From"] = message.from_address or settings.DEFAULT_FROM_EMAIL
    name, address = parseaddr(message.to_address)
    mime["To"] = formataddr((name, address))
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(message.created_at)
    mime["Message-ID"] = f"<{message.message_id}>"
    for header, value in (message.headers or {}).items():
        if header.lower() not in {"from", "to", "subject", "date", "message-id"}:
            mime[header] = value
    mime.set_content(message.body_text or "")
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
    for attachment in attachments_of(message):
        maintype, _sep, subtype = attachment.content_type.partition("/")
        if not (maintype and subtype) or "/" in subtype or maintype in ("multipart", "message"):
            maintype, subtype = "application", "octet-stream"
        mime.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mime


class SmtpConnection:
    """One connection to the server, opened at the first message and reused for a batch."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=config.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password)
        return smtp

    def send(self, mime: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._open()
        self._smtp.send_message(mime)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None
