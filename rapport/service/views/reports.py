"""The service reports: the complaint report (rapport.service.selectors_complaints)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapport.core.cleaning import parse_date_or
from rapport.service import selectors_complaints as complaints


@login_required
@require_GET
def complaint_report(request):
    filters = complaints.ComplaintFilters(
        date_from=parse_date_or(request.GET.get("date_from")),
        date_to=parse_date_or(request.GET.get("date_to")),
    ).with_defaults(timezone.localdate())
    report = complaints.complaint_report(request.user, filters)

    def bars(rows):
        return {"names": [row["name"] for row in rows], "counts": [row["count"] for row in rows]}

    chart = {
        "root_cause": bars(report.by_root_cause),
        "product": bars(report.by_product),
        "team": bars(report.by_team),
    }
    return render(
        request,
        "service/reports/complaints.html",
        {
            "report": report,
            "filters": filters,
            "chart": chart,
            "window_open": complaints.report_window_note(filters),
            "reorder_days": complaints.REORDER_WINDOW.days,
        },
    )
