from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.activities import timeline_kinds
from rapport.core.models import TimeStampedModel


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", pgettext_lazy("interaction channel", "Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media message")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Interaction(TimeStampedModel):
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The record of a higher app the interaction was logged on (a deal, a lead…), linked
    # generically like `Task.subject` so that activities never imports sales. The interaction
    # also keeps the record's person and company, so it shows on their timelines too.
    about_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False) | Q(company__isnull=False) | Q(about_type__isnull=False)
                ),
                name="interaction_has_customer_or_record",
            ),
            models.CheckConstraint(
                condition=(
                    Q(about_type__isnull=True, about_id__isnull=True)
                    | Q(about_type__isnull=False, about_id__isnull=False)
                ),
                name="interaction_about_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="interaction_time_idx"),
            models.Index(fields=["person", "occurred_at"], name="interaction_person_idx"),
            models.Index(fields=["company", "occurred_at"], name="interaction_company_idx"),
            models.Index(fields=["channel", "occurred_at"], name="interaction_channel_idx"),
            models.Index(fields=["logged_by", "occurred_at"], name="interaction_user_idx"),
            models.Index(
                fields=["about_type", "about_id", "occurred_at"], name="interaction_about_idx"
            ),
        ]

    def __str__(self):
        return self.subject


class TimelineEntry(models.Model):
    """One line on a customer's timeline.

    Every module that has something to say about a customer (an interaction now; orders,
    tickets, campaigns and automation later) adds an entry through
    `rapport.activities.services.timeline_add`, pointing back at its own record by kind and id.
    The 360° page reads only this table, so it stays one indexed query however many modules
    contribute. An entry may also be about a record of a higher app (`about`, a generic link:
    a deal's moves, a call logged on the deal), which is how that record's own page reads its
    timeline; an entry about such a record alone (a deal without a customer) is on no customer's
    timeline.
    """

    person = models.ForeignKey(
        "customers.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timeline_entries",
    )
    company = models.ForeignKey(
        "customers.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="timeline_entries",
    )
    kind = models.CharField(_("kind"), max_length=40)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The record this entry is about, e.g. ("interaction", 42); the owning app resolves it.
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    about_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False) | Q(company__isnull=False) | Q(about_type__isnull=False)
                ),
                name="timeline_entry_has_customer_or_record",
            ),
            models.CheckConstraint(
                condition=(
                    Q(about_type__isnull=True, about_id__isnull=True)
                    | Q(about_type__isnull=False, about_id__isnull=False)
                ),
                name="timeline_entry_about_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "occurred_at", "id"], name="timeline_person_idx"),
            models.Index(fields=["company", "occurred_at", "id"], name="timeline_company_idx"),
            models.Index(fields=["source_type", "source_id"], name="timeline_source_idx"),
            models.Index(
                fields=["about_type", "about_id", "occurred_at", "id"], name="timeline_about_idx"
            ),
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the reader's language: generated kinds are worded here, at read time."""
        if self.kind == "record.created":
            return str(_("Record created"))
        if self.kind == "record.updated":
            return str(_("Record updated"))
        if self.kind == "task.completed":
            return str(_("Task completed: %(title)s") % {"title": self.title})
        return timeline_kinds.title_for(self) or self.title


class TaskPriority(models.TextChoices):
    LOW = "low", pgettext_lazy("task priority", "Low")
    NORMAL = "normal", pgettext_lazy("task priority", "Normal")
    HIGH = "high", pgettext_lazy("task priority", "High")


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


class Task(TimeStampedModel):
    """Something a user has to do, by a time, possibly about a customer or a sales record.

    `team` is the assignee's team, kept on the row so the visibility rule (own + team's) is one
    indexed filter; it follows the task when it is reassigned. The task may point at a person
    and/or a company (real foreign keys), and at any other record, such as a lead, deal or order
    of a higher app, through the generic `subject`; `subject_label` is that record's name as it
    was when linked, so a list shows it without a query per row. A higher app that deletes its
    records should delete their tasks itself (a `GenericRelation` on its model does it);
    otherwise the task keeps its label and loses its link.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # Set when the reminder has gone out, so a job that runs twice sends it once.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=TaskPriority, default=TaskPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus, default=TaskStatus.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    subject_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(_("about"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=TaskPriority.values), name="task_priority_valid"
            ),
            # A done task says when it was done; an open or cancelled one has no such time.
            models.CheckConstraint(
                condition=(
                    Q(status=TaskStatus.DONE, completed_at__isnull=False)
                    | (~Q(status=TaskStatus.DONE) & Q(completed_at__isnull=True))
                ),
                name="task_completed_at_iff_done",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_type__isnull=True, subject_id__isnull=True)
                    | Q(subject_type__isnull=False, subject_id__isnull=False)
                ),
                name="task_subject_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_idx"),
            models.Index(fields=["assignee", "status", "completed_at"], name="task_done_idx"),
            models.Index(fields=["team", "status", "due_at"], name="task_team_idx"),
            models.Index(fields=["created_by", "status"], name="task_creator_idx"),
            models.Index(fields=["person", "status", "due_at"], name="task_person_idx"),
            models.Index(fields=["company", "status", "due_at"], name="task_company_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="task_subject_idx"),
            # What the reminder job scans every minute: only the tasks still waiting for one.
            models.Index(
                fields=["remind_at"],
                name="task_reminder_due_idx",
                condition=Q(status=TaskStatus.OPEN, reminder_sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class Notification(models.Model):
    """A message in one user's in-app inbox (the bell), e.g. "a task was assigned to you".

    `kind` is a stable machine name ("task.assigned", "task.reminder", …); known kinds are worded
    in the reader's language by `display_title`, others show `title` as written. `target_type`
    and `target_id` name the record it is about, like a timeline entry's source.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "created_at"], name="notification_unread_idx"
            ),
            models.Index(
                fields=["recipient", "created_at", "id"], name="notification_recipient_idx"
            ),
            models.Index(fields=["target_type", "target_id"], name="notification_target_idx"),
        ]

    def __str__(self):
        return self.display_title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def display_title(self) -> str:
        """The title in the reader's language: known kinds are worded here, at read time."""
        wording = {
            "task.assigned": _("New task for you: %(title)s"),
            "task.reminder": _("Reminder: %(title)s"),
            "task.completed": _("Task completed: %(title)s"),
            "mention": _("You were mentioned: %(title)s"),
            "mention.refused": _("Not notified, they cannot see “%(title)s”"),
        }.get(self.kind)
        if wording is None and self.kind in NOTIFICATION_WORDINGS:
            wording = NOTIFICATION_WORDINGS[self.kind][0]
        if wording is None:
            return self.title
        return str(wording) % {"title": self.title, "body": self.body}

    @property
    def display_body(self) -> str:
        """The body in the reader's language, for the kinds a higher app words (the stored
        body is then the value the wording names, such as an address)."""
        wording = NOTIFICATION_WORDINGS.get(self.kind, (None, None))[1]
        if wording is None:
            return self.body
        return str(wording) % {"title": self.title, "body": self.body}


# Notification kinds of higher apps, worded at read time in the reader's language: kind ->
# (title, body), lazy strings formatted with %(title)s and %(body)s (the stored values); body
# None keeps the stored body. Filled from the apps' `ready()` by `register_notification_wording`.
NOTIFICATION_WORDINGS: dict[str, tuple] = {}


def register_notification_wording(kind: str, title, body=None) -> None:
    NOTIFICATION_WORDINGS[kind] = (title, body)


class Mention(models.Model):
    """One user mentioned in one text (an interaction's content, a person's notes, later a
    ticket's reply): written when the mention is first saved, so that editing the text never
    notifies the same user again (`rapport.activities.mentions`)."""

    source_type = models.CharField(max_length=40)
    source_id = models.BigIntegerField()
    mentioned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentioned user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "mentioned"], name="mention_once_per_text"
            )
        ]

    def __str__(self):
        return f"{self.source_type} {self.source_id} → {self.mentioned_id}"


class Announcement(TimeStampedModel):
    """A message from an administrator (to everyone or one team) or a sales manager (to their
    own team), shown to its audience on every page until each reader marks it read.

    `team` empty means everyone. It shows from `published_at` (now, unless set later) until
    `expires_at`, if any. Who read it is one `AnnouncementReceipt` per reader.
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    expires_at = models.DateTimeField(_("shown until"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("published_at")),
                name="announcement_expires_after_publishing",
            )
        ]
        indexes = [
            models.Index(fields=["team", "published_at"], name="announcement_audience_idx"),
            models.Index(fields=["published_at", "id"], name="announcement_published_idx"),
            models.Index(fields=["author", "published_at"], name="announcement_author_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_current(self) -> bool:
        now = timezone.now()
        return self.published_at <= now and (self.expires_at is None or self.expires_at > now)


class AnnouncementReceipt(models.Model):
    """That one user has read (and so dismissed) one announcement."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="receipts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("announcement read")
        verbose_name_plural = _("announcements read")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once")
        ]

    def __str__(self):
        return f"{self.announcement_id} · {self.user_id}"
