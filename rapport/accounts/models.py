import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

_CJK = re.compile(r"[\u3400-\u9fff]")


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "admin", _("Administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_REP = "sales_rep", _("Sales representative")
    MARKETING = "marketing", _("Marketing")
    SERVICE_AGENT = "service_agent", _("Service agent")


class NotificationDelivery(models.TextChoices):
    """How a user hears of a mention or a task reminder: in the app always; by e-mail too unless
    they chose not to."""

    IN_APP = "in_app", _("In Rapport only")
    IN_APP_AND_EMAIL = "in_app_email", _("In Rapport and by e-mail")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.SALES_REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # False until the user picks a language or signs in for the first time: then the language
    # the sign-in page was shown in (the browser's) is saved (docs/configuration.md).
    language_chosen = models.BooleanField(_("language chosen"), default=False)
    notification_delivery = models.CharField(
        _("notifications"),
        max_length=20,
        choices=NotificationDelivery,
        default=NotificationDelivery.IN_APP_AND_EMAIL,
    )
    # The secret in the address of the user's calendar feed (read without signing in, by
    # calendar programs); empty while the user has none. Kept as is, not hashed: the settings
    # page shows the address again, and the feed only reads the user's own tasks and meetings.
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names are written family name first, with no space: 吴静, not "静 吴".
        if _CJK.search(self.first_name + self.last_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()

    @property
    def wants_email_notifications(self) -> bool:
        return bool(self.email) and self.notification_delivery == (
            NotificationDelivery.IN_APP_AND_EMAIL
        )

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR or self.is_superuser


class ApiKey(TimeStampedModel):
    """A key acting with its user's permissions. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    """What the audit log records: changes that reach many records at once, cannot be seen on a
    record's timeline, or concern access."""

    MERGE = "merge", _("Records merged")
    MERGE_UNDONE = "merge_undone", _("Merge undone")
    IMPORT_STARTED = "import_started", _("Import started")
    IMPORT_UNDONE = "import_undone", _("Import undone")
    EXPORT = "export", _("Records exported")
    RECORD_DELETED = "record_deleted", _("Record deleted")
    BULK_ACTION = "bulk_action", _("Bulk action")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
    EXCHANGE_RATE_CORRECTED = "exchange_rate_corrected", _("Exchange rate corrected")
    EXCHANGE_RATE_DELETED = "exchange_rate_deleted", _("Exchange rate deleted")
    EXCHANGE_RATES_IMPORTED = "exchange_rates_imported", _("Exchange rates imported")
    # What reaches outside or acts on its own: webhooks, website keys, automation rules.
    WEBHOOK_CREATED = "webhook_created", _("Webhook created")
    WEBHOOK_CHANGED = "webhook_changed", _("Webhook changed")
    WEBHOOK_DELETED = "webhook_deleted", _("Webhook deleted")
    SITE_KEY_CREATED = "site_key_created", _("Website key created")
    SITE_KEY_CHANGED = "site_key_changed", _("Website key changed")
    SITE_KEY_DELETED = "site_key_deleted", _("Website key deleted")
    RULE_CREATED = "rule_created", _("Automation rule created")
    RULE_CHANGED = "rule_changed", _("Automation rule changed")
    RULE_DELETED = "rule_deleted", _("Automation rule deleted")


class AuditEvent(models.Model):
    """One line of the audit log: who did what to which record, when. Written in the same
    transaction as the change it records, never changed afterwards."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,  # audit_actor_idx starts with it
    )
    # Kept as written, so the line still names the user after the account is deleted; empty for
    # the system (a scheduled backup, a command).
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    target_type = models.CharField(_("record type"), max_length=30, blank=True)
    target_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_time_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '—'} {self.action}"


class SavedViewVisibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    TEAM = "team", _("My team")
    EVERYONE = "everyone", _("Everyone")


class SavedView(TimeStampedModel):
    """A named set of a list's filters, sort and columns, offered as a tab above the list.

    Private to its owner, shared with one team (`team`, the owner's when it was shared), or, made
    by an administrator, shared with everyone. `query` is the list's query string as the list
    reads it (`list_specs.clean_query`); `columns` the keys of the columns shown."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
        db_index=False,  # saved_view_owner_idx starts with it
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        db_index=False,  # saved_view_team_idx starts with it
    )
    list_key = models.CharField(_("list"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    visibility = models.CharField(
        _("shared with"),
        max_length=10,
        choices=SavedViewVisibility.choices,
        default=SavedViewVisibility.PRIVATE,
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name", "id"]
        indexes = [
            models.Index(fields=["owner", "list_key"], name="saved_view_owner_idx"),
            models.Index(fields=["team", "list_key"], name="saved_view_team_idx"),
            models.Index(fields=["visibility", "list_key"], name="saved_view_shared_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="saved_view_unique_name"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(visibility=SavedViewVisibility.TEAM, team__isnull=False)
                    | (~models.Q(visibility=SavedViewVisibility.TEAM) & models.Q(team__isnull=True))
                ),
                name="saved_view_team_iff_team_shared",
            ),
        ]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self):
        return self.name


class ListPreference(TimeStampedModel):
    """What a user chose for a list outside any saved view: the columns shown, and the saved view
    the list opens with."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="list_preferences",
        verbose_name=_("user"),
        db_index=False,  # list_preference_unique starts with it
    )
    list_key = models.CharField(_("list"), max_length=30)
    # None: the list's default columns.
    columns = models.JSONField(_("columns"), null=True, blank=True)
    default_view = models.ForeignKey(
        SavedView,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default view"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="list_preference_unique")
        ]
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self):
        return f"{self.user} · {self.list_key}"
