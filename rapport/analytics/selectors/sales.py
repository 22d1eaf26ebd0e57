"""The sales representative's and the sales manager's dashboards (issue 17).

Both read deals through `rapport.sales.selectors.deals.deals_visible_to`, tasks through
`tasks_visible_to` and interactions through `interactions_visible_to`, so a number never counts
a record its reader may not open. The representative's dashboard counts their own records
("my"); the manager's everything they see, narrowed by the team filter. Quota attainment,
forecast and leaderboard are the sales reports' own selectors (`sales.selectors.forecast`).

Definitions (said on the page too):
- pipeline: open deals by stage, summed per currency, converted at today's rates;
- deals at risk: open deals past their expected close date, or without any change (a stage
  move, an edit) and without an interaction logged about them for `STALE_DAYS` days;
- win rate: of the deals closed (won or lost) in a period, the share won;
- sales cycle: days from a won deal's creation to its win, averaged over the period's wins.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.activities.models import Channel, Interaction, TaskStatus
from rapport.activities.selectors import interactions_visible_to
from rapport.activities.task_selectors import tasks_visible_to, today_bounds
from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.facts.models import DealCloseFact, InteractionFact, InteractionRepFact
from rapport.analytics.selectors.common import (
    chart_amount,
    day_period_index,
    day_start,
    list_url,
    percent,
)
from rapport.sales.models import Deal, DealStatus, Stage
from rapport.sales.selectors import forecast as sales_reports
from rapport.sales.selectors.deals import deals_visible_to
from rapport.sales.selectors.money import RateBook

STALE_DAYS = 14
AT_RISK_SHOWN = 10
LEADERS_SHOWN = 10


class SalesSource:
    """What a sales dashboard's widgets read; each query runs once, when first needed.

    `mine`: the representative's view (deals they own, tasks assigned to them, interactions they
    logged); otherwise everything the user sees, of the filtered team when there is one.
    """

    def __init__(self, user: User, filters: DashboardFilters, *, mine: bool):
        self.user = user
        self.filters = filters
        self.mine = mine
        deals = deals_visible_to(user)
        if mine:
            deals = deals.filter(owner=user)
        if filters.team_id is not None:
            deals = deals.filter(team_id=filters.team_id)
        self.deals = deals
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.range_start = day_start(filters.start)
        self.range_end = day_start(filters.end + datetime.timedelta(days=1))
        self.periods = stats.periods(filters.start, filters.end, filters.period)

    # --- Links ---------------------------------------------------------------------------------

    def deals_url(self, **params) -> str:
        scope = {"owner_id": self.user.pk} if self.mine else {}
        return list_url("sales:deal_list", team_id=self.filters.team_id, **scope, **params)

    # --- Reads ---------------------------------------------------------------------------------

    @cached_property
    def pipeline_rows(self) -> list[dict]:
        """Open deals counted and summed per stage and currency (one GROUP BY)."""
        return list(
            self.deals.filter(status=DealStatus.OPEN)
            .order_by()
            .values("stage_id", "currency")
            .annotate(n=Count("id"), total=Sum("amount"))
        )

    @cached_property
    def stages(self) -> list[Stage]:
        """The stages holding open deals, in their pipelines' order."""
        ids = {row["stage_id"] for row in self.pipeline_rows}
        return sorted(
            Stage.objects.filter(pk__in=ids).select_related("pipeline"),
            key=lambda s: (s.pipeline.position, s.pipeline_id, s.position, s.pk),
        )

    @cached_property
    def rates(self) -> RateBook:
        return RateBook(self.today)

    @cached_property
    def at_risk_q(self) -> Q:
        cutoff = self.now - datetime.timedelta(days=STALE_DAYS)
        talked_about = Interaction.objects.filter(
            about_type=ContentType.objects.get_for_model(Deal),
            about_id=OuterRef("pk"),
            occurred_at__gte=cutoff,
        )
        return Q(status=DealStatus.OPEN) & (
            Q(expected_close_date__lt=self.today)
            | (Q(updated_at__lt=cutoff) & Q(stage_entered_at__lt=cutoff) & ~Exists(talked_about))
        )

    @cached_property
    def at_risk_rows(self) -> list[dict]:
        return list(
            self.deals.filter(self.at_risk_q)
            .order_by()
            .values("currency")
            .annotate(n=Count("id"), total=Sum("amount"))
        )

    @cached_property
    def at_risk_deals(self) -> list[Deal]:
        return list(
            self.deals.filter(self.at_risk_q)
            .select_related("owner", "stage")
            .order_by("expected_close_date", "-amount", "pk")[:AT_RISK_SHOWN]
        )

    @cached_property
    def closed(self) -> list[dict]:
        """The deals won or lost in the range, per period and status: how many, and the days
        from creation to closing added up, from the daily closed-deal facts (a row per day,
        owner and status, not every deal of the range)."""
        facts = DealCloseFact.objects.filter(
            visible_records_q(self.user),
            day__gte=self.filters.start,
            day__lte=self.filters.end,
        )
        if self.mine:
            facts = facts.filter(owner=self.user)
        if self.filters.team_id is not None:
            facts = facts.filter(team_id=self.filters.team_id)
        return list(
            facts.annotate(period=day_period_index("day", self.periods))
            .order_by()
            .values("period", "status")
            .annotate(n=Sum("deals"), days=Sum("cycle_days"))
        )

    @cached_property
    def tasks(self) -> dict:
        """The user's open tasks by when they are due (one conditional aggregate)."""
        _start, end = today_bounds(self.now)
        week_end = end + datetime.timedelta(days=7)
        mine = tasks_visible_to(self.user).filter(assignee=self.user, status=TaskStatus.OPEN)
        return mine.aggregate(
            overdue=Count("pk", filter=Q(due_at__lt=self.now)),
            today=Count("pk", filter=Q(due_at__gte=self.now, due_at__lt=end)),
            week=Count("pk", filter=Q(due_at__gte=end, due_at__lt=week_end)),
            later=Count("pk", filter=Q(due_at__gte=week_end)),
            no_date=Count("pk", filter=Q(due_at__isnull=True)),
        )

    @cached_property
    def week_start(self) -> datetime.date:
        return self.today - datetime.timedelta(days=self.today.weekday())

    @cached_property
    def my_week(self) -> list[dict]:
        """Interactions the user logged this week, by channel."""
        return list(
            interactions_visible_to(self.user)
            .filter(logged_by=self.user, occurred_at__gte=day_start(self.week_start))
            .order_by()
            .values("channel")
            .annotate(n=Count("pk"))
        )

    @cached_property
    def tasks_done_this_week(self) -> int:
        return (
            tasks_visible_to(self.user)
            .filter(
                assignee=self.user,
                status=TaskStatus.DONE,
                completed_at__gte=day_start(self.week_start),
            )
            .count()
        )

    @cached_property
    def by_rep(self) -> list[dict]:
        """Interactions logged in the range by whom and channel, of the customers the user sees,
        from the daily interaction facts (their owner and team are the customer's, which
        `interactions_visible_to` checks)."""
        # A reader who sees everything reads the table without owners (a row per logger and
        # channel a day, where the visible one has a row per customer owner too).
        model = InteractionRepFact if self.user.is_administrator else InteractionFact
        facts = model.objects.filter(
            visible_records_q(self.user), day__gte=self.filters.start, day__lte=self.filters.end
        )
        if self.filters.team_id is not None:
            facts = facts.filter(logged_by__team_id=self.filters.team_id)
        else:
            facts = facts.filter(logged_by__isnull=False)
        return list(
            facts.order_by().values("logged_by_id", "channel").annotate(n=Sum("interactions"))
        )

    @cached_property
    def has_anything(self) -> bool:
        return True


def rep_source(user: User, filters: DashboardFilters) -> SalesSource:
    return SalesSource(user, filters, mine=True)


def manager_source(user: User, filters: DashboardFilters) -> SalesSource:
    return SalesSource(user, filters, mine=False)


# --- Widgets -------------------------------------------------------------------------------------


def pipeline(source: SalesSource) -> dict:
    """Open deals per stage: how many, and how much in each currency (converted for the bar)."""
    counts: dict[int, int] = defaultdict(int)
    amounts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in source.pipeline_rows:
        counts[row["stage_id"]] += row["n"]
        amounts[row["stage_id"]][row["currency"]] = row["total"]
    several = len({stage.pipeline_id for stage in source.stages}) > 1
    rows = []
    for stage in source.stages:
        total = source.rates.total(amounts[stage.pk])
        name = f"{stage.pipeline.name} · {stage.name}" if several else stage.name
        url = source.deals_url(status=DealStatus.OPEN, stage_id=stage.pk)
        rows.append({"name": name, "count": counts[stage.pk], "amount": total, "url": url})
    everything = source.rates.total(
        {
            currency: sum(
                (row["total"] for row in source.pipeline_rows if row["currency"] == currency),
                Decimal("0"),
            )
            for currency in {row["currency"] for row in source.pipeline_rows}
        }
    )
    return {
        "empty": not rows,
        "rows": rows,
        "count": sum(counts.values()),
        "amount": everything,
        "url": source.deals_url(status=DealStatus.OPEN),
        "currency": source.rates.currency,
        "chart": {
            "categories": [row["name"] for row in rows],
            "series": [
                {
                    "name": _("Amount (%(currency)s)") % {"currency": source.rates.currency},
                    "type": "bar",
                    "data": [{"value": chart_amount(r["amount"]), "url": r["url"]} for r in rows],
                },
                {
                    "name": _("Deals"),
                    "type": "line",
                    "axis": 1,
                    "data": [{"value": r["count"], "url": r["url"]} for r in rows],
                },
            ],
        },
    }


def my_tasks(source: SalesSource) -> dict:
    found = source.tasks
    url = "activities:task_list"
    rows = [
        {"name": _("Overdue"), "value": found["overdue"], "url": list_url(url, tab="today")},
        {"name": _("Due later today"), "value": found["today"], "url": list_url(url, tab="today")},
        {
            "name": _("Due in the next seven days"),
            "value": found["week"],
            "url": list_url(url, tab="upcoming"),
        },
        {"name": _("Due later"), "value": found["later"], "url": list_url(url, tab="upcoming")},
        {"name": _("No due date"), "value": found["no_date"], "url": list_url(url, tab="nodate")},
    ]
    return {"empty": not any(row["value"] for row in rows), "rows": rows, "chart": {"bars": rows}}


def my_quota(source: SalesSource) -> dict:
    rows = []
    for attainment in sales_reports.dashboard_attainment(source.user, source.today):
        rows.append(
            {
                "name": attainment.label,
                "won": attainment.won,
                "won_count": attainment.won_count,
                "target": attainment.target.amount if attainment.target else None,
                "pct": attainment.amount_pct,
            }
        )
    return {
        "empty": not any(row["target"] or row["won_count"] for row in rows),
        "rows": rows,
        "url": list_url("sales:quota_list"),
        "chart": {
            "categories": [row["name"] for row in rows],
            "series": [
                {
                    "name": _("Quota attained (%)"),
                    "type": "bar",
                    "data": [
                        {"value": row["pct"], "url": list_url("sales:leaderboard")} for row in rows
                    ],
                }
            ],
            "percent": True,
        },
    }


def my_week(source: SalesSource) -> dict:
    counts = {row["channel"]: row["n"] for row in source.my_week}
    rows = [
        {
            "name": str(label),
            "value": counts.get(channel, 0),
            "url": list_url(
                "activities:interaction_list",
                mine=1,
                channel=channel,
                occurred_from=source.week_start,
            ),
        }
        for channel, label in Channel.choices
    ]
    return {
        "empty": not (counts or source.tasks_done_this_week),
        "rows": rows,
        "since": source.week_start,
        "tasks_done": source.tasks_done_this_week,
        "tasks_done_url": list_url("activities:task_list", tab="done"),
        "chart": {"bars": rows},
    }


def forecast(source: SalesSource) -> dict:
    found = sales_reports.forecast(
        source.user, today=source.today, team_id=source.filters.team_id, book=source.rates
    )
    url = list_url("sales:forecast", team_id=source.filters.team_id)
    rows = []
    for (label, _start, _end), numbers in zip(found.quarters, found.total, strict=True):
        rows.append(
            {
                "name": label,
                "won": numbers.won,
                "committed": numbers.committed,
                "weighted": numbers.weighted,
                "best_case": numbers.best_case,
                "target": numbers.target.amount if numbers.target else None,
                "pct": numbers.amount_pct,
            }
        )

    def series(name, key):
        return {
            "name": name,
            "type": "bar",
            "data": [{"value": chart_amount(row[key]), "url": url} for row in rows],
        }

    return {
        "empty": not any(row["won"] or row["best_case"] or row["target"] for row in rows),
        "rows": rows,
        "url": url,
        "currency": found.currency,
        "chart": {
            "categories": [row["name"] for row in rows],
            "series": [
                series(_("Won"), "won"),
                series(_("Committed"), "committed"),
                series(_("Weighted"), "weighted"),
                series(_("Best case"), "best_case"),
                {
                    "name": _("Quota"),
                    "type": "line",
                    "data": [
                        {"value": str(row["target"]) if row["target"] else None, "url": url}
                        for row in rows
                    ],
                },
            ],
        },
    }


def leaderboard(source: SalesSource) -> dict:
    rows = sales_reports.leaderboard(source.user, day=source.today)
    if source.filters.team_id is not None:
        rows = [row for row in rows if row.user.team_id == source.filters.team_id]
    rows = rows[:LEADERS_SHOWN]
    shown = [
        {
            "rank": index,
            "name": str(row.user),
            "won": row.won,
            "won_count": row.won_count,
            "target": row.target.amount if row.target else None,
            "pct": row.amount_pct,
            "url": list_url("sales:deal_list", owner_id=row.user.pk, status=DealStatus.WON),
        }
        for index, row in enumerate(rows, start=1)
    ]
    return {
        "empty": not shown,
        "rows": shown,
        "url": list_url("sales:leaderboard"),
        "chart": {
            "categories": [row["name"] for row in shown],
            "series": [
                {
                    "name": _("Won this month"),
                    "type": "bar",
                    "data": [
                        {"value": chart_amount(row["won"]), "url": row["url"]} for row in shown
                    ],
                }
            ],
        },
    }


def activity_by_rep(source: SalesSource) -> dict:
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in source.by_rep:
        counts[row["logged_by_id"]][row["channel"]] += row["n"]
    names = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    }
    people = sorted(
        (pk for pk in counts if pk is not None),
        key=lambda pk: (-sum(counts[pk].values()), names.get(pk, "")),
    )
    channels = [
        (c, str(label)) for c, label in Channel.choices if any(counts[pk].get(c) for pk in people)
    ]
    rows = [
        {
            "name": names.get(pk, ""),
            "total": sum(counts[pk].values()),
            "cells": [counts[pk].get(channel, 0) for channel, _label in channels],
        }
        for pk in people
    ]
    return {
        "empty": not rows,
        "rows": rows,
        "channels": [label for _c, label in channels],
        "url": list_url("activities:interaction_list"),
        "chart": {
            "categories": [row["name"] for row in rows],
            "stack": True,
            "series": [
                {
                    "name": label,
                    "type": "bar",
                    "data": [
                        {
                            "value": counts[pk].get(channel, 0),
                            "url": list_url("activities:interaction_list", channel=channel),
                        }
                        for pk in people
                    ],
                }
                for channel, label in channels
            ],
        },
    }


def deals_at_risk(source: SalesSource) -> dict:
    amounts = {row["currency"]: row["total"] for row in source.at_risk_rows}
    count = sum(row["n"] for row in source.at_risk_rows)
    rows = [
        {
            "title": deal.title,
            "url": reverse("sales:deal_detail", args=[deal.pk]),
            "owner": str(deal.owner) if deal.owner_id else "",
            "stage": deal.stage.name,
            "amount": deal.amount,
            "currency": deal.currency,
            "expected": deal.expected_close_date,
            "overdue": bool(deal.expected_close_date and deal.expected_close_date < source.today),
        }
        for deal in source.at_risk_deals
    ]
    return {
        "empty": not count,
        "count": count,
        "amount": source.rates.total(amounts),
        "stale_days": STALE_DAYS,
        "rows": rows,
        "url": source.deals_url(status=DealStatus.OPEN),
    }


def win_rate(source: SalesSource) -> dict:
    won = [0 for _p in source.periods]
    lost = [0 for _p in source.periods]
    won_days = [0.0 for _p in source.periods]
    for row in source.closed:
        if row["status"] == DealStatus.WON:
            won[row["period"]] += row["n"]
            won_days[row["period"]] += row["days"] or 0.0
        else:
            lost[row["period"]] += row["n"]
    rows = []
    for index, period in enumerate(source.periods):
        rows.append(
            {
                "name": period.label,
                "won": won[index],
                "lost": lost[index],
                "rate": percent(won[index], won[index] + lost[index]),
                "cycle": stats.rounded(won_days[index] / won[index] if won[index] else None),
            }
        )
    url = source.deals_url(status=DealStatus.WON)
    return {
        "empty": not source.closed,
        "rows": rows,
        "won_url": url,
        "lost_url": source.deals_url(status=DealStatus.LOST),
        "chart": {
            "categories": [row["name"] for row in rows],
            "axes": [{"percent": True}, {"name": _("days")}],
            "series": [
                {
                    "name": _("Win rate (%)"),
                    "type": "bar",
                    "data": [{"value": row["rate"], "url": url} for row in rows],
                },
                {
                    "name": _("Sales cycle, average (days)"),
                    "type": "line",
                    "axis": 1,
                    "data": [{"value": row["cycle"], "url": url} for row in rows],
                },
            ],
        },
    }
