from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role
from rapport.core.models import TimeStampedModel


class ReportSharing(models.TextChoices):
    PRIVATE = "private", _("Only me")
    TEAM = "team", _("A team")
    ROLE = "role", _("Everyone with a role")


class ReportSchedule(models.TextChoices):
    NONE = "", _("Not e-mailed")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every Monday")
    MONTHLY = "monthly", _("On the first of every month")


class SavedReport(TimeStampedModel):
    """A report definition someone saved (checked by `engine.parse_definition` on every save),
    who it is shared with, and when it is e-mailed to whom. Whoever opens or receives it sees
    what they may see, not what its owner sees: the definition is run as the reader."""

    name = models.CharField(_("name"), max_length=120)
    definition = models.JSONField(_("definition"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sharing = models.CharField(
        _("shared with"), max_length=10, choices=ReportSharing, default=ReportSharing.PRIVATE
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, blank=True)
    schedule = models.CharField(
        _("e-mailed"),
        max_length=10,
        choices=ReportSchedule,
        default=ReportSchedule.NONE,
        blank=True,
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("recipients"), blank=True, related_name="+"
    )
    # The day the schedule last sent it (local date), so that a job run twice sends once.
    last_sent_on = models.DateField(_("last sent"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(sharing="private", team__isnull=True, role="")
                | Q(sharing="team", team__isnull=False, role="")
                | (Q(sharing="role", team__isnull=True) & ~Q(role="")),
                name="saved_report_sharing_consistent",
            )
        ]
        indexes = [
            models.Index(fields=["owner", "name"], name="saved_report_owner_idx"),
            models.Index(fields=["team", "name"], name="saved_report_team_idx"),
            models.Index(fields=["role", "name"], name="saved_report_role_idx"),
            models.Index(fields=["schedule"], name="saved_report_schedule_idx"),
        ]

    def __str__(self):
        return self.name


class ReportDelivery(models.Model):
    """One e-mailing of a saved report to one recipient on one day, with the workbook it
    carries (run as the recipient when it was sent): the message's attachment is read from here
    when it is delivered, so a retried delivery sends the same file."""

    report = models.ForeignKey(SavedReport, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    file_name = models.CharField(max_length=200)
    workbook = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "recipient", "sent_on"], name="report_delivery_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.report} → {self.recipient} ({self.sent_on})"
