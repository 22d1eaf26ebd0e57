"""Daily facts: orders, order lines and cash (payments and refunds) summed per day and per the
dimensions dashboards and reports group by, kept equal to the sales tables as they change.

The grain of every table is the day in the installation's time zone (`settings.TIME_ZONE`) and
one owner: a *slice* is (day, owner), and upkeep replaces whole slices (`upkeep.py`). Money is
summed per currency, in exact decimals; a reader converts with the sales `RateBook`.

What counts (docs/decisions.md, "Daily facts"): an order is counted by the day it was placed.
`orders` counts every order placed; the money columns and `open_orders` count only orders that
are not cancelled or returned, except `kept` (what a cancelled or returned order kept, e.g. a
fee) and `revenue`, which is the sales rule's net value (`Order.net_value`): total less credits
of open orders plus what closed ones kept. Lines count only on open orders.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Sums of many orders need more digits than one order's amount.
SUM = {"max_digits": 18, "decimal_places": 2}


class _Owned(models.Model):
    """The columns every fact row has: the owner and team it counts for, and the currency of
    its sums."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        abstract = True


class _Slice(_Owned):
    """A fact row of one day."""

    day = models.DateField(_("day"))

    class Meta:
        abstract = True


class OrderFact(_Slice):
    """Orders placed on a day, by owner, team, currency and the customer's province (its
    `region`: the person's, else the company's)."""

    province = models.CharField(_("province"), max_length=64, blank=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    open_orders = models.PositiveIntegerField(_("counted orders"), default=0)
    total = models.DecimalField(_("total"), **SUM, default=0)
    discounts = models.DecimalField(_("discounts"), **SUM, default=0)
    credited = models.DecimalField(_("credited"), **SUM, default=0)
    kept = models.DecimalField(_("kept on closed orders"), **SUM, default=0)
    revenue = models.DecimalField(_("revenue"), **SUM, default=0)
    paid = models.DecimalField(_("paid"), **SUM, default=0)
    refunded = models.DecimalField(_("refunded"), **SUM, default=0)

    class Meta:
        verbose_name = _("order fact")
        verbose_name_plural = _("order facts")
        indexes = [
            models.Index(fields=["owner", "day"], name="order_fact_slice_idx"),
            models.Index(fields=["day", "currency"], name="order_fact_day_idx"),
            models.Index(fields=["team", "day"], name="order_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.owner_id} {self.province}: {self.revenue} {self.currency}"


class OrderLineFact(_Slice):
    """Lines of the orders placed on a day (open orders only), by product, owner, team and
    currency. A product's category is read through the product when a report asks for it, so
    a product moved to another category needs no upkeep. The province is in the monthly
    table: by day, province × product leaves about one line per row."""

    # NULL: lines typed without a product (a won deal's single line).
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    lines = models.PositiveIntegerField(_("lines"), default=0)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)
    revenue = models.DecimalField(_("line revenue"), **SUM, default=0)
    discounts = models.DecimalField(_("discounts"), **SUM, default=0)

    class Meta:
        verbose_name = _("order line fact")
        verbose_name_plural = _("order line facts")
        indexes = [
            models.Index(fields=["owner", "day"], name="order_line_fact_slice_idx"),
            models.Index(fields=["day", "currency"], name="order_line_fact_day_idx"),
            models.Index(fields=["team", "day"], name="order_line_fact_team_idx"),
            models.Index(fields=["product", "day"], name="order_line_fact_product_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.owner_id} {self.product_id}: {self.revenue} {self.currency}"


class OrderLineMonthFact(_Slice):
    """Lines of open orders by month (`day` is the month's first day), owner, team, currency,
    the customer's province and product: sales by region × product × month."""

    province = models.CharField(_("province"), max_length=64, blank=True)
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    lines = models.PositiveIntegerField(_("lines"), default=0)
    quantity = models.PositiveBigIntegerField(_("quantity"), default=0)
    revenue = models.DecimalField(_("line revenue"), **SUM, default=0)
    discounts = models.DecimalField(_("discounts"), **SUM, default=0)

    class Meta:
        verbose_name = _("monthly order line fact")
        verbose_name_plural = _("monthly order line facts")
        indexes = [
            models.Index(fields=["owner", "day"], name="line_month_fact_slice_idx"),
            models.Index(fields=["day", "currency"], name="line_month_fact_day_idx"),
            models.Index(fields=["team", "day"], name="line_month_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day:%Y-%m} {self.owner_id} {self.province} {self.product_id}"


class CashFact(_Slice):
    """Money received (payments, by the day paid) and paid back (refunds, by the day refunded)
    for orders of an owner and team, by currency and method."""

    method = models.CharField(_("method"), max_length=20)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    received = models.DecimalField(_("received"), **SUM, default=0)
    refunds = models.PositiveIntegerField(_("refunds"), default=0)
    refunded = models.DecimalField(_("refunded"), **SUM, default=0)

    class Meta:
        verbose_name = _("cash fact")
        verbose_name_plural = _("cash facts")
        indexes = [
            models.Index(fields=["owner", "day"], name="cash_fact_slice_idx"),
            models.Index(fields=["day", "currency"], name="cash_fact_day_idx"),
            models.Index(fields=["team", "day"], name="cash_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.owner_id} {self.method}: {self.received} {self.currency}"


class ReceivableFact(_Slice):
    """What the open orders placed on a day still owe, by owner, team and currency: a row per
    due date of their unpaid instalments (`owed`: amount less paid), and one without a due date
    for the orders themselves (`outstanding`: total less credits and payments, and how many
    orders owe). The aging is cut from `due_date` when read, so the rows need no upkeep as
    days pass. Cancelled and returned orders owe nothing."""

    due_date = models.DateField(_("due date"), null=True)
    owed = models.DecimalField(_("owed on instalments"), **SUM, default=0)
    outstanding = models.DecimalField(_("outstanding"), **SUM, default=0)
    open_orders = models.PositiveIntegerField(_("orders owing"), default=0)

    class Meta:
        verbose_name = _("receivable fact")
        verbose_name_plural = _("receivable facts")
        indexes = [
            models.Index(fields=["owner", "day"], name="receivable_fact_slice_idx"),
            models.Index(fields=["team", "day"], name="receivable_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.owner_id} {self.due_date}: {self.owed} {self.currency}"


class _CustomerSlice(_Owned):
    """The columns of the per-customer facts: the order's own person and company (either may
    be empty), owner, team and currency. Grouped by person, else company, they are the KPI
    page's customers; by company, else person, the executive's top customers."""

    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), **SUM, default=0)

    class Meta:
        abstract = True


class CustomerFact(_CustomerSlice):
    """A customer's counted orders (neither cancelled nor returned) of one owner, team and
    currency: the days of the first and the last, how many, and their revenue (total less
    credits). The first order ever a reader may see is the least `first_day` of the rows they
    may see (cohorts, new customers)."""

    first_day = models.DateField(_("first order day"))
    last_day = models.DateField(_("last order day"))

    class Meta:
        verbose_name = _("customer fact")
        verbose_name_plural = _("customer facts")
        indexes = [
            models.Index(fields=["person", "first_day"], name="customer_fact_person_idx"),
            models.Index(fields=["company", "first_day"], name="customer_fact_company_idx"),
            models.Index(fields=["first_day"], name="customer_fact_first_idx"),
            models.Index(fields=["owner", "first_day"], name="customer_fact_owner_idx"),
            models.Index(fields=["team", "first_day"], name="customer_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.person_id}/{self.company_id} {self.first_day}..{self.last_day}"


class CustomerDayFact(_CustomerSlice):
    """A customer's counted orders of one day, owner, team and currency: who was active when
    (retention, repeat purchases, new and repeat customers, cohorts, top customers).

    The pointers say where a row stands among its customer's rows (the customer: the person,
    else the company), ordered by day, owner, team, currency and company: the day of the row
    before it (`prev_*`, empty for the first; a second row of one day points at that day) and
    the customer's first day (`first_*`), over all the customer's rows (`*_all`) and over those
    of the row's team (`*_team`). With them, who ordered in a period, in the one before, or for
    the first time is a count of rows, not a grouping by customer
    (`rapport.analytics.kpis.flow`); `customer_upkeep.customer_pointers_refresh` keeps them."""

    day = models.DateField(_("day"))
    prev_all = models.DateField(_("previous order day"), null=True)
    first_all = models.DateField(_("first order day"), null=True)
    prev_team = models.DateField(_("previous order day in the team"), null=True)
    first_team = models.DateField(_("first order day in the team"), null=True)

    class Meta:
        verbose_name = _("customer day fact")
        verbose_name_plural = _("customer day facts")
        indexes = [
            models.Index(fields=["day", "person", "company"], name="customer_day_fact_day_idx"),
            models.Index(fields=["owner", "day"], name="customer_day_fact_owner_idx"),
            # The counts of `kpis.flow` read these alone (an index-only scan on PostgreSQL).
            models.Index(
                fields=["day", "prev_all", "first_all"], name="customer_day_fact_flow_idx"
            ),
            # (It begins with the team and day: it serves every read the team and day served.)
            models.Index(
                fields=["team", "day", "prev_team", "first_team"],
                name="customer_day_fact_tflow_idx",
            ),
            models.Index(fields=["person", "day"], name="customer_day_fact_person_idx"),
            models.Index(fields=["company", "day"], name="customer_day_fact_company_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.person_id}/{self.company_id}: {self.orders}"


class OrderFactSlice(models.Model):
    """The slice (day, owner) and customer (person, company) an order was last counted in, so
    that an order whose owner, date or customer changed leaves its old slice: the change is
    announced after the write, when the order no longer says where it was."""

    order_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()
    owner_id = models.BigIntegerField()
    person_id = models.BigIntegerField(null=True)
    company_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("order fact slice")
        verbose_name_plural = _("order fact slices")

    def __str__(self):
        return f"{self.order_id}: {self.day} {self.owner_id}"


# --- Daily counts of interactions, leads and closed deals (the sales and marketing dashboards) ---
#
# A row counts records of one day (in the installation's time zone). `owner` and `team` are what
# the reader's visibility is checked against (`visible_records_q`): a lead's and a deal's own;
# for an interaction, its person's (else, logged with a company alone, the company's), as
# `linked_records_q` decides. A slice is a whole day of one kind: upkeep replaces the day's rows
# (`activity_upkeep.py`), and `RecordFactDay` remembers the day each record was counted in.


class _Visible(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    day = models.DateField(_("day"))

    class Meta:
        abstract = True


class _InteractionCounts(models.Model):
    """Interactions counted by who logged them and channel."""

    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10)
    interactions = models.PositiveIntegerField(_("interactions"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.logged_by_id} {self.channel}: {self.interactions}"


class InteractionFact(_Visible, _InteractionCounts):
    """Interactions that occurred on a day, by who logged them and channel; `owner` and `team`
    are the person's (else the company's) the interaction is about."""

    class Meta:
        verbose_name = _("interaction fact")
        verbose_name_plural = _("interaction facts")
        indexes = [
            models.Index(fields=["day"], name="interaction_fact_day_idx"),
            models.Index(fields=["owner", "day"], name="interaction_fact_owner_idx"),
            models.Index(fields=["team", "day"], name="interaction_fact_team_idx"),
        ]


class InteractionRepFact(_InteractionCounts):
    """`InteractionFact` summed over owners and teams: interactions by day, who logged them and
    channel, for readers who see every interaction (administrators), about 40 × 6 rows a day
    where the visible table holds one per logger, channel and customer owner."""

    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("interaction fact by representative")
        verbose_name_plural = _("interaction facts by representative")
        indexes = [models.Index(fields=["day"], name="interaction_rep_fact_day_idx")]


class LeadFact(_Visible):
    """Leads created on a day, by source, campaign and their status now (converted,
    disqualified...)."""

    source = models.CharField(_("source"), max_length=20)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20)
    leads = models.PositiveIntegerField(_("leads"), default=0)

    class Meta:
        verbose_name = _("lead fact")
        verbose_name_plural = _("lead facts")
        indexes = [
            models.Index(fields=["day"], name="lead_fact_day_idx"),
            models.Index(fields=["owner", "day"], name="lead_fact_owner_idx"),
            models.Index(fields=["team", "day"], name="lead_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.source} {self.status}: {self.leads}"


class DealCloseFact(_Visible):
    """Deals won or lost on a day, by status: how many, and their days from creation to
    closing added up (the sales cycle)."""

    status = models.CharField(_("status"), max_length=10)
    deals = models.PositiveIntegerField(_("deals"), default=0)
    cycle_days = models.FloatField(_("days from creation to closing"), default=0)

    class Meta:
        verbose_name = _("closed deal fact")
        verbose_name_plural = _("closed deal facts")
        indexes = [
            models.Index(fields=["day"], name="deal_close_fact_day_idx"),
            models.Index(fields=["owner", "day"], name="deal_close_fact_owner_idx"),
            models.Index(fields=["team", "day"], name="deal_close_fact_team_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.owner_id} {self.status}: {self.deals}"


class RecordFactDay(models.Model):
    """The day an interaction, lead or closed deal was last counted in, so that a record whose
    date changed, or that was deleted or reopened, leaves its old day: changes are announced
    after the write."""

    kind = models.CharField(max_length=12)
    record_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        verbose_name = _("record fact day")
        verbose_name_plural = _("record fact days")
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="record_fact_day_unique")
        ]

    def __str__(self):
        return f"{self.kind} {self.record_id}: {self.day}"
