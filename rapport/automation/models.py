"""Rules (trigger → conditions → actions), their runs, each action's step, and the occurrences
that make date, inactivity and schedule rules fire once per record per occurrence.

The rule's definition is kept as JSON in the shape `rapport.automation.validation` checks (and
var/interfaces-15.md describes); `trigger_type` and `trigger_record_type` copy two of its keys
into indexed columns, so the handler on every saved record finds the rules it may concern with
one indexed query.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class Rule(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    trigger = models.JSONField(_("trigger"), default=dict)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    # Copies of trigger["type"] and the record type it is about (the person for e-mail, event,
    # inactivity triggers), kept by the services, for the handler's indexed lookup.
    trigger_type = models.CharField(_("trigger type"), max_length=40)
    trigger_record_type = models.CharField(_("record type"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Ready-made rules are installed once under their key ("welcome_email").
    preset = models.CharField(_("ready-made rule"), max_length=50, blank=True)
    # Optimistic locking: every edit increments it; an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Date, inactivity and schedule rules: the last moment evaluated, so a missed day is caught
    # up (within RAPPORT_AUTOMATION_CATCH_UP_DAYS). Written by the job only, never by an edit.
    evaluated_through = models.DateTimeField(_("evaluated through"), null=True, blank=True)
    # Round-robin assignment: the last user given a record, per team ("<team id>": user id).
    assignment_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["is_active", "trigger_record_type", "trigger_type"],
                name="automation_rule_trigger_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["preset"], condition=~Q(preset=""), name="automation_rule_preset_unique"
            )
        ]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self):
        return self.name


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Waiting")
    SUCCEEDED = "succeeded", _("Succeeded")
    STOPPED = "stopped", _("Stopped")
    FAILED = "failed", _("Failed")


class RuleOccurrence(models.Model):
    """One date, inactivity or schedule occurrence for one record: the unique row that makes
    such a rule fire once per record per occurrence, whatever the number of evaluations."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="occurrences")
    record_type = models.CharField(max_length=40)
    record_id = models.BigIntegerField()
    # The day of a date rule ("2026-12-07"), the start of an inactive stretch ("since:…"), the
    # minute of a schedule ("2026-12-07T09:00").
    key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "record_type", "record_id", "key"],
                name="automation_occurrence_unique",
            )
        ]
        indexes = [models.Index(fields=["rule", "key"], name="automation_occurrence_key_idx")]

    def __str__(self):
        return f"{self.rule_id} {self.record_type}:{self.record_id} {self.key}"


class RuleRun(models.Model):
    """One rule acting on one record: the log of what triggered it and each action's step."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    record_type = models.CharField(_("record type"), max_length=40)
    record_id = models.BigIntegerField(_("record"))
    # What triggered it: {"type": "record_updated", "fields": [...], "actor_id": …} etc.
    trigger = models.JSONField(_("trigger"), default=dict)
    # The same event never starts a rule twice on a record (a job run twice, a redelivery).
    event_key = models.CharField(max_length=100)
    occurrence = models.OneToOneField(
        RuleOccurrence, on_delete=models.SET_NULL, null=True, blank=True, related_name="run"
    )
    # Loop cutting: the chain of runs one person's change started, and this run's place in it.
    chain = models.UUIDField(default=uuid.uuid4)
    depth = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus, default=RunStatus.RUNNING
    )
    # The actions as they were when the run started, so an edit does not change a run midway.
    actions = models.JSONField(default=list)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "record_type", "record_id", "event_key"],
                name="automation_run_event_unique",
            )
        ]
        indexes = [
            models.Index(fields=["rule", "started_at"], name="automation_run_rule_idx"),
            models.Index(fields=["record_type", "record_id"], name="automation_run_record_idx"),
            models.Index(fields=["chain", "rule"], name="automation_run_chain_idx"),
            models.Index(fields=["status", "started_at"], name="automation_run_status_idx"),
        ]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")

    def __str__(self):
        return f"{self.rule_id} on {self.record_type}:{self.record_id}"


class StepStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    RETRYING = "retrying", _("Retrying")
    WAITING = "waiting", _("Waiting")
    SUCCEEDED = "succeeded", _("Succeeded")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class RuleRunStep(models.Model):
    """One action of a run: its attempts, when it is due again, and its result or error."""

    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    action_type = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=StepStatus, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a retrying step is tried again, or a running one's lease ends (a worker killed
    # mid-action leaves it "running"; after the lease another worker takes it).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A wait: until when, and the event that ends it early.
    wait_until = models.DateTimeField(null=True, blank=True)
    wait_event = models.CharField(max_length=100, blank=True)
    wait_person_id = models.BigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="automation_step_unique")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="automation_step_due_idx"),
            models.Index(fields=["status", "wait_until"], name="automation_step_wait_idx"),
            models.Index(fields=["wait_event", "wait_person_id"], name="automation_step_event_idx"),
        ]

    def __str__(self):
        return f"{self.run_id}#{self.index} {self.action_type}"
