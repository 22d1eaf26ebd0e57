"""The service dashboard (issue 16): open tickets by status, priority and age, first response
and resolution times, the backlog day by day, CSAT and NPS, and each agent's share.

Everything is counted over `rapport.service.selectors.tickets_visible_to` (an agent: their
team's queue and their own tickets; a customer's owner: the complaints about that customer) and
`rapport.surveys.selectors.responses_visible_to`, so nobody is shown a number made of tickets
they may not open. Every number links to the ticket list (or the satisfaction report) filtered
the same way: status, priority, queue, assignee, and the days a ticket was opened or resolved.

Definitions (said on the page too):
- first response: from opening to the first public reply, for the tickets opened in a period;
- resolution: from opening to resolution, for the tickets resolved in a period (a reopened
  ticket counts again when resolved again, at its new resolution);
- backlog at a day's end: tickets opened by then and not resolved by then. A ticket reopened
  after resolution has no resolution time any more, so it counts as open since it was opened.
Times are calendar hours; business hours are the SLA's measure (`sla_compliance`).
"""

import datetime
from collections import defaultdict
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.service.models import OPEN_STATUSES, SlaTargetKind, TicketPriority, TicketStatus
from rapport.service.selectors import ANY_OPEN, day_start, tickets_visible_to
from rapport.service.selectors_sla import sla_compliance
from rapport.surveys.models import SurveyKind
from rapport.surveys.selectors import responses_visible_to

PRIORITY_ORDER = (
    TicketPriority.URGENT,
    TicketPriority.HIGH,
    TicketPriority.NORMAL,
    TicketPriority.LOW,
)

# Ages of open tickets, in whole days since the day they were opened: (fewest, most).
AGE_BUCKETS = ((0, 0), (1, 2), (3, 6), (7, 29), (30, None))


def _age_label(fewest: int, most: int | None) -> str:
    if most == 0:
        return _("Opened today")
    if most is None:
        return _("%(days)d days or more") % {"days": fewest}
    return _("%(fewest)d–%(most)d days") % {"fewest": fewest, "most": most}


class ServiceSource:
    """What the service dashboard's widgets read; each query runs once, when first needed."""

    def __init__(self, user: User, filters: DashboardFilters):
        self.user = user
        self.filters = filters
        tickets = tickets_visible_to(user)
        if filters.team_id is not None:
            tickets = tickets.filter(team_id=filters.team_id)
        self.tickets = tickets
        self.range_start = day_start(filters.start)
        self.range_end = day_start(filters.end + datetime.timedelta(days=1))
        self.today = timezone.localdate()
        self.periods = stats.periods(filters.start, filters.end, filters.period)

    # --- Links ---------------------------------------------------------------------------------

    def tickets_url(self, **params) -> str:
        """The ticket list showing what a number counts (the dashboard's queue included)."""
        query = {}
        if self.filters.team_id is not None:
            query["team_id"] = self.filters.team_id
        query.update({name: value for name, value in params.items() if value is not None})
        return f"{reverse('service:ticket_list')}?{urlencode(query)}"

    def opened_url(self, first: datetime.date, last: datetime.date, **params) -> str:
        return self.tickets_url(
            created_from=first.isoformat(), created_to=last.isoformat(), **params
        )

    def resolved_url(self, first: datetime.date, last: datetime.date, **params) -> str:
        return self.tickets_url(
            resolved_from=first.isoformat(), resolved_to=last.isoformat(), **params
        )

    def answers_url(self, first: datetime.date, last: datetime.date) -> str:
        query = urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})
        return f"{reverse('surveys:reports')}?{query}"

    # --- Reads ---------------------------------------------------------------------------------

    @cached_property
    def open_groups(self) -> list[dict]:
        """Open tickets counted by status, priority and assignee (a few dozen rows)."""
        return list(
            self.tickets.filter(status__in=OPEN_STATUSES)
            .values("status", "priority", "assignee_id")
            .annotate(count=Count("pk"))
            .order_by()
        )

    @cached_property
    def open_total(self) -> int:
        return sum(row["count"] for row in self.open_groups)

    @cached_property
    def open_ages(self) -> list[tuple[int, int | None, int]]:
        counts = {}
        for index, (fewest, most) in enumerate(AGE_BUCKETS):
            condition = Q(
                created_at__lt=day_start(self.today - datetime.timedelta(days=fewest - 1))
            )
            if most is not None:
                condition &= Q(
                    created_at__gte=day_start(self.today - datetime.timedelta(days=most))
                )
            counts[f"bucket{index}"] = Count("pk", filter=condition)
        found = self.tickets.filter(status__in=OPEN_STATUSES).aggregate(**counts)
        return [
            (fewest, most, found[f"bucket{index}"] or 0)
            for index, (fewest, most) in enumerate(AGE_BUCKETS)
        ]

    @cached_property
    def opened(self) -> list[tuple[datetime.datetime, datetime.datetime | None, int | None]]:
        """(opened, first response, assignee) of the tickets opened in the range."""
        return list(
            self.tickets.filter(
                created_at__gte=self.range_start, created_at__lt=self.range_end
            ).values_list("created_at", "first_responded_at", "assignee_id")
        )

    @cached_property
    def resolved(self) -> list[tuple[datetime.datetime, datetime.datetime, int | None]]:
        """(opened, resolved, assignee) of the tickets resolved in the range."""
        return list(
            self.tickets.filter(
                resolved_at__gte=self.range_start, resolved_at__lt=self.range_end
            ).values_list("created_at", "resolved_at", "assignee_id")
        )

    @cached_property
    def open_at_start(self) -> int:
        """Tickets opened before the range and not resolved before it began."""
        return (
            self.tickets.filter(created_at__lt=self.range_start)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=self.range_start))
            .count()
        )

    def _responses(self, kind: str):
        responses = responses_visible_to(self.user).filter(
            kind=kind, answered_at__gte=self.range_start, answered_at__lt=self.range_end
        )
        if kind == SurveyKind.CSAT and self.filters.team_id is not None:
            responses = responses.filter(team_id=self.filters.team_id)
        return responses

    @cached_property
    def csat(self) -> list[tuple[datetime.datetime, int, int | None]]:
        """(answered, score, agent) of the CSAT answers given in the range."""
        return list(
            self._responses(SurveyKind.CSAT).values_list("answered_at", "score", "agent_id")
        )

    @cached_property
    def nps(self) -> list[tuple[datetime.datetime, int]]:
        """(answered, score) of the NPS answers given in the range. NPS asks about the company,
        not a ticket, so the queue filter does not apply to it."""
        return list(self._responses(SurveyKind.NPS).values_list("answered_at", "score"))

    @cached_property
    def sla(self) -> list[dict]:
        """Targets met and breached per month and kind, of the targets started in the range."""
        return sla_compliance(
            self.tickets,
            start=self.filters.start,
            end=self.filters.end + datetime.timedelta(days=1),
        )

    def sla_report_url(self, first: datetime.date, last: datetime.date) -> str:
        query = urlencode({"start": first.isoformat(), "end": last.isoformat()})
        return f"{reverse('service:sla_report')}?{query}"

    @cached_property
    def has_anything(self) -> bool:
        return bool(
            self.open_total
            or self.opened
            or self.resolved
            or self.open_at_start
            or self.csat
            or self.nps
        )

    # --- Helpers -------------------------------------------------------------------------------

    def period_of(self, moment: datetime.datetime) -> int:
        """The index in `self.periods` of the period holding `moment` (inside the range)."""
        day = timezone.localtime(moment).date()
        for index, period in enumerate(self.periods):
            if period.first <= day <= period.last:
                return index
        return len(self.periods) - 1


def service_source(user: User, filters: DashboardFilters) -> ServiceSource:
    return ServiceSource(user, filters)


# --- Widgets -------------------------------------------------------------------------------------


def _csat_figures(scores: list[int]) -> dict:
    if not scores:
        return {"count": 0, "average": None, "satisfied": None}
    return {
        "count": len(scores),
        "average": round(sum(scores) / len(scores), 2),
        "satisfied": round(100 * sum(1 for s in scores if s >= 4) / len(scores), 1),
    }


def _nps_figures(scores: list[int]) -> dict:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return {
        "count": len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
        "score": round(100 * (promoters - detractors) / len(scores)) if scores else None,
    }


def _hours_of(rows, start_index: int, end_index: int) -> list[float]:
    return [stats.hours(row[start_index], row[end_index]) for row in rows if row[end_index]]


def summary(source: ServiceSource) -> dict:
    f = source.filters
    first_response = _hours_of(source.opened, 0, 1)
    resolution = _hours_of(source.resolved, 0, 1)
    return {
        "empty": not source.has_anything,
        "open": source.open_total,
        "open_url": source.tickets_url(status=ANY_OPEN),
        "opened": len(source.opened),
        "opened_url": source.opened_url(f.start, f.end),
        "resolved": len(source.resolved),
        "resolved_url": source.resolved_url(f.start, f.end),
        "first_response_median": stats.rounded(stats.median(first_response)),
        "resolution_median": stats.rounded(stats.median(resolution)),
        "csat": _csat_figures([row[1] for row in source.csat]),
        "nps": _nps_figures([row[1] for row in source.nps]),
        "answers_url": source.answers_url(f.start, f.end),
    }


def open_by_status(source: ServiceSource) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for row in source.open_groups:
        counts[row["status"]] += row["count"]
    labels = dict(TicketStatus.choices)
    bars = [
        {
            "name": str(labels[status]),
            "value": counts[status],
            "url": source.tickets_url(status=status),
        }
        for status in OPEN_STATUSES
    ]
    return {"empty": not source.open_total, "rows": bars, "chart": {"bars": bars}}


def open_by_priority(source: ServiceSource) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for row in source.open_groups:
        counts[row["priority"]] += row["count"]
    labels = dict(TicketPriority.choices)
    bars = [
        {
            "name": str(labels[priority]),
            "value": counts[priority],
            "url": source.tickets_url(status=ANY_OPEN, priority=priority),
        }
        for priority in PRIORITY_ORDER
    ]
    return {"empty": not source.open_total, "rows": bars, "chart": {"bars": bars}}


def open_by_age(source: ServiceSource) -> dict:
    bars = []
    for fewest, most, count in source.open_ages:
        oldest_day = None if most is None else source.today - datetime.timedelta(days=most)
        newest_day = source.today - datetime.timedelta(days=fewest)
        bars.append(
            {
                "name": _age_label(fewest, most),
                "value": count,
                "url": source.tickets_url(
                    status=ANY_OPEN,
                    created_from=oldest_day.isoformat() if oldest_day else None,
                    created_to=newest_day.isoformat(),
                ),
            }
        )
    return {"empty": not source.open_total, "rows": bars, "chart": {"bars": bars}}


def response_times(source: ServiceSource) -> dict:
    """Median and 90th percentile of first response (by the period a ticket was opened) and of
    resolution (by the period it was resolved), in hours."""
    first: list[list[float]] = [[] for _p in source.periods]
    unanswered = [0 for _p in source.periods]
    for created_at, responded_at, _assignee in source.opened:
        index = source.period_of(created_at)
        if responded_at is None:
            unanswered[index] += 1
        else:
            first[index].append(stats.hours(created_at, responded_at))
    resolution: list[list[float]] = [[] for _p in source.periods]
    for created_at, resolved_at, _assignee in source.resolved:
        resolution[source.period_of(resolved_at)].append(stats.hours(created_at, resolved_at))
    rows = []
    for index, period in enumerate(source.periods):
        rows.append(
            {
                "name": period.label,
                "first_count": len(first[index]),
                "unanswered": unanswered[index],
                "first_median": stats.rounded(stats.median(first[index])),
                "first_p90": stats.rounded(stats.percentile(first[index], 0.9)),
                "opened_url": source.opened_url(period.first, period.last),
                "resolved_count": len(resolution[index]),
                "resolution_median": stats.rounded(stats.median(resolution[index])),
                "resolution_p90": stats.rounded(stats.percentile(resolution[index], 0.9)),
                "resolved_url": source.resolved_url(period.first, period.last),
            }
        )
    return {
        "empty": not (source.opened or source.resolved),
        "rows": rows,
        "chart": {
            "periods": [row["name"] for row in rows],
            "names": {
                "first_median": _("First response, median"),
                "first_p90": _("First response, 90th percentile"),
                "resolution_median": _("Resolution, median"),
                "resolution_p90": _("Resolution, 90th percentile"),
                "hours": _("hours"),
            },
            "series": {
                key: [{"value": row[key], "url": row[url]} for row in rows]
                for key, url in (
                    ("first_median", "opened_url"),
                    ("first_p90", "opened_url"),
                    ("resolution_median", "resolved_url"),
                    ("resolution_p90", "resolved_url"),
                )
            },
        },
    }


def backlog(source: ServiceSource) -> dict:
    """Open tickets at each day's end, from the count at the range's start plus the tickets
    opened minus those resolved each day (three reads in all, whatever the range)."""
    days = stats.days(source.filters.start, source.filters.end)
    opened: dict[datetime.date, int] = defaultdict(int)
    resolved: dict[datetime.date, int] = defaultdict(int)
    for created_at, _responded, _assignee in source.opened:
        opened[timezone.localtime(created_at).date()] += 1
    for _created, resolved_at, _assignee in source.resolved:
        resolved[timezone.localtime(resolved_at).date()] += 1
    level = source.open_at_start
    open_series, opened_series, resolved_series = [], [], []
    for day in days:
        level += opened[day] - resolved[day]
        open_series.append(level)
        opened_series.append(
            {"value": opened[day], "url": source.opened_url(day, day)} if opened[day] else 0
        )
        resolved_series.append(
            {"value": resolved[day], "url": source.resolved_url(day, day)} if resolved[day] else 0
        )
    return {
        "empty": not (source.open_at_start or source.opened or source.resolved),
        "start": source.open_at_start,
        "end": level,
        "chart": {
            "days": [day.isoformat() for day in days],
            "names": {
                "open": _("Open at the day's end"),
                "opened": pgettext("tickets", "Opened"),
                "resolved": pgettext("tickets", "Resolved"),
            },
            "open": open_series,
            "opened": opened_series,
            "resolved": resolved_series,
        },
    }


def satisfaction(source: ServiceSource) -> dict:
    csat: list[list[int]] = [[] for _p in source.periods]
    nps: list[list[int]] = [[] for _p in source.periods]
    for answered_at, score, _agent in source.csat:
        csat[source.period_of(answered_at)].append(score)
    for answered_at, score in source.nps:
        nps[source.period_of(answered_at)].append(score)
    rows = []
    for index, period in enumerate(source.periods):
        rows.append(
            {
                "name": period.label,
                "url": source.answers_url(period.first, period.last),
                "csat": _csat_figures(csat[index]),
                "nps": _nps_figures(nps[index]),
            }
        )
    return {
        "empty": not (source.csat or source.nps),
        "rows": rows,
        "chart": {
            "periods": [row["name"] for row in rows],
            "names": {
                "csat": _("CSAT, average (1–5)"),
                "nps": _("NPS score (−100 to 100)"),
            },
            "csat": [{"value": row["csat"]["average"], "url": row["url"]} for row in rows],
            "nps": [{"value": row["nps"]["score"], "url": row["url"]} for row in rows],
        },
    }


def agents(source: ServiceSource) -> dict:
    """Per assignee: open tickets now, tickets resolved in the range, median first response (of
    those opened in the range) and resolution (of those resolved in it), CSAT in the range."""
    open_now: dict[int | None, int] = defaultdict(int)
    for row in source.open_groups:
        open_now[row["assignee_id"]] += row["count"]
    first: dict[int | None, list[float]] = defaultdict(list)
    for created_at, responded_at, assignee in source.opened:
        if responded_at is not None:
            first[assignee].append(stats.hours(created_at, responded_at))
    resolution: dict[int | None, list[float]] = defaultdict(list)
    for created_at, resolved_at, assignee in source.resolved:
        resolution[assignee].append(stats.hours(created_at, resolved_at))
    scores: dict[int | None, list[int]] = defaultdict(list)
    for _answered, score, agent in source.csat:
        scores[agent].append(score)
    ids = set(open_now) | set(first) | set(resolution) | {a for a in scores if a is not None}
    names = {
        user.pk: str(user) for user in User.objects.filter(pk__in=[i for i in ids if i is not None])
    }
    f = source.filters
    rows = []
    for agent_id in ids:
        if agent_id is None and not (open_now[None] or resolution[None]):
            continue
        param = "none" if agent_id is None else agent_id
        rows.append(
            {
                "name": names.get(agent_id, "") if agent_id is not None else _("Unassigned"),
                "unassigned": agent_id is None,
                "open": open_now[agent_id],
                "open_url": source.tickets_url(status=ANY_OPEN, assignee_id=param),
                "resolved": len(resolution[agent_id]),
                "resolved_url": source.resolved_url(f.start, f.end, assignee_id=param),
                "first_median": stats.rounded(stats.median(first[agent_id])),
                "resolution_median": stats.rounded(stats.median(resolution[agent_id])),
                "csat": _csat_figures(scores[agent_id]) if agent_id is not None else None,
            }
        )
    rows.sort(key=lambda row: (row["unassigned"], -row["open"], -row["resolved"], row["name"]))
    return {"empty": not rows, "rows": rows}


def sla(source: ServiceSource) -> dict:
    """Share of service-level targets met in time, per month and target (first response, next
    response, resolution), from `rapport.service.selectors_sla.sla_compliance`."""
    months = sorted({row["month"] for row in source.sla})
    found = {(row["month"], row["kind"]): row for row in source.sla}
    f = source.filters
    urls = [
        source.sla_report_url(max(month, f.start), min(_month_end(month), f.end))
        for month in months
    ]
    series = {}
    totals = []
    for kind, label in SlaTargetKind.choices:
        points = []
        met = breached = 0
        for month, url in zip(months, urls, strict=True):
            row = found.get((month, kind))
            share = row["compliance"] if row else None
            points.append({"value": None if share is None else round(100 * share, 1), "url": url})
            if row:
                met += row["met"]
                breached += row["breached"]
        series[kind] = {"name": str(label), "data": points}
        totals.append(
            {
                "name": str(label),
                "met": met,
                "breached": breached,
                "compliance": round(100 * met / (met + breached), 1) if met + breached else None,
            }
        )
    return {
        "empty": not any(row["met"] or row["breached"] for row in source.sla),
        "rows": totals,
        "report_url": source.sla_report_url(f.start, f.end),
        "chart": {
            "months": [month.strftime("%Y-%m") for month in months],
            "series": list(series.values()),
        },
    }


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
