"""HTML pages for exports: choose columns and format for a list's filters, download, the log.

The export page is reached from a list's "Export" button, which carries the list's query
string; the filters travel on as hidden fields to the download, which the list's own parser
reads again (see `services.exports.kinds`).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.core.errors import ApplicationError
from rapport.core.htmx import found_or_404, page_or_first
from rapport.dataio.models import ExportFormat
from rapport.dataio.selectors.exports import export_logs_visible_to
from rapport.dataio.services import exports as services
from rapport.dataio.services.exports.kinds import EXPORT_PARAMETERS, ExportKind


def _filter_params(request) -> list[tuple[str, str]]:
    """The list's filters from the query string, to carry to the download and show."""
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key not in EXPORT_PARAMETERS
        for value in values
        if value != ""
    ]


def _form(request, kind: ExportKind, *, error: ApplicationError | None = None, status: int = 200):
    chosen = [k for v in request.GET.getlist("columns") for k in v.split(",") if k]
    if not chosen:
        chosen = [c.key for c in kind.default_columns()]
    filter_params = _filter_params(request)
    query = request.GET.copy()
    for key in EXPORT_PARAMETERS:
        query.pop(key, None)
    return render(
        request,
        "dataio/exports/form.html",
        {
            "kind": kind,
            "columns": [(c, c.key in chosen) for c in kind.available_columns()],
            "formats": ExportFormat.choices,
            "file_format": request.GET.get("format") or ExportFormat.CSV,
            "filter_params": filter_params,
            "list_url": f"{reverse(kind.list_url_name)}?{query.urlencode()}",
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def export_form(request, record_type: str):
    kind = found_or_404(services.get_export_kind, record_type)
    return _form(request, kind)


@login_required
@require_GET
def export_download(request, record_type: str):
    kind = found_or_404(services.get_export_kind, record_type)
    if not request.GET.getlist("columns"):
        error = ApplicationError("no_columns", _("Choose at least one column."))
        return _form(request, kind, error=error, status=400)
    try:
        plan = services.export_plan(actor=request.user, record_type=record_type, params=request.GET)
    except ApplicationError as exc:
        return _form(request, kind, error=exc, status=400)
    return services.export_response(actor=request.user, plan=plan)


@login_required
@require_GET
def export_log(request):
    page = page_or_first(
        export_logs_visible_to(request.user),
        sort="-started_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "dataio/exports/log.html",
        {"page": page, "show_user": request.user.is_administrator},
    )
