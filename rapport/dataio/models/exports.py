"""The export log: one row per download of a list, written when it starts and when it ends."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ExportFormat", "ExportLog", "ExportRecordType"]


class ExportRecordType(models.TextChoices):
    PERSONS = "persons", _("Persons")
    COMPANIES = "companies", _("Companies")
    INTERACTIONS = "interactions", _("Interactions")
    LEADS = "leads", _("Leads")
    DEALS = "deals", _("Deals")
    ORDERS = "orders", _("Orders")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8, opens in Excel)")
    CSV_GBK = "csv_gbk", _("CSV (GBK, for older Excel)")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")


class ExportLog(models.Model):
    """Who exported which records, with which filters and columns, and how far it got.

    `finished_at` stays empty when the download was interrupted (the client went away or the
    server failed); `row_count` then says how many rows had been written.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    record_type = models.CharField(_("records"), max_length=20, choices=ExportRecordType)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat)
    filters = models.JSONField(_("filters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    columns = models.JSONField(_("columns"), default=list)
    via_api = models.BooleanField(_("through the API"), default=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["started_at", "id"], name="export_started_idx"),
            models.Index(fields=["user", "started_at"], name="export_user_idx"),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
