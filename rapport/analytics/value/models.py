"""Customer value: sales expenses, the cost-to-serve settings, product costs, each customer's
computed value (one row per person or company, recomputed by `services.values`), and a monthly
snapshot of segments and tiers for the movement table."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
# Sums over a customer's whole history may pass a single order's size.
MONEY_SUM = {"max_digits": 18, "decimal_places": 2}


class ExpenseKind(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    ENTERTAINMENT = "entertainment", _("Entertainment")
    SAMPLES = "samples", _("Samples")
    GIFTS = "gifts", _("Gifts")
    OTHER = "other", pgettext_lazy("expense kind", "Other")


def _one_customer() -> Q:
    return (Q(person__isnull=False) & Q(company__isnull=True)) | (
        Q(person__isnull=True) & Q(company__isnull=False)
    )


class SalesExpense(TimeStampedModel):
    """Money spent to win or keep one customer (a dinner, a trip, samples), optionally for one
    of their deals. Visible as the customer's other records: to its owner's team."""

    kind = models.CharField(_("kind"), max_length=20, choices=ExpenseKind)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    spent_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
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

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("sales expense")
        verbose_name_plural = _("sales expenses")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sales_expense_amount_positive"),
            models.CheckConstraint(condition=_one_customer(), name="sales_expense_one_customer"),
        ]
        indexes = [
            models.Index(fields=["spent_on"], name="sales_expense_spent_idx"),
            models.Index(fields=["owner", "spent_on"], name="sales_expense_owner_idx"),
            models.Index(fields=["team", "spent_on"], name="sales_expense_team_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class ValueSettings(TimeStampedModel):
    """One row (`value_settings()` reads it): what an hour of service costs and how long a
    ticket and an agent's reply take, since the service app records no handling time."""

    hourly_cost = models.DecimalField(_("cost of an hour of service"), **MONEY, default=0)
    minutes_per_ticket = models.PositiveIntegerField(_("minutes per ticket"), default=15)
    minutes_per_reply = models.PositiveIntegerField(_("minutes per agent reply"), default=10)

    class Meta:
        verbose_name = _("customer value settings")
        verbose_name_plural = _("customer value settings")
        constraints = [
            models.CheckConstraint(condition=Q(hourly_cost__gte=0), name="value_hourly_cost_ok"),
            models.CheckConstraint(
                condition=Q(minutes_per_ticket__lte=1440) & Q(minutes_per_reply__lte=1440),
                name="value_minutes_range",
            ),
        ]

    def __str__(self):
        return str(_("customer value settings"))


class ProductCost(TimeStampedModel):
    """What one unit of a product costs (to buy or make); lines of products without one count
    at no cost, and the share of revenue whose cost is known is shown beside the profit."""

    product = models.OneToOneField(
        "sales.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("product cost")
        verbose_name_plural = _("product costs")
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_cost_not_negative")
        ]

    def __str__(self):
        return f"{self.product_id}: {self.unit_cost} {self.currency}"


class Segment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potential loyalists")
    NEW = "new", pgettext_lazy("customer segment", "New")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", pgettext_lazy("customer segment", "Lost")


class Tier(models.TextChoices):
    TOP = "top", pgettext_lazy("value tier", "Top")
    HIGH = "high", pgettext_lazy("value tier", "High")
    MEDIUM = "medium", pgettext_lazy("value tier", "Medium")
    LOW = "low", pgettext_lazy("value tier", "Low")
    LOSS = "loss", pgettext_lazy("value tier", "Loss-making")


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class CustomerValue(models.Model):
    """One customer's value as last computed (`services.values.customer_values_recompute`).

    Money is in the reporting currency (`rates_day`'s rates); amounts in currencies without a
    rate are left out and named in `unconverted`. The owner and team are the customer's, copied
    so that the visibility rule applies to this table alone."""

    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind)
    person = models.OneToOneField(
        "customers.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    company = models.OneToOneField(
        "customers.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3)
    revenue = models.DecimalField(_("revenue"), **MONEY_SUM, default=0)
    product_cost = models.DecimalField(_("product cost"), **MONEY_SUM, default=0)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY_SUM, default=0)
    # Share (0–1) of the order lines' value whose product has a known cost.
    cost_known_share = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    expenses = models.DecimalField(_("sales expenses"), **MONEY_SUM, default=0)
    cost_to_serve = models.DecimalField(_("cost to serve"), **MONEY_SUM, default=0)
    net = models.DecimalField(_("net profit"), **MONEY_SUM, default=0)
    unconverted = models.JSONField(default=list, blank=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    first_order_on = models.DateField(null=True)
    last_order_on = models.DateField(null=True)
    recency_days = models.PositiveIntegerField(null=True)
    orders_per_year = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    days_between_orders = models.PositiveIntegerField(null=True)
    tenure_days = models.PositiveIntegerField(null=True)
    repeat_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    instalments_due = models.PositiveIntegerField(default=0)
    on_time_share = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    average_days_late = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    tickets = models.PositiveIntegerField(default=0)
    agent_replies = models.PositiveIntegerField(default=0)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    profit_score = models.PositiveSmallIntegerField(null=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment, blank=True)
    tier = models.CharField(_("value tier"), max_length=10, choices=Tier, blank=True)
    rates_day = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        constraints = [
            models.CheckConstraint(condition=_one_customer(), name="customer_value_one_customer"),
        ]
        indexes = [
            models.Index(fields=["kind", "segment"], name="customer_value_segment_idx"),
            models.Index(fields=["kind", "tier"], name="customer_value_tier_idx"),
            models.Index(fields=["kind", "net"], name="customer_value_net_idx"),
            models.Index(fields=["owner", "kind"], name="customer_value_owner_idx"),
            models.Index(fields=["team", "kind"], name="customer_value_team_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.person_id or self.company_id}: {self.segment} {self.tier}"

    @property
    def customer_id(self) -> int:
        return self.person_id or self.company_id


class ValueSnapshot(models.Model):
    """A customer's segment and tier in one month: rewritten each night of the month, so the
    row of a past month holds its last state, which the movement table compares with today."""

    month = models.DateField()  # the first day of the month
    kind = models.CharField(max_length=10, choices=CustomerKind)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey(
        "customers.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    segment = models.CharField(max_length=20, choices=Segment, blank=True)
    tier = models.CharField(max_length=10, choices=Tier, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_customer(), name="value_snapshot_one_customer"),
            models.UniqueConstraint(fields=["month", "person"], name="value_snapshot_person"),
            models.UniqueConstraint(fields=["month", "company"], name="value_snapshot_company"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.kind} {self.person_id or self.company_id}"
