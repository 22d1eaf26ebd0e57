"""The complaint report: complaints opened in a period, counted by root cause, product and team;
how long closing took; who complained more than once; and how many complainants ordered again
within 90 days of their complaint being closed.

Everything is read through the ticket visibility rule (`rapport.service.access`): a reader
counts the complaints they may see, and a repeat complainer is named only when the customers'
own rule lets the reader see the person. The report costs a fixed number of queries, whatever
the number of complaints.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import Team, User
from rapport.customers.models import Person
from rapport.sales.models import Order, OrderStatus, Product
from rapport.service.access import ticket_visible_q
from rapport.service.models import RootCause, Ticket, TicketType

# How long after a complaint was closed an order counts as the customer coming back.
REORDER_WINDOW = datetime.timedelta(days=90)
# How many repeat complainers the page lists (the count covers them all).
REPEAT_LIMIT = 50
DEFAULT_PERIOD_DAYS = 90


@dataclass
class ComplaintFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def with_defaults(self, today: datetime.date) -> "ComplaintFilters":
        """The last DEFAULT_PERIOD_DAYS when no date is given."""
        if self.date_from is None and self.date_to is None:
            return ComplaintFilters(today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)
        return self


@dataclass
class RepeatComplainer:
    person_id: int
    name: str  # empty when the reader may not see the person
    complaints: int


@dataclass
class ComplaintReport:
    total: int = 0
    closed: int = 0
    by_root_cause: list[dict] = field(default_factory=list)
    by_product: list[dict] = field(default_factory=list)
    by_team: list[dict] = field(default_factory=list)
    close_hours_median: float | None = None
    close_hours_p90: float | None = None
    repeat_count: int = 0
    repeat_complainers: list[RepeatComplainer] = field(default_factory=list)
    complainants: int = 0
    reordered: int = 0

    @property
    def reordered_share(self) -> float | None:
        return round(100 * self.reordered / self.complainants, 1) if self.complainants else None


def complaints_visible_to(user: User, filters: ComplaintFilters) -> QuerySet[Ticket]:
    """The complaints `user` may see, opened within the filters' dates (merged ones left out:
    their story goes on in the ticket they were merged into)."""
    complaints = Ticket.objects.filter(
        ticket_visible_q(user), type=TicketType.COMPLAINT, merged_into__isnull=True
    )
    if filters.date_from:
        complaints = complaints.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        complaints = complaints.filter(created_at__date__lte=filters.date_to)
    return complaints


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in 0–1) of sorted `values`."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def _counted(complaints: QuerySet, group: str, names: dict, missing: str) -> list[dict]:
    rows = complaints.values(group).annotate(count=Count("pk")).order_by()
    result = [
        {
            "key": row[group],
            "name": names.get(row[group], str(row[group])) if row[group] is not None else missing,
            "count": row["count"],
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: (-row["count"], row["name"]))


def _reorder_q() -> Exists:
    """An order placed by the complaint's customer after it was closed, within the window (a
    cancelled order does not count)."""
    window = {
        "placed_at__gt": OuterRef("closed_at"),
        "placed_at__lte": OuterRef("closed_at") + REORDER_WINDOW,
    }
    live = ~Q(status=OrderStatus.CANCELLED)
    by_person = Order.objects.filter(live, person_id=OuterRef("person_id"), **window)
    by_company = Order.objects.filter(live, company_id=OuterRef("company_id"), **window)
    # A complaint about a person is theirs; one about a company alone is the company's.
    return Exists(by_person) | (Q(person__isnull=True) & Exists(by_company))


def complaint_report(user: User, filters: ComplaintFilters) -> ComplaintReport:
    complaints = complaints_visible_to(user, filters)
    report = ComplaintReport()

    causes = dict(RootCause.choices)
    report.by_root_cause = _counted(complaints, "root_cause", causes, "")
    for row in report.by_root_cause:
        if not row["key"]:
            row["name"] = _("Not given yet (open)")
    report.total = sum(row["count"] for row in report.by_root_cause)
    if not report.total:
        return report

    by_product = _counted(complaints, "product", {}, _("No product"))
    by_team = _counted(complaints, "team", {}, _("No team"))
    products = dict(
        Product.objects.filter(pk__in=[r["key"] for r in by_product if r["key"]]).values_list(
            "pk", "name"
        )
    )
    teams = dict(
        Team.objects.filter(pk__in=[r["key"] for r in by_team if r["key"]]).values_list(
            "pk", "name"
        )
    )
    for rows, names in ((by_product, products), (by_team, teams)):
        for row in rows:
            if row["key"] is not None:
                row["name"] = names.get(row["key"], row["name"])
        rows.sort(key=lambda row: (-row["count"], row["name"]))
    report.by_product, report.by_team = by_product, by_team

    closed = complaints.filter(closed_at__isnull=False)
    durations = sorted(
        (closed_at - created_at).total_seconds() / 3600
        for created_at, closed_at in closed.values_list("created_at", "closed_at")
    )
    report.closed = len(durations)
    if durations:
        report.close_hours_median = round(percentile(durations, 0.5), 1)
        report.close_hours_p90 = round(percentile(durations, 0.9), 1)

    repeats = (
        complaints.filter(person__isnull=False)
        .values("person")
        .annotate(count=Count("pk"))
        .filter(count__gte=2)
        .order_by("-count", "person")
    )
    repeat_rows = list(repeats[:REPEAT_LIMIT])
    report.repeat_count = len(repeat_rows) if len(repeat_rows) < REPEAT_LIMIT else repeats.count()
    visible = dict(
        Person.objects.filter(
            visible_records_q(user), pk__in=[row["person"] for row in repeat_rows]
        ).values_list("pk", "full_name")
    )
    report.repeat_complainers = [
        RepeatComplainer(row["person"], visible.get(row["person"], ""), row["count"])
        for row in repeat_rows
    ]

    customers: dict[tuple, bool] = {}
    rows = (
        closed.filter(Q(person__isnull=False) | Q(company__isnull=False))
        .annotate(reordered=_reorder_q())
        .values_list("person_id", "company_id", "reordered")
    )
    for person_id, company_id, reordered in rows:
        key = ("person", person_id) if person_id is not None else ("company", company_id)
        customers[key] = customers.get(key, False) or bool(reordered)
    report.complainants = len(customers)
    report.reordered = sum(customers.values())
    return report


def report_window_note(filters: ComplaintFilters) -> bool:
    """Whether complaints closed in the period may still be within their 90 days (the figure
    can still grow)."""
    today = timezone.localdate()
    return filters.date_to is None or filters.date_to > today - REORDER_WINDOW
