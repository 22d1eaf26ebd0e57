"""The dashboards and their widgets, in the order they are shown."""

from django.utils.translation import gettext_lazy as _

from rapport.analytics.dashboards import Dashboard, Widget
from rapport.analytics.selectors import service

_NO_OPEN = _("No open tickets. New tickets appear here as they arrive.")
_NONE_IN_RANGE = _("Nothing in this period. Choose a longer period or another queue.")

SERVICE = Dashboard(
    key="service",
    title=_("Service dashboard"),
    source=service.service_source,
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
