"""The executive's dashboard (issue 17): revenue by month against last year, new and repeat
customers, retention, receivables overdue, top customers and growth by province.

Orders count by the orders' visibility rule (`orders_visible_to`: the facts keep each order's
owner and team), narrowed by the team filter. Definitions (said on the page too):
- revenue: the orders placed in a month, cancelled and returned ones left out, each at its total
  less credits; summed per currency and converted at the rates of the range's last day (one set
  of rates for every bar, so that months compare);
- new and repeat customers, retention: the KPI part's figures
  (`rapport.analytics.kpis.selectors`), by the dashboard's week or month;
- growth by province: revenue of the range against the same number of days just before it, by
  the customer's region (the company's, else the person's).

Revenue by month and by province is read from the daily facts (`rapport.analytics.facts`), kept
up to date as orders change, so its cost does not grow with history; top customers from the
per-customer daily facts (a row per customer and day); receivables overdue from the receivable
facts (what open orders owe, per owner, day placed and due date).
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from functools import cached_property

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.analytics.dashboards import DashboardFilters
from rapport.analytics.facts.selectors import FactFilters, order_facts, receivables_totals
from rapport.analytics.facts.selectors import top_customers as top_customer_facts
from rapport.analytics.kpis import selectors as kpis
from rapport.analytics.kpis.selectors import KpiSource, kpi_source
from rapport.analytics.selectors.common import chart_amount, day_start, list_url
from rapport.customers.models import Company, Person
from rapport.sales.selectors.forecast import _add_months
from rapport.sales.selectors.money import RateBook, report_day

TOP_CUSTOMERS = 10


class ExecutiveSource:
    def __init__(self, user: User, filters: DashboardFilters):
        self.user = user
        self.filters = filters
        self.today = timezone.localdate()
        self.first_month = filters.start.replace(day=1)
        self.months = []
        month = self.first_month
        while month <= filters.end:
            self.months.append(month)
            month = _add_months(month, 1)
        self.range_start = day_start(filters.start)
        self.range_end = day_start(filters.end + datetime.timedelta(days=1))
        self.rates = RateBook(report_day(filters.end + datetime.timedelta(days=1)))

    def orders_url(self, first: datetime.date, last: datetime.date, **params) -> str:
        return list_url(
            "sales:order_list",
            team_id=self.filters.team_id,
            placed_from=first.isoformat(),
            placed_until=last.isoformat(),
            **params,
        )

    @cached_property
    def fact_filters(self) -> FactFilters:
        return FactFilters(teams=(self.filters.team_id,) if self.filters.team_id else ())

    @cached_property
    def monthly(self) -> list[dict]:
        """Revenue per month and currency, from a year before the range to its end, from the
        daily facts (whose cost does not grow with history)."""
        return order_facts(
            self.user,
            start=_add_months(self.first_month, -12),
            end=self.filters.end,
            group_by=("month",),
            filters=self.fact_filters,
            measures=("revenue", "kept"),
        )

    @cached_property
    def kpis(self) -> KpiSource:
        """New and repeat customers and retention are the KPI part's figures (one definition
        for the dashboards and the KPI page), counted alone (`KpiSource.flow`): the page shows
        no other customer figure."""
        return kpi_source(self.user, self.filters, flow_alone=True)

    @cached_property
    def regions(self) -> tuple[list[dict], list[dict]]:
        """Revenue per province and currency of the range and of the days just before it."""
        days = (self.filters.end - self.filters.start).days + 1
        before = self.filters.start - datetime.timedelta(days=days)
        return tuple(
            order_facts(
                self.user,
                start=first,
                end=last,
                group_by=("province",),
                filters=self.fact_filters,
                measures=("revenue", "kept"),
            )
            for first, last in (
                (self.filters.start, self.filters.end),
                (before, self.filters.start - datetime.timedelta(days=1)),
            )
        )

    @cached_property
    def top(self) -> list[dict]:
        """The range's top customers, from the per-customer daily facts (a row per customer
        and day, not every order of the range)."""
        ranked = top_customer_facts(
            self.user,
            start=self.filters.start,
            end=self.filters.end,
            rates=self.rates,
            team_id=self.filters.team_id,
            limit=TOP_CUSTOMERS,
        )
        companies = [row["company_id"] for row in ranked if row["company_id"]]
        persons = [row["person_id"] for row in ranked if not row["company_id"]]
        names = {("company", c.pk): c.name for c in Company.objects.filter(pk__in=companies)}
        names.update({("person", p.pk): str(p) for p in Person.objects.filter(pk__in=persons)})
        result = []
        for row in ranked:
            key = _customer(row["company_id"], row["person_id"])
            name = "company_detail" if key[0] == "company" else "person_detail"
            result.append(
                {
                    "name": names.get(key, ""),
                    "url": reverse(f"customers:{name}", args=[key[1]]),
                    "revenue": self.rates.total(row["revenue"]),
                }
            )
        return result

    @cached_property
    def receivables(self):
        """The receivables report's totals and aging (the widget shows no owners or debtors),
        from the receivable facts instead of every open order and instalment."""
        return receivables_totals(
            self.user, today=self.today, team_id=self.filters.team_id, rates=RateBook(self.today)
        )

    @cached_property
    def has_anything(self) -> bool:
        return True


def _counted(row: dict) -> Decimal:
    """The facts' revenue less what cancelled and returned orders kept: those are not counted."""
    return row["revenue"] - row["kept"]


def _customer(company_id: int | None, person_id: int | None) -> tuple[str, int]:
    return ("company", company_id) if company_id else ("person", person_id)


def executive_source(user: User, filters: DashboardFilters) -> ExecutiveSource:
    return ExecutiveSource(user, filters)


# --- Widgets -------------------------------------------------------------------------------------


def revenue(source: ExecutiveSource) -> dict:
    per_month: dict[datetime.date, dict[str, Decimal]] = defaultdict(dict)
    for row in source.monthly:
        per_month[row["period"]][row["currency"]] = _counted(row)
    rows = []
    for month in source.months:
        last_year = _add_months(month, -12)
        first = max(month, source.filters.start)
        last = min(_add_months(month, 1) - datetime.timedelta(days=1), source.filters.end)
        rows.append(
            {
                "name": date_format(month, "YEAR_MONTH_FORMAT"),
                "revenue": source.rates.total(per_month.get(month, {})),
                "last_year": source.rates.total(per_month.get(last_year, {})),
                "url": source.orders_url(first, last),
                "last_year_url": source.orders_url(
                    last_year, _add_months(last_year, 1) - datetime.timedelta(days=1)
                ),
            }
        )
    for row in rows:
        before = row["last_year"].converted
        row["growth"] = (
            round(float((row["revenue"].converted - before) * 100 / before), 1) if before else None
        )
    return {
        "empty": not any(row["revenue"] or row["last_year"] for row in rows),
        "rows": rows,
        "currency": source.rates.currency,
        "day": source.rates.day,
        "chart": {
            "categories": [row["name"] for row in rows],
            "series": [
                {
                    "name": _("This year"),
                    "type": "bar",
                    "data": [{"value": chart_amount(r["revenue"]), "url": r["url"]} for r in rows],
                },
                {
                    "name": _("A year earlier"),
                    "type": "line",
                    "data": [
                        {"value": chart_amount(r["last_year"]), "url": r["last_year_url"]}
                        for r in rows
                    ],
                },
            ],
        },
    }


def customers(source: ExecutiveSource) -> dict:
    found = kpis.new_and_repeat_customers(source.kpis)
    kept = kpis.retention(source.kpis)
    rows = []
    for index, period in enumerate(source.kpis.periods):
        rows.append(
            {
                "name": period.label,
                "new": found["trend"]["new"][index],
                "repeat": found["trend"]["repeat"][index],
                "retention": kept["trend"]["values"][index],
                "url": source.orders_url(period.first, period.last),
            }
        )
    return {
        "empty": found["empty"],
        "rows": rows,
        "new": found["new"],
        "active": found["active"],
        "retention": kept["value"],
        "retained": kept["retained"],
        "base": kept["base"],
        "definitions_url": reverse("analytics_kpis:kpis"),
        "chart": {
            "categories": [row["name"] for row in rows],
            "axes": [{}, {"percent": True}],
            "series": [
                {
                    "name": _("New customers"),
                    "type": "bar",
                    "stack": "customers",
                    "data": [{"value": r["new"], "url": r["url"]} for r in rows],
                },
                {
                    "name": _("Repeat customers"),
                    "type": "bar",
                    "stack": "customers",
                    "data": [{"value": r["repeat"], "url": r["url"]} for r in rows],
                },
                {
                    "name": _("Retention (%)"),
                    "type": "line",
                    "axis": 1,
                    "data": [{"value": r["retention"], "url": r["url"]} for r in rows],
                },
            ],
        },
    }


def receivables(source: ExecutiveSource) -> dict:
    report = source.receivables
    url = list_url("sales:receivables", team_id=source.filters.team_id)
    bars = []
    for bucket in report.buckets:
        if bucket.last_day is None:
            name = _("%(days)d days or more") % {"days": bucket.first_day}
        else:
            name = _("%(fewest)d–%(most)d days") % {
                "fewest": bucket.first_day,
                "most": bucket.last_day,
            }
        bars.append({"name": name, "value": chart_amount(bucket.amount), "amount": bucket.amount})
    for bar in bars:
        bar["url"] = url
    return {
        "empty": not (report.totals.outstanding or report.totals.overdue),
        "outstanding": report.totals.outstanding,
        "overdue": report.totals.overdue,
        "open_orders": report.totals.open_orders,
        "rows": bars,
        "url": url,
        "chart": {"bars": [{k: b[k] for k in ("name", "value", "url")} for b in bars]},
    }


def top_customers(source: ExecutiveSource) -> dict:
    rows = source.top
    return {
        "empty": not rows,
        "rows": rows,
        "chart": {
            "categories": [row["name"] for row in reversed(rows)],
            "horizontal": True,
            "series": [
                {
                    "name": _("Revenue (%(currency)s)") % {"currency": source.rates.currency},
                    "type": "bar",
                    "data": [
                        {"value": chart_amount(row["revenue"]), "url": row["url"]}
                        for row in reversed(rows)
                    ],
                }
            ],
        },
    }


def regions(source: ExecutiveSource) -> dict:
    now: dict[str, dict[str, Decimal]] = defaultdict(dict)
    before: dict[str, dict[str, Decimal]] = defaultdict(dict)
    current, earlier_rows = source.regions
    for rows, into in ((current, now), (earlier_rows, before)):
        for row in rows:
            into[row["province"] or ""][row["currency"]] = _counted(row)
    rows = []
    for name in set(now) | set(before):
        current = source.rates.total(now.get(name, {}))
        earlier = source.rates.total(before.get(name, {}))
        growth = (
            round(float((current.converted - earlier.converted) * 100 / earlier.converted), 1)
            if earlier.converted
            else None
        )
        rows.append(
            {
                "name": name or _("No region"),
                "region": name,
                "revenue": current,
                "before": earlier,
                "growth": growth,
                "url": list_url("customers:person_list", region=name) if name else "",
            }
        )
    rows.sort(key=lambda r: (-r["revenue"].converted, r["name"]))
    return {
        "empty": not rows,
        "rows": rows,
        "chart": {
            "map": "china",
            "names": {"revenue": _("Revenue"), "growth": _("Growth")},
            "regions": [
                {
                    "name": row["region"],
                    "value": chart_amount(row["revenue"]),
                    "growth": row["growth"],
                    "url": row["url"],
                }
                for row in rows
                if row["region"]
            ],
        },
    }
