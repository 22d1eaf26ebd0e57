"""Service: tickets (a conversation with a customer), their categories, canned replies, queues
and the rules that fill them.

A ticket is in a team's queue (`team`) and may be given to an agent (`assignee`); who sees it is
decided in `rapport.service.access`. `customer_owner` is a copy of the owner of the ticket's
person (or company, for a ticket about a company alone), kept by the services and by the
customers' reassignment events, so "complaints about my customers" is one indexed condition.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    REPAIR = "repair", _("Repair")
    RETURN_EXCHANGE = "return_exchange", _("Return or exchange")


class TicketPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


# Sorting by priority: the most urgent first ("urgent" < "normal" alphabetically is no use).
PRIORITY_RANK = {
    TicketPriority.URGENT: 0,
    TicketPriority.HIGH: 1,
    TicketPriority.NORMAL: 2,
    TicketPriority.LOW: 3,
}


class TicketChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    AGENT = "agent", _("Entered by an agent")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
    REOPENED = "reopened", pgettext_lazy("ticket status", "Reopened")


# Statuses in which a ticket still needs work from someone (the queues show these).
OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.ON_HOLD,
    TicketStatus.REOPENED,
)


class RootCause(models.TextChoices):
    """Why a complaint happened; a fixed list so that the complaint report can count by it."""

    PRODUCT_DEFECT = "product_defect", _("Product defect")
    DELIVERY = "delivery", _("Delivery or logistics")
    SERVICE_ATTITUDE = "service_attitude", _("Staff attitude")
    SLOW_RESPONSE = "slow_response", _("Slow response")
    BILLING = "billing", _("Billing or price")
    WRONG_INFORMATION = "wrong_information", _("Wrong or missing information")
    EXPECTATION = "expectation", _("Product did not meet expectations")
    OTHER = "other", pgettext_lazy("root cause", "Other")


class TicketCategory(TimeStampedModel):
    """A node of the category tree administrators edit ("Hardware › Screen")."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="ticket_category_name_unique"),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="ticket_category_root_name_unique",
            ),
        ]

    def __str__(self):
        return self.name


class Ticket(TimeStampedModel):
    """A customer's question, problem or complaint, and the conversation about it."""

    subject = models.CharField(_("subject"), max_length=300)
    type = models.CharField(
        _("type"), max_length=20, choices=TicketType, default=TicketType.QUESTION
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority, default=TicketPriority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=TicketChannel, default=TicketChannel.AGENT
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus, default=TicketStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="tickets",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="tickets",
    )
    order = models.ForeignKey(
        "sales.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="tickets",
    )
    # The owner of the ticket's customer (see the module docstring); not edited directly.
    customer_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    # Who wrote in when no person has their address (an e-mail from a stranger): replies go
    # there until an agent links the ticket to a person.
    requester_email = models.EmailField(_("requester's e-mail"), max_length=254, blank=True)
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    # "zh-hans" or "en" (the customer's, else guessed from the first message); rules and skills
    # route by it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    tags = models.ManyToManyField(
        "customers.Tag", verbose_name=_("tags"), blank=True, related_name="tickets"
    )
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(
        _("last customer message"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="merged_tickets",
    )
    reopened_from = models.ForeignKey(
        "self",
        verbose_name=_("follows up on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="follow_ups",
    )
    # A complaint is closed only with both (services.ticket_change_status).
    root_cause = models.CharField(_("root cause"), max_length=30, choices=RootCause, blank=True)
    resolution = models.TextField(_("what was done"), blank=True)
    version = models.PositiveIntegerField(default=1)
    # The nearest due time of the ticket's running, unpaused SLA targets (a past one: breached);
    # kept by services.sla, so my tickets and the queue read them in SLA order by index.
    sla_due_at = models.DateTimeField(_("SLA due"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Each index is written on every change of a ticket that is not a HOT update, and the
        # SLA check may raise the priority of a whole backlog at once (docs/decisions.md,
        # "Ticket indexes"): so no index that another one already serves. The foreign keys'
        # own indexes are off (db_index=False) where an index below starts with the column,
        # and no index holds `priority` (filters on it read the status or queue indexes).
        indexes = [
            # The list and the queues page through these, newest activity first: everything
            # (administrators), a team's queue, an agent's tickets, and each by status.
            models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
            models.Index(fields=["team", "updated_at", "id"], name="ticket_team_idx"),
            models.Index(fields=["assignee", "updated_at", "id"], name="ticket_assignee_idx"),
            models.Index(fields=["status", "updated_at", "id"], name="ticket_status_idx"),
            models.Index(
                fields=["team", "status", "updated_at", "id"], name="ticket_team_status_idx"
            ),
            models.Index(
                fields=["assignee", "status", "updated_at", "id"],
                name="ticket_assignee_status_idx",
            ),
            # A team's unassigned open tickets (the team lead's queue).
            models.Index(
                fields=["team", "assignee", "status", "created_at"],
                name="ticket_team_queue_idx",
            ),
            models.Index(
                fields=["customer_owner", "type", "updated_at"], name="ticket_customer_owner_idx"
            ),
            models.Index(fields=["person", "created_at"], name="ticket_person_idx"),
            models.Index(fields=["company", "created_at"], name="ticket_company_idx"),
            models.Index(fields=["type", "closed_at"], name="ticket_type_closed_idx"),
            # My tickets and a team's queue by the nearest SLA due time (breached first).
            models.Index(
                fields=["assignee", "status", "sla_due_at", "id"], name="ticket_assignee_sla_idx"
            ),
            models.Index(
                fields=["team", "assignee", "status", "sla_due_at", "id"],
                name="ticket_team_sla_idx",
            ),
            # Merged, follow-up and order tickets of one ticket or order: nearly every row has
            # none, so SQLite's statistics call the plain index useless and it read a million
            # rows on every ticket page; only the rows that have one are indexed here.
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="ticket_merged_into_set_idx",
            ),
            models.Index(
                fields=["reopened_from"],
                condition=Q(reopened_from__isnull=False),
                name="ticket_reopened_from_set_idx",
            ),
            models.Index(
                fields=["order"], condition=Q(order__isnull=False), name="ticket_order_set_idx"
            ),
            models.Index(
                fields=["product"],
                condition=Q(product__isnull=False),
                name="ticket_product_set_idx",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        """How people name the ticket, e.g. T-000123 (its id, so it costs no column)."""
        return ticket_number(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def sla_is_breached(self) -> bool:
        """Whether the nearest due time of its running SLA targets has passed."""
        return self.sla_due_at is not None and self.sla_due_at <= timezone.now()


def ticket_number(pk: int | None) -> str:
    return f"T-{pk:06d}" if pk is not None else ""


class MessageKind(models.TextChoices):
    PUBLIC_REPLY = "public_reply", _("Reply")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    CUSTOMER_MESSAGE = "customer_message", _("Customer message")


class TicketMessage(models.Model):
    """One turn of a ticket's conversation: a reply, an internal note or the customer's words."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The text as written (plain text); `body_html` only for a message that came as HTML,
    # cleaned with nh3 before it is stored (services.sanitize_html).
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # E-mail threading: our Message-ID for a reply sent by e-mail, the customer's for a message
    # that came by e-mail; what it answered.
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=250, blank=True)
    email = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    inbound = models.ForeignKey(
        "inbox.InboundMessage",
        verbose_name=_("received e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ticket_message_idx"),
            models.Index(fields=["message_id"], name="ticket_message_msgid_idx"),
        ]

    def __str__(self):
        return f"{self.ticket_id}:{self.kind}"


class TicketAttachment(models.Model):
    """A file sent with a ticket message; kept in the database like the inbox's attachments,
    at most `services.MAX_ATTACHMENT_BYTES`."""

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    content = models.BinaryField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename


class CannedReply(TimeStampedModel):
    """A reply agents insert and adapt; `body` may use the e-mail templates' merge fields."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("text"))
    # None: every agent may use it; else the team's agents.
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.name


class AssignmentMethod(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Fewest open tickets")
    SKILLS = "skills", _("By skills and languages")
    QUEUE_ONLY = "queue_only", _("Leave in the team's queue")


class AssignmentRule(TimeStampedModel):
    """The first active rule (by position) whose non-empty conditions all match puts a new
    ticket in `team`'s queue and picks an agent there by `method`."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel, blank=True)
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.CharField(_("type"), max_length=20, choices=TicketType, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=TicketPriority, blank=True)
    # Customer tier: a tag of the ticket's person or company ("VIP"), or its lifecycle stage.
    customer_tag = models.ForeignKey(
        "customers.Tag",
        verbose_name=_("customer tag"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Comma- or line-separated words; any one in the subject or first message matches.
    keywords = models.TextField(_("keywords"), blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(
        _("method"), max_length=20, choices=AssignmentMethod, default=AssignmentMethod.ROUND_ROBIN
    )
    # Round robin remembers who got the last ticket under this rule.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("ticket assignment rule")
        verbose_name_plural = _("ticket assignment rules")

    def __str__(self):
        return self.name


class AgentProfile(TimeStampedModel):
    """What the assignment needs to know about an agent (skills, languages, away or not), and
    the signature of their replies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    # Lower-cased words ("billing", "hardware"), matched against a ticket's category names,
    # type and keywords.
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    is_away = models.BooleanField(_("away"), default=False)
    # Plain text under the agent's public replies; empty: their name and team
    # (`services.conversation.reply_signature`).
    signature = models.TextField(_("reply signature"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self):
        return str(self.user)


class TicketWebForm(TimeStampedModel):
    """A public "contact support" form administrators embed on a website, like the lead forms.

    Its inputs are fixed (name, e-mail, subject, message, order number); what it sets on the
    tickets it opens (queue, category, type) is chosen here.
    """

    name = models.CharField(_("name"), max_length=100)
    # The public identifier in the embed snippet and the POST URL; not guessable from the id.
    public_key = models.CharField(_("public key"), max_length=32, unique=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("queue"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.CharField(
        _("type"), max_length=20, choices=TicketType, default=TicketType.QUESTION
    )
    thank_you_text = models.TextField(_("thank-you text"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("support form")
        verbose_name_plural = _("support forms")

    def __str__(self):
        return self.name


# --- SLAs --------------------------------------------------------------------------------------


class HolidayCalendar(TimeStampedModel):
    """Days off and swapped workdays administrators enter year by year (China's 调休: weekend
    days worked instead of a holiday's bridge days). The shipped "China" calendar is loaded from
    rapport/service/data and edited like any other."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("holiday calendar")
        verbose_name_plural = _("holiday calendars")

    def __str__(self):
        return self.name


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Swapped workday")


class HolidayCalendarDay(models.Model):
    """One date of a holiday calendar: closed all day (holiday), or open although its weekday
    is closed (workday)."""

    calendar = models.ForeignKey(HolidayCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_day_unique"),
        ]

    def __str__(self):
        return f"{self.date} {self.kind}"


class BusinessHours(TimeStampedModel):
    """When a team's SLA clocks run: weekly working hours in a time zone, with a holiday
    calendar. The row without a team is the default for tickets of teams without their own (and
    tickets in no queue). `weekly` maps "0" (Monday) … "6" (Sunday) to hours written as
    "09:00-12:00, 13:30-18:00" (`business_time.parse_hours`); a missing day is closed."""

    name = models.CharField(_("name"), max_length=100)
    team = models.OneToOneField(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    weekly = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holiday_calendar = models.ForeignKey(
        HolidayCalendar,
        verbose_name=_("holiday calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who hears of a breach (the team lead); empty: the team's managers, else administrators.
    team_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["team__name", "id"]
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self):
        return self.name


class SlaTargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", pgettext_lazy("service level target", "Resolution")


class SlaPolicy(TimeStampedModel):
    """Targets in business minutes for the tickets it matches: the first active policy (by
    position) whose non-empty conditions (priority, type, customer tag as the tier) all match."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    priority = models.CharField(_("priority"), max_length=10, choices=TicketPriority, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=TicketType, blank=True)
    # Customer tier: a tag of the ticket's person or company ("VIP"), as assignment rules use.
    customer_tag = models.ForeignKey(
        "customers.Tag",
        verbose_name=_("customer tag"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), null=True, blank=True
    )
    warn_percent = models.PositiveSmallIntegerField(_("warn at (%)"), default=80)
    # On a breach the team lead is always told; these act on the ticket as well.
    raise_priority = models.BooleanField(_("raise the priority on a breach"), default=False)
    reassign = models.BooleanField(_("reassign on a breach"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99),
                name="sla_policy_warn_percent_range",
            ),
        ]

    def __str__(self):
        return self.name

    def minutes_for(self, kind: str) -> int | None:
        return getattr(self, f"{kind}_minutes")


class SlaTarget(models.Model):
    """One target of one ticket, with its clock: started, paused, due, met or breached.

    `warn_at` and `due_at` are stored instants (recomputed when the ticket is paused, resumed or
    its policy changes), so the periodic check reads only the rows that came due, by index.
    `warned_at` and `escalated_at` are set by a conditional UPDATE (… WHERE warned_at IS NULL),
    so each happens exactly once however many checks run. A running target has no
    `stopped_at`; it stops when met (`met_at`) or when it no longer applies. A ticket has at most
    one running target of each kind; next responses start again each time the customer writes.
    """

    # Its index is `sla_target_ticket_idx` (ticket, started_at), not one of its own.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_targets", db_index=False
    )
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("target"), max_length=20, choices=SlaTargetKind)
    minutes = models.PositiveIntegerField(_("business minutes"))
    warn_percent = models.PositiveSmallIntegerField(default=80)
    started_at = models.DateTimeField(_("started"))
    # Business seconds of the pauses that ended (waiting for the customer); one still running
    # began at `paused_at`.
    paused_seconds = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"))
    due_at = models.DateTimeField(_("due"))
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Set by the check's escalation when the policy acts on a breach (raise the priority,
    # reassign); cleared by the batch that acts, in the same transaction, so each breach is
    # acted on once even if a worker dies mid-way (`services.sla.sla_apply_actions`).
    actions_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(stopped_at__isnull=True),
                name="sla_target_running_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "started_at"], name="sla_target_ticket_idx"),
            # The periodic check: running, unpaused targets whose warning or due time came.
            models.Index(
                fields=["warn_at"],
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True
                ),
                name="sla_target_warn_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, escalated_at__isnull=True
                ),
                name="sla_target_due_idx",
            ),
            # The report: targets by the month they started.
            models.Index(fields=["started_at", "kind"], name="sla_target_started_idx"),
            # The breaches still to act on, by ticket (small: empty between checks).
            models.Index(
                fields=["ticket"],
                condition=Q(actions_pending=True),
                name="sla_target_actions_idx",
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id}:{self.kind}"
