from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel
from rapport.sales.models.catalog import MONEY


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    # Both models fitted: purchases and value per customer.
    FITTED = "fitted", _("Fitted")
    # BG/NBD fitted, Gamma-Gamma not: purchases and probability alive, no value.
    NO_SPEND_MODEL = "no_spend_model", _("Fitted without value")
    TOO_LITTLE_DATA = "too_little_data", _("Too little data")
    FAILED = "failed", _("Failed")


class LifetimeModelRun(TimeStampedModel):
    """One fit of BG/NBD and Gamma-Gamma on the customers' orders up to `as_of`, and the check of
    a second fit made `holdout_weeks` earlier against what customers bought since.

    Times are in weeks (as in the papers); money in `currency`, the reporting currency when the
    run was made. `details` holds what the status message needs (counts, the reason) and
    `holdout` the check: the calibration fit's parameters and, per number of calibration repeat
    purchases (0…7+), the customers, the purchases the model expected in the holdout and those
    made (`services.lifetime_fit`).
    """

    as_of = models.DateField(_("end of observation"))
    holdout_weeks = models.PositiveSmallIntegerField(_("holdout (weeks)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus, default=RunStatus.QUEUED
    )
    details = models.JSONField(default=dict, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    repeat_customers = models.PositiveIntegerField(_("customers with repeat purchases"), default=0)
    # BG/NBD: purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b).
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    log_likelihood = models.FloatField(null=True, blank=True)
    # Gamma-Gamma: value of a purchase ~ Gamma(p, nu), nu ~ Gamma(q, v).
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    v = models.FloatField(null=True, blank=True)
    spend_log_likelihood = models.FloatField(null=True, blank=True)
    holdout = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lifetime value model")
        verbose_name_plural = _("lifetime value models")
        indexes = [models.Index(fields=["status", "created_at"], name="lifetime_run_status_idx")]

    def __str__(self):
        return f"{self.as_of} ({self.status})"

    @property
    def has_predictions(self) -> bool:
        return self.status in (RunStatus.FITTED, RunStatus.NO_SPEND_MODEL)

    @property
    def is_finished(self) -> bool:
        return self.status not in (RunStatus.QUEUED, RunStatus.RUNNING)


class LifetimePrediction(models.Model):
    """What one run predicts for one customer, from their orders up to the run's `as_of`: a
    person's, or a company's for its orders without a person (the rule of
    `accounts.access.linked_records_q`, which also decides who sees it)."""

    run = models.ForeignKey(LifetimeModelRun, on_delete=models.CASCADE, related_name="predictions")
    person = models.ForeignKey(
        "customers.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifetime_predictions",
    )
    company = models.ForeignKey(
        "customers.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifetime_predictions",
    )
    # The model's input: repeat purchase days, weeks from the first purchase to the last and to
    # the end of observation, and the mean value of a repeat purchase (None without one).
    frequency = models.PositiveIntegerField(_("repeat purchases"))
    recency_weeks = models.FloatField(_("weeks to the last purchase"))
    age_weeks = models.FloatField(_("weeks since the first purchase"))
    average_value = models.DecimalField(_("average repeat purchase"), **MONEY, null=True)
    probability_alive = models.FloatField(_("probability alive"))
    expected_purchases_90 = models.FloatField(_("expected purchases, 90 days"))
    expected_purchases_365 = models.FloatField(_("expected purchases, 365 days"))
    # Expected purchases in 365 days × the expected value of a purchase, not discounted; None
    # when the run has no spend model.
    expected_value = models.DecimalField(_("expected value, 365 days"), **MONEY, null=True)

    class Meta:
        verbose_name = _("lifetime value prediction")
        verbose_name_plural = _("lifetime value predictions")
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="lifetime_prediction_unique"),
            models.UniqueConstraint(
                fields=["run", "company"], name="lifetime_prediction_company_unique"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False, company__isnull=True)
                | Q(person__isnull=True, company__isnull=False),
                name="lifetime_prediction_one_customer",
            ),
            models.CheckConstraint(
                condition=Q(probability_alive__gte=0) & Q(probability_alive__lte=1),
                name="lifetime_prediction_probability",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "run"], name="lifetime_prediction_person_idx"),
            models.Index(fields=["company", "run"], name="lifetime_pred_company_idx"),
            models.Index(fields=["run", "expected_value"], name="lifetime_prediction_value_idx"),
        ]

    def __str__(self):
        return f"{self.person_id or self.company_id}: {self.probability_alive:.2f}"

    @property
    def alive_percent(self) -> int:
        return round(self.probability_alive * 100)
