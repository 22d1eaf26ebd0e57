"""SLA pages: the settings (policies, business hours, holiday calendars; administrators') and
the SLA report (compliance by month, team, priority or agent; the breached tickets), which
shows only the tickets the reader may see (`access.ticket_visible_q`)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.accounts.access import require_settings_manager
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404
from rapport.service import selectors_sla
from rapport.service.access import ticket_visible_q
from rapport.service.forms_sla import (
    WEEKDAY_NAMES,
    ZONE_NAMES,
    BusinessHoursForm,
    HolidayCalendarForm,
    HolidayYearForm,
    SlaPolicyForm,
    SlaReportForm,
)
from rapport.service.models import (
    BusinessHours,
    HolidayCalendar,
    SlaPolicy,
    SlaTargetKind,
    Ticket,
)
from rapport.service.services import sla_settings
from rapport.service.views.settings import setting_or_not_found

# --- Policies ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sla_policy_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SlaPolicyForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form, lambda: sla_settings.sla_policy_create(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("SLA policy added."))
            return redirect("service:sla_policy_list")
    policies = SlaPolicy.objects.select_related("customer_tag").order_by("position", "id")
    return render(
        request,
        "service/settings/sla_policies.html",
        {"form": form, "policies": policies, "tab": "sla_policies"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sla_policy_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    policy = found_or_404(setting_or_not_found, SlaPolicy, pk, _("SLA policy not found."))
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST":
        if "delete" in request.POST:
            sla_settings.sla_policy_delete(actor=request.user, policy=policy)
            messages.success(request, _("SLA policy deleted."))
            return redirect("service:sla_policy_list")
        saved = save_form(
            form,
            lambda: sla_settings.sla_policy_update(
                actor=request.user, policy=policy, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("SLA policy saved."))
            return redirect("service:sla_policy_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "title": _("Edit SLA policy"),
            "back": "service:sla_policy_list",
            "deletable": True,
            "tab": "sla_policies",
        },
    )


# --- Business hours ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def business_hours_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = BusinessHoursForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: sla_settings.business_hours_create(actor=request.user, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Business hours added."))
            return redirect("service:business_hours_list")
    rows = list(BusinessHours.objects.select_related("team", "holiday_calendar", "team_lead"))
    for row in rows:
        row.zone_label = ZONE_NAMES.get(row.time_zone, row.time_zone)
        row.days = [(WEEKDAY_NAMES[day], (row.weekly or {}).get(str(day), "")) for day in range(7)]
    return render(
        request,
        "service/settings/business_hours.html",
        {"form": form, "rows": rows, "tab": "business_hours"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def business_hours_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    hours = found_or_404(setting_or_not_found, BusinessHours, pk, _("Business hours not found."))
    form = BusinessHoursForm(request.POST or None, instance=hours)
    if request.method == "POST":
        if "delete" in request.POST:
            sla_settings.business_hours_delete(actor=request.user, hours=hours)
            messages.success(request, _("Business hours deleted."))
            return redirect("service:business_hours_list")
        saved = save_form(
            form,
            lambda: sla_settings.business_hours_update(
                actor=request.user, hours=hours, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Business hours saved."))
            return redirect("service:business_hours_list")
    return render(
        request,
        "service/settings/edit.html",
        {
            "form": form,
            "title": _("Edit business hours"),
            "back": "service:business_hours_list",
            "deletable": True,
            "tab": "business_hours",
        },
    )


# --- Holiday calendars -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def holiday_calendar_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = HolidayCalendarForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: sla_settings.holiday_calendar_create(actor=request.user, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Holiday calendar added."))
            return redirect("service:holiday_calendar_edit", saved.pk)
    return render(
        request,
        "service/settings/holiday_calendars.html",
        {
            "form": form,
            "calendars": selectors_sla.holiday_calendars_with_years(),
            "tab": "holiday_calendars",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def holiday_calendar_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    calendar = found_or_404(
        setting_or_not_found, HolidayCalendar, pk, _("Holiday calendar not found.")
    )
    if request.method == "POST" and "delete" in request.POST:
        sla_settings.holiday_calendar_delete(actor=request.user, calendar=calendar)
        messages.success(request, _("Holiday calendar deleted."))
        return redirect("service:holiday_calendar_list")
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    if request.method == "POST":
        form = HolidayYearForm(request.POST)
        saved = save_form(
            form,
            lambda: sla_settings.holiday_calendar_set_year(
                actor=request.user, calendar=calendar, **form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Holiday calendar saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    else:
        holidays, workdays = selectors_sla.holiday_year_text(calendar, year)
        form = HolidayYearForm(initial={"year": year, "holidays": holidays, "workdays": workdays})
    return render(
        request,
        "service/settings/holiday_calendar.html",
        {
            "form": form,
            "calendar": calendar,
            "year": year,
            "years": [year - 1, year, year + 1],
            "tab": "holiday_calendars",
        },
    )


# --- Report ------------------------------------------------------------------------------------


@login_required
@require_GET
def sla_report(request):
    form = SlaReportForm(request.GET or None)
    start, end = form.period()
    group = form.grouping()
    tickets = Ticket.objects.filter(ticket_visible_q(request.user))
    until = end + datetime.timedelta(days=1)
    months = selectors_sla.sla_compliance(tickets, start=start, end=until)
    by_group = selectors_sla.sla_compliance_by(tickets, start=start, end=until, group=group)
    breached = selectors_sla.breached_targets(tickets, start=start, end=until)
    labels = dict(SlaTargetKind.choices)
    month_names = sorted({row["month"] for row in months})
    chart = {
        "months": [m.strftime("%Y-%m") for m in month_names],
        "series": [
            {
                "name": str(labels[kind]),
                "data": [
                    next(
                        (
                            round(r["compliance"] * 100, 1)
                            for r in months
                            if r["month"] == m and r["kind"] == kind and r["compliance"] is not None
                        ),
                        None,
                    )
                    for m in month_names
                ],
            }
            for kind in SlaTargetKind.values
        ],
    }
    for row in months + by_group:
        row["label_kind"] = labels.get(row["kind"], row["kind"])
        row["percent"] = None if row["compliance"] is None else round(row["compliance"] * 100, 1)
    return render(
        request,
        "service/reports/sla.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "group": group,
            "months": months,
            "by_group": by_group,
            "breached": breached,
            "chart": chart,
        },
    )
