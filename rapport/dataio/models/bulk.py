"""Bulk actions: one row per action run on many records of a list (assign, tag, delete…).

A `BulkAction` is both the log of what was asked (the list, the action, its parameters and the
selection: the ids ticked on the page, or the list's filters, evaluated again when the action
runs) and the progress of its run: the counters and `last_id` are saved after every chunk of
records, so the page can show a progress bar and a run that was interrupted continues after the
last chunk written. The records themselves change through their apps' services, which write
their own timeline entries.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

__all__ = ["BulkAction", "BulkScope", "BulkStatus"]


class BulkScope(models.TextChoices):
    IDS = "ids", _("Selected rows")
    FILTER = "filter", _("All rows matching the filter")


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkAction(TimeStampedModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # bulk_actor_idx starts with it
    )
    # The list and action names of `services.bulk.registry` (not choices: the registry is code).
    list_name = models.CharField(_("list"), max_length=20)
    action = models.CharField(_("action"), max_length=30)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    scope = models.CharField(_("selection"), max_length=10, choices=BulkScope)
    # The ids ticked on the page (at most a page, see services.bulk.MAX_IDS) …
    ids = models.JSONField(_("ids"), default=list, blank=True)
    # … or the list's query string, parsed again by the list's own filter parser when it runs.
    filter_query = models.TextField(_("filters"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulkStatus, default=BulkStatus.QUEUED
    )
    in_job = models.BooleanField(_("run as a job"), default=False)
    total = models.PositiveIntegerField(_("records"), default=0)
    done_count = models.PositiveIntegerField(_("records done"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already so"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    # {reason: count}, worded in the actor's language when the record was skipped.
    skip_reasons = models.JSONField(_("reasons"), default=dict, blank=True)
    # [[id, name, reason], …] of the first skipped records, for the downloadable list.
    skipped = models.JSONField(_("skipped records"), default=list, blank=True)
    last_id = models.BigIntegerField(_("last record done"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        indexes = [
            models.Index(fields=["actor", "created_at"], name="bulk_actor_idx"),
            models.Index(fields=["status", "updated_at"], name="bulk_status_idx"),
        ]

    def __str__(self):
        return f"{self.list_name} · {self.action} · {self.total}"

    @property
    def is_finished(self) -> bool:
        return self.status in (BulkStatus.DONE, BulkStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total:
            return 0
        return min(100, self.done_count * 100 // self.total)
