"""The review queue of duplicate detection: one row per pair of records that may be one."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["CandidateStatus", "DuplicateCandidate", "DuplicateRecordType"]


class DuplicateRecordType(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class CandidateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("duplicate pair status", "Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not a duplicate")


class DuplicateCandidate(models.Model):
    """A pair of persons or of companies that a scan scored as likely one record.

    The ids are plain integers (the pair points at persons or at companies) in canonical order,
    smaller first, so a pair has one row whichever way it was found. A dismissed pair keeps its
    row, so the next scan does not put it back in the queue; a record that is deleted or merged
    away leaves its rows behind, and the queue hides them (see `selectors.dedup`).
    """

    record_type = models.CharField(_("record type"), max_length=10, choices=DuplicateRecordType)
    first_id = models.BigIntegerField(_("first record"))
    second_id = models.BigIntegerField(_("second record"))
    score = models.PositiveSmallIntegerField(_("score"))
    # [code, points, params] lists, worded when shown (`scoring.reason_text`).
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=CandidateStatus, default=CandidateStatus.OPEN
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "first_id", "second_id"], name="duplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(first_id__lt=F("second_id")), name="duplicate_pair_ordered"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="duplicate_score_at_most_100"),
        ]
        indexes = [
            # The queue: open pairs of one type, best first.
            models.Index(
                fields=["record_type", "status", "-score", "id"], name="duplicate_queue_idx"
            ),
            # Finding a record's pairs (entry-time check, merges) from either side.
            models.Index(fields=["record_type", "second_id"], name="duplicate_second_idx"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.first_id} ~ {self.second_id} ({self.score})"
