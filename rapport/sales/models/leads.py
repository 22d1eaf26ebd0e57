from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.activities.models import Channel
from rapport.core.models import TimeStampedModel
from rapport.customers.models import SourceChannel
from rapport.sales.models.catalog import MONEY


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


class LeadForm(TimeStampedModel):
    """A web-to-lead form an administrator designs and embeds on any website.

    `fields` is a list of `{"key", "label", "type", "required"}`; keys that match a Lead field
    (full_name, phone, email, company_name, …) fill it, others land in `Lead.data`.
    """

    name = models.CharField(_("name"), max_length=100)
    # The public identifier in the embed snippet and the POST URL; not guessable from the id.
    public_key = models.CharField(_("public key"), max_length=32, unique=True)
    fields = models.JSONField(_("fields"), default=list)
    thank_you_text = models.TextField(_("thank-you text"), blank=True)
    source = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel, default=SourceChannel.WEB
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")

    def __str__(self):
        return self.name


class Lead(TimeStampedModel):
    """Someone who showed interest, not yet a customer; converted into a person and a deal."""

    full_name = models.CharField(_("name"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # E.164
    email = models.EmailField(_("email"), blank=True)  # lower-cased
    region = models.CharField(_("region"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    source = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel, default=SourceChannel.OTHER
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    product_interest = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product interest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    budget = models.DecimalField(
        _("budget"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    message = models.TextField(_("message"), blank=True)
    # Answers to a web form's own fields, and anything else a channel sends that has no column.
    data = models.JSONField(_("other answers"), default=dict, blank=True)
    form = models.ForeignKey(
        LeadForm,
        verbose_name=_("form"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus, default=LeadStatus.NEW
    )
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), default=0, validators=[MaxValueValidator(100)]
    )
    # [{"points": 20, "reason": "budget confirmed"}, …]: why the score is what it is.
    score_reasons = models.JSONField(_("score reasons"), default=list, blank=True)
    # Unassigned leads (owner empty) wait in the team's queue.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_person = models.ForeignKey(
        "customers.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    converted_company = models.ForeignKey(
        "customers.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    converted_deal = models.ForeignKey(
        "sales.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="lead_score_at_most_100"),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="lead_budget_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="lead_created_idx"),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
            models.Index(fields=["score", "id"], name="lead_score_idx"),
            models.Index(fields=["status", "score", "id"], name="lead_status_score_idx"),
            # The list reads "my leads" and "my team's leads" each in sort order (see
            # `lead_list_partitions`); a status filter is applied while walking them.
            models.Index(fields=["owner", "score", "id"], name="lead_owner_score_idx"),
            models.Index(fields=["team", "score", "id"], name="lead_team_score_idx"),
            models.Index(fields=["owner", "created_at", "id"], name="lead_owner_created_idx"),
            models.Index(fields=["team", "created_at", "id"], name="lead_team_created_idx"),
            models.Index(fields=["source", "created_at"], name="lead_source_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
        ]

    def __str__(self):
        return self.full_name


class ScoringRuleKind(models.TextChoices):
    FIELD_EQUALS = "field_equals", _("Field equals a value")
    FIELD_FILLED = "field_filled", _("Field is filled in")
    SOURCE_IS = "source_is", _("Source channel is")
    BUDGET_AT_LEAST = "budget_at_least", _("Budget at least")
    INTERACTIONS_AT_LEAST = "interactions_at_least", _("Interactions at least")
    NO_REPLY_DAYS = "no_reply_days", _("No contact for days")
    CREATED_WITHIN_DAYS = "created_within_days", _("Created within days")


class LeadScoringRule(TimeStampedModel):
    """One line of the score: when the condition holds, add `points` (negative to subtract)."""

    label = models.CharField(_("reason shown"), max_length=100)
    kind = models.CharField(_("condition"), max_length=30, choices=ScoringRuleKind)
    field = models.CharField(_("field"), max_length=50, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    points = models.SmallIntegerField(
        _("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lead scoring rule")
        verbose_name_plural = _("lead scoring rules")

    def __str__(self):
        return self.label


class AssignmentMethod(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class LeadAssignmentRule(TimeStampedModel):
    """The first active rule (by position) whose non-empty conditions all match assigns the lead."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    region = models.CharField(_("region"), max_length=64, blank=True)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel, blank=True)
    product = models.ForeignKey(
        "sales.Product",
        verbose_name=_("product interest"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(
        _("method"), max_length=20, choices=AssignmentMethod, default=AssignmentMethod.ROUND_ROBIN
    )
    # Round robin remembers who got the last lead under this rule.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")

    def __str__(self):
        return self.name


class LeadCaptureChannel(models.TextChoices):
    """How a lead came into Rapport (its `source` says where the person came from)."""

    MANUAL = "manual", _("Entered by hand")
    API = "api", _("API")
    FORM = "form", _("Web form")
    IMPORT = "import", _("Import")
    EMAIL = "email", _("E-mail to the shared mailbox")


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Lead created")
    INQUIRY = "inquiry", _("Inquiry")
    NOTE = "note", _("Note")
    CONTACT = "contact", _("Contact")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class LeadEvent(models.Model):
    """One line of a lead's history; copied to the customer's timeline when the lead converts.

    `body` is text as people wrote it (an inquiry's message, a note); `data` holds what the
    wording needs (a contact's channel, the new owner's name, the old and new status).
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=LeadEventKind)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("details"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        indexes = [
            models.Index(fields=["lead", "occurred_at", "id"], name="lead_event_lead_idx"),
            models.Index(fields=["lead", "kind"], name="lead_event_kind_idx"),
        ]

    def __str__(self):
        return f"{self.lead}: {self.display_title}"

    @property
    def display_title(self) -> str:
        return lead_event_title(self.kind, self.data)


def lead_event_title(kind: str, data: dict) -> str:
    """A lead event worded in the reader's language, from what the event stored in `data`.

    Used by the lead's page and, through the timeline's registry, by the customer's timeline
    after conversion; worded at read time so each reader sees their own language.
    """
    data = data or {}
    if kind == LeadEventKind.CREATED:
        via = data.get("via", "")
        via_label = LeadCaptureChannel(via).label if via in LeadCaptureChannel.values else via
        return str(_("Lead created (%(via)s)") % {"via": via_label})
    if kind == LeadEventKind.CONTACT:
        channel = data.get("channel", "")
        label = Channel(channel).label if channel in Channel.values else channel
        return str(_("Contact: %(channel)s") % {"channel": label})
    if kind == LeadEventKind.ASSIGNED:
        return str(_("Assigned to %(owner)s") % {"owner": data.get("owner", "")})
    if kind == LeadEventKind.STATUS:
        to = data.get("to", "")
        label = LeadStatus(to).label if to in LeadStatus.values else to
        return str(_("Status changed to %(status)s") % {"status": label})
    if kind == LeadEventKind.DISQUALIFIED:
        return str(_("Disqualified: %(reason)s") % {"reason": data.get("reason", "")})
    if kind in LeadEventKind.values:
        return str(LeadEventKind(kind).label)
    return kind
