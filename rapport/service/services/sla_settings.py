"""Writes to the SLA settings: policies, business hours and holiday calendars (administrators').

Changing business hours or a holiday calendar moves the due times of the running targets they
govern (`sla.sla_reschedule`, set-based); a policy's new minutes apply to a ticket's running
targets the next time the ticket changes (and to every new ticket at once).
"""

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Team, User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_flag, clean_text, parse_int
from rapport.customers.models import Tag
from rapport.service.business_time import WorkingCalendar, parse_hours
from rapport.service.models import (
    BusinessHours,
    HolidayCalendar,
    HolidayCalendarDay,
    HolidayKind,
    SlaPolicy,
    TicketPriority,
    TicketType,
)
from rapport.service.services.sla import sla_reschedule

MAX_TARGET_MINUTES = 525_600  # a year of minutes
WEEKDAYS = tuple(str(day) for day in range(7))


# --- Policies ----------------------------------------------------------------------------------


def _clean_minutes(data: dict, key: str, errors: FieldErrors) -> int | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    minutes = parse_int(raw)
    if minutes is None or not 1 <= minutes <= MAX_TARGET_MINUTES:
        errors.add(
            key,
            _("Enter a whole number of minutes from 1 to %(max)d.") % {"max": MAX_TARGET_MINUTES},
        )
    return minutes


def _clean_policy(data: dict) -> dict:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "name": clean_text(data.get("name"), "name", errors, limit=100, required=True)
    }
    position = parse_int(data.get("position") or 0)
    if position is None or position < 0:
        errors.add("position", _("Enter a whole number of 0 or more."))
    values["position"] = position or 0
    for key, choices in (("priority", TicketPriority), ("type", TicketType)):
        values[key] = (
            clean_choice(data[key], key, errors, choices=choices.values, list_choices=True)
            if data.get(key)
            else ""
        )
    values["customer_tag"] = None
    if data.get("customer_tag_id") not in (None, ""):
        values["customer_tag"] = Tag.objects.filter(pk=parse_int(data["customer_tag_id"])).first()
        if values["customer_tag"] is None:
            errors.add("customer_tag_id", _("There is no such tag."))
    for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        values[key] = _clean_minutes(data, key, errors)
    if (
        not any(values[k] for k in ("first_response_minutes", "resolution_minutes"))
        and not (values["next_response_minutes"])
    ):
        errors.add("first_response_minutes", _("Give at least one target."))
    warn = parse_int(data.get("warn_percent") if data.get("warn_percent") not in (None, "") else 80)
    if warn is None or not 1 <= warn <= 99:
        errors.add("warn_percent", _("Enter a percentage from 1 to 99."))
    values["warn_percent"] = warn or 80
    for key in ("raise_priority", "reassign", "is_active"):
        values[key] = clean_flag(data.get(key, key == "is_active"), key, errors)
    errors.raise_if_any()
    return values


@transaction.atomic
def sla_policy_create(*, actor: User, data: dict) -> SlaPolicy:
    require_settings_manager(actor)
    return SlaPolicy.objects.create(**_clean_policy(data))


@transaction.atomic
def sla_policy_update(*, actor: User, policy: SlaPolicy, data: dict) -> SlaPolicy:
    require_settings_manager(actor)
    for name, value in _clean_policy(data).items():
        setattr(policy, name, value)
    policy.save()
    return policy


@transaction.atomic
def sla_policy_delete(*, actor: User, policy: SlaPolicy) -> None:
    """Delete the policy; the targets it set keep their times and stay in the report."""
    require_settings_manager(actor)
    policy.delete()


# --- Business hours ----------------------------------------------------------------------------


def _clean_hours(data: dict, *, instance: BusinessHours | None) -> dict:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "name": clean_text(data.get("name"), "name", errors, limit=100, required=True),
        "time_zone": clean_text(data.get("time_zone"), "time_zone", errors, limit=64)
        or "Asia/Shanghai",
    }
    try:
        ZoneInfo(values["time_zone"])
    except (ZoneInfoNotFoundError, ValueError):
        errors.add("time_zone", _("Unknown time zone, e.g. Asia/Shanghai."))
    weekly = {}
    for day in WEEKDAYS:
        text = clean_text(data.get(f"day_{day}"), f"day_{day}", errors, limit=200)
        try:
            if parse_hours(text):
                # The calendar checks each interval ends after it starts.
                WorkingCalendar("UTC", {0: parse_hours(text)})
                weekly[day] = text
        except ValueError:
            errors.add(f"day_{day}", _("Write hours as 09:00-12:00, 13:30-18:00 (empty: closed)."))
    if not weekly and not any(f"day_{day}" in errors for day in WEEKDAYS):
        errors.add("day_0", _("Give working hours on at least one day."))
    values["weekly"] = weekly
    values["team"] = None
    if data.get("team_id") not in (None, ""):
        values["team"] = Team.objects.filter(pk=parse_int(data["team_id"])).first()
        if values["team"] is None:
            errors.add("team_id", _("There is no such team."))
    taken = BusinessHours.objects.filter(team=values["team"])
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if values["team"] is None and taken.exists():
        errors.add("team_id", _("There are default business hours already; edit them."))
    elif values["team"] is not None and taken.exists():
        errors.add("team_id", _("This team has business hours already; edit them."))
    values["holiday_calendar"] = None
    if data.get("holiday_calendar_id") not in (None, ""):
        values["holiday_calendar"] = HolidayCalendar.objects.filter(
            pk=parse_int(data["holiday_calendar_id"])
        ).first()
        if values["holiday_calendar"] is None:
            errors.add("holiday_calendar_id", _("There is no such holiday calendar."))
    values["team_lead"] = None
    if data.get("team_lead_id") not in (None, ""):
        values["team_lead"] = User.objects.filter(
            pk=parse_int(data["team_lead_id"]), is_active=True
        ).first()
        if values["team_lead"] is None:
            errors.add("team_lead_id", _("There is no such active user."))
    errors.raise_if_any()
    return values


def _reschedule_hours(hours: BusinessHours, old_team_id: int | None = ...) -> None:
    teams = {hours.team_id} - {None}
    if old_team_id is not ...:
        teams |= {old_team_id} - {None}
    sla_reschedule(
        team_ids=teams,
        default_hours=hours.team_id is None or old_team_id is None,
    )


@transaction.atomic
def business_hours_create(*, actor: User, data: dict) -> BusinessHours:
    require_settings_manager(actor)
    hours = BusinessHours.objects.create(**_clean_hours(data, instance=None))
    _reschedule_hours(hours)
    return hours


@transaction.atomic
def business_hours_update(*, actor: User, hours: BusinessHours, data: dict) -> BusinessHours:
    require_settings_manager(actor)
    old_team_id = hours.team_id
    for name, value in _clean_hours(data, instance=hours).items():
        setattr(hours, name, value)
    hours.save()
    _reschedule_hours(hours, old_team_id)
    return hours


@transaction.atomic
def business_hours_delete(*, actor: User, hours: BusinessHours) -> None:
    """Delete them: the team's tickets follow the default hours (24×7 without any)."""
    require_settings_manager(actor)
    team_id = hours.team_id
    hours.delete()
    sla_reschedule(team_ids={team_id} - {None}, default_hours=team_id is None)


# --- Holiday calendars -------------------------------------------------------------------------

_DATE_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|–|~|to|至)\s*(\d{4}-\d{2}-\d{2}))?\s*(.*)$"
)


def parse_days(text: str, year: int, field: str, errors: FieldErrors) -> dict:
    """{date: name} from lines "2026-10-01..2026-10-07 National Day" or "2026-10-10"."""
    days: dict[datetime.date, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _DATE_LINE.match(line)
        try:
            first = datetime.date.fromisoformat(match.group(1)) if match else None
            last = datetime.date.fromisoformat(match.group(2) or match.group(1)) if match else None
        except ValueError:
            first = last = None
        if first is None or last is None or last < first or (last - first).days > 31:
            errors.add(
                field,
                _(
                    "Line %(line)d: write a date or a range, e.g. "
                    "2026-10-01..2026-10-07 National Day."
                )
                % {"line": number},
            )
            continue
        if first.year != year or last.year != year:
            errors.add(
                field,
                _("Line %(line)d: the dates must be in %(year)d.") % {"line": number, "year": year},
            )
            continue
        for n in range((last - first).days + 1):
            days[first + datetime.timedelta(days=n)] = match.group(3).strip()[:100]
    return days


@transaction.atomic
def holiday_calendar_create(*, actor: User, data: dict) -> HolidayCalendar:
    require_settings_manager(actor)
    errors = FieldErrors()
    name = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if name and HolidayCalendar.objects.filter(name=name).exists():
        errors.add("name", _("A holiday calendar with this name exists already."))
    errors.raise_if_any()
    return HolidayCalendar.objects.create(name=name)


@transaction.atomic
def holiday_calendar_delete(*, actor: User, calendar: HolidayCalendar) -> None:
    """Delete it: the business hours that used it count no holidays any more."""
    require_settings_manager(actor)
    users = list(BusinessHours.objects.filter(holiday_calendar=calendar))
    calendar.delete()
    for hours in users:
        hours.refresh_from_db()
        _reschedule_hours(hours)


@transaction.atomic
def holiday_calendar_set_year(
    *, actor: User, calendar: HolidayCalendar, year: Any, holidays: str, workdays: str
) -> HolidayCalendar:
    """Replace the calendar's days of `year` with these holidays and swapped workdays (one date
    or range per line, a name after it), and move the due times it governs."""
    require_settings_manager(actor)
    errors = FieldErrors()
    number = parse_int(year)
    if number is None or not 2000 <= number <= 2100:
        errors.add("year", _("Enter a year from 2000 to 2100."))
        errors.raise_if_any()
    off = parse_days(holidays, number, "holidays", errors)
    worked = parse_days(workdays, number, "workdays", errors)
    both = sorted(set(off) & set(worked))
    if both:
        errors.add(
            "workdays",
            _("A date cannot be both a holiday and a workday: %(dates)s.")
            % {"dates": ", ".join(d.isoformat() for d in both[:5])},
        )
    errors.raise_if_any()
    calendar = HolidayCalendar.objects.select_for_update().get(pk=calendar.pk)
    HolidayCalendarDay.objects.filter(calendar=calendar, date__year=number).delete()
    HolidayCalendarDay.objects.bulk_create(
        [
            HolidayCalendarDay(calendar=calendar, date=day, kind=HolidayKind.HOLIDAY, name=name)
            for day, name in sorted(off.items())
        ]
        + [
            HolidayCalendarDay(calendar=calendar, date=day, kind=HolidayKind.WORKDAY, name=name)
            for day, name in sorted(worked.items())
        ]
    )
    calendar.save()  # a new updated_at: the cached working calendars are laid out again
    for hours in BusinessHours.objects.filter(holiday_calendar=calendar):
        _reschedule_hours(hours)
    return calendar
