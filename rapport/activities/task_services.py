"""Writes to tasks: create, edit, complete, reopen, cancel, delete, and reminder delivery.

Rules the services enforce:

- a title is required (at most 200 characters); a description at most 20,000;
- the assignee must be an active user; anyone but an administrator may assign only to
  themselves or to a member of their own team. The task's team is the assignee's team and
  follows the task when it is reassigned;
- a linked person or company must be visible to the actor, or the answer is `NotFound`, as if
  it did not exist;
- the reminder may not come after the due time (it would remind of a task already late; the
  overdue list covers that). A reminder time already past is sent by the next run of the job.
  Changing the reminder time re-arms it;
- assigning a task to someone else puts a "task.assigned" notification in their inbox;
- completing a task linked to a person or company adds a "task.completed" entry to their
  timeline; reopening removes it again.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.access import assignable_owners
from rapport.accounts.models import User
from rapport.activities.models import (
    Notification,
    Task,
    TaskPriority,
    TaskStatus,
    TimelineEntry,
)
from rapport.activities.services import notification_create, timeline_add
from rapport.core.cleaning import parse_int, visible_text
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.records import record_changed
from rapport.customers.selectors import get_company_for_user, get_person_for_user

logger = logging.getLogger(__name__)

TASK_FIELDS = (
    "title",
    "description",
    "due_at",
    "remind_at",
    "priority",
    "assignee_id",
    "person_id",
    "company_id",
)
TITLE_MAX = 200
DESCRIPTION_MAX = 20000


def task_url(task: Task) -> str:
    return reverse("activities:task_detail", args=[task.pk])


def _parse_datetime(value: Any, field: str, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            errors[field] = [_("Enter a date and time, e.g. 2026-05-01 14:30.")]
            return None
    else:
        errors[field] = [_("Enter a date and time, e.g. 2026-05-01 14:30.")]
        return None
    if timezone.is_naive(when):
        # A time typed without an offset is a wall-clock time where the users are.
        when = timezone.make_aware(when, timezone.get_default_timezone())
    return when


def _parse_id(value: Any, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    number = parse_int(value)
    if number is None:
        errors[field] = [_("Enter a whole number.")]
    return number


def _clean_text(data: dict, key: str, limit: int, *, required: bool, errors: dict) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = [_("Enter text.")]
        return ""
    value = visible_text(value)
    if required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [
            _("Use at most %(limit)d characters (it has %(count)d).")
            % {"limit": limit, "count": len(value)}
        ]
    return value


def _clean_assignee(actor: User | None, assignee_id: int, errors: dict) -> User | None:
    # Without an actor (automatic follow-ups) any active user will do.
    users = assignable_owners(actor) if actor is not None else User.objects.filter(is_active=True)
    assignee = users.filter(pk=assignee_id).first()
    if assignee is None:
        if actor is not None and User.objects.filter(pk=assignee_id, is_active=True).exists():
            errors["assignee_id"] = [
                _("You can assign tasks only to yourself or to members of your team.")
            ]
        else:
            errors["assignee_id"] = [_("Choose an active user.")]
    return assignee


def _clean_task(
    data: dict, *, actor: User | None, task: Task | None = None, check_visibility: bool = True
) -> dict:
    """Validate `data` (all of it for a new task, the keys given for an edit).

    Returns model field values: `assignee` as a User, `person` and `company` as records (or
    `person_id` and `company_id` when they are None or not checked).
    Field errors come all at once as `ValidationFailed`; a person or company the actor may not
    see raises `NotFound` afterwards.
    """
    partial = task is not None
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in TASK_FIELDS:
            errors[key] = [_("Unknown field.")]
    cleaned: dict[str, Any] = {}
    if "title" in data or not partial:
        cleaned["title"] = _clean_text(data, "title", TITLE_MAX, required=True, errors=errors)
    if "description" in data or not partial:
        cleaned["description"] = _clean_text(
            data, "description", DESCRIPTION_MAX, required=False, errors=errors
        )
    for key in ("due_at", "remind_at"):
        if key in data or not partial:
            cleaned[key] = _parse_datetime(data.get(key), key, errors)
    if "priority" in data or not partial:
        priority = data.get("priority") or TaskPriority.NORMAL
        if priority not in TaskPriority.values:
            errors["priority"] = [_("“%(value)s” is not a valid choice.") % {"value": priority}]
        cleaned["priority"] = priority
    if "assignee_id" in data or not partial:
        assignee_id = _parse_id(data.get("assignee_id"), "assignee_id", errors)
        if assignee_id is None and "assignee_id" not in errors:
            if actor is None or partial:
                errors["assignee_id"] = [_("This field is required.")]
            else:
                assignee_id = actor.pk
        if assignee_id is not None:
            cleaned["assignee"] = _clean_assignee(actor, assignee_id, errors)
    links = {}
    for key in ("person_id", "company_id"):
        if key in data or not partial:
            links[key] = _parse_id(data.get(key), key, errors)

    due_at = cleaned.get("due_at", task.due_at if task else None)
    remind_at = cleaned.get("remind_at", task.remind_at if task else None)
    if (
        due_at is not None
        and remind_at is not None
        and remind_at > due_at
        and "due_at" not in errors
        and "remind_at" not in errors
    ):
        errors["remind_at"] = [_("The reminder must not come after the due time.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors)

    # Only now, so that a form with several mistakes hears about all of them first.
    for key, getter in (("person_id", get_person_for_user), ("company_id", get_company_for_user)):
        if key not in links:
            continue
        if links[key] is not None and check_visibility:
            cleaned[key.removesuffix("_id")] = getter(actor, links[key])
        else:
            cleaned[key] = links[key]
    return cleaned


def _notify_assigned(task: Task, *, actor: User) -> None:
    notification_create(
        recipient=task.assignee,
        kind="task.assigned",
        title=task.title,
        url=task_url(task),
        actor_id=actor.pk,
        target_type="task",
        target_id=task.pk,
    )


def _subject_fields(subject: models.Model | None, label: str) -> dict:
    if subject is None:
        return {"subject_type": None, "subject_id": None, "subject_label": ""}
    if subject.pk is None:
        raise ValueError("A task's subject must be saved first.")
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
        "subject_label": (label or str(subject))[:200],
    }


@transaction.atomic
def task_create(
    *,
    actor: User,
    data: dict,
    subject: models.Model | None = None,
    subject_label: str = "",
) -> Task:
    """Create a task from `data` (see TASK_FIELDS); the assignee defaults to the actor.

    `subject` links any other saved record (a lead, deal, order…) that a higher app has already
    checked the actor may see; `subject_label` is how lists name it (default `str(subject)`).
    """
    cleaned = _clean_task(data, actor=actor)
    task = Task.objects.create(
        created_by=actor,
        team_id=cleaned["assignee"].team_id,
        **cleaned,
        **_subject_fields(subject, subject_label),
    )
    if task.assignee_id != actor.pk:
        _notify_assigned(task, actor=actor)
    record_changed("task", task.pk, "created", actor=actor)
    return task


@transaction.atomic
def task_create_follow_up(
    *,
    assignee: User,
    title: str,
    due_at: datetime.datetime | None,
    person_id: int | None = None,
    company_id: int | None = None,
    subject: models.Model | None = None,
    subject_label: str = "",
) -> Task:
    """Create an automatic follow-up task, for higher apps reacting to their own changes.

    For example, sales may call it when a deal is won ("send the contract to 张伟") or an order
    ships ("call to confirm delivery"):

        task_create_follow_up(
            assignee=deal.owner, title=_("Send the contract"), due_at=now + timedelta(days=2),
            person_id=deal.person_id, company_id=deal.company_id,
            subject=deal, subject_label=deal.name,
        )

    There is no human actor: the task counts as created by its assignee, no visibility check is
    made (the caller links records that belong together) and no "task.assigned" notification is
    sent. The reminder is set to the due time, so the assignee hears about it then. `title` is
    stored as given (word it in the assignee's language, e.g. under
    `translation.override(assignee.language)`). Runs in the caller's transaction; raises
    `ValidationFailed` for an empty or too long title or an inactive assignee.
    """
    cleaned = _clean_task(
        {
            "title": title,
            "due_at": due_at,
            "remind_at": due_at,
            "assignee_id": assignee.pk,
            "person_id": person_id,
            "company_id": company_id,
        },
        actor=None,
        check_visibility=False,
    )
    task = Task.objects.create(
        created_by=cleaned["assignee"],
        team_id=cleaned["assignee"].team_id,
        **cleaned,
        **_subject_fields(subject, subject_label),
    )
    record_changed("task", task.pk, "created")
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, data: dict) -> Task:
    """Change the fields given in `data`. The caller has checked that the actor sees the task."""
    cleaned = _clean_task(data, actor=actor, task=task)
    previous_assignee_id = task.assignee_id
    changed = [f for f, v in cleaned.items() if getattr(task, f) != v]
    if "remind_at" in cleaned and cleaned["remind_at"] != task.remind_at:
        task.reminder_sent_at = None
    for field, value in cleaned.items():
        setattr(task, field, value)
    reassigned = task.assignee_id != previous_assignee_id
    if reassigned:
        task.team_id = task.assignee.team_id
    task.save()
    if reassigned and task.assignee_id != actor.pk:
        _notify_assigned(task, actor=actor)
    record_changed("task", task.pk, "updated", changed_fields=changed, actor=actor)
    return task


def _locked(task: Task) -> Task:
    """Re-read the row under a lock so two clicks cannot both change the status."""
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    task.status, task.completed_at = fresh.status, fresh.completed_at
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    """Mark an open task done. Completing a done task again changes nothing."""
    task = _locked(task)
    if task.status == TaskStatus.DONE:
        return task
    if task.status == TaskStatus.CANCELLED:
        raise ApplicationError(
            "task_cancelled", _("This task was cancelled. Reopen it before completing it.")
        )
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    if task.person_id or task.company_id:
        timeline_add(
            kind="task.completed",
            title=task.title,
            person_id=task.person_id,
            company_id=task.company_id,
            occurred_at=task.completed_at,
            actor_id=actor.pk,
            source_type="task",
            source_id=task.pk,
        )
    if task.created_by_id not in (actor.pk, task.assignee_id):
        # Whoever handed the task out hears that it is done.
        notification_create(
            recipient=task.created_by,
            kind="task.completed",
            title=task.title,
            url=task_url(task),
            actor_id=actor.pk,
            target_type="task",
            target_id=task.pk,
        )
    record_changed(
        "task", task.pk, "updated", changed_fields=["status", "completed_at"], actor=actor
    )
    return task


@transaction.atomic
def task_reopen(*, actor: User, task: Task) -> Task:
    """Put a done or cancelled task back to open; its "completed" timeline entry goes."""
    task = _locked(task)
    if task.status == TaskStatus.OPEN:
        return task
    task.status = TaskStatus.OPEN
    task.completed_at = None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    TimelineEntry.objects.filter(
        source_type="task", source_id=task.pk, kind="task.completed"
    ).delete()
    record_changed(
        "task", task.pk, "updated", changed_fields=["status", "completed_at"], actor=actor
    )
    return task


@transaction.atomic
def task_cancel(*, actor: User, task: Task) -> Task:
    """Cancel an open task (no longer needed). A done task stays done: reopen it first."""
    task = _locked(task)
    if task.status == TaskStatus.CANCELLED:
        return task
    if task.status == TaskStatus.DONE:
        raise ApplicationError(
            "task_done", _("This task is already done. Reopen it before cancelling it.")
        )
    task.status = TaskStatus.CANCELLED
    task.save(update_fields=["status", "updated_at"])
    record_changed("task", task.pk, "updated", changed_fields=["status"], actor=actor)
    return task


@transaction.atomic
def task_delete(*, actor: User, task: Task) -> None:
    """Delete a task with its timeline entry and the notifications about it."""
    TimelineEntry.objects.filter(source_type="task", source_id=task.pk).delete()
    Notification.objects.filter(target_type="task", target_id=task.pk).delete()
    pk = task.pk
    task.delete()
    record_changed("task", pk, "deleted", actor=actor)


def tasks_delete_about(*, subject_model: type[models.Model], subject_ids: list[int]) -> int:
    """Delete the tasks about these records (a lead's follow-up, say), as `task_delete` deletes
    one, for a caller removing the records themselves (an import's undo). Returns how many."""
    tasks = Task.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject_model), subject_id__in=subject_ids
    )
    ids = list(tasks.values_list("pk", flat=True))
    if not ids:
        return 0
    TimelineEntry.objects.filter(source_type="task", source_id__in=ids).delete()
    Notification.objects.filter(target_type="task", target_id__in=ids).delete()
    Task.objects.filter(pk__in=ids).delete()
    for pk in ids:
        record_changed("task", pk, "deleted")
    return len(ids)


# --- Reminders ----------------------------------------------------------------------------------


def task_reminder_deliver(*, task_id: int, now: datetime.datetime | None = None) -> bool:
    """Send one task's reminder: an in-app notification, and an e-mail if the assignee has an
    address and wants notifications by e-mail. Returns True if this call sent it.

    The task is claimed with one conditional UPDATE (still open, reminder due and not yet
    sent), so a job that runs twice, or two workers at once, deliver it once. The e-mail goes
    after the claim is committed: if the mail server fails, the failure is logged and the
    e-mail is not retried (the notification is there); it is never sent twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=task_id,
            status=TaskStatus.OPEN,
            reminder_sent_at__isnull=True,
            remind_at__lte=now,
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        task = Task.objects.select_related("assignee").get(pk=task_id)
        notification_create(
            recipient=task.assignee,
            kind="task.reminder",
            title=task.title,
            url=task_url(task),
            target_type="task",
            target_id=task.pk,
        )
    # By e-mail too unless the assignee chose to hear of things in Rapport only.
    if task.assignee.wants_email_notifications and task.assignee.is_active:
        try:
            _email_reminder(task)
        except Exception:
            logger.exception("Could not e-mail the reminder of task %s", task.pk)
    return True


def _email_reminder(task: Task) -> None:
    user = task.assignee
    with translation.override(user.language):
        subject = _("Reminder: %(title)s") % {"title": task.title}
        body = render_to_string(
            "activities/email/task_reminder.txt",
            {
                "task": task,
                "user": user,
                "url": settings.RAPPORT_BASE_URL.rstrip("/") + task_url(task),
            },
        )
    send_mail(
        subject=" ".join(subject.split()),  # a header: no line breaks from the title
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
