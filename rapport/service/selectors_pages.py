"""Reads the service pages need beyond `rapport.service.selectors`: the list's search, the
agent's and the team's work in the order they take it, the team's agents, and the customers a
page may name.

Everything is scoped by `rapport.service.access` (and, for customers, the customers' own rule),
like the selectors it builds on.
"""

import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from rapport.accounts.models import Team, User
from rapport.core.pagination import Page
from rapport.customers.selectors import company_search_ids, person_search_ids
from rapport.service import search
from rapport.service.access import ticket_visible_parts, ticket_visible_q
from rapport.service.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    AgentProfile,
    AssignmentRule,
    CannedReply,
    Ticket,
    TicketCategory,
)
from rapport.service.selectors import (
    LIST_SORTS,
    TicketFilters,
    _filtered,
    customers_visible_on,
    parse_ticket_number,
)

# How many open tickets the agent's and the team's views show at most: a working list, not an
# archive (the ticket list pages through everything). At a million tickets a page of 200 cost
# 75 ms of CPU, one of 50 costs 30 (docs/benchmarks.md, "Service at scale").
WORK_LIST_LIMIT = 50


def ticket_search_q(user: User, text: str) -> Q:
    """Tickets whose number, subject or requester contains `text`, or whose person or company
    (among those `user` may see, by the customers' own search) does.

    Bounded like the persons' search: the newest `search.TEXT_MATCH_LIMIT` tickets containing
    the text (found on the substring index, `rapport.service.search`) and the newest as many of
    the matched customers' tickets; the list's visibility rule, filters and sort apply to those.
    """
    text = (text or "").strip()[:200]
    if not text:
        return Q()
    ids = set(search.text_match_ids(text))
    number = parse_ticket_number(text)
    if number is not None:
        ids.add(number)
    person_ids = person_search_ids(user, text)
    company_ids = company_search_ids(user, text)
    if person_ids or company_ids:
        customers = Q(person_id__in=person_ids) if person_ids else Q(pk__in=[])
        if company_ids:
            customers |= Q(company_id__in=company_ids)
        ids.update(
            Ticket.objects.filter(customers)
            .order_by("-pk")
            .values_list("pk", flat=True)[: search.TEXT_MATCH_LIMIT]
        )
    return search.ids_q(sorted(ids))


def tickets_page_query(
    user: User, filters: TicketFilters, *, q: str = ""
) -> tuple[QuerySet[Ticket], list[Q] | None]:
    """The list's queryset and the parts of the visibility rule to page through (None: one
    part, already applied), for `rapport.core.htmx.page_or_first`."""
    qs = _filtered(Ticket.objects.all(), filters).select_related(
        "assignee", "team", "category", "person", "company"
    )
    if q:
        qs = qs.filter(ticket_search_q(user, q))
    parts = ticket_visible_parts(user)
    if q or len(parts) <= 1:
        # A search bounds the list to its candidates (at most a thousand ids): one query
        # applies the whole rule to them, reading each once, where paging through the parts
        # reads them once per part, then again for the page.
        return qs.filter(ticket_visible_q(user)), None
    return qs, parts


def list_sort(sort: str | None) -> str:
    return sort if sort in LIST_SORTS else "-updated_at"


def mark_customers(user: User, page: Page | list) -> None:
    """`selectors.customers_visible_on` for a page or a list: a ticket does not reveal a
    customer the user may not open."""
    customers_visible_on(user, page.items if isinstance(page, Page) else page)


def waiting_since(ticket: Ticket) -> datetime.datetime:
    """Since when the customer has been waiting: their last message, else the ticket's birth."""
    return ticket.last_customer_message_at or ticket.created_at


def ticket_urgency_key(ticket: Ticket) -> tuple:
    """How urgent an open ticket is, smallest first: the nearest due time of its running SLA
    targets (`Ticket.sla_due_at`; a past one is breached, so breached tickets come first), then
    tickets without a running target by priority, then who has waited longest."""
    if ticket.sla_due_at is not None:
        return (0, ticket.sla_due_at.timestamp(), 0, ticket.pk)
    return (1, PRIORITY_RANK.get(ticket.priority, 9), waiting_since(ticket).timestamp(), ticket.pk)


def _first(qs: QuerySet[Ticket], order: tuple[str, ...], limit: int) -> list[Ticket]:
    """`qs`'s first `limit` tickets in `order`, in one query: the ids are picked in a limited
    subquery (on the queue and SLA indexes alone) and only those rows are joined to their
    relations. Joined first, PostgreSQL estimated one open ticket and joined all of a team's
    (677 at a million tickets: 6.7 ms against 0.4 ms)."""
    ids = qs.order_by(*order).values("pk")[:limit]
    return list(qs.filter(pk__in=ids).order_by(*order))


def _by_urgency(qs: QuerySet[Ticket], limit: int) -> list[Ticket]:
    """Up to `limit` of `qs`'s tickets most urgent first (`ticket_urgency_key`): those with a
    running SLA target by its due time (one query, on the SLA indexes), then the others one
    query per priority, most urgent first, each the oldest first (on the queue indexes), so a
    recent urgent ticket is never left behind a backlog of old ones."""
    rows: list[Ticket] = _first(qs.filter(sla_due_at__isnull=False), ("sla_due_at", "id"), limit)
    for priority in sorted(PRIORITY_RANK, key=PRIORITY_RANK.get):
        if len(rows) >= limit:
            break
        batch = _first(
            qs.filter(priority=priority, sla_due_at__isnull=True),
            ("created_at", "id"),
            limit - len(rows),
        )
        batch.sort(key=ticket_urgency_key)
        rows.extend(batch)
    return rows


def my_tickets_by_urgency(user: User, *, limit: int = WORK_LIST_LIMIT) -> list[Ticket]:
    """The agent's open tickets, most urgent first (`ticket_urgency_key`)."""
    qs = Ticket.objects.filter(assignee_id=user.pk, status__in=OPEN_STATUSES).select_related(
        "team", "category", "person", "company"
    )
    return _by_urgency(qs, limit)


def team_queue_by_urgency(team: Team, *, limit: int = WORK_LIST_LIMIT) -> list[Ticket]:
    """A team's open tickets as its lead works through them: unassigned first, then by urgency.
    The caller checks that the user may see the team's queue (`queue_teams`)."""
    qs = Ticket.objects.filter(team_id=team.pk, status__in=OPEN_STATUSES).select_related(
        "assignee", "category", "person", "company"
    )
    rows = _by_urgency(qs.filter(assignee__isnull=True), limit)
    if len(rows) < limit:
        rows += _by_urgency(qs.filter(assignee__isnull=False), limit - len(rows))
    return rows


def queue_teams(user: User) -> QuerySet[Team]:
    """The queues `user` may work through: every team's for an administrator, else their own."""
    if user.is_administrator:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk=user.team_id) if user.team_id else Team.objects.none()


def team_agents(team_id: int | None) -> list[User]:
    """The team's active members, each with `is_away` and `open_tickets`, in one query (the
    open count a subquery per agent on the assignee and status index)."""
    if team_id is None:
        return []
    open_count = (
        Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return list(
        User.objects.filter(team_id=team_id, is_active=True)
        .annotate(
            is_away=Coalesce("agent_profile__is_away", False),
            open_tickets=Coalesce(Subquery(open_count), 0),
        )
        .order_by("first_name", "username")
    )


# --- Settings pages ----------------------------------------------------------------------------


def categories_all() -> list[tuple[TicketCategory, int]]:
    """Every category (active or not) depth-first with its depth, for the settings page."""
    categories = list(TicketCategory.objects.all())
    children: dict[int | None, list[TicketCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[tuple[TicketCategory, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            ordered.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return ordered


def canned_replies_managed_by(user: User) -> QuerySet[CannedReply]:
    """The canned replies `user` may manage: all for an administrator, else their team's."""
    qs = CannedReply.objects.select_related("team", "created_by")
    if user.is_administrator:
        return qs
    return qs.filter(team_id=user.team_id) if user.team_id else qs.none()


def assignment_rules_all() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.select_related(
        "category", "customer_tag", "team", "last_assigned"
    ).order_by("position", "id")


def agents_with_profiles() -> list[User]:
    """Active users of every team, each with `service_profile` (their AgentProfile or None)."""
    users = list(
        User.objects.filter(is_active=True, team__isnull=False)
        .select_related("team")
        .order_by("team__name", "username")
    )
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(user__in=users)}
    for user in users:
        user.service_profile = profiles.get(user.pk)
    return users
