"""The marketer's dashboard (issue 17): leads by source, their conversion, and campaigns.

Leads are counted from the daily lead facts (`rapport.analytics.facts`), whose owner and team
are the leads' own, under the rule of `rapport.sales.selectors.leads.leads_visible_to`. A lead
counts in the period it arrived (its creation); it is *converted* once it became a person (and
maybe a deal), whenever that happened. Rapport records no cost of a lead or a channel yet, so
cost per lead is not shown: the widget says so. Campaign results (sends, opens, cost, revenue)
come with the marketing part; until then the campaigns widget lists the campaign names leads
carry.
"""

from collections import defaultdict
from functools import cached_property

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.facts.models import LeadFact
from rapport.analytics.selectors.common import day_period_index, list_url, percent
from rapport.customers.models import SourceChannel
from rapport.sales.models import LeadStatus

CAMPAIGNS_SHOWN = 10


class MarketingSource:
    def __init__(self, user: User, filters: DashboardFilters):
        self.user = user
        self.filters = filters
        # The daily lead facts: their owner and team are the leads' own (`leads_visible_to`).
        facts = LeadFact.objects.filter(visible_records_q(user))
        if filters.team_id is not None:
            facts = facts.filter(team_id=filters.team_id)
        self.facts = facts.filter(day__gte=filters.start, day__lte=filters.end).order_by()
        self.periods = stats.periods(filters.start, filters.end, filters.period)

    def leads_url(self, **params) -> str:
        """The lead list narrowed to what a figure counts: the range's leads (by default)."""
        params = {
            "created_from": self.filters.start,
            "created_until": self.filters.end,
            **params,
        }
        return list_url("sales:lead_list", team_id=self.filters.team_id, **params)

    @cached_property
    def by_source(self) -> list[dict]:
        """Leads of the range per source and campaign: arrived, converted, disqualified."""
        return list(
            self.facts.values("source", "campaign").annotate(
                n=Sum("leads"),
                converted=Coalesce(Sum("leads", filter=Q(status=LeadStatus.CONVERTED)), 0),
                disqualified=Coalesce(Sum("leads", filter=Q(status=LeadStatus.DISQUALIFIED)), 0),
            )
        )

    @cached_property
    def arrivals(self) -> list[dict]:
        """The range's leads counted per period and source, for the trend (one GROUP BY)."""
        return list(
            self.facts.annotate(period=day_period_index("day", self.periods))
            .values("period", "source")
            .annotate(n=Sum("leads"))
        )

    @cached_property
    def has_anything(self) -> bool:
        return True


def marketing_source(user: User, filters: DashboardFilters) -> MarketingSource:
    return MarketingSource(user, filters)


def _per_source(source: MarketingSource) -> list[dict]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in source.by_source:
        for key in ("n", "converted", "disqualified"):
            totals[row["source"]][key] += row[key]
    rows = []
    for value, label in SourceChannel.choices:
        found = totals.get(value)
        if not found:
            continue
        rows.append(
            {
                "name": str(label),
                "value": found["n"],
                "converted": found["converted"],
                "disqualified": found["disqualified"],
                "rate": percent(found["converted"], found["n"]),
                "url": source.leads_url(source=value),
                "converted_url": source.leads_url(source=value, status=LeadStatus.CONVERTED),
            }
        )
    return rows


def leads_by_source(source: MarketingSource) -> dict:
    rows = _per_source(source)
    return {"empty": not rows, "rows": rows, "chart": {"bars": rows}}


def conversion_by_source(source: MarketingSource) -> dict:
    rows = _per_source(source)
    return {
        "empty": not rows,
        "rows": rows,
        "chart": {
            "categories": [row["name"] for row in rows],
            "axes": [{"percent": True}],
            "series": [
                {
                    "name": _("Converted (%)"),
                    "type": "bar",
                    "data": [{"value": row["rate"], "url": row["converted_url"]} for row in rows],
                }
            ],
        },
    }


def leads_trend(source: MarketingSource) -> dict:
    labels = dict(SourceChannel.choices)
    counts: dict[str, list[int]] = defaultdict(lambda: [0 for _p in source.periods])
    for row in source.arrivals:
        counts[row["source"]][row["period"]] += row["n"]
    return {
        "empty": not source.arrivals,
        "chart": {
            "categories": [period.label for period in source.periods],
            "stack": True,
            "series": [
                {
                    "name": str(labels.get(channel, channel)),
                    "type": "bar",
                    "data": [
                        {
                            "value": n,
                            "url": source.leads_url(
                                source=channel, created_from=period.first, created_until=period.last
                            ),
                        }
                        for n, period in zip(values, source.periods, strict=True)
                    ],
                }
                for channel, values in sorted(counts.items())
            ],
        },
    }


def campaigns(source: MarketingSource) -> dict:
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in source.by_source:
        if row["campaign"]:
            found[row["campaign"]]["n"] += row["n"]
            found[row["campaign"]]["converted"] += row["converted"]
    rows = [
        {
            "name": name,
            "value": counts["n"],
            "converted": counts["converted"],
            "rate": percent(counts["converted"], counts["n"]),
            "url": source.leads_url(campaign=name),
        }
        for name, counts in sorted(found.items(), key=lambda item: (-item[1]["n"], item[0]))
    ][:CAMPAIGNS_SHOWN]
    return {"empty": not rows, "rows": rows}
