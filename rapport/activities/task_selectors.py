"""Reads of tasks, always scoped by who is asking.

A user sees the tasks assigned to them, their team's tasks (the same rule as customer records,
`visible_records_q` with the assignee as owner) and the tasks they created for someone else.
A task's person or company shows only to those who may see it (`visible_customer_links`).

"Today" is the calendar day in `settings.TIME_ZONE`, the zone every time is shown in (users have
no zone of their own). Due filters:

- `overdue`: open and due before now;
- `today`: due during today (whatever the time; a task due at 09:00 seen at 10:00 is both
  today's and overdue);
- `today_or_overdue`: open and due before tomorrow, i.e. what needs doing now;
- `upcoming`: due tomorrow or later;
- `none`: no due time.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.activities.models import Task, TaskStatus
from rapport.core.errors import NotFound
from rapport.customers.selectors import visible_customer_links

DUE_FILTERS = ("overdue", "today", "today_or_overdue", "upcoming", "none")
TASK_RELATED = ("assignee", "created_by", "team", "subject_type")


def tasks_visible_to(user: User) -> QuerySet[Task]:
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    if user.is_administrator:
        # Not `visible_records_q(...) | Q(created_by=user)`: an empty Q() OR'd with a condition
        # becomes that condition, which would hide everything else from administrators.
        return Task.objects.all()
    return Task.objects.filter(
        visible_records_q(user, owner_field="assignee", team_field="team") | Q(created_by=user)
    )


def get_task_for_user(user: User, task_id: int) -> Task:
    task = (
        tasks_visible_to(user)
        .select_related(*TASK_RELATED)
        .prefetch_related(*visible_customer_links(user))
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("Task not found."))
    return task


def today_bounds(
    now: datetime.datetime | None = None,
) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of today and of tomorrow in settings.TIME_ZONE, as aware datetimes."""
    zone = timezone.get_default_timezone()
    local = timezone.localtime(now or timezone.now(), zone)
    start = datetime.datetime.combine(local.date(), datetime.time.min, tzinfo=zone)
    tomorrow = datetime.datetime.combine(
        local.date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, tomorrow


def due_q(due: str, now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    start, tomorrow = today_bounds(now)
    if due == "overdue":
        return Q(status=TaskStatus.OPEN, due_at__lt=now)
    if due == "today":
        return Q(due_at__gte=start, due_at__lt=tomorrow)
    if due == "today_or_overdue":
        return Q(status=TaskStatus.OPEN, due_at__lt=tomorrow)
    if due == "upcoming":
        return Q(due_at__gte=tomorrow)
    if due == "none":
        return Q(due_at__isnull=True)
    raise ValueError(f"Unknown due filter {due!r}")


@dataclass
class TaskFilters:
    """Filters a list page or the API may apply; empty values mean "any"."""

    assignee_id: int | None = None
    status: str = ""
    due: str = ""
    person_id: int | None = None
    company_id: int | None = None


def tasks_list(
    user: User, filters: TaskFilters | None = None, *, now: datetime.datetime | None = None
) -> QuerySet[Task]:
    """The tasks `user` may see, filtered; the caller orders and pages them."""
    filters = filters or TaskFilters()
    qs = tasks_visible_to(user)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.due:
        qs = qs.filter(due_q(filters.due, now))
    if filters.person_id:
        qs = qs.filter(person_id=filters.person_id)
    if filters.company_id:
        qs = qs.filter(company_id=filters.company_id)
    return qs.select_related(*TASK_RELATED).prefetch_related(*visible_customer_links(user))


def my_tasks_today_and_overdue(
    user: User, *, now: datetime.datetime | None = None
) -> QuerySet[Task]:
    """The user's own open tasks due before tomorrow, earliest first: what to do now."""
    return tasks_list(
        user, TaskFilters(assignee_id=user.pk, due="today_or_overdue"), now=now
    ).order_by("due_at", "pk")


def open_tasks_for_customer(
    user: User, *, person_id: int | None = None, company_id: int | None = None
) -> QuerySet[Task]:
    """Open tasks linked to one person or company that `user` may see: dated first, soonest
    first, then undated ones, newest first."""
    filters = TaskFilters(status=TaskStatus.OPEN, person_id=person_id, company_id=company_id)
    return tasks_list(user, filters).order_by(
        F("due_at").asc(nulls_last=True), "-created_at", "-pk"
    )


def tasks_due_for_reminder(now: datetime.datetime | None = None) -> QuerySet[Task]:
    """Open tasks whose reminder time has come and whose reminder has not gone out yet."""
    return Task.objects.filter(
        status=TaskStatus.OPEN,
        reminder_sent_at__isnull=True,
        remind_at__lte=now or timezone.now(),
    )
