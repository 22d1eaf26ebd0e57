"""The dashboards and their widgets, in the order they are shown."""

from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role
from rapport.analytics.dashboards import Dashboard, Widget
from rapport.analytics.selectors import executive, marketing, sales, service

_NO_OPEN = _("No open tickets. New tickets appear here as they arrive.")
_NONE_IN_RANGE = _("Nothing in this period. Choose a longer period or another queue.")

SERVICE = Dashboard(
    key="service",
    title=_("Service dashboard"),
    source=service.service_source,
    team_label=_("Queue"),
    widgets=(
        Widget(
            "summary",
            _("In figures"),
            service.summary,
            "analytics/widgets/service_figures.html",
            wide=True,
        ),
        Widget(
            "open_by_status",
            _("Open tickets by status"),
            service.open_by_status,
            "analytics/widgets/bars.html",
            chart="bars",
            empty_text=_NO_OPEN,
        ),
        Widget(
            "open_by_priority",
            _("Open tickets by priority"),
            service.open_by_priority,
            "analytics/widgets/bars.html",
            chart="bars",
            empty_text=_NO_OPEN,
        ),
        Widget(
            "open_by_age",
            _("Open tickets by age"),
            service.open_by_age,
            "analytics/widgets/bars.html",
            chart="bars",
            empty_text=_NO_OPEN,
        ),
        Widget(
            "backlog",
            _("Backlog"),
            service.backlog,
            "analytics/widgets/backlog.html",
            chart="backlog",
            empty_text=_NONE_IN_RANGE,
        ),
        Widget(
            "sla",
            _("Service level compliance"),
            service.sla,
            "analytics/widgets/sla.html",
            chart="sla",
            empty_text=_(
                "No response or resolution targets were due in this period. An administrator "
                "sets the targets under Service settings, Service levels."
            ),
        ),
        Widget(
            "response_times",
            _("First response and resolution times"),
            service.response_times,
            "analytics/widgets/response_times.html",
            chart="times",
            wide=True,
            empty_text=_NONE_IN_RANGE,
        ),
        Widget(
            "satisfaction",
            _("Satisfaction: CSAT and NPS"),
            service.satisfaction,
            "analytics/widgets/satisfaction.html",
            chart="satisfaction",
            wide=True,
            empty_text=_(
                "No survey answers in this period. Customers are asked for CSAT when their "
                "ticket is resolved; an administrator sets up NPS under Surveys."
            ),
        ),
        Widget(
            "agents",
            _("By agent"),
            service.agents,
            "analytics/widgets/agents.html",
            wide=True,
            empty_text=_NONE_IN_RANGE,
        ),
    ),
)

_NOTHING_IN_RANGE = _("Nothing in this period. Choose a longer period.")

REP = Dashboard(
    key="rep",
    title=_("My sales dashboard"),
    source=sales.rep_source,
    widgets=(
        Widget(
            "my_pipeline",
            _("My pipeline by stage"),
            sales.pipeline,
            "analytics/widgets/pipeline.html",
            chart="combo",
            wide=True,
            empty_text=_("You have no open deals. Create a deal or convert a lead."),
            note=_(
                "Your open deals by stage: how many, and their amount in each currency; the "
                "bars convert every currency at today's rates."
            ),
        ),
        Widget(
            "my_tasks",
            _("My tasks due"),
            sales.my_tasks,
            "analytics/widgets/bars.html",
            chart="bars",
            empty_text=_("No open task is assigned to you."),
        ),
        Widget(
            "my_quota",
            _("My quota attainment"),
            sales.my_quota,
            "analytics/widgets/quota.html",
            chart="combo",
            empty_text=_(
                "No quota is set for you or your team this month or quarter, and nothing was "
                "won yet. A manager sets quotas under Reports, Quotas."
            ),
            note=_("Deals won this month and this quarter against the quota."),
        ),
        Widget(
            "my_week",
            _("My activities this week"),
            sales.my_week,
            "analytics/widgets/my_week.html",
            chart="bars",
            empty_text=_(
                "Nothing logged this week yet: calls, meetings and e-mails you log count here."
            ),
        ),
    ),
)

MANAGER = Dashboard(
    key="manager",
    title=_("Sales team dashboard"),
    source=sales.manager_source,
    team_label=_("Team"),
    widgets=(
        Widget(
            "team_pipeline",
            _("Team pipeline by stage"),
            sales.pipeline,
            "analytics/widgets/pipeline.html",
            chart="combo",
            wide=True,
            empty_text=_("No open deals."),
            note=_(
                "Open deals by stage: how many, and their amount in each currency; the bars "
                "convert every currency at today's rates."
            ),
        ),
        Widget(
            "forecast",
            _("Forecast against quota"),
            sales.forecast,
            "analytics/widgets/forecast.html",
            chart="combo",
            empty_text=_("No deal is expected to close this or next quarter, and no quota is set."),
            note=_(
                "Open deals expected to close in the quarter (weighted by probability; committed: "
                "probability 75% or more) and the deals won in it, against the quarter's quota."
            ),
        ),
        Widget(
            "leaderboard",
            _("Leaderboard this month"),
            sales.leaderboard,
            "analytics/widgets/leaderboard.html",
            chart="combo",
            empty_text=_("Nobody has won a deal or has a quota this month."),
        ),
        Widget(
            "activity_by_rep",
            _("Activity by representative"),
            sales.activity_by_rep,
            "analytics/widgets/activity_by_rep.html",
            chart="combo",
            wide=True,
            empty_text=_NOTHING_IN_RANGE,
            note=_("Interactions logged in the period, by who logged them and channel."),
        ),
        Widget(
            "deals_at_risk",
            _("Deals at risk"),
            sales.deals_at_risk,
            "analytics/widgets/deals_at_risk.html",
            wide=True,
            empty_text=_("No deal at risk."),
        ),
        Widget(
            "win_rate",
            _("Win rate and sales cycle"),
            sales.win_rate,
            "analytics/widgets/win_rate.html",
            chart="combo",
            wide=True,
            empty_text=_("No deal was won or lost in this period. Choose a longer period."),
            note=_(
                "Of the deals closed in each period, the share won; and the average number of "
                "days from a won deal's creation to its win."
            ),
        ),
    ),
)

MARKETING = Dashboard(
    key="marketing",
    title=_("Marketing dashboard"),
    source=marketing.marketing_source,
    team_label=_("Team"),
    widgets=(
        Widget(
            "leads_by_source",
            _("Leads by source"),
            marketing.leads_by_source,
            "analytics/widgets/leads_by_source.html",
            chart="bars",
            empty_text=_("No lead arrived in this period. Choose a longer period."),
            note=_(
                "Leads that arrived in the period, by source channel. Rapport records no cost of "
                "a lead or a channel yet, so cost per lead cannot be shown."
            ),
        ),
        Widget(
            "conversion_by_source",
            _("Conversion by source"),
            marketing.conversion_by_source,
            "analytics/widgets/conversion.html",
            chart="combo",
            empty_text=_("No lead arrived in this period. Choose a longer period."),
            note=_(
                "Of the leads that arrived in the period, the share converted into a customer "
                "so far."
            ),
        ),
        Widget(
            "leads_trend",
            _("Leads arriving"),
            marketing.leads_trend,
            "analytics/widgets/chart.html",
            chart="combo",
            wide=True,
            empty_text=_("No lead arrived in this period. Choose a longer period."),
        ),
        Widget(
            "campaigns",
            _("Campaigns"),
            marketing.campaigns,
            "analytics/widgets/campaigns.html",
            wide=True,
            empty_text=_("No lead of this period names a campaign."),
            note=_(
                "Campaign results (messages sent, opened, cost and revenue) appear here once "
                "Rapport runs marketing campaigns. Until then: the leads that name a campaign."
            ),
        ),
    ),
)

EXECUTIVE = Dashboard(
    key="executive",
    title=_("Executive dashboard"),
    source=executive.executive_source,
    team_label=_("Team"),
    widgets=(
        Widget(
            "revenue",
            _("Revenue by month, against last year"),
            executive.revenue,
            "analytics/widgets/revenue.html",
            chart="combo",
            wide=True,
            empty_text=_("No order was placed in this period or a year before it."),
            note=_(
                "Orders placed in each month at their total less credits, cancelled and returned "
                "orders left out; every currency converted at the rates of the period's last day."
            ),
        ),
        Widget(
            "customers",
            _("New and repeat customers, retention"),
            executive.customers,
            "analytics/widgets/customers.html",
            chart="combo",
            wide=True,
            empty_text=_("No order was placed in this period."),
            note=_(
                "A customer is new in the period of their first order, repeat after. Retention: "
                "of the customers who ordered in the period before, the share who ordered again."
            ),
        ),
        Widget(
            "receivables",
            _("Receivables overdue"),
            executive.receivables,
            "analytics/widgets/receivables.html",
            chart="bars",
            empty_text=_("Nothing is owed."),
            note=_("What open orders still owe today, and the overdue part by days late."),
        ),
        Widget(
            "top_customers",
            _("Top customers"),
            executive.top_customers,
            "analytics/widgets/top_customers.html",
            chart="combo",
            empty_text=_("No order was placed in this period."),
            note=_("Revenue of the period by customer, in the reporting currency."),
        ),
        Widget(
            "regions",
            _("Growth by province"),
            executive.regions,
            "analytics/widgets/regions.html",
            chart="map",
            wide=True,
            empty_text=_("No order was placed in this period or the one before."),
            note=_(
                "Revenue of the period by the customer's province, and its growth against the "
                "same number of days just before."
            ),
        ),
    ),
)

DASHBOARDS = {d.key: d for d in (REP, MANAGER, MARKETING, EXECUTIVE, SERVICE)}

# Which dashboards each role may open, its own (where it lands) first. Every number on each still
# counts only what the user may see; this only keeps the list short and to the point.
ROLE_DASHBOARDS = {
    Role.ADMINISTRATOR: ("executive", "manager", "rep", "marketing", "service"),
    Role.SALES_MANAGER: ("manager", "rep", "executive", "marketing", "service"),
    Role.SALES_REP: ("rep", "service"),
    Role.MARKETING: ("marketing", "rep", "service"),
    Role.SERVICE_AGENT: ("service",),
}


def dashboards_for(user) -> list[Dashboard]:
    """The dashboards `user` may open, theirs first."""
    role = Role.ADMINISTRATOR if user.is_administrator else user.role
    return [DASHBOARDS[key] for key in ROLE_DASHBOARDS.get(role, ("service",))]
