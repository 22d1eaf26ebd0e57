"""Data health: the daily snapshot of the figures, and the contacts found invalid.

Checking a stored phone number or e-mail address needs Python (phonenumbers, email-validator),
which would be a million calls on every page view. The daily job checks every stored contact
in chunks and keeps the ones that fail in `InvalidContact`; the figures and the fix list count
them in SQL, and only while the record still holds that value, so a fixed record drops out at
once.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ContactKind", "DataHealthSnapshot", "InvalidContact"]


class DataHealthSnapshot(models.Model):
    """One day's figures of one team (`team` empty: everyone's). Written once a day;
    running the job again the same day replaces that day's rows."""

    date = models.DateField(_("date"))
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    metrics = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "team"],
                condition=Q(team__isnull=False),
                name="health_snapshot_team_day_unique",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(team__isnull=True),
                name="health_snapshot_overall_day_unique",
            ),
        ]
        indexes = [models.Index(fields=["team", "date"], name="health_snapshot_team_idx")]
        verbose_name = _("data health snapshot")
        verbose_name_plural = _("data health snapshots")

    def __str__(self):
        return f"{self.date} {self.team or '*'}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


class InvalidContact(models.Model):
    """A stored phone number or e-mail address of a person or company that does not validate."""

    person = models.ForeignKey(
        "customers.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # (person, kind) below serves it
    )
    company = models.ForeignKey(
        "customers.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind)
    value = models.CharField(_("value"), max_length=254)
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(company__isnull=True))
                | (Q(person__isnull=True) & Q(company__isnull=False)),
                name="invalid_contact_belongs_to_one_record",
            )
        ]
        indexes = [
            models.Index(fields=["person", "kind"], name="invalid_contact_person_idx"),
            models.Index(fields=["company", "kind"], name="invalid_contact_company_idx"),
        ]
        verbose_name = _("invalid contact")
        verbose_name_plural = _("invalid contacts")

    def __str__(self):
        return self.value
