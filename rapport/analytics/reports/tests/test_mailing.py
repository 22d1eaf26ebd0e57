"""Scheduled reports: each recipient gets the report run as themselves, with the xlsx attached,
once a day however often the job runs."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from rapport.analytics.facts.upkeep import facts_rebuild
from rapport.analytics.reports.mailing import send_due_reports
from rapport.analytics.reports.services import saved_report_create
from rapport.messaging.attachments import attachments_of
from rapport.messaging.models import Message
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 2)


def test_weekly_report_reaches_each_recipient_with_their_own_numbers(
    admin_user, alice, charlie, east_person, west_person
):
    # Given an administrator's report shared with sales representatives, e-mailed on Mondays
    # to alice (East) and charlie (West), and one order each
    place_order(alice, east_person, placed_at="2026-01-05T10:00:00+08:00")
    place_order(charlie, west_person, placed_at="2026-01-06T10:00:00+08:00")
    place_order(charlie, west_person, placed_at="2026-01-07T10:00:00+08:00")
    facts_rebuild()  # what the commits would have done (order reports read the daily facts)
    for user, address in ((alice, "alice@example.com"), (charlie, "charlie@example.com")):
        user.email = address
        user.save(update_fields=["email"])
    saved_report_create(
        actor=admin_user,
        data={
            "name": "Orders",
            "definition": {"subject": "orders", "measures": ["count"]},
            "sharing": "role",
            "role": "sales_rep",
            "schedule": "weekly",
            "recipient_ids": [alice.pk, charlie.pk],
        },
    )

    # When the job runs on a Tuesday, then twice on Monday
    assert send_due_reports(MONDAY + datetime.timedelta(days=1)) == 0
    assert send_due_reports(MONDAY) == 2
    assert send_due_reports(MONDAY) == 0

    # Then each got one message whose workbook counts their own orders only
    counts = {}
    for message in Message.objects.all():
        (attachment,) = attachments_of(message)
        sheet = load_workbook(io.BytesIO(attachment.content)).active
        counts[message.to_address] = list(sheet.iter_rows(min_row=2, values_only=True))
        assert "<table" in message.body_html
    assert counts == {"alice@example.com": [(1,)], "charlie@example.com": [(2,)]}
