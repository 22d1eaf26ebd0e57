"""Merges of two persons or two companies, kept with what it takes to undo them.

One table for both kinds, so that a merge has one id (the API's `/merges/{id}/undo`);
`PersonMerge` and `CompanyMerge` are views of it restricted to one kind.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CompanyMerge", "Merge", "MergeRecordType", "PersonMerge", "SnapshotEncoder"]


class SnapshotEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeping microseconds (it rounds times to milliseconds, as JavaScript
    does), so that undo restores timestamps exactly."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class MergeRecordType(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Merge(models.Model):
    """Record `other_id` was merged into the survivor, and how to take it apart again.

    - `other_snapshot`: the merged-away record's own columns, serialized with its id;
    - `survivor_before`: the survivor's merged fields as they were before;
    - `moved`: per relation ("app_label.model.field"), the ids of the rows moved to the survivor;
    - `dropped`: rows deleted because the survivor already had their equivalent (the same tag,
      company link, phone number…), serialized so that undo can recreate them;
    - `flags`: primary flags changed on moved or surviving rows, and other row values the merge
      changed as a consequence (orders following their new customer's owner).
    """

    record_type = models.CharField(_("record type"), max_length=10, choices=MergeRecordType)
    # No database constraint: the survivor may be deleted, or merged into a third record; the
    # id stays, so that once that later merge is undone this one can be undone too.
    survivor_person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("surviving person"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    survivor_company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("surviving company"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    other_id = models.BigIntegerField(_("merged record id"))
    other_name = models.CharField(_("merged record"), max_length=200)
    choices = models.JSONField(_("field choices"), default=dict, blank=True)
    other_snapshot = models.JSONField(default=dict, encoder=SnapshotEncoder)
    survivor_before = models.JSONField(default=dict, encoder=SnapshotEncoder)
    moved = models.JSONField(default=dict)
    dropped = models.JSONField(default=list, encoder=SnapshotEncoder)
    flags = models.JSONField(default=dict, encoder=SnapshotEncoder)
    # The survivor's version right after the merge: undo refuses once someone has edited it.
    survivor_version = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            models.CheckConstraint(
                condition=Q(record_type__in=MergeRecordType.values), name="merge_record_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(survivor_person__isnull=True) | Q(survivor_company__isnull=True),
                name="merge_one_survivor",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="merge_created_idx"),
            models.Index(fields=["actor", "created_at"], name="merge_actor_idx"),
            models.Index(fields=["record_type", "other_id"], name="merge_other_idx"),
        ]

    def __str__(self):
        return f"{self.other_name} → {self.survivor or '?'}"

    @property
    def survivor(self):
        """The surviving record, or None if it no longer exists."""
        try:
            if self.record_type == MergeRecordType.PERSON:
                return self.survivor_person
            return self.survivor_company
        except ObjectDoesNotExist:
            return None

    @property
    def survivor_id(self) -> int | None:
        if self.record_type == MergeRecordType.PERSON:
            return self.survivor_person_id
        return self.survivor_company_id

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class _KindManager(models.Manager):
    def __init__(self, record_type: str):
        super().__init__()
        self.record_type = record_type

    def get_queryset(self):
        return super().get_queryset().filter(record_type=self.record_type)


class PersonMerge(Merge):
    objects = _KindManager(MergeRecordType.PERSON)

    class Meta:
        proxy = True
        verbose_name = _("person merge")
        verbose_name_plural = _("person merges")


class CompanyMerge(Merge):
    objects = _KindManager(MergeRecordType.COMPANY)

    class Meta:
        proxy = True
        verbose_name = _("company merge")
        verbose_name_plural = _("company merges")
