"""What a dashboard is, so that every dashboard (the service lead's now, the sales and executive
ones of issue 17) is drawn by the same page, template and script.

A `Dashboard` is a list of `Widget`s over one `source`: an object built once per request from
the user and the `DashboardFilters`, which reads what its widgets share (lazily, a fixed number
of queries whatever the data) and applies the visibility rule of what it counts. Each widget's
`selector` takes that source and returns a JSON-ready dict:

- "chart": what the builder named by `Widget.chart` in static/analytics/dashboards.js turns into
  an ECharts option (labels already translated, and each point's `url` to the records behind it);
- anything else its `template` shows (figures, a table, links);
- "empty": True when there is nothing to show; the template says what to do instead.

No script is written into the page (CSP): each chart's data goes out through `json_script`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from rapport.analytics.stats import MONTH, PERIODS, WEEK

# A longer range would draw thousands of daily points and read years of tickets at once.
MAX_RANGE_DAYS = 731
DEFAULT_WEEKS = 12
# Ranges up to this many days are shown by week, longer ones by month (unless asked).
WEEKLY_UP_TO_DAYS = 120


@dataclass(frozen=True)
class DashboardFilters:
    start: datetime.date
    end: datetime.date
    team_id: int | None = None
    period: str = WEEK

    @classmethod
    def from_query(
        cls,
        *,
        start: datetime.date | None,
        end: datetime.date | None,
        team_id: int | None,
        period: str = "",
    ) -> "DashboardFilters":
        """The filters a query string asks for, made sensible: by default the last twelve weeks
        up to today; ends swapped if given backwards; at most `MAX_RANGE_DAYS` long."""
        today = timezone.localdate()
        end = end or today
        if start is None:
            monday = end - datetime.timedelta(days=end.weekday())
            start = monday - datetime.timedelta(weeks=DEFAULT_WEEKS - 1)
        if start > end:
            start, end = end, start
        if (end - start).days >= MAX_RANGE_DAYS:
            start = end - datetime.timedelta(days=MAX_RANGE_DAYS - 1)
        if period not in PERIODS:
            period = WEEK if (end - start).days < WEEKLY_UP_TO_DAYS else MONTH
        return cls(start=start, end=end, team_id=team_id, period=period)

    def as_query(self) -> dict[str, str]:
        query = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.team_id is not None:
            query["team_id"] = str(self.team_id)
        query["by"] = self.period
        return query


@dataclass(frozen=True)
class Widget:
    key: str  # unique in its dashboard; names the chart's data element and the test ids
    title: str | Promise
    selector: Callable[[Any], dict]
    template: str
    chart: str = ""  # the builder in dashboards.js; "" for a widget without a chart
    wide: bool = False  # spans the dashboard's width
    # What to do when there is nothing to show ("open a ticket", "choose a longer period").
    empty_text: str | Promise = ""
    # What the widget counts, said under its title (a definition, where the data comes from).
    note: str | Promise = ""


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: str | Promise
    source: Callable[..., Any]  # (user, filters) -> what the widgets read
    widgets: tuple[Widget, ...]
    # The label of the team filter ("Queue" for the service's teams); "" for no team filter.
    team_label: str | Promise = ""

    def widget(self, key: str) -> Widget | None:
        return next((w for w in self.widgets if w.key == key), None)


@dataclass
class ShownWidget:
    widget: Widget
    data: dict

    @property
    def data_id(self) -> str:
        return f"widget-{self.widget.key}-data"


def dashboard_render_data(
    dashboard: Dashboard, user, filters: DashboardFilters, widgets: list[Widget] | None = None
):
    """The source and each widget's data, in the order of `widgets` (by default every widget
    of the dashboard, in its order). A widget left out is not computed."""
    source = dashboard.source(user, filters)
    chosen = dashboard.widgets if widgets is None else widgets
    return source, [ShownWidget(widget, widget.selector(source)) for widget in chosen]


__all__ = ["MONTH", "WEEK", "Dashboard", "DashboardFilters", "ShownWidget", "Widget"]
