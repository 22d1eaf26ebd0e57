from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel
from rapport.sales.models.catalog import MONEY


class QuotaPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Quota(TimeStampedModel):
    """A target for one user or one team over a month or a quarter starting on `period_start`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
    )
    period = models.CharField(_("period"), max_length=10, choices=QuotaPeriod)
    period_start = models.DateField(_("period start"))
    amount = models.DecimalField(_("won amount target"), **MONEY, default=Decimal("0"))
    won_count = models.PositiveIntegerField(_("won deals target"), default=0)

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="quota_for_user_or_team",
            ),
            models.UniqueConstraint(
                fields=["user", "period", "period_start"], name="quota_user_period_unique"
            ),
            models.UniqueConstraint(
                fields=["team", "period", "period_start"], name="quota_team_period_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.user or self.team} {self.period} {self.period_start}"
