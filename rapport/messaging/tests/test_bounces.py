"""Bounce reports (RFC 3464 DSNs) read from real samples we did not write (flufl.bounce's)."""

import email
from email.message import EmailMessage
from pathlib import Path

import pytest

from rapport.messaging.bounces import parse_bounce
from rapport.messaging.models import MessageStatus, SuppressionReason
from rapport.messaging.selectors import suppression_for
from rapport.messaging.services import bounce_record, email_send

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
