from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel
from rapport.sales.models.catalog import MONEY


class Pipeline(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self):
        return self.name


# "Lost" is also a customer's lifecycle stage (流失客户): deal words carry their own context.
class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("deal status", "Open")
    WON = "won", pgettext_lazy("deal status", "Won")
    LOST = "lost", pgettext_lazy("deal status", "Lost")


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind, default=StageKind.OPEN)
    # The win probability a deal takes when it enters this stage.
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    # A deal that sits here longer gets a follow-up task for its owner; empty means never.
    stale_after_days = models.PositiveSmallIntegerField(
        _("follow up after days in stage"), null=True, blank=True
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_pct"),
        ]

    def __str__(self):
        return self.name


class LostReason(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self):
        return self.name


class DealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("deal status", "Open")
    WON = "won", pgettext_lazy("deal status", "Won")
    LOST = "lost", pgettext_lazy("deal status", "Lost")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Deal(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DealStatus, default=DealStatus.OPEN
    )
    amount = models.DecimalField(
        _("amount"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    # What the priority is derived from (each low / medium / high); see services.
    purchase_intent = models.CharField(
        _("purchase intent"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    budget_status = models.CharField(
        _("budget"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.MEDIUM
    )
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
    )
    lead = models.ForeignKey(
        "sales.Lead",
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
    )
    close_note = models.TextField(_("closing note"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Set when the stale-deal follow-up task was created for the current stay in the stage.
    stale_task_created_at = models.DateTimeField(null=True, blank=True)
    # The position of the furthest open stage the deal ever entered: the funnel counts a deal
    # as having reached every open stage up to it without reading the stage history.
    furthest_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="deal_probability_pct"),
        ]
        indexes = [
            # Kanban columns: the open deals of a stage, newest in the stage first.
            models.Index(
                fields=["stage", "status", "stage_entered_at", "id"], name="deal_stage_idx"
            ),
            models.Index(fields=["pipeline", "status", "expected_close_date"], name="deal_fc_idx"),
            models.Index(fields=["owner", "status", "expected_close_date"], name="deal_owner_idx"),
            models.Index(fields=["team", "status", "expected_close_date"], name="deal_team_idx"),
            models.Index(fields=["status", "closed_at"], name="deal_closed_idx"),
            models.Index(fields=["updated_at", "id"], name="deal_updated_idx"),
            # The funnel: a pipeline's deals created in a period, counted by status and how far
            # they got, for everyone, a team or an owner (index-only scans).
            models.Index(
                fields=["pipeline", "created_at", "status", "furthest_position"],
                name="deal_funnel_idx",
            ),
            models.Index(
                fields=["team", "pipeline", "created_at", "status", "furthest_position"],
                name="deal_team_funnel_idx",
            ),
            models.Index(
                fields=["owner", "pipeline", "created_at", "status", "furthest_position"],
                name="deal_owner_funnel_idx",
            ),
            models.Index(fields=["person", "created_at"], name="deal_person_idx"),
            models.Index(fields=["company", "created_at"], name="deal_company_idx"),
        ]

    def __str__(self):
        return self.title


class DealLine(models.Model):
    """A product on a deal; carried over to the order when the deal is won."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    # The percentage the discount was given as, if it was; `discount` always holds the amount
    # (rounded to the cent as docs/decisions.md says), and the order made from the deal keeps both.
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    discount = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="deal_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0),
                name="deal_line_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | (Q(discount_percent__gte=0) & Q(discount_percent__lte=100)),
                name="deal_line_discount_percent_range",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"


class DealStageChange(models.Model):
    """One move of a deal between stages: who, when, and how long it sat in the stage it left."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    seconds_in_previous_stage = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="deal_change_deal_idx"),
            models.Index(fields=["from_stage", "changed_at"], name="deal_change_from_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="deal_change_to_idx"),
        ]

    def __str__(self):
        return f"{self.deal}: {self.from_stage} → {self.to_stage}"


class StageStay(models.Model):
    """How many deals left a stage on a day, and the seconds they had spent in it, per owner.

    Kept up to date by every move (see `rapport.sales.services.deals`), so that the funnel's
    "average days in stage" sums a few hundred rows instead of joining the stage history of
    every deal in the period. A stay counts for the deal's owner and team when it ended.
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    exits = models.PositiveIntegerField(default=0)
    seconds = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("stage stay")
        verbose_name_plural = _("stage stays")
        indexes = [models.Index(fields=["stage", "day"], name="stage_stay_day_idx")]

    def __str__(self):
        return f"{self.stage_id} {self.day}: {self.exits}"
