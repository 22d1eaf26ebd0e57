"""HTML for tasks and notifications: "My tasks", the task form, the task panel on a customer's
page (loaded with htmx, so the customers app never imports this one), the bell and the inbox."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import assignable_owners
from rapport.accounts.saved_view_views import saved_views_state
from rapport.activities import task_services
from rapport.activities.forms import TaskForm
from rapport.activities.list_specs import TASKS
from rapport.activities.models import TaskStatus
from rapport.activities.selectors import notifications_for
from rapport.activities.services import notifications_mark_read
from rapport.activities.task_selectors import (
    TaskFilters,
    get_task_for_user,
    open_tasks_for_customer,
    tasks_list,
)
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.htmx import found_or_404, int_or_none, is_htmx, page_or_first
from rapport.customers.selectors import get_company_for_user, get_person_for_user

PANEL_SIZE = 20

# Tab → (status, due filter, sort). Every sort field is non-null within its tab, as keyset
# pagination requires.
TASK_TABS = {
    "today": (TaskStatus.OPEN, "today_or_overdue", "due_at"),
    "upcoming": (TaskStatus.OPEN, "upcoming", "due_at"),
    "nodate": (TaskStatus.OPEN, "none", "-created_at"),
    "open": (TaskStatus.OPEN, "", "-created_at"),
    "done": (TaskStatus.DONE, "", "-completed_at"),
}


def _tab_labels() -> list[tuple[str, str]]:
    return [
        ("today", _("Today and overdue")),
        ("upcoming", _("Upcoming")),
        ("nodate", _("No due date")),
        ("open", _("All open")),
        ("done", pgettext("task status", "Done")),
    ]


def task_filters(request) -> TaskFilters:
    """The list's filters from the query string (of `request.GET`, for `request.user`); bulk
    actions on "all matching" tasks read them again with this, so they select what the list
    shows."""
    get = request.GET
    tab = get.get("tab") if get.get("tab") in TASK_TABS else "today"
    status, due, _sort = TASK_TABS[tab]
    whose = get.get("assignee") or "me"
    if whose == "me":
        assignee_id = request.user.pk
    elif whose == "all":
        assignee_id = None
    else:
        assignee_id = int_or_none(whose) or request.user.pk
    return TaskFilters(
        assignee_id=assignee_id,
        status=status,
        due=due,
        person_id=int_or_none(get.get("person_id")),
        company_id=int_or_none(get.get("company_id")),
    )


@login_required
@require_GET
def task_list(request):
    saved_views = saved_views_state(request, "tasks")
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    get = request.GET
    tab = get.get("tab") if get.get("tab") in TASK_TABS else "today"
    sort = TASK_TABS[tab][2]
    whose = get.get("assignee") or "me"
    filters = task_filters(request)
    page = page_or_first(
        tasks_list(request.user, filters),
        sort=sort,
        cursor=get.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "activities/task_list.html",
        {
            "page": page,
            "tab": tab,
            "tabs": _tab_labels(),
            "whose": whose,
            "users": assignable_owners(request.user),
            "person_id": filters.person_id,
            "company_id": filters.company_id,
            "show_customer": True,
            **saved_views.context(),
        },
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request):
    form = TaskForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task_services.task_create(actor=request.user, data=form.to_data())
        except ValidationFailed as exc:
            form.apply_service_errors(exc.details)
        else:
            messages.success(request, _("Task added."))
            return redirect(_safe_next(request, reverse("activities:task_list")))
    return render(request, "activities/task_form.html", {"form": form, "task": None})


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    """The task's page: its edit form and its status buttons."""
    task = found_or_404(get_task_for_user, request.user, pk)
    form = TaskForm(request.POST or None, actor=request.user, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            task_services.task_update(actor=request.user, task=task, data=form.to_data())
        except ValidationFailed as exc:
            form.apply_service_errors(exc.details)
        else:
            messages.success(request, _("Task saved."))
            return redirect("activities:task_detail", pk=task.pk)
    return render(request, "activities/task_form.html", {"form": form, "task": task})


def _task_action(request, pk: int, service):
    """Complete, reopen or cancel: htmx gets the task's list item back, a plain form a redirect."""
    task = found_or_404(get_task_for_user, request.user, pk)
    error = None
    try:
        service(actor=request.user, task=task)
    except ApplicationError as exc:
        error = exc.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(_safe_next(request, reverse("activities:task_detail", args=[task.pk])))
    task = get_task_for_user(request.user, pk)
    context = {
        "task": task,
        "error": error,
        "show_customer": request.POST.get("show_customer") == "1",
    }
    if request.POST.get("cols_sent") == "1":  # the list's column choice, kept for the new item
        shown = set(request.POST.getlist("cols"))
        context["cols"] = {c.key: c.always or c.key in shown for c in TASKS.columns}
    return render(request, "activities/_task_item.html", context)


@login_required
@require_POST
def task_complete(request, pk: int):
    return _task_action(request, pk, task_services.task_complete)


@login_required
@require_POST
def task_reopen(request, pk: int):
    return _task_action(request, pk, task_services.task_reopen)


@login_required
@require_POST
def task_cancel(request, pk: int):
    return _task_action(request, pk, task_services.task_cancel)


@login_required
@require_GET
def task_subject(request, pk: int):
    """Follow a task's link to the lead, deal or order it is about (that app checks access)."""
    task = found_or_404(get_task_for_user, request.user, pk)
    subject = task.subject
    if subject is None or not hasattr(subject, "get_absolute_url"):
        raise Http404(_("The record this task is about no longer exists."))
    return redirect(subject.get_absolute_url())


# --- The task panel on a person's or company's page ----------------------------------------------


def _panel(request, *, person=None, company=None):
    if person is not None:
        add_url = reverse("activities:person_tasks", args=[person.pk])
        all_url = reverse("activities:task_list") + f"?tab=open&assignee=all&person_id={person.pk}"
    else:
        add_url = reverse("activities:company_tasks", args=[company.pk])
        all_url = (
            reverse("activities:task_list") + f"?tab=open&assignee=all&company_id={company.pk}"
        )
    if request.method == "GET":
        tasks = list(
            open_tasks_for_customer(
                request.user,
                person_id=person.pk if person else None,
                company_id=company.pk if company else None,
            )[: PANEL_SIZE + 1]
        )
        return render(
            request,
            "activities/_tasks_panel_body.html",
            {
                "tasks": tasks[:PANEL_SIZE],
                "more": len(tasks) > PANEL_SIZE,
                "all_url": all_url,
                "form": TaskForm(actor=request.user),
                "add_url": add_url,
            },
        )
    form = TaskForm(request.POST, actor=request.user)
    task = None
    if form.is_valid():
        data = form.to_data()
        data["person_id" if person is not None else "company_id"] = (person or company).pk
        try:
            task = task_services.task_create(actor=request.user, data=data)
        except ValidationFailed as exc:
            form.apply_service_errors(exc.details)
    context = {"form": form, "add_url": add_url}
    if task is None:
        response = render(request, "activities/_task_add_form.html", context)
        # The form posts into the list; on error, put the form with its messages back instead.
        response["HX-Retarget"] = "#task-add-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(
        request,
        "activities/_task_added.html",
        {
            **context,
            "task": get_task_for_user(request.user, task.pk),
            "form": TaskForm(actor=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_tasks(request, pk: int):
    person = found_or_404(get_person_for_user, request.user, pk)
    return _panel(request, person=person)


@login_required
@require_http_methods(["GET", "POST"])
def company_tasks(request, pk: int):
    company = found_or_404(get_company_for_user, request.user, pk)
    return _panel(request, company=company)


# --- Notifications -------------------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request):
    """The inbox, newest first. Showing a page marks its notifications read."""
    page = page_or_first(
        notifications_for(request.user).select_related("actor"),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    unread = [n.pk for n in page.items if not n.is_read]
    if unread:
        notifications_mark_read(actor=request.user, ids=unread)
    return render(request, "activities/notification_list.html", {"page": page})


@login_required
@require_POST
def notifications_read_all(request):
    notifications_mark_read(actor=request.user)
    return redirect("activities:notification_list")


@login_required
@require_GET
def notification_bell(request):
    """The bell with its number; base.html loads it after the page, then every minute."""
    return render(request, "activities/_bell.html", {"bell_loaded": True})
