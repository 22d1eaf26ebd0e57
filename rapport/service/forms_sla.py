"""HTML forms of the SLA settings and report; the services check every rule
(`services.sla_settings`), their errors come back next to the inputs."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import User
from rapport.core.forms import ServiceErrorsMixin
from rapport.customers.models import Tag
from rapport.service.forms import _choice, _testid, _text, team_choices
from rapport.service.models import HolidayCalendar, TicketPriority, TicketType

# Time zones named in the reader's language where we know them (others by their IANA name).
ZONE_NAMES = {
    "Asia/Shanghai": _("China Standard Time"),
    "Asia/Hong_Kong": _("Hong Kong Time"),
    "Asia/Taipei": _("Taipei Time"),
    "UTC": _("Coordinated Universal Time"),
}

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


def _minutes(label, name):
    return forms.IntegerField(
        label=label, required=False, min_value=1, widget=forms.NumberInput(attrs=_testid(name))
    )


class SlaPolicyForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "policy-name", maxlength=100)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    priority = _choice(_("Priority"), [("", _("Any")), *TicketPriority.choices], "policy-priority")
    type = _choice(_("Type"), [("", _("Any")), *TicketType.choices], "policy-type")
    first_response_minutes = _minutes(_("First response (business minutes)"), "policy-first")
    next_response_minutes = _minutes(_("Next response (business minutes)"), "policy-next")
    resolution_minutes = _minutes(_("Resolution (business minutes)"), "policy-resolution")
    warn_percent = forms.IntegerField(
        label=_("Warn the assignee at (%)"), required=False, min_value=1, max_value=99, initial=80
    )
    raise_priority = forms.BooleanField(label=_("Raise the priority on a breach"), required=False)
    reassign = forms.BooleanField(
        label=_("Give a breached ticket to another agent of the team"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    FIELDS = (
        "name",
        "position",
        "priority",
        "type",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warn_percent",
        "raise_priority",
        "reassign",
        "is_active",
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        tags = Tag.objects.order_by("name")[:500]
        self.fields["customer_tag_id"] = _choice(
            _("Customer tag (tier)"),
            [("", _("Any")), *[(str(t.pk), t.name) for t in tags]],
            "policy-tag",
        )
        if instance is not None and not self.is_bound:
            for name in self.FIELDS:
                self.initial[name] = getattr(instance, name)
            self.initial["customer_tag_id"] = str(instance.customer_tag_id or "")

    def to_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["customer_tag_id"] = self.cleaned_data["customer_tag_id"] or None
        return data


class BusinessHoursForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "hours-name", maxlength=100)
    time_zone = _text(_("Time zone"), "hours-zone", maxlength=64)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_id"] = _choice(
            _("Team"), [("", _("Default (teams without their own)")), *team_choices()], "hours-team"
        )
        for day, label in enumerate(WEEKDAY_NAMES):
            self.fields[f"day_{day}"] = _text(label, f"hours-day-{day}", placeholder="09:00-18:00")
        self.fields["day_0"].help_text = _(
            "Hours as 09:00-12:00, 13:30-18:00; empty: closed that day."
        )
        self.fields["holiday_calendar_id"] = _choice(
            _("Holiday calendar"),
            [
                ("", _("None")),
                *[(str(c.pk), gettext(c.name)) for c in HolidayCalendar.objects.all()],
            ],
            "hours-calendar",
        )
        leads = User.objects.filter(is_active=True).order_by("username")[:500]
        self.fields["team_lead_id"] = _choice(
            _("Team lead (hears of breaches)"),
            [("", _("The team's managers")), *[(str(u.pk), str(u)) for u in leads]],
            "hours-lead",
        )
        self.fields["team_lead_id"].help_text = _(
            "Without one, the team's sales managers are told, else the administrators."
        )
        if instance is not None and not self.is_bound:
            self.initial.update(name=instance.name, time_zone=instance.time_zone)
            self.initial["team_id"] = str(instance.team_id or "")
            self.initial["holiday_calendar_id"] = str(instance.holiday_calendar_id or "")
            self.initial["team_lead_id"] = str(instance.team_lead_id or "")
            for day in range(7):
                self.initial[f"day_{day}"] = (instance.weekly or {}).get(str(day), "")
        elif not self.is_bound:
            self.initial["time_zone"] = "Asia/Shanghai"

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class HolidayCalendarForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "calendar-name", maxlength=100)

    def to_data(self) -> dict:
        return {"name": self.cleaned_data["name"]}


class HolidayYearForm(ServiceErrorsMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    holidays = _text(_("Holidays"), "calendar-holidays", textarea=True, rows=8)
    workdays = _text(_("Swapped workdays"), "calendar-workdays", textarea=True, rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holidays"].help_text = _(
            "One date or range a line, then its name: 2026-10-01..2026-10-07 National Day."
        )
        self.fields["workdays"].help_text = _(
            "Weekend days worked instead of a holiday's bridge days, one a line: 2026-10-10."
        )

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class SlaReportForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[
            ("team", _("Team")),
            ("priority", _("Priority")),
            ("agent", _("Agent")),
        ],
    )

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The months asked for: the last six by default, at most three years."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or (end.replace(day=1) - datetime.timedelta(days=150)).replace(
            day=1
        )
        if start > end:
            start, end = end, start
        start = max(start, end - datetime.timedelta(days=3 * 366))
        return start, end

    def grouping(self) -> str:
        return (self.cleaned_data.get("group") if self.is_valid() else "") or "team"
