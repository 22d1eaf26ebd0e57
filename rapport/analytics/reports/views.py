"""The report builder's pages: build (htmx-refreshed), save, list, open, change, delete, export,
and the ready answers. Every run is the reader's: `engine.report_run(request.user, ...)`."""

import json

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.models import Role, Team
from rapport.analytics.reports import answers, presentation
from rapport.analytics.reports.engine import (
    CHARTS,
    MAX_DIMENSIONS,
    ReportResult,
    parse_definition,
    report_run,
    subject_of,
    subjects,
)
from rapport.analytics.reports.forms import FILTER_SLOTS, definition_from_query, query_of
from rapport.analytics.reports.models import ReportSchedule, ReportSharing, SavedReport
from rapport.analytics.reports.selectors import (
    get_saved_report_for_user,
    may_manage_saved_report,
    recipient_choices,
    saved_reports_visible_to,
)
from rapport.analytics.reports.services import (
    saved_report_create,
    saved_report_delete,
    saved_report_update,
)
from rapport.core.errors import ValidationFailed
from rapport.core.htmx import allowed_or_403, found_or_404, int_or_none, is_htmx
from rapport.dataio.services.exports.writers import csv_chunks, xlsx_file

SAVE_FIELDS = ("name", "sharing", "team_id", "role", "schedule")


def _builder_context(request, data: dict, *, saved: SavedReport | None = None) -> dict:
    result, errors = None, {}
    try:
        definition = parse_definition(data)
        result = report_run(request.user, definition)
    except ValidationFailed as refused:
        errors = refused.details
    subject = subject_of(str(data.get("subject") or "")) or subject_of("orders")
    chart = presentation.chart_data(result) if result else None
    query = query_of(data)
    return {
        "subjects": subjects(),
        "subject": subject,
        "query": query,
        "dimension_slots": [
            (n, query.get(f"dimension_{n}", "")) for n in range(1, MAX_DIMENSIONS + 1)
        ],
        "filter_slots": [
            (n, query.get(f"filter_{n}_key", ""), query.get(f"filter_{n}_values", ""))
            for n in range(1, FILTER_SLOTS + 1)
        ],
        "filter_dimensions": subject.dimensions,
        "charts": CHARTS.items(),
        "errors": errors,
        "result": result,
        "pivot": presentation.pivot(result) if result else None,
        "chart": chart,
        # An attribute, not json_script: htmx drops script elements from swapped HTML.
        "chart_json": json.dumps(chart, ensure_ascii=False) if chart else "",
        "definition_json": json.dumps(data, ensure_ascii=False, default=str),
        "export_query": urlencode(query, doseq=True),
        "presets": answers.PRESETS,
        "saved": saved,
        "may_manage": saved is not None and may_manage_saved_report(request.user, saved),
        "sharing_choices": ReportSharing.choices,
        "schedule_choices": ReportSchedule.choices,
        "roles": Role.choices,
        "teams": Team.objects.order_by("name")
        if request.user.is_administrator
        else Team.objects.filter(pk=request.user.team_id),
        "recipients": recipient_choices(request.user),
        "recipient_ids": set(saved.recipients.values_list("pk", flat=True)) if saved else set(),
    }


def _render_builder(request, data: dict, *, saved=None, save_errors=None, status=200):
    context = _builder_context(request, data, saved=saved)
    context["save_errors"] = save_errors or {}
    context["save_data"] = request.POST if save_errors else {}
    template = (
        "analytics_reports/_builder.html" if is_htmx(request) else "analytics_reports/builder.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
def builder(request):
    """The builder: the form's query string, a saved report (`saved`) or a ready answer
    (`preset`) as the starting definition."""
    saved = None
    saved_id = int_or_none(request.GET.get("saved"))
    if saved_id is not None:
        saved = found_or_404(get_saved_report_for_user, request.user, saved_id)
    if request.GET.get("subject"):
        data = definition_from_query(request.GET)
    elif saved is not None:
        data = saved.definition
    elif (preset := answers.preset_of(request.GET.get("preset", ""))) is not None:
        data = preset.definition
    else:
        data = definition_from_query(request.GET)
    return _render_builder(request, data, saved=saved)


def _save_data(request) -> dict:
    try:
        definition = json.loads(request.POST.get("definition") or "null")
    except ValueError:
        definition = None
    data = {key: request.POST.get(key, "") for key in SAVE_FIELDS}
    data["definition"] = definition
    data["recipient_ids"] = request.POST.getlist("recipient_ids")
    return data


@login_required
@require_POST
def saved_create(request):
    data = _save_data(request)
    try:
        report = saved_report_create(actor=request.user, data=data)
    except ValidationFailed as refused:
        return _render_builder(
            request,
            data["definition"] if isinstance(data["definition"], dict) else {},
            save_errors=refused.details,
            status=422,
        )
    return HttpResponseRedirect(f"{reverse('analytics_reports:builder')}?saved={report.pk}")


@login_required
@require_POST
def saved_update(request, pk: int):
    report = found_or_404(get_saved_report_for_user, request.user, pk)
    data = _save_data(request)
    try:
        allowed_or_403(saved_report_update, actor=request.user, report=report, data=data)
    except ValidationFailed as refused:
        return _render_builder(
            request,
            data["definition"] if isinstance(data["definition"], dict) else report.definition,
            saved=report,
            save_errors=refused.details,
            status=422,
        )
    return HttpResponseRedirect(f"{reverse('analytics_reports:builder')}?saved={report.pk}")


@login_required
@require_POST
def saved_delete(request, pk: int):
    report = found_or_404(get_saved_report_for_user, request.user, pk)
    allowed_or_403(saved_report_delete, actor=request.user, report=report)
    return HttpResponseRedirect(reverse("analytics_reports:saved_list"))


@login_required
@require_GET
def saved_list(request):
    reports = list(saved_reports_visible_to(request.user))
    return render(
        request,
        "analytics_reports/saved_list.html",
        {
            "reports": [
                (
                    report,
                    subject_of(report.definition.get("subject", "")),
                    may_manage_saved_report(request.user, report),
                )
                for report in reports
            ],
            "presets": answers.PRESETS,
        },
    )


def _export_result(request) -> ReportResult:
    saved_id = int_or_none(request.GET.get("saved"))
    if request.GET.get("subject"):
        data = definition_from_query(request.GET)
    elif saved_id is not None:
        data = found_or_404(get_saved_report_for_user, request.user, saved_id).definition
    else:
        raise Http404
    try:
        return report_run(request.user, parse_definition(data))
    except ValidationFailed as refused:
        raise Http404(refused.message) from refused


def export_file_name(result: ReportResult, extension: str) -> str:
    return f"{slugify(result.subject.key)}-report.{extension}"


@login_required
@require_GET
def export(request, file_format: str):
    """The report as CSV (UTF-8 with a byte order mark, for Excel) or xlsx."""
    result = _export_result(request)
    header = [str(c.label) for c in result.columns]
    if file_format == "csv":
        response = StreamingHttpResponse(
            csv_chunks(header, [result.table()], encoding="utf-8"),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export_file_name(result, "csv")}"'
        )
        return response
    if file_format == "xlsx":
        return FileResponse(
            xlsx_file(header, [result.table()], title=str(result.subject.label)),
            as_attachment=True,
            filename=export_file_name(result, "xlsx"),
        )
    raise Http404


@login_required
@require_GET
def growth(request):
    period = request.GET.get("period", "month")
    if period not in answers.PERIODS:
        period = "month"
    answer = answers.fastest_growing_customers(request.user, period)
    return render(
        request,
        "analytics_reports/growth.html",
        {"answer": answer, "periods": answers.PERIODS.items(), "presets": answers.PRESETS},
    )


@login_required
@require_GET
def pareto(request):
    found = answers.pareto_of_customers(request.user)
    return render(
        request,
        "analytics_reports/pareto.html",
        {
            "answers": [(f"pareto-{n}", answer) for n, answer in enumerate(found)],
            "presets": answers.PRESETS,
        },
    )
