"""Reads of SLA targets: a ticket's timers, compliance by month and by team, priority or agent,
and the breached targets. The report functions take a Ticket queryset the caller has already
filtered by the visibility rule (`access.ticket_visible_q`), so they see nothing more.

A target counts as *met* when it was met in time, *breached* when its due time passed before
it was met (stamped by the periodic check, or when it was met late); targets still running and
those stopped because they no longer applied count as neither. Months are those of the target's
start, in the site's time zone.
"""

import datetime

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.service.models import (
    HolidayCalendar,
    HolidayCalendarDay,
    HolidayKind,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketPriority,
)

MET = Q(met_at__isnull=False, breached_at__isnull=True)
BREACHED = Q(breached_at__isnull=False)
BREACHED_LIST_LIMIT = 100


def _instant(value: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def _ratio(met: int, breached: int) -> float | None:
    return round(met / (met + breached), 4) if met + breached else None


def _targets(tickets: QuerySet[Ticket], start, end) -> QuerySet[SlaTarget]:
    return SlaTarget.objects.filter(
        ticket_id__in=tickets.values("pk"),
        started_at__gte=_instant(start),
        started_at__lt=_instant(end),
    )


def sla_compliance(
    tickets: QuerySet[Ticket],
    *,
    start: datetime.date | datetime.datetime,
    end: datetime.date | datetime.datetime,
) -> list[dict]:
    """Compliance per month and target of `tickets`' targets started in [start, end).

    Returns rows sorted by month, then target (first response, next response, resolution):
    {"month": date (the 1st), "kind": "first_response" | "next_response" | "resolution",
    "met": int, "breached": int, "compliance": float in 0..1, or None when neither}.
    A date means the start of that day in the site's time zone. One query.
    """
    rows = (
        _targets(tickets, start, end)
        .annotate(month=TruncMonth("started_at"))
        .values("month", "kind")
        .annotate(met=Count("pk", filter=MET), breached=Count("pk", filter=BREACHED))
        .order_by()
    )
    order = {kind: n for n, kind in enumerate(SlaTargetKind.values)}
    result = []
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        result.append(
            {
                "month": month,
                "kind": row["kind"],
                "met": row["met"],
                "breached": row["breached"],
                "compliance": _ratio(row["met"], row["breached"]),
            }
        )
    result.sort(key=lambda r: (r["month"], order.get(r["kind"], 9)))
    return result


GROUPS = {
    "team": ("ticket__team_id", "ticket__team__name"),
    "priority": ("ticket__priority", None),
    "agent": ("ticket__assignee_id", None),
}


def sla_compliance_by(tickets: QuerySet[Ticket], *, start, end, group: str) -> list[dict]:
    """Met and breached per target and per team, priority or agent (the ticket's current one):
    [{"key", "label", "kind", "met", "breached", "compliance"}], the most breached first."""
    field, _label = GROUPS[group]
    rows = (
        _targets(tickets, start, end)
        .values(field, "kind")
        .annotate(met=Count("pk", filter=MET), breached=Count("pk", filter=BREACHED))
        .order_by()
    )
    labels = _labels(group, {row[field] for row in rows})
    result = [
        {
            "key": row[field],
            "label": labels.get(row[field], "—"),
            "kind": row["kind"],
            "met": row["met"],
            "breached": row["breached"],
            "compliance": _ratio(row["met"], row["breached"]),
        }
        for row in rows
        if row["met"] or row["breached"]
    ]
    result.sort(key=lambda r: (-r["breached"], str(r["label"]), r["kind"]))
    return result


def _labels(group: str, keys: set) -> dict:
    if group == "priority":
        return {key: TicketPriority(key).label for key in keys if key in TicketPriority.values}
    if group == "team":
        return dict(Team.objects.filter(pk__in=keys - {None}).values_list("pk", "name"))
    return {user.pk: str(user) for user in User.objects.filter(pk__in=keys - {None})}


def breached_targets(
    tickets: QuerySet[Ticket], *, start, end, limit: int = BREACHED_LIST_LIMIT
) -> list[SlaTarget]:
    """The breached targets, the latest breach first, each with its ticket (for links)."""
    return list(
        _targets(tickets, start, end)
        .filter(BREACHED)
        .select_related("ticket", "ticket__assignee", "ticket__team")
        .order_by("-breached_at", "-pk")[:limit]
    )


def duration_text(seconds: float) -> str:
    """A time left or over, roughly: "3 d 4 h", "2 h 5 min", "12 min"."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def ticket_sla_timers(ticket: Ticket, *, now: datetime.datetime | None = None) -> list[dict]:
    """The ticket's targets for its page, the running ones first: each
    {"target", "kind", "label", "state": "running" | "overdue" | "paused" | "met" | "breached" |
    "stopped", "due_at", "seconds": seconds left (running) or over (overdue)}. One query."""
    now = now or timezone.now()
    timers = []
    for target in SlaTarget.objects.filter(ticket_id=ticket.pk).order_by("started_at", "pk"):
        if target.stopped_at is None:
            if target.paused_at is not None:
                state = "paused"
            elif target.breached_at is not None or target.due_at <= now:
                state = "overdue"
            else:
                state = "running"
        elif target.met_at is not None:
            state = "breached" if target.breached_at is not None else "met"
        else:
            state = "breached" if target.breached_at is not None else "stopped"
        timers.append(
            {
                "target": target,
                "kind": target.kind,
                "label": SlaTargetKind(target.kind).label,
                "state": state,
                "due_at": target.due_at,
                "seconds": abs((target.due_at - now).total_seconds()),
                "duration": duration_text(abs((target.due_at - now).total_seconds())),
            }
        )
    running = [t for t in timers if t["target"].stopped_at is None]
    done = [t for t in timers if t["target"].stopped_at is not None and t["state"] != "stopped"]
    return running + done[-6:]


def holiday_calendars_with_years() -> list[HolidayCalendar]:
    """Every holiday calendar with `first_year`, `last_year` and `day_count`."""
    calendars = list(
        HolidayCalendar.objects.annotate(
            first=Min("days__date"), last=Max("days__date"), day_count=Count("days")
        )
    )
    for calendar in calendars:
        calendar.first_year = calendar.first.year if calendar.first else None
        calendar.last_year = calendar.last.year if calendar.last else None
    return calendars


def holiday_year_text(calendar: HolidayCalendar, year: int) -> tuple[str, str]:
    """The calendar's days of `year` as the two texts the edit form shows (ranges joined)."""
    texts = {HolidayKind.HOLIDAY: [], HolidayKind.WORKDAY: []}
    run: list = []

    def flush():
        if run:
            first, last, kind, name = run
            span = first.isoformat() if first == last else f"{first}..{last}"
            texts[kind].append(f"{span} {name}".strip())

    for day in HolidayCalendarDay.objects.filter(calendar=calendar, date__year=year).order_by(
        "date"
    ):
        if (
            run
            and run[2] == day.kind
            and run[3] == day.name
            and day.date == run[1] + datetime.timedelta(days=1)
        ):
            run[1] = day.date
            continue
        flush()
        run = [day.date, day.date, day.kind, day.name]
    flush()
    return "\n".join(texts[HolidayKind.HOLIDAY]), "\n".join(texts[HolidayKind.WORKDAY])
