"""Bounce reports (RFC 3464 DSNs) read from real samples we did not write (flufl.bounce's)."""

import email
from email.message import EmailMessage
from pathlib import Path

import pytest

from rapport.messaging.bounces import parse_bounce, parse_complaint
from rapport.messaging.models import MessageStatus, SuppressionReason
from rapport.messaging.selectors import suppression_for
from rapport.messaging.services import bounce_record, complaint_record, email_send

SAMPLES = Path(__file__).parent / "bounce_samples"


def _read(name: str):
    with open(SAMPLES / name, "rb") as sample:
        return email.message_from_binary_file(sample)


# (sample, the address that bounced, hard): permanent failures (5.x.x) are hard; delays (4.x.x)
# and a failure the server called temporary (dsn_02: 4.4.7, timed out) are not.
CASES = [
    ("dsn_01.txt", "userx@example.com", True),
    ("dsn_02.txt", "zzzzz@example.uk", False),
    ("dsn_03.txt", "userx@example.be", True),
    ("dsn_04.txt", "userx@example.ch", True),
    ("dsn_05.txt", "userx@example.cz", False),
    ("dsn_06.txt", "userx@example.com", False),
    ("dsn_07.txt", "userx@example.nz", False),
    ("dsn_08.txt", "userx@example.de", False),
    ("dsn_09.txt", "userx@example.com", True),
    ("dsn_10.txt", "anne.person@dom.ain", True),
    ("dsn_11.txt", "joem@example.com", True),
    ("dsn_12.txt", "userx@example.jp", True),
    ("dsn_13.txt", "userx@example.com", True),
    ("dsn_14.txt", "userx@example.com.dk", True),
    ("dsn_15.txt", "userx@example.com", True),
    ("dsn_16.txt", "userx@example.com", True),
    ("dsn_17.txt", "userx@example.fi", False),
    ("dsn_18.txt", "email@replaced.net", True),
]


@pytest.mark.parametrize(("sample", "address", "hard"), CASES)
def test_each_real_dsn_names_the_recipient_and_whether_it_is_hard(sample, address, hard):
    bounce = parse_bounce(_read(sample))

    assert {r.address for r in bounce.recipients} == {address}
    assert bounce.hard is hard


@pytest.mark.parametrize("sample", ["simple_01.txt", "postfix_01.txt"])
def test_a_bounce_that_is_not_a_dsn_is_not_read_as_one(sample):
    assert parse_bounce(_read(sample)) is None


def test_an_ordinary_reply_is_not_a_bounce():
    reply = EmailMessage()
    reply["Subject"] = "Re: Welcome"
    reply.set_content("Thanks!")

    assert parse_bounce(reply) is None


@pytest.mark.django_db
def test_a_hard_bounce_of_our_message_suppresses_the_address_and_fails_the_message():
    message = email_send(to_address="userx@example.com", subject="Hi", body_text="x", send_key="b1")
    report = _read("dsn_13.txt")
    bounce = parse_bounce(report)
    bounce = type(bounce)(recipients=bounce.recipients, original_message_id=message.message_id)

    assert bounce_record(bounce=bounce) == ["userx@example.com"]

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "5.1.1" in message.error
    assert suppression_for("userx@example.com").reason == SuppressionReason.HARD_BOUNCE


# --- Complaints (RFC 5965 feedback reports) -------------------------------------------------------


def _feedback_report(*, feedback_type: str, rcpt_to: str, original: str) -> bytes:
    """A feedback report laid out as RFC 5965's Appendix B example is (a mailbox provider's
    feedback loop returning one of our messages a recipient marked as spam)."""
    rcpt = f"Original-Rcpt-To: {rcpt_to}\r\n" if rcpt_to else ""
    return (
        "From: <abusedesk@example.com>\r\nDate: Thu, 8 Mar 2005 17:40:36 EDT\r\n"
        "Subject: FW: Earn money\r\nTo: <abuse@example.net>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report;\r\n"
        ' boundary="part1_13d.2e68ed54_boundary"\r\n\r\n'
        '--part1_13d.2e68ed54_boundary\r\nContent-Type: text/plain; charset="US-ASCII"\r\n'
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
        "This is an email abuse report for an email message received from IP\r\n"
        "192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.\r\n\r\n"
        "--part1_13d.2e68ed54_boundary\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: {feedback_type}\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"
        "Original-Mail-From: <sales@rapport.example>\r\n"
        f"{rcpt}Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\r\n"
        "Reporting-MTA: dns; mail.example.com\r\nSource-IP: 192.0.2.1\r\n\r\n"
        "--part1_13d.2e68ed54_boundary\r\nContent-Type: message/rfc822\r\n"
        "Content-Disposition: inline\r\n\r\n" + original + "\r\n"
        "--part1_13d.2e68ed54_boundary--\r\n"
    ).encode()


def test_a_feedback_report_names_the_complaining_recipient_and_our_message():
    original = (
        "From: <sales@rapport.example>\r\nTo: <Somebody@Example.net>\r\n"
        "Subject: Spring offer\r\nMessage-ID: <8787KJKJ3K4J3K4J3K4J3.mail@rapport.example>\r\n"
        "Date: Thu, 02 Sep 2004 12:31:03 -0500\r\n\r\nSpring is here.\r\n"
    )
    raw = _feedback_report(
        feedback_type="abuse", rcpt_to="<somebody@example.net>", original=original
    )

    complaint = parse_complaint(email.message_from_bytes(raw))

    assert complaint.unwanted
    assert complaint.addresses == ("somebody@example.net",)
    assert complaint.original_message_id == "8787KJKJ3K4J3K4J3K4J3.mail@rapport.example"


@pytest.mark.parametrize("sample", ["dsn_01.txt", "simple_01.txt"])
def test_a_bounce_or_a_plain_message_is_not_a_complaint(sample):
    assert parse_complaint(_read(sample)) is None


@pytest.mark.django_db
def test_a_redacted_complaint_suppresses_the_address_our_message_went_to():
    ours = email_send(
        to_address="li.lei@example.com", subject="Offer", body_text="x", send_key="arf-1"
    )
    # Providers mostly redact the recipient: no Original-Rcpt-To, the To of the copy blanked.
    original = (
        f"From: <sales@rapport.example>\r\nTo: redacted\r\nMessage-ID: <{ours.message_id}>\r\n\r\nx"
    )
    complaint = parse_complaint(
        email.message_from_bytes(
            _feedback_report(feedback_type="abuse", rcpt_to="", original=original)
        )
    )

    assert complaint_record(complaint=complaint) == ["li.lei@example.com"]
    assert suppression_for("li.lei@example.com").reason == SuppressionReason.COMPLAINT


@pytest.mark.django_db
def test_feedback_that_is_not_a_complaint_suppresses_nobody():
    original = "From: <sales@rapport.example>\r\nTo: <a@example.net>\r\n\r\nx"
    complaint = parse_complaint(
        email.message_from_bytes(
            _feedback_report(
                feedback_type="auth-failure", rcpt_to="a@example.net", original=original
            )
        )
    )

    assert complaint_record(complaint=complaint) == []
    assert suppression_for("a@example.net") is None
