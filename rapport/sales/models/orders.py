from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel
from rapport.sales.models.catalog import MONEY


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class Order(TimeStampedModel):
    """A customer's order. Its dates and amounts are the ground truth for RFM and lifetime value.

    `total`, `paid_amount`, `refunded_amount` and `credited_amount` are kept by the services
    (lines, payments and refunds are the source; docs/decisions.md, "Refunds"):

    - `paid_amount` is the money held for the order: payments less every refund;
    - `credited_amount` is the part of the refunds that lowered what the order is worth (the
      customer keeps the goods), as opposed to a refund that undoes a payment, after which the
      amount is owed again;
    - an open order (neither cancelled nor returned) owes `total - credited_amount -
      paid_amount` (`owed`); a closed one owes nothing and is worth what it kept (`paid_amount`).
    """

    number = models.CharField(_("order number"), max_length=32, unique=True)
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    price_list = models.ForeignKey(
        "sales.PriceList",
        verbose_name=_("price list"),
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
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus, default=OrderStatus.PLACED
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=Decimal("0"))
    # A percentage off the whole order (after the lines' own discounts), if one was given; the
    # amount it comes to is part of `discount_total`, rounded as docs/decisions.md says.
    discount_percent = models.DecimalField(
        _("order discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    order_discount = models.DecimalField(_("order discount"), **MONEY, default=Decimal("0"))
    discount_total = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=Decimal("0"))
    credited_amount = models.DecimalField(_("credited"), **MONEY, default=Decimal("0"))
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(company__isnull=False),
                name="order_has_customer",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(paid_amount__gte=0) & Q(paid_amount__lte=F("total")),
                name="order_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0)
                & Q(credited_amount__gte=0)
                & Q(credited_amount__lte=F("refunded_amount"))
                & Q(paid_amount__lte=F("total") - F("credited_amount")),
                name="order_refunds_within_total",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | (Q(discount_percent__gte=0) & Q(discount_percent__lte=100)),
                name="order_discount_percent_range",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "placed_at", "id"], name="order_person_idx"),
            models.Index(fields=["company", "placed_at", "id"], name="order_company_idx"),
            models.Index(fields=["placed_at", "id"], name="order_placed_idx"),
            models.Index(fields=["owner", "placed_at"], name="order_owner_idx"),
            models.Index(fields=["team", "placed_at"], name="order_team_idx"),
            # With the id, so that PostgreSQL reads "received orders, newest first" in order
            # instead of walking every recent order that is still in progress.
            models.Index(fields=["status", "placed_at", "id"], name="order_status_placed_idx"),
            # "Largest orders first": the administrator's list, and "mine" and "my team's" each
            # in order for a representative's (see `orders_list_partitions`).
            models.Index(fields=["total", "id"], name="order_total_idx"),
            models.Index(fields=["owner", "total", "id"], name="order_owner_total_idx"),
            models.Index(fields=["team", "total", "id"], name="order_team_total_idx"),
            models.Index(fields=["deal"], name="order_deal_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED)

    @property
    def outstanding(self) -> Decimal:
        """What the customer still owes: nothing on a cancelled or returned order."""
        if self.is_closed:
            return Decimal("0.00")
        return self.total - self.credited_amount - self.paid_amount

    @property
    def net_value(self) -> Decimal:
        """What the order is worth to the business (its revenue): the total less credits while
        it is open; what it kept once cancelled or returned."""
        if self.is_closed:
            return self.paid_amount
        return self.total - self.credited_amount


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    # The percentage the discount was given as, if it was; `discount` always holds the amount
    # (rounded to the cent as docs/decisions.md says), so totals are exact.
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    discount = models.DecimalField(_("discount"), **MONEY, default=Decimal("0"))
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0) & Q(line_total__gte=0),
                name="order_line_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | (Q(discount_percent__gte=0) & Q(discount_percent__lte=100)),
                name="order_line_discount_percent_range",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class Instalment(models.Model):
    """One due amount of an order's payment plan; payments fill instalments oldest due first."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(pgettext_lazy("instalment", "number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["order", "sequence"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="instalment_unique"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="instalment_paid_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["due_date"], name="instalment_due_idx")]

    def __str__(self):
        return f"{self.order} #{self.sequence}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(TimeStampedModel):
    """Money received for an order; never changed or deleted once recorded (a refund reverses
    part or all of it)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now)
    method = models.CharField(
        _("method"), max_length=20, choices=PaymentMethod, default=PaymentMethod.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=Decimal("0"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The key the form or the API client sent with the request (`Idempotency-Key`): the same
    # key from the same user records nothing new and answers with this payment. NULL, not "",
    # when none was sent, so that the unique constraint ignores requests without a key.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"], name="payment_idempotency_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["order", "paid_at"], name="payment_order_idx"),
            models.Index(fields=["paid_at", "id"], name="payment_paid_idx"),
        ]

    def __str__(self):
        return f"{self.order}: {self.amount}"


class RefundReason(models.TextChoices):
    RETURNED = "returned", _("Goods returned")
    CANCELLED = "cancelled", _("Order cancelled")
    DAMAGED = "damaged", _("Damaged or faulty")
    GOODWILL = "goodwill", _("Goodwill")
    PAID_IN_ERROR = "paid_in_error", _("Paid in error")
    OTHER = "other", _("Other")


class Refund(TimeStampedModel):
    """Money paid back to the customer, reversing (part of) one payment. Append-only: a refund
    recorded by mistake is not deleted; the books keep both."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    refunded_at = models.DateTimeField(_("refunded at"), default=timezone.now)
    method = models.CharField(
        _("method"), max_length=20, choices=PaymentMethod, default=PaymentMethod.BANK_TRANSFER
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=RefundReason, default=RefundReason.OTHER
    )
    # True when the refund undoes the payment (paid in error, a bounced transfer): on an open
    # order the amount is owed again. False (the default) when the customer keeps the goods and
    # the order is worth less (`Order.credited_amount`). On a cancelled or returned order the
    # two are the same: it owes nothing and keeps what was not refunded.
    owed_again = models.BooleanField(_("amount owed again"), default=False)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # As `Payment.idempotency_key`: NULL when none was sent.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["refunded_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # One request may reverse several payments (newest first): the key is unique per
            # payment reversed.
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key", "payment"],
                name="refund_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "refunded_at"], name="refund_order_idx"),
            models.Index(fields=["refunded_at", "id"], name="refund_refunded_idx"),
        ]

    def __str__(self):
        return f"{self.order}: -{self.amount}"
