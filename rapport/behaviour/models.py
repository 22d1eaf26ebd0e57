"""Behaviour events from websites and apps, the visits (sessions) they form, and who sent them.

An event belongs to a person once someone is known: by e-mail, phone or external id in the
event itself, or through its anonymous id, which an `Identity` row links to the person when the
visitor identifies. A `Visit` is one session of events; the person's timeline shows one entry
per visit (its counts kept up to date), not one per page view.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

STANDARD_EVENT_NAMES = (
    "page_viewed",
    "product_viewed",
    "added_to_cart",
    "signed_up",
    "app_opened",
    # Sent by an identify call: the visitor said who they are (signed in, gave an e-mail).
    "identified",
)


def new_site_key() -> str:
    return "rsk_" + secrets.token_urlsafe(18)


class SiteKey(TimeStampedModel):
    """A public, write-only key a website's snippet sends events with.

    A browser cannot keep an API key secret, so this key can only add events, only from the
    listed origins (CORS and the Origin header), and is rate-limited per client address.
    """

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, default=new_site_key)
    # ["https://shop.example.com", …]: scheme, host and port as a browser sends them in Origin.
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("site key")
        verbose_name_plural = _("site keys")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class IdentityKind(models.TextChoices):
    ANONYMOUS = "anonymous", _("Anonymous id")
    EXTERNAL = "external", _("External id")


class Identity(models.Model):
    """An id a website or app knows someone by: an anonymous visitor id or the app's user id.

    `person` is empty for an anonymous visitor not identified yet; identifying fills it, and the
    visitor's earlier events are joined to the person then.
    """

    kind = models.CharField(max_length=10, choices=IdentityKind)
    value = models.CharField(max_length=100)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField()
    identified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="behaviour_identity_unique")
        ]
        indexes = [models.Index(fields=["person"], name="behaviour_identity_person_idx")]

    def __str__(self):
        return f"{self.kind}:{self.value}"


class Visit(models.Model):
    """One session of events: what the person's timeline shows as a single, growing entry.

    `session_key` is the client's session id, or, for events sent without one, a key per person
    (or anonymous id) and day, so server-side events collapse too. `counts` is {event name:
    number}; it and `last_at` are updated once per batch, not per event.
    """

    session_key = models.CharField(max_length=140, unique=True)
    person = models.ForeignKey(
        "customers.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    anonymous_id = models.CharField(max_length=100, blank=True)
    site_key = models.ForeignKey(
        SiteKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    last_at = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    timeline_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["person", "last_at"], name="behaviour_visit_person_idx"),
            models.Index(
                fields=["anonymous_id"],
                name="behaviour_visit_anon_idx",
                condition=Q(person__isnull=True),
            ),
        ]

    def __str__(self):
        return self.session_key


class Event(models.Model):
    """One thing a person or visitor did on a website or in an app."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    anonymous_id = models.CharField(_("anonymous id"), max_length=100, blank=True)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events")
    site_key = models.ForeignKey(
        SiteKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # Segments ("viewed product X in the last 30 days") and the person's events.
            models.Index(fields=["person", "name", "occurred_at"], name="behaviour_event_seg_idx"),
            # The events page: recent first, filtered by name.
            models.Index(fields=["occurred_at", "id"], name="behaviour_event_recent_idx"),
            models.Index(fields=["name", "occurred_at", "id"], name="behaviour_event_name_idx"),
            models.Index(fields=["visit", "occurred_at"], name="behaviour_event_visit_idx"),
            # Joining an anonymous visitor's events when they identify.
            models.Index(
                fields=["anonymous_id"],
                name="behaviour_event_anon_idx",
                condition=Q(person__isnull=True),
            ),
        ]

    def __str__(self):
        return self.name
