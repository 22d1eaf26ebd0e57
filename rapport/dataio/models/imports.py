"""Imports: the job that reads a file into persons, companies, leads, interactions, products,
orders or payments, saved mappings, undo data.

An `ImportJob` is the log of one import (who, when, which file, what came of each row) and the
checkpoint that lets a killed worker resume: `rows_done`, the counts and `rejected_offset` are
saved in the same transaction as each batch of records, so after a crash the job starts again
exactly after the last batch that was written. `ImportRecord` rows say what each import created
or changed (with the values before the change), so that it can be undone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

__all__ = [
    "ImportAction",
    "ImportJob",
    "ImportMapping",
    "ImportMatchOn",
    "ImportMode",
    "ImportRecord",
    "ImportStatus",
    "ImportTarget",
    "ImportedKey",
]


class ImportTarget(models.TextChoices):
    PERSONS = "persons", _("Persons")
    COMPANIES = "companies", _("Companies")
    LEADS = "leads", _("Leads")
    INTERACTIONS = "interactions", _("Interactions")
    PRODUCTS = "products", _("Products")
    ORDERS = "orders", _("Orders")
    PAYMENTS = "payments", _("Payments")


class ImportMode(models.TextChoices):
    CREATE = "create", _("Create new records only")
    UPDATE = "update", _("Update existing records only")
    UPSERT = "upsert", _("Update existing, create the others")


class ImportMatchOn(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    EXTERNAL_ID = "external_id", _("External ID")
    NAME = "name", _("Name")
    # Products are always matched on their SKU.
    SKU = "sku", _("SKU")
    # Interactions are never matched (they are only created); this names how the row's customer
    # is found instead.
    CONTACT = "contact", _("Customer's phone or e-mail")
    # Payments are never matched either; each row's order is found by its number.
    ORDER_NUMBER = "order_number", _("Order number")
    # Orders are only created; consecutive rows with the same reference are one order.
    ORDER_REFERENCE = "order_ref", _("Order reference in the file")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Mapped")
    DRY_RUNNING = "dry_running", _("Dry run in progress")
    DRY_RUN_DONE = "dry_run_done", _("Dry run done")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDOING = "undoing", _("Being undone")
    UNDONE = "undone", _("Undone")


class ImportJob(TimeStampedModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.CharField(_("records"), max_length=20, choices=ImportTarget)
    original_name = models.CharField(_("file"), max_length=255)
    # Relative to RAPPORT_IMPORT_DIR.
    stored_path = models.CharField(max_length=255)
    size = models.BigIntegerField(_("size"), default=0)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    delimiter = models.CharField(max_length=5, blank=True)
    # What the mapping step shows: the file's column names and a few rows of sample values.
    columns = models.JSONField(default=list, blank=True)
    sample = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    defaults = models.JSONField(_("defaults"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode, default=ImportMode.CREATE)
    match_on = models.CharField(
        _("match on"), max_length=20, choices=ImportMatchOn, default=ImportMatchOn.EMAIL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus, default=ImportStatus.UPLOADED
    )
    # The dry run's counts and first rejected rows: {"created", "updated", "skipped", "rejected",
    # "rows", "rejected_rows": [{"row", "values", "reasons"}]}.
    dry_run = models.JSONField(default=dict, blank=True)
    rows_total = models.BigIntegerField(_("rows (estimate)"), default=0)
    # The checkpoint: rows of the file handled by committed batches.
    rows_done = models.BigIntegerField(_("rows done"), default=0)
    created_count = models.BigIntegerField(_("created"), default=0)
    updated_count = models.BigIntegerField(_("updated"), default=0)
    skipped_count = models.BigIntegerField(_("skipped as duplicates"), default=0)
    rejected_count = models.BigIntegerField(_("rejected"), default=0)
    # Rows imported with a field left out (a bad birthday, e-mail, phone or choice value),
    # listed with the reasons in a file like the rejected rows.
    warned_count = models.BigIntegerField(_("imported with warnings"), default=0)
    warned_offset = models.BigIntegerField(default=0)
    # Size of the rejected-rows file at the checkpoint; a resumed run truncates it to this.
    rejected_offset = models.BigIntegerField(default=0)
    # Where in the file (bytes) the row after the checkpoint starts, when the reader knows it,
    # so a resumed run does not parse the rows before it again.
    source_offset = models.BigIntegerField(null=True, blank=True)
    # Who runs it now ("host:pid") and when it last reported: a job whose worker is gone is
    # taken over by `resume_stalled_imports`.
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the current run (first or resumed) started and at which row, for its rate.
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_rows_start = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    # Set when the undo data and files were purged after RAPPORT_IMPORT_UNDO_DAYS.
    purged_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # What the undo kept and why: {"counts": {reason: n}, "kept": [{"kind", "id", "name",
    # "reason", "into"}]} (the list capped, the counts complete); see `imports.undo`.
    undo_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["actor", "created_at"], name="import_actor_created_idx"),
            models.Index(fields=["created_at", "id"], name="import_created_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="import_status_beat_idx"),
        ]

    def __str__(self):
        return self.original_name


class ImportMapping(TimeStampedModel):
    """A mapping saved under a name, offered again for the next file of the same kind."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("records"), max_length=20, choices=ImportTarget)
    mapping = models.JSONField(_("mapping"), default=dict)
    defaults = models.JSONField(_("defaults"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode, default=ImportMode.CREATE)
    match_on = models.CharField(
        _("match on"), max_length=20, choices=ImportMatchOn, default=ImportMatchOn.EMAIL
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "target", "name"], name="import_mapping_name_unique"
            )
        ]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self):
        return self.name


class ImportAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class ImportRecord(models.Model):
    """One record an import created or updated; `before` holds what an update overwrote."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    # "person", "company", "lead", "interaction", "product", "order" or "payment" (an import of
    # persons may create the companies they work for).
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=ImportAction)
    before = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job", "kind", "object_id"], name="import_record_unique"
            )
        ]
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.action})"


class ImportedKey(models.Model):
    """An identifier a record has in the system it was imported from (its "external ID"), so a
    later import of the same source can update the record instead of duplicating it."""

    target = models.CharField(max_length=20, choices=ImportTarget)
    key = models.CharField(_("external ID"), max_length=100)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey(
        "customers.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey(
        "sales.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="imported_key_unique"),
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(company__isnull=True) & Q(lead__isnull=True))
                | (Q(person__isnull=True) & Q(company__isnull=False) & Q(lead__isnull=True))
                | (Q(person__isnull=True) & Q(company__isnull=True) & Q(lead__isnull=False)),
                name="imported_key_one_record",
            ),
        ]
        verbose_name = _("external ID")
        verbose_name_plural = _("external IDs")

    def __str__(self):
        return self.key
