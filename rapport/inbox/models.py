"""Tables of the inbox app: the mail read from the shared mailbox, its attachments, and how far
the poller has read the mailbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class MailboxCursor(TimeStampedModel):
    """How far the poller has read one mailbox folder.

    IMAP numbers a folder's messages with UIDs that only grow, valid as long as the folder's
    UIDVALIDITY stays the same; when the server changes it, every UID is new and the poller reads
    the folder from the start again (messages already stored are recognised by their bytes).
    The cursor only saves work: that a message is processed once is guaranteed by the unique
    (mailbox, uidvalidity, uid) of `InboundMessage`.
    """

    # "user@host:port/FOLDER", never the password.
    mailbox = models.CharField(max_length=300, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.mailbox} {self.uidvalidity}:{self.last_uid}"


class InboundStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class InboundOutcome(models.TextChoices):
    PERSON = "person", _("On a person's timeline")
    REPLY = "reply", _("Reply to our e-mail")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    AUTOMATIC = "automatic", _("Automatic reply from an unknown sender")
    BOUNCE = "bounce", _("Bounce")
    COMPLAINT = "complaint", _("Complaint report")


class InboundMessage(TimeStampedModel):
    """One message read from the shared mailbox, kept with its raw bytes whatever became of it.

    The headers and text are read from `raw` when the message is processed (and again by
    "process again"); a message that cannot be read is kept as FAILED with the reason.
    """

    mailbox = models.CharField(max_length=300)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    raw = models.BinaryField()
    raw_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=InboundStatus)
    outcome = models.CharField(_("result"), max_length=20, choices=InboundOutcome, blank=True)
    error = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # Read from the headers; empty when the message could not be read.
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)  # lower-cased
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    to = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Our outbound message this one answers, found by In-Reply-To / References.
    reply_to = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("in reply to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="inbound_message_once_per_uid"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="inbound_created"),
            models.Index(fields=["status", "created_at", "id"], name="inbound_status_created"),
            models.Index(fields=["mailbox", "raw_sha256"], name="inbound_mailbox_sha"),
        ]

    def __str__(self):
        return self.subject or f"#{self.pk}"


class InboundAttachment(models.Model):
    """A file that came with an inbound message, kept in the database (never under the
    repository), downloadable by whoever may see the message's person."""

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    content = models.BinaryField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename
