"""Reading delivery status notifications (RFC 3464 `multipart/report; report-type=delivery-status`)
and complaint reports (RFC 5965 ARF, `multipart/report; report-type=feedback-report`).

`parse_bounce(message)` returns who bounced, with the status code and whether it is hard
(action "failed" with a 5.x.x status: the address does not exist or refuses for good), or None
for a message that is not a DSN. `parse_complaint(message)` returns whose mailbox provider
reported one of our messages as spam (a feedback loop), or None for a message that is not a
feedback report. The inbox app calls both for mail arriving in the shared mailbox and suppresses
hard-bounced and complaining addresses (`services.bounce_record`, `services.complaint_record`).
"""

import email.message
import email.utils
import re
from dataclasses import dataclass

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"([245]\d\d)\b")
# Words some servers write instead of RFC 3464's "failed".
_ACTIONS = {"failure": "failed", "error": "failed", "fail": "failed"}


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # "5.1.1"
    diagnostic: str = ""

    @property
    def hard(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[BouncedRecipient, ...]
    # The Message-ID of the message that bounced (ours, when we sent it), without <>.
    original_message_id: str = ""

    @property
    def hard(self) -> bool:
        return any(recipient.hard for recipient in self.recipients)

    @property
    def hard_addresses(self) -> list[str]:
        return [r.address for r in self.recipients if r.hard]


def _address(value: str) -> str:
    """`rfc822; user@example.com` (or a bare or bracketed address) -> the lower-cased address;
    "" for another address type (`x400; /S=…`)."""
    value = (value or "").strip()
    if ";" in value:
        kind, value = value.split(";", 1)
        if kind.strip().lower() != "rfc822":
            return ""
    value = value.strip().strip("<>").strip().lower()
    return value if "@" in value and " " not in value else ""


def _header_blocks(part: email.message.Message) -> list[email.message.Message]:
    """The field groups of a message/delivery-status part (per message, then per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, email.message.Message)]
    # Some senders mislabel the part; parse its text as groups of header fields.
    text = payload if isinstance(payload, str) else ""
    return [
        email.message_from_string(chunk.strip() + "\n")
        for chunk in re.split(r"\r?\n\s*\r?\n", text)
        if chunk.strip()
    ]


def _original_message_id(report: email.message.Message) -> str:
    for part in report.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip().strip("<>")
        elif content_type == "text/rfc822-headers":
            headers = email.message_from_string(
                part.get_payload(decode=True).decode("utf-8", "replace")
            )
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip().strip("<>")
    return ""


def parse_bounce(message: email.message.Message) -> Bounce | None:
    """The bounce a DSN reports, or None when `message` carries no delivery-status part."""
    status_parts = [
        part for part in message.walk() if part.get_content_type() == "message/delivery-status"
    ]
    if not status_parts:
        return None
    recipients = []
    for part in status_parts:
        for block in _header_blocks(part):
            # The address we wrote to, rather than where a forwarder took it.
            address = _address(block.get("Original-Recipient", "")) or _address(
                block.get("Final-Recipient", "")
            )
            if not address:
                continue
            words = str(block.get("Action") or "").strip().lower().split()
            action = _ACTIONS.get(words[0], words[0]) if words else "failed"
            raw_status = str(block.get("Status") or "")
            status_match = _STATUS.search(raw_status)
            smtp_code = _SMTP_CODE.match(raw_status.strip())
            if status_match:
                status = ".".join(status_match.groups())
            elif smtp_code:
                status = f"{smtp_code.group(1)[0]}.0.0"  # "553 …": an SMTP reply code instead
            else:
                # No status: a failure without one is taken as permanent, anything else as not.
                status = "5.0.0" if action == "failed" else "4.0.0"
            diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
            recipients.append(
                BouncedRecipient(
                    address=address,
                    action=action,
                    status=status,
                    diagnostic=diagnostic[:500],
                )
            )
    if not recipients:
        return None
    return Bounce(recipients=tuple(recipients), original_message_id=_original_message_id(message))


# --- Complaints (RFC 5965) ---------------------------------------------------------------------

# Feedback types that mean "the recipient does not want this mail" (RFC 5965 section 7.3, and
# RFC 6650's advice to treat "abuse" from a feedback loop as an unsubscribe). "auth-failure",
# "not-spam" and "virus" say nothing about the recipient's wishes.
COMPLAINT_TYPES = {"abuse", "fraud", "opt-out", "optout"}


@dataclass(frozen=True)
class Complaint:
    feedback_type: str  # abuse, fraud, opt-out, …
    addresses: tuple[str, ...]  # the recipients who complained, lower-cased
    original_message_id: str = ""

    @property
    def unwanted(self) -> bool:
        return self.feedback_type in COMPLAINT_TYPES


def _original_headers(report: email.message.Message) -> email.message.Message | None:
    for part in report.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        elif content_type == "text/rfc822-headers":
            return email.message_from_string(
                part.get_payload(decode=True).decode("utf-8", "replace")
            )
    return None


def parse_complaint(message: email.message.Message) -> Complaint | None:
    """The complaint an ARF feedback report carries, or None when `message` is not one.

    Who complained: the report's `Original-Rcpt-To` fields; a provider that redacts them (most
    do) still returns the original message, whose `To` is then the address we wrote to.
    """
    feedback_parts = [
        part for part in message.walk() if part.get_content_type() == "message/feedback-report"
    ]
    if not feedback_parts:
        return None
    fields: list[email.message.Message] = []
    for part in feedback_parts:
        fields += _header_blocks(part)
    feedback_type = ""
    addresses: list[str] = []
    for block in fields:
        feedback_type = feedback_type or str(block.get("Feedback-Type") or "").strip().lower()
        for value in block.get_all("Original-Rcpt-To") or []:
            if address := _address(str(value)):
                addresses.append(address)
    original = _original_headers(message)
    if not addresses and original is not None:
        for _name, address in email.utils.getaddresses(
            [str(v) for v in original.get_all("To") or []]
        ):
            if address := _address(address):
                addresses.append(address)
    message_id = ""
    if original is not None and original.get("Message-ID"):
        message_id = str(original["Message-ID"]).strip().strip("<>")
    return Complaint(
        feedback_type=feedback_type or "abuse",
        addresses=tuple(dict.fromkeys(addresses)),
        original_message_id=message_id,
    )
