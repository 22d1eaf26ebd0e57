from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class ExchangeRate(TimeStampedModel):
    """How many units of `to_currency` one unit of `currency` is worth from `valid_from` on.

    `to_currency` is the reporting currency the rate was entered for
    (`settings.RAPPORT_REPORTING_CURRENCY`); rates entered for another reporting currency are
    kept but not used. A total converted on a day uses the latest rate valid on or before that
    day (`sales.selectors.money`).
    """

    currency = models.CharField(_("currency"), max_length=3)
    to_currency = models.CharField(_("reporting currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "to_currency", "valid_from"], name="exchange_rate_unique"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(currency=models.F("to_currency")), name="exchange_rate_two_currencies"
            ),
        ]

    def __str__(self):
        return f"1 {self.currency} = {self.rate} {self.to_currency} ({self.valid_from})"
