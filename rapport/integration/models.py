from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class ExternalId(TimeStampedModel):
    """A record's id in another system (an ERP, a shop, a finance package).

    Unique per record type, system and id, so another system can create-or-update by its own
    keys; a record has at most one id per system. `payload` is the body of the last upsert
    accepted for it: the same body again changes nothing, a different one is applied by the
    keys that differ (docs/decisions.md, "Change feed and upserts").
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    system = models.CharField(_("system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=200)
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "system", "external_id"], name="external_id_unique"
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "system"], name="external_id_one_per_system"
            ),
        ]
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")

    def __str__(self):
        return f"{self.system}:{self.external_id}"


class Change(models.Model):
    """One create, update or delete of a record the change feed lists, written in the
    transaction of the change itself (a rolled-back change leaves no row).

    `seq` is the feed's order: given only to committed rows by one sequencer at a time
    (`rapport.integration.feed.changes_sequence`), so a change that commits late gets a later
    number than everything already read and is never skipped. `owner_id` / `team_id` are the
    record's at the time, for the visibility rule; `everyone` for shared records (products).
    """

    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    operation = models.CharField(max_length=10)
    changed_fields = models.JSONField(default=list, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=200, blank=True)
    owner_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    everyone = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["owner_id", "seq"], name="change_owner_seq_idx"),
            models.Index(fields=["team_id", "seq"], name="change_team_seq_idx"),
            models.Index(fields=["record_type", "record_id"], name="change_record_idx"),
            # What the sequencer looks for: the committed rows still without a number.
            models.Index(
                fields=["id"], condition=Q(seq__isnull=True), name="change_unsequenced_idx"
            ),
        ]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self):
        return f"{self.record_type}.{self.operation} #{self.record_id}"


class FeedSequencer(models.Model):
    """The one row the sequencer locks: the last `seq` it gave out."""

    last_seq = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.last_seq)


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a user sent with a POST to the API, and the answer it got.

    `status_code` is None while the first request runs. A key is kept 24 hours.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self):
        return self.key
