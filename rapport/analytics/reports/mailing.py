"""E-mailing saved reports on their schedule: each recipient gets the report run as themselves
(what they may see, not what its owner sees), as an xlsx attachment and a short HTML table, in
their language, through the messaging app's outbox (`email_send`, one message per send key).

`send_due_reports` is safe to run twice a day: a report is sent once a day at most
(`SavedReport.last_sent_on`, and the send key of each recipient's message).
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.analytics.reports.engine import parse_definition, report_run
from rapport.analytics.reports.models import ReportDelivery, ReportSchedule, SavedReport
from rapport.analytics.reports.selectors import may_see_saved_report
from rapport.dataio.services.exports.writers import xlsx_file
from rapport.messaging.attachments import MailAttachment, register_attachment_source
from rapport.messaging.services import email_send

logger = logging.getLogger(__name__)

SEND_KEY_PREFIX = "analytics-report:"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The HTML table shows the first rows; the attachment holds them all.
ROWS_IN_MAIL = 30
KEEP_DELIVERIES_DAYS = 90


def is_due(schedule: str, day: datetime.date) -> bool:
    if schedule == ReportSchedule.DAILY:
        return True
    if schedule == ReportSchedule.WEEKLY:
        return day.weekday() == 0
    if schedule == ReportSchedule.MONTHLY:
        return day.day == 1
    return False


def _workbook(result) -> bytes:
    header = [str(c.label) for c in result.columns]
    with xlsx_file(header, [result.table()], title=str(result.subject.label)) as file:
        return file.read()


def report_mail_to(report: SavedReport, recipient, day: datetime.date) -> bool:
    """Send `report` to `recipient` as of `day`; False when they may no longer see it or have no
    address (a report shared with a team they left)."""
    if not (recipient.is_active and recipient.email and may_see_saved_report(recipient, report)):
        return False
    with translation.override(recipient.language):
        result = report_run(recipient, parse_definition(report.definition))
        file_name = f"{report.name[:80]}-{day.isoformat()}.xlsx"
        with transaction.atomic():
            delivery, _created = ReportDelivery.objects.get_or_create(
                report=report,
                recipient=recipient,
                sent_on=day,
                defaults={"file_name": file_name, "workbook": _workbook(result)},
            )
            context = {
                "report": report,
                "result": result,
                "shown": ROWS_IN_MAIL,
                "more": max(0, len(result.rows) - ROWS_IN_MAIL),
                "day": day,
                "url": settings.RAPPORT_BASE_URL.rstrip("/")
                + reverse("analytics_reports:builder")
                + f"?saved={report.pk}",
            }
            email_send(
                to_address=recipient.email,
                subject=_("Report: %(name)s") % {"name": report.name},
                body_text=render_to_string("analytics_reports/email/report.txt", context),
                body_html=render_to_string("analytics_reports/email/report.html", context),
                send_key=f"{SEND_KEY_PREFIX}{delivery.pk}",
                origin="analytics_reports",
                language=recipient.language,
            )
    return True


def send_due_reports(today: datetime.date | None = None) -> int:
    """E-mail every saved report due today to its recipients; the number of messages queued."""
    today = today or timezone.localdate()
    sent = 0
    reports = SavedReport.objects.exclude(schedule="").exclude(last_sent_on=today)
    for report in reports.select_related("owner").prefetch_related("recipients"):
        if not is_due(report.schedule, today):
            continue
        for recipient in report.recipients.all():
            try:
                sent += report_mail_to(report, recipient, today)
            except Exception:
                # One broken report (a custom field since deleted) must not stop the others.
                logger.exception("Report %s could not be sent to %s", report.pk, recipient.pk)
        SavedReport.objects.filter(pk=report.pk).update(last_sent_on=today)
    ReportDelivery.objects.filter(
        sent_on__lt=today - datetime.timedelta(days=KEEP_DELIVERIES_DAYS)
    ).delete()
    return sent


def _attachments(message) -> list[MailAttachment]:
    delivery_id = message.send_key.removeprefix(SEND_KEY_PREFIX)
    delivery = (
        ReportDelivery.objects.filter(pk=int(delivery_id)).first()
        if delivery_id.isdigit()
        else None
    )
    if delivery is None:
        return []
    return [MailAttachment(delivery.file_name, XLSX, bytes(delivery.workbook))]


def register() -> None:
    register_attachment_source(SEND_KEY_PREFIX, _attachments)
