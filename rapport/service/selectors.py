"""Reads of the service app, always scoped by `rapport.service.access`.

A ticket another user may not see answers `NotFound`, exactly as one that does not exist.
Lists are keyset-paginated over the indexes of `Ticket.Meta` (most recently active first), each
part of the visibility rule read in index order (`ticket_visible_parts`).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import visible_records_q
from rapport.accounts.models import Team, User
from rapport.core.errors import NotFound
from rapport.core.pagination import Page, keyset_page
from rapport.customers.models import Company, Person, Tag
from rapport.service.access import (
    customer_visibility_annotations,
    ticket_visible_parts,
    ticket_visible_q,
)
from rapport.service.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    AgentProfile,
    AssignmentRule,
    CannedReply,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketMessage,
    TicketWebForm,
)

LIST_SORTS = ("-updated_at", "updated_at", "-created_at", "created_at")
# The list's `status` value for every open status ("open" is the status of that name).
ANY_OPEN = "any_open"


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_visible_q(user))


def get_ticket_for_user(user: User, ticket_id: int) -> Ticket:
    ticket = tickets_visible_to(user).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    return ticket


def parse_ticket_number(text: str) -> int | None:
    """The id in "T-000123", "t-123" or "123"; None if it is none of those."""
    text = (text or "").strip().upper().removeprefix("T-")
    return int(text) if text.isdigit() and 0 < len(text) <= 12 else None


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    open_only: bool = False
    type: str = ""
    priority: str = ""
    channel: str = ""
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    category_id: int | None = None
    person_id: int | None = None
    company_id: int | None = None
    order_id: int | None = None
    tag_id: int | None = None
    # Days in the current time zone, both ends included (the dashboard links here with them).
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    resolved_from: datetime.date | None = None
    resolved_to: datetime.date | None = None


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _dated(qs: QuerySet[Ticket], name: str, start, end) -> QuerySet[Ticket]:
    # Instants rather than `__date`, so that the (…, created_at) indexes serve the range.
    if start is not None:
        qs = qs.filter(**{f"{name}__gte": day_start(start)})
    if end is not None:
        qs = qs.filter(**{f"{name}__lt": day_start(end + datetime.timedelta(days=1))})
    return qs


def _filtered(qs: QuerySet[Ticket], filters: TicketFilters) -> QuerySet[Ticket]:
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    elif filters.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    for name in ("type", "priority", "channel"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    for name in ("team_id", "assignee_id", "category_id", "person_id", "company_id", "order_id"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if filters.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if filters.tag_id is not None:
        qs = qs.filter(tags__id=filters.tag_id)
    qs = _dated(qs, "created_at", filters.created_from, filters.created_to)
    return _dated(qs, "resolved_at", filters.resolved_from, filters.resolved_to)


def tickets_list(
    user: User,
    filters: TicketFilters | None = None,
    *,
    sort: str = "-updated_at",
    cursor: str | None = None,
    size: int = 25,
) -> Page:
    """One page of the tickets `user` sees, with what a list row shows loaded (a fixed number
    of queries whatever the page size)."""
    if sort not in LIST_SORTS:
        sort = "-updated_at"
    qs = _filtered(Ticket.objects.all(), filters or TicketFilters()).select_related(
        "assignee", "team", "category", "person", "company"
    )
    parts = ticket_visible_parts(user)
    if not parts:
        return Page(items=[], next_cursor=None, prev_cursor=None)
    return keyset_page(
        qs.filter(ticket_visible_q(user)) if len(parts) == 1 else qs,
        sort=sort,
        cursor=cursor,
        size=size,
        partitions=parts if len(parts) > 1 else None,
    )


def customers_visible_on(user: User, tickets: list[Ticket]) -> None:
    """Mark each ticket's `person_visible` and `company_visible` (may the user see them by the
    customers' rule?), two queries for a whole page."""
    person_ids = {t.person_id for t in tickets} - {None}
    company_ids = {t.company_id for t in tickets} - {None}
    people = set(
        Person.objects.filter(visible_records_q(user), pk__in=person_ids).values_list(
            "pk", flat=True
        )
        if person_ids
        else ()
    )
    companies = set(
        Company.objects.filter(visible_records_q(user), pk__in=company_ids).values_list(
            "pk", flat=True
        )
        if company_ids
        else ()
    )
    for ticket in tickets:
        ticket.person_visible = ticket.person_id in people
        ticket.company_visible = ticket.company_id in companies


def my_open_tickets(user: User, *, limit: int = 100) -> list[Ticket]:
    """The agent's open tickets, oldest first (the SLA urgency order comes with the SLA timers)."""
    return list(
        Ticket.objects.filter(assignee_id=user.pk, status__in=OPEN_STATUSES)
        .select_related("team", "category", "person", "company")
        .order_by("created_at", "id")[:limit]
    )


def team_queue(user: User, team: Team, *, limit: int = 100) -> list[Ticket]:
    """A team's open tickets as its lead works through them: the unassigned first, then the
    assigned; each group by priority (urgent first), then oldest first. Raises `NotFound` for a
    team the user is not in (unless an administrator).

    Each group is read on the (team, assignee, status, created_at) index, oldest first, at most
    `limit` rows; the priority order is applied to those rows.
    """
    if not (user.is_administrator or user.team_id == team.pk):
        raise NotFound(_("Team not found."))
    base = (
        Ticket.objects.filter(team_id=team.pk, status__in=OPEN_STATUSES)
        .select_related("assignee", "category", "person", "company")
        .order_by("created_at", "id")
    )
    unassigned = list(base.filter(assignee__isnull=True)[:limit])
    assigned = list(base.filter(assignee__isnull=False)[: max(limit - len(unassigned), 0)])

    def urgency(ticket: Ticket) -> tuple:
        return (PRIORITY_RANK.get(ticket.priority, 9), ticket.created_at, ticket.pk)

    return sorted(unassigned, key=urgency) + sorted(assigned, key=urgency)


@dataclass
class TicketDetail:
    ticket: Ticket
    messages: list[TicketMessage]
    person_visible: bool
    company_visible: bool
    merged_tickets: list[Ticket]
    # Tickets opened as follow-ups of this one (a customer wrote again too late to reopen).
    follow_ups: list[Ticket] = field(default_factory=list)
    # Every tag, each with `on_ticket`, for the tags form (`ticket.tags.all()` is read from it).
    all_tags: list[Tag] = field(default_factory=list)


def ticket_detail(user: User, ticket_id: int, *, include_notes: bool = True) -> TicketDetail:
    """A ticket with its conversation (oldest first), attachments listed without their bytes.

    The ticket is read with the five relations nearly every ticket has; its order, product and
    the tickets it was merged into or reopened from, which most tickets lack, are read when
    shown (no query when empty). Joining all nine made PostgreSQL spend about 6 ms planning
    the join order of a query that runs in half a millisecond.

    Five queries: the ticket, whether its customers are visible read with it; every tag, marked
    when on the ticket; the messages; their files; the tickets merged into it and its
    follow-ups, in one query (each arm on its partial index). It took eight for the same
    (docs/benchmarks.md, "Service at scale", fifth round).
    """
    ticket = (
        tickets_visible_to(user)
        .select_related("assignee", "team", "category", "person", "company")
        .annotate(**customer_visibility_annotations(user))
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    tags = list(
        Tag.objects.annotate(
            on_ticket=Exists(
                Ticket.tags.through.objects.filter(ticket_id=ticket.pk, tag_id=OuterRef("pk"))
            )
        )
    )
    _set_prefetched(ticket, "tags", [t for t in tags if t.on_ticket])
    messages = ticket_messages(ticket, include_notes=include_notes)
    merged, follow_ups = _merged_and_follow_ups(ticket)
    return TicketDetail(
        ticket=ticket,
        messages=messages,
        person_visible=ticket.person_id is not None and ticket.person_visible,
        company_visible=ticket.company_id is not None and ticket.company_visible,
        merged_tickets=merged,
        follow_ups=follow_ups,
        all_tags=tags,
    )


def _set_prefetched(instance, name: str, rows: list) -> None:
    """What `prefetch_related(name)` leaves on `instance`: `instance.<name>.all()` answers `rows`
    without a query."""
    qs = getattr(instance, name).all()
    qs._result_cache = rows
    qs._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = qs


def _merged_and_follow_ups(ticket: Ticket) -> tuple[list[Ticket], list[Ticket]]:
    """The tickets merged into `ticket` and its follow-ups (by id), in one query: a union whose
    arms read the partial indexes on `merged_into` and `reopened_from`."""
    fields = ("id", "subject", "status")
    merged = Ticket.objects.filter(merged_into_id=ticket.pk).only(*fields).annotate(arm=Value(0))
    follow_ups = (
        Ticket.objects.filter(reopened_from_id=ticket.pk).only(*fields).annotate(arm=Value(1))
    )
    rows = list(merged.union(follow_ups, all=True).order_by("id"))
    return [t for t in rows if t.arm == 0], [t for t in rows if t.arm == 1]


def ticket_messages(ticket: Ticket, *, include_notes: bool = True) -> list[TicketMessage]:
    qs = TicketMessage.objects.filter(ticket=ticket)
    if not include_notes:
        qs = qs.exclude(kind=MessageKind.INTERNAL_NOTE)
    attachments = TicketAttachment.objects.defer("content").order_by("id")
    return list(
        qs.select_related("author_user", "author_person")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
        .order_by("created_at", "id")
    )


def get_attachment_for_user(user: User, attachment_id: int) -> TicketAttachment:
    attachment = (
        TicketAttachment.objects.select_related("message")
        .filter(pk=attachment_id, message__ticket__in=tickets_visible_to(user))
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


def ticket_by_email_thread(message_ids: list[str]) -> Ticket | None:
    """The ticket one of `message_ids` (In-Reply-To, then References) belongs to."""
    for message_id in dict.fromkeys(m for m in message_ids if m):
        found = (
            TicketMessage.objects.filter(message_id=message_id[:250])
            .select_related("ticket")
            .order_by("id")
            .first()
        )
        if found is not None:
            return found.ticket
    return None


def categories_tree() -> list[tuple[TicketCategory, int]]:
    """Active categories depth-first with their depth, for a choice list."""
    categories = list(TicketCategory.objects.filter(is_active=True))
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


def canned_replies_for(user: User) -> QuerySet[CannedReply]:
    """The canned replies `user` may use: everyone's and their team's."""
    mine = Q(team__isnull=True)
    if user.is_administrator:
        mine = Q()
    elif user.team_id:
        mine |= Q(team_id=user.team_id)
    return CannedReply.objects.filter(mine, is_active=True)


def assignment_rules() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.filter(is_active=True).select_related("category", "customer_tag")


def get_public_ticket_form(public_key: str) -> TicketWebForm:
    """An active support form by its public key; NotFound for anything else."""
    form = TicketWebForm.objects.filter(public_key=public_key, is_active=True).first()
    if form is None:
        raise NotFound(_("This form does not exist or is closed."))
    return form


def agent_profile(user: User) -> AgentProfile | None:
    return AgentProfile.objects.filter(user=user).first()
