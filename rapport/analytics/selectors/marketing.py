"""The marketer's dashboard (issue 17): leads by source, their conversion, and campaigns.

Leads are read through `rapport.sales.selectors.leads.leads_visible_to`. A lead counts in the
period it arrived (its creation); it is *converted* once it became a person (and maybe a deal),
whenever that happened. Rapport records no cost of a lead or a channel yet, so cost per lead is
not shown: the widget says so. Campaign results (sends, opens, cost, revenue) come with the
marketing part; until then the campaigns widget lists the campaign names leads carry.
"""

import datetime
from collections import defaultdict
from functools import cached_property

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.analytics import stats
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.selectors.common import day_start, list_url, percent, period_index
from rapport.customers.models import SourceChannel
from rapport.sales.models import LeadStatus
from rapport.sales.selectors.leads import leads_visible_to

CAMPAIGNS_SHOWN = 10


class MarketingSource:
    def __init__(self, user: User, filters: DashboardFilters):
        self.user = user
        self.filters = filters
        leads = leads_visible_to(user)
        if filters.team_id is not None:
            leads = leads.filter(team_id=filters.team_id)
        self.leads = leads.filter(
            created_at__gte=day_start(filters.start),
            created_at__lt=day_start(filters.end + datetime.timedelta(days=1)),
        )
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
            self.leads.order_by()
            .values("source", "campaign")
            .annotate(
                n=Count("pk"),
                converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
                disqualified=Count("pk", filter=Q(status=LeadStatus.DISQUALIFIED)),
            )
        )

    @cached_property
    def arrivals(self) -> list[dict]:
        """The range's leads counted per period and source, for the trend (one GROUP BY)."""
        return list(
            self.leads.annotate(period=period_index("created_at", self.periods))
            .order_by()
            .values("period", "source")
            .annotate(n=Count("pk"))
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
