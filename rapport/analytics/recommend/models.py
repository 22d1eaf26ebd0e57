"""What the nightly mining of order co-occurrence leaves behind (see `mining.py`): the last run,
each product's buyers, and the kept pairs. Rebuilt whole by each run (`services`), never edited."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssociationRun(models.Model):
    """One computation of the rules; the newest is the one in force."""

    computed_at = models.DateTimeField(_("computed at"))
    as_of = models.DateTimeField(_("orders placed before"))
    window_days = models.PositiveIntegerField(_("window (days)"))
    min_customers = models.PositiveIntegerField(_("minimum customers per pair"))
    customers = models.PositiveIntegerField(_("customers"))
    purchases = models.PositiveIntegerField(_("customer-product pairs"))
    pairs = models.PositiveIntegerField(_("product pairs kept"))
    seconds = models.FloatField(_("seconds"))

    class Meta:
        verbose_name = _("recommendation run")
        verbose_name_plural = _("recommendation runs")
        get_latest_by = "computed_at"

    def __str__(self):
        return f"{self.computed_at:%Y-%m-%d %H:%M}"


class ProductBuyers(models.Model):
    """How many customers bought a product (`buyers`), and how many of them did so at least the
    window before the cut-off (`eligible`, the denominator of the "within N days" share)."""

    product = models.OneToOneField(
        "sales.Product", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    buyers = models.PositiveIntegerField()
    eligible = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["-buyers", "product"], name="recommend_popular_idx")]

    def __str__(self):
        return f"{self.product_id}: {self.buyers}"


class ProductAssociation(models.Model):
    """The rule "bought `product`" -> "bought `other`" (see mining.py for the measures)."""

    product = models.ForeignKey("sales.Product", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("sales.Product", on_delete=models.CASCADE, related_name="+")
    both = models.PositiveIntegerField()
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    followed = models.PositiveIntegerField()
    followed_share = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "other"], name="recommend_pair_unique")
        ]
        indexes = [
            models.Index(
                fields=["product", "-confidence", "-lift", "other"], name="recommend_rule_idx"
            )
        ]

    def __str__(self):
        return f"{self.product_id} -> {self.other_id}"
