from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import PrefixSearchField, TimeStampedModel


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class SourceChannel(models.TextChoices):
    WEB = "web", _("Website")
    TRADE_SHOW = "trade_show", _("Trade show")
    REFERRAL = "referral", _("Referral")
    ADS = "ads", _("Advertising")
    PHONE_INQUIRY = "phone_inquiry", _("Phone inquiry")
    STORE = "store", _("Store")
    SOCIAL = "social", _("Social media")
    EMAIL = "email", _("Email campaign")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


# A context of their own: "Customer" and "Lost" also name an order's customer and a lost deal.
class LifecycleStage(models.TextChoices):
    TARGET = "target", pgettext_lazy("lifecycle stage", "Target")
    POTENTIAL = "potential", pgettext_lazy("lifecycle stage", "Potential")
    OPPORTUNITY = "opportunity", pgettext_lazy("lifecycle stage", "Opportunity")
    CUSTOMER = "customer", pgettext_lazy("lifecycle stage", "Customer")
    REPEAT_CUSTOMER = "repeat_customer", pgettext_lazy("lifecycle stage", "Repeat customer")
    DORMANT = "dormant", pgettext_lazy("lifecycle stage", "Dormant")
    LOST = "lost", pgettext_lazy("lifecycle stage", "Lost")


class RecordType(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Tag(TimeStampedModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes / no")


class CustomFieldDefinition(TimeStampedModel):
    """A field an administrator adds to persons or companies; values live in `custom` JSON."""

    record_type = models.CharField(_("record type"), max_length=10, choices=RecordType)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=20, choices=CustomFieldType)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["record_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "key"], name="custom_field_key_unique")
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self):
        return self.label


class CustomerRecord(TimeStampedModel):
    """What persons and companies share: ownership, classification, custom values, version."""

    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    source = models.CharField(
        _("source channel"), max_length=20, choices=SourceChannel, default=SourceChannel.OTHER
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=20,
        choices=LifecycleStage,
        default=LifecycleStage.TARGET,
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
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Optimistic locking: every save increments it; an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Company(CustomerRecord):
    name = models.CharField(_("name"), max_length=200)
    english_name = models.CharField(_("English name"), max_length=200, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="companies")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["updated_at", "id"], name="company_updated_idx"),
            models.Index(fields=["created_at", "id"], name="company_created_idx"),
            models.Index(fields=["name", "id"], name="company_name_idx"),
            # Every sort a list offers, after each condition a list page pages through: the
            # owner and team parts of the visibility rule, and the lifecycle stage filter.
            models.Index(fields=["owner", "updated_at"], name="company_owner_idx"),
            models.Index(fields=["owner", "created_at"], name="company_owner_created_idx"),
            models.Index(fields=["owner", "name"], name="company_owner_name_idx"),
            models.Index(fields=["team", "updated_at"], name="company_team_idx"),
            models.Index(fields=["team", "created_at"], name="company_team_created_idx"),
            models.Index(fields=["team", "name"], name="company_team_name_idx"),
            models.Index(fields=["lifecycle_stage", "updated_at"], name="company_stage_idx"),
            models.Index(
                fields=["lifecycle_stage", "created_at"], name="company_stage_created_idx"
            ),
            models.Index(fields=["lifecycle_stage", "name"], name="company_stage_name_idx"),
            models.Index(fields=["region", "updated_at"], name="company_region_idx"),
            models.Index(fields=["source", "updated_at"], name="company_source_idx"),
        ]

    def __str__(self):
        return self.name


class Person(CustomerRecord):
    full_name = models.CharField(
        _("full name"),
        max_length=200,
        help_text=_("As the person writes it, e.g. 张伟 or Emily Carter."),
    )
    given_name = models.CharField(_("given name (English)"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name (English)"), max_length=100, blank=True)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender, default=Gender.UNKNOWN)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Month and day of the birthday, also when the year is unknown (Google exports "--07-14");
    # kept equal to `birthday` when that is set. Birthday rules need only these two.
    birth_month = models.PositiveSmallIntegerField(_("birth month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birth day"), null=True, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # Phone numbers valid in no region, kept as written: [{"label": "work", "raw": "…"}]. A
    # person with any is listed by the data-health check.
    raw_phones = models.JSONField(_("unrecognised phone numbers"), default=list, blank=True)
    preferences = models.TextField(_("preferences"), blank=True)
    # Copies of the primary phone and email, so list pages need no join per row.
    primary_phone = models.CharField(_("phone"), max_length=20, blank=True)
    primary_email = models.EmailField(_("email"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="persons")
    companies = models.ManyToManyField(
        Company, through="Employment", related_name="people", verbose_name=_("companies")
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["updated_at", "id"], name="person_updated_idx"),
            models.Index(fields=["created_at", "id"], name="person_created_idx"),
            models.Index(fields=["full_name", "id"], name="person_name_idx"),
            # Every sort a list offers, after each condition a list page pages through: the
            # owner and team parts of the visibility rule, and the lifecycle stage filter.
            models.Index(fields=["owner", "updated_at"], name="person_owner_idx"),
            models.Index(fields=["owner", "created_at"], name="person_owner_created_idx"),
            models.Index(fields=["owner", "full_name"], name="person_owner_name_idx"),
            models.Index(fields=["team", "updated_at"], name="person_team_idx"),
            models.Index(fields=["team", "created_at"], name="person_team_created_idx"),
            models.Index(fields=["team", "full_name"], name="person_team_name_idx"),
            models.Index(fields=["lifecycle_stage", "updated_at"], name="person_stage_idx"),
            models.Index(fields=["lifecycle_stage", "created_at"], name="person_stage_created_idx"),
            models.Index(fields=["lifecycle_stage", "full_name"], name="person_stage_name_idx"),
            models.Index(fields=["region", "updated_at"], name="person_region_idx"),
            models.Index(fields=["source", "updated_at"], name="person_source_idx"),
        ]

    def __str__(self):
        return self.full_name


class Employment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="employments")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="employments")
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "company"], name="employment_unique")
        ]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")

    def __str__(self):
        return f"{self.person} @ {self.company}"


class ContactLabel(models.TextChoices):
    MOBILE = "mobile", pgettext_lazy("contact label", "Mobile")
    WORK = "work", pgettext_lazy("contact label", "Work")
    HOME = "home", pgettext_lazy("contact label", "Home")
    FAX = "fax", pgettext_lazy("contact label", "Fax")
    OTHER = "other", pgettext_lazy("contact label", "Other")


class PersonPhone(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    label = models.CharField(
        _("label"), max_length=10, choices=ContactLabel, default=ContactLabel.MOBILE
    )
    number = models.CharField(_("number"), max_length=20, db_index=True)  # E.164
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self):
        return self.number


class PersonEmail(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    label = models.CharField(
        _("label"), max_length=10, choices=ContactLabel, default=ContactLabel.WORK
    )
    email = models.EmailField(_("email"), db_index=True)  # stored lower-cased
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")

    def __str__(self):
        return self.email


class Address(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses"
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses"
    )
    label = models.CharField(
        _("label"), max_length=10, choices=ContactLabel, default=ContactLabel.WORK
    )
    country = models.CharField(_("country"), max_length=2, default="CN")
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    district = models.CharField(_("district"), max_length=64, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(company__isnull=True))
                | (Q(person__isnull=True) & Q(company__isnull=False)),
                name="address_belongs_to_one_record",
            )
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return " ".join(p for p in [self.province, self.city, self.district, self.street] if p)


class PersonSearchTerm(models.Model):
    """Prefix-searchable keys of a person (see rapport.customers.search).

    Derived data, like an index: the terms go with their person (Django's cascade) but the
    database checks no foreign key on them, which made a bulk import on PostgreSQL 13 % faster
    (docs/decisions.md)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="search_terms", db_constraint=False
    )
    term = PrefixSearchField(max_length=100, db_index=True)

    class Meta:
        verbose_name = _("person search term")
        verbose_name_plural = _("person search terms")

    def __str__(self):
        return self.term


class CompanySearchTerm(models.Model):
    """Prefix-searchable keys of a company; no database foreign key, as for persons."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="search_terms", db_constraint=False
    )
    term = PrefixSearchField(max_length=100, db_index=True)

    class Meta:
        verbose_name = _("company search term")
        verbose_name_plural = _("company search terms")

    def __str__(self):
        return self.term
