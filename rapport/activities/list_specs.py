"""The task list as saved views know it: its columns and filter parameters (read by
`task_views.task_list`). Registered from `ActivitiesConfig.ready()`."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.list_specs import (
    ListColumn,
    ListSpec,
    choice_param,
    id_or_choice_param,
    id_param,
    register_list,
)

# The keys of `task_views.TASK_TABS` (a test checks they agree).
TASK_TAB_KEYS = ("today", "upcoming", "nodate", "open", "done")

TASKS = ListSpec(
    key="tasks",
    label=_("Tasks"),
    url_name="activities:task_list",
    columns=(
        ListColumn("title", _("Title"), always=True),
        ListColumn("priority", _("Priority")),
        ListColumn("due", _("Due")),
        ListColumn("assignee", _("Assignee")),
        ListColumn("customer", _("Customer")),
        ListColumn("subject", _("Related to")),
    ),
    params={
        "tab": choice_param(TASK_TAB_KEYS),
        "assignee": id_or_choice_param(("me", "all")),
        "person_id": id_param,
        "company_id": id_param,
    },
)


def register() -> None:
    register_list(TASKS)
