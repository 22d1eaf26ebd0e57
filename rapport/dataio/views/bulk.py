"""HTML pages for bulk actions: the confirmation (what, on how many, with which parameters),
the run, and the action's page with its progress and result.

The action bar of each list (`dataio/bulk/_bar.html`, included by the list templates) sends the
list's name, the action, the rows ticked (or "all matching") and the list's query string here
with a GET; nothing changes before the confirmation form is posted to `bulk_run`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.access import assignable_owners
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.htmx import found_or_404
from rapport.customers.models import LifecycleStage
from rapport.customers.selectors import tags_all
from rapport.dataio.models import BulkScope, ExportFormat
from rapport.dataio.selectors.bulk import get_bulk_action_for_user
from rapport.dataio.services import bulk as services
from rapport.dataio.services.bulk.run import list_query
from rapport.sales.models import OrderStatus, StageKind
from rapport.sales.selectors.deals import lost_reasons_all, pipelines_all


def _selection(request, data):
    """The selection the bar (GET) or the confirmation form (POST) sent; 404 for an unknown
    list or action."""
    try:
        return services.bulk_selection(
            list_name=data.get("list", ""),
            action=data.get("action", ""),
            scope=data.get("scope", BulkScope.IDS),
            ids=data.getlist("ids"),
            query=data.get("query", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _list_url(selection) -> str:
    url = reverse(selection.bulk_list.list_url_name)
    return f"{url}?{selection.query}" if selection.query else url


def _choices(user, params: tuple[str, ...]) -> dict:
    """The options of the parameters this action asks for, and only those (each is a query)."""
    choices = {}
    if "owner_id" in params:
        choices["owners"] = assignable_owners(user).order_by("username")
    if "tag_id" in params:
        choices["tags"] = tags_all()
    if "lifecycle_stage" in params:
        choices["lifecycle_stages"] = LifecycleStage.choices
    if "stage_id" in params:
        choices["pipelines"] = [
            (pipeline, [s for s in pipeline.stages.all() if s.kind == StageKind.OPEN])
            for pipeline in pipelines_all(active_only=True)
        ]
    if "lost_reason_id" in params:
        choices["lost_reasons"] = lost_reasons_all(active_only=True)
    if "status" in params:
        choices["order_statuses"] = [
            (s, OrderStatus(s).label) for s in services.BULK_ORDER_STATUSES
        ]
    if "format" in params:
        choices["formats"] = ExportFormat.choices
    return choices


def _confirm(request, selection, *, errors=None, message="", status=200):
    user = request.user
    count = services.bulk_selection_count(actor=user, selection=selection)
    return render(
        request,
        "dataio/bulk/confirm.html",
        {
            "selection": selection,
            "bulk_list": selection.bulk_list,
            "action": selection.action,
            "count": count,
            "not_visible": len(selection.ids) - count if selection.scope == BulkScope.IDS else 0,
            "in_job": count > services.INLINE_LIMIT,
            "list_url": _list_url(selection),
            "values": request.POST if request.method == "POST" else {},
            "errors": errors or {},
            "message": message,
            **_choices(user, selection.action.params),
        },
        status=status,
    )


@login_required
@require_GET
def bulk_confirm(request):
    try:
        selection = _selection(request, request.GET)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        list_name = request.GET.get("list", "")
        if list_name in services.BULK_LISTS:
            url = reverse(services.BULK_LISTS[list_name].list_url_name)
            query = list_query(request.GET.get("query", ""))
            return redirect(f"{url}?{query}" if query else url)
        raise Http404(exc.message) from exc
    return _confirm(request, selection)


@login_required
@require_POST
def bulk_run(request):
    try:
        selection = _selection(request, request.POST)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("dataio:home")
    if selection.action.destructive and request.POST.get("confirm") != "1":
        return _confirm(
            request,
            selection,
            errors={"confirm": [_("Tick the box to confirm.")]},
            status=400,
        )
    try:
        if selection.action.download:
            return services.bulk_export_response(
                actor=request.user, selection=selection, data=request.POST
            )
        job = services.bulk_action_start(actor=request.user, selection=selection, data=request.POST)
    except ApplicationError as exc:
        errors = exc.details if isinstance(exc, ValidationFailed) else {}
        return _confirm(request, selection, errors=errors, message=exc.message, status=400)
    return redirect("dataio:bulk_job", pk=job.pk)


def _job_list_url(bulk_list, job) -> str:
    """Back to the list, with the filters the action ran on."""
    if bulk_list is None:
        return ""
    url = reverse(bulk_list.list_url_name)
    return f"{url}?{job.filter_query}" if job.filter_query else url


def _job_context(request, job) -> dict:
    bulk_list = services.BULK_LISTS.get(job.list_name)
    action = None
    if bulk_list is not None:
        action = next((a for a in bulk_list.actions if a.key == job.action), None)
    return {
        "job": job,
        "bulk_list": bulk_list,
        "action": action,
        "reasons": sorted(job.skip_reasons.items(), key=lambda item: -item[1]),
        "polling": not job.is_finished,
        "list_url": _job_list_url(bulk_list, job),
    }


@login_required
@require_GET
def bulk_job(request, pk: int):
    job = found_or_404(get_bulk_action_for_user, request.user, pk)
    return render(request, "dataio/bulk/job.html", _job_context(request, job))


@login_required
@require_GET
def bulk_job_status(request, pk: int):
    """The action's progress and result alone, which its page polls while it runs."""
    job = found_or_404(get_bulk_action_for_user, request.user, pk)
    return render(request, "dataio/bulk/_status.html", _job_context(request, job))


@login_required
@require_GET
def bulk_job_skipped(request, pk: int):
    job = found_or_404(get_bulk_action_for_user, request.user, pk)
    return services.bulk_skipped_csv(job)
