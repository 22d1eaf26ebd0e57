"""Outbound e-mail: every message Rapport sends (or keeps in the outbox), templates, consent and
the suppression list.

A `Message` row is written before any attempt to deliver it, with a unique `send_key` chosen by
the caller (`"task-reminder:42"`, `"rule:7:person:12"`): asking to send the same key again
returns the existing row, so a retried job or a replayed rule never sends twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel


class MessageKind(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("e-mail status", "Queued")
    SENDING = "sending", pgettext_lazy("e-mail status", "Sending")
    SENT = "sent", pgettext_lazy("e-mail status", "Sent")
    # No mail server configured: kept here for administrators to read, never delivered.
    IN_OUTBOX = "in_outbox", pgettext_lazy("e-mail status", "In the outbox")
    # The worker stopped while this message was being handed to the mail server: it may or may
    # not have gone out, so it is not resent by itself (docs/decisions.md).
    INTERRUPTED = "interrupted", pgettext_lazy("e-mail status", "Interrupted")
    FAILED = "failed", pgettext_lazy("e-mail status", "Failed")
    SKIPPED = "skipped", pgettext_lazy("e-mail status", "Not sent")


class SkipReason(models.TextChoices):
    NO_ADDRESS = "no_address", _("No e-mail address")
    OPTED_OUT = "opted_out", _("The person opted out of e-mail")
    NO_OPT_IN = "no_opt_in", _("The person has not opted in to e-mail")
    SUPPRESSED = "suppressed", _("The address is on the suppression list")


class EmailTemplate(TimeStampedModel):
    """An e-mail administrators write, in Chinese and English, with merge fields.

    Subjects and bodies are jinja2 templates rendered in a sandbox with plain values only
    (`rapport.messaging.rendering`); the body is plain text, from which the HTML part is made.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MessageKind, default=MessageKind.TRANSACTIONAL
    )
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=300, blank=True)
    body_zh = models.TextField(_("body (Chinese)"), blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=300, blank=True)
    body_en = models.TextField(_("body (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Message(TimeStampedModel):
    to_address = models.EmailField(_("to"), max_length=254)
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_address = models.CharField(_("from"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    # Extra headers (List-Unsubscribe…) as {name: value}.
    headers = models.JSONField(default=dict, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MessageKind, default=MessageKind.TRANSACTIONAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus, default=MessageStatus.QUEUED
    )
    skip_reason = models.CharField(_("reason"), max_length=20, choices=SkipReason, blank=True)
    send_key = models.CharField(max_length=200, unique=True)
    # The RFC 5322 Message-ID we set, without the angle brackets; replies thread on it.
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    template = models.ForeignKey(
        EmailTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    # What asked for it: "task-reminder", "rule:7", "test", "django" (Django's send_mail)…
    origin = models.CharField(_("origin"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    open_count = models.PositiveIntegerField(_("opens"), default=0)
    click_count = models.PositiveIntegerField(_("clicks"), default=0)
    first_opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    first_clicked_at = models.DateTimeField(_("first clicked"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "id"], name="message_due_idx"),
            models.Index(fields=["created_at", "id"], name="message_created_idx"),
            models.Index(fields=["person", "created_at"], name="message_person_idx"),
            models.Index(fields=["sent_at"], name="message_sent_idx"),
            models.Index(fields=["to_address"], name="message_to_idx"),
        ]

    def __str__(self):
        return self.subject


class TrackingKind(models.TextChoices):
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked")


class MessageTracking(models.Model):
    """One open (the pixel loaded) or click (a tracked link followed) of a message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="tracking")
    kind = models.CharField(max_length=10, choices=TrackingKind)
    url = models.URLField(max_length=2000, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["message", "occurred_at"], name="tracking_message_idx")]

    def __str__(self):
        return f"{self.kind} {self.message_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")


class ConsentStatus(models.TextChoices):
    OPTED_IN = "opted_in", _("Opted in")
    OPTED_OUT = "opted_out", _("Opted out")


class ConsentChange(models.Model):
    """One opt-in or opt-out of a person for a channel; the latest per channel is in force.

    Rows are never updated or deleted, so the history (who, when, from where) stays.
    """

    person = models.ForeignKey(
        "customers.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    status = models.CharField(_("consent"), max_length=10, choices=ConsentStatus)
    # Where it came from: "unsubscribe link", "form", "import", "phone call"…
    source = models.CharField(_("source"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        indexes = [models.Index(fields=["person", "channel", "id"], name="consent_person_idx")]

    def __str__(self):
        return f"{self.person_id} {self.channel} {self.status}"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Complaint")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    MANUAL = "manual", _("Added by hand")


class Suppression(TimeStampedModel):
    """An address marketing mail never goes to (and, for a hard bounce, no mail at all)."""

    address = models.EmailField(_("address"), max_length=254, unique=True)  # lower-cased
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason)
    source = models.CharField(_("source"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.address
