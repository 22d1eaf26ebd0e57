"""The log-interaction and task forms: they shape input for the services, which validate it."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.access import assignable_owners
from rapport.activities.models import Channel, Direction, TaskPriority

# Where static/js/collab.js asks for the colleagues to mention (rapport.activities.mentions).
MENTIONS_URL = reverse_lazy("activities:mention_suggestions")


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        required=False,
        widget=forms.Select(attrs={"data-testid": "interaction-channel"}),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.OUTBOUND,
        required=False,
        widget=forms.Select(attrs={"data-testid": "interaction-direction"}),
    )
    occurred_at = forms.CharField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "interaction-occurred-at"}
        ),
    )
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "interaction-subject"}),
    )
    content = forms.CharField(
        label=_("Content"),
        required=False,
        help_text=_("Type @ to mention a colleague."),
        widget=forms.Textarea(
            attrs={"rows": 3, "data-testid": "interaction-content", "data-mentions": MENTIONS_URL}
        ),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.TextInput(
            attrs={"data-testid": "interaction-outcome", "data-mentions": MENTIONS_URL}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", _now_local())

    def to_data(self) -> dict:
        return {
            field: self.cleaned_data.get(field) or ""
            for field in ("channel", "direction", "occurred_at", "subject", "content", "outcome")
        }

    def apply_service_errors(self, details) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


def _local_input(value) -> str:
    """An aware datetime as a datetime-local input shows it, in settings.TIME_ZONE."""
    if value is None:
        return ""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%dT%H:%M")


class TaskForm(forms.Form):
    """Shapes input for `task_create` / `task_update`, which validate it."""

    title = forms.CharField(
        label=_("Title"),
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "task-field-title"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "task-field-description"}),
    )
    due_at = forms.CharField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "task-field-due-at"}
        ),
    )
    remind_at = forms.CharField(
        label=_("Remind me at"),
        required=False,
        help_text=_("In the app and by e-mail; not after the due time."),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "task-field-remind-at"}
        ),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=TaskPriority.choices,
        initial=TaskPriority.NORMAL,
        required=False,
        widget=forms.Select(attrs={"data-testid": "task-field-priority"}),
    )
    assignee_id = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "task-field-assignee"}),
    )

    def __init__(self, *args, actor, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = list(assignable_owners(actor))
        if task is not None and task.assignee not in users:
            users.append(task.assignee)  # e.g. given to them by an administrator
        self.fields["assignee_id"].choices = [(str(u.pk), str(u)) for u in users]
        if task is not None:
            self.initial.update(
                {
                    "title": task.title,
                    "description": task.description,
                    "due_at": _local_input(task.due_at),
                    "remind_at": _local_input(task.remind_at),
                    "priority": task.priority,
                    "assignee_id": str(task.assignee_id),
                }
            )
        else:
            self.initial.setdefault("assignee_id", str(actor.pk))

    def to_data(self) -> dict:
        fields = ("title", "description", "due_at", "remind_at", "priority", "assignee_id")
        return {field: self.cleaned_data.get(field) or "" for field in fields}

    def apply_service_errors(self, details) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class AnnouncementForm(forms.Form):
    """Shapes input for `announcement_create`, which validates it."""

    title = forms.CharField(
        label=_("Title"),
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "announcement-title"}),
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-testid": "announcement-body"}),
    )
    team_id = forms.ChoiceField(
        label=_("To"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "announcement-team"}),
    )
    published_at = forms.CharField(
        label=_("Show from"),
        required=False,
        help_text=_("Leave empty to publish now."),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "announcement-published-at"}
        ),
    )
    expires_at = forms.CharField(
        label=_("Show until"),
        required=False,
        help_text=_("Optional."),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "announcement-expires-at"}
        ),
    )

    def __init__(self, *args, actor, teams, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Everyone"))] if actor.is_administrator else []
        self.fields["team_id"].choices = choices + [(str(t.pk), str(t)) for t in teams]
        if not actor.is_administrator and actor.team_id:
            self.initial.setdefault("team_id", str(actor.team_id))

    def to_data(self) -> dict:
        fields = ("title", "body", "team_id", "published_at", "expires_at")
        return {field: self.cleaned_data.get(field) or "" for field in fields}

    def apply_service_errors(self, details) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
