"""Churn risk: the administrator's settings, each training run with its validation figures and
fitted model, and every customer's latest probability with the reasons behind it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

DEFAULT_HORIZON_DAYS = 180


class ChurnSettings(TimeStampedModel):
    """One row: what "churned" means in this installation (`churn_settings()` reads it)."""

    horizon_days = models.PositiveIntegerField(
        _("horizon (days)"),
        default=DEFAULT_HORIZON_DAYS,
        help_text=_("A customer who places no order within this many days has churned."),
    )
    lost_stage_counts = models.BooleanField(
        _("the lifecycle stage “Lost” counts as churned"), default=True
    )
    # The key of a yes/no custom field of persons or companies holding an imported historical
    # label ("yes" = left); blank for none.
    label_field_key = models.SlugField(_("historical label field"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("churn settings")
        verbose_name_plural = _("churn settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_days__gte=30) & Q(horizon_days__lte=730),
                name="churn_horizon_range",
            )
        ]

    def __str__(self):
        return str(_("churn settings"))


class RunStatus(models.TextChoices):
    TRAINED = "trained", _("Trained")
    TOO_LITTLE_DATA = "too_little_data", _("Too little data")
    FAILED = "failed", _("Failed")


class ChurnModelRun(models.Model):
    """One training: the figures of its validation on a split by time and the fitted model.

    The model is kept in the row (joblib bytes, a few hundred kB) rather than in a file: the web
    process and the job worker may not share a disk, a backup of the database carries it, and a
    run and its model are deleted together. Only this app's own code writes it.
    """

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    as_of = models.DateTimeField(_("as of"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"))
    train_size = models.PositiveIntegerField(_("customers trained on"), default=0)
    train_churned = models.PositiveIntegerField(default=0)
    valid_size = models.PositiveIntegerField(_("customers validated on"), default=0)
    valid_churned = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(_("customers scored"), default=0)
    auc = models.FloatField(_("AUC"), null=True, blank=True)
    precision_at_10 = models.FloatField(_("precision at the top 10 %"), null=True, blank=True)
    base_rate = models.FloatField(null=True, blank=True)
    # [{"predicted": mean, "observed": rate, "count": n}] per tenth of predicted risk.
    calibration = models.JSONField(default=list, blank=True)
    # [{"feature": name, "importance": drop in AUC}], largest first.
    importance = models.JSONField(default=list, blank=True)
    # What scoring needs besides the model: column names, population medians, category labels.
    feature_spec = models.JSONField(default=dict, blank=True)
    model = models.BinaryField(null=True, blank=True, editable=False)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("churn model run")
        verbose_name_plural = _("churn model runs")
        indexes = [models.Index(fields=["status", "started_at"], name="churn_run_status_idx")]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ChurnScore(models.Model):
    """A customer's latest probability of churning within the horizon, and why.

    `reasons` are codes with numbers ([{"code": "recency", "days": 210, "gap": 45}, ...]),
    worded in the reader's language when shown (`reasons.reason_sentences`).
    """

    person = models.OneToOneField(
        "customers.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    company = models.OneToOneField(
        "customers.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(ChurnModelRun, on_delete=models.CASCADE, related_name="scores")
    probability = models.FloatField(_("churn risk"))
    previous_probability = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("churn score")
        verbose_name_plural = _("churn scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, company__isnull=True)
                | Q(person__isnull=True, company__isnull=False),
                name="churn_score_one_customer",
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1),
                name="churn_score_probability_range",
            ),
        ]
        indexes = [models.Index(fields=["-probability", "id"], name="churn_score_risk_idx")]

    def __str__(self):
        return f"{self.person_id or self.company_id}: {self.probability:.2f}"

    @property
    def customer(self):
        return self.person if self.person_id else self.company
