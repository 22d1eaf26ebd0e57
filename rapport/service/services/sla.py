"""SLA clocks of tickets: which policy applies, when each target is due, pauses, met and
breached, and the periodic check that warns and escalates.

- `sla_sync(ticket, event=…)` brings a ticket's targets in line with the ticket as it is now;
  the ticket services call it after every change that matters (created, priority or type or
  customer changed, status changed, a public reply, a customer message). It starts the targets
  the matching policy asks for (first response and resolution from the ticket's creation; a
  next response each time the customer writes after being answered; a new resolution clock
  when a resolved ticket is reopened), meets them (a public reply meets the running response
  targets; resolving meets the resolution), pauses them while the ticket waits for the customer
  and, on resuming, moves the due times by the business time the pause took, and applies a new
  policy's minutes when the ticket's priority, type or customer changes.
- A target's due time is `add_minutes(started_at, minutes + paused business minutes)` on the
  working calendar of the ticket's team (`BusinessHours`, else the default row); its warning
  time the same with `warn_percent` of the minutes. Both are stored, so the check reads only
  the rows that came due, by index.
- `sla_check(now)` runs every minute: one conditional UPDATE … RETURNING claims the targets
  whose due time passed (escalated_at IS NULL) and one those whose warning time came
  (warned_at IS NULL), so each warning and escalation happens exactly once per target however
  many checks run at the same time; then the notifications are written in bulk. Its number of
  queries does not grow with the number of open tickets (a batch of tickets is read per 5,000
  claimed targets).
- The policies' actions on a breach (raise the priority, reassign) rewrite ticket rows, 20
  indexes each: the escalation marks its targets `actions_pending`, and `sla_apply_actions`
  acts on them ticket batch by ticket batch, each batch clearing the marks it acted on in its
  own transaction, so each breach is acted on exactly once even across a crash. The check acts
  on the first batch itself (a minute's breaches: all of them); `tasks.check_slas` queues
  `tasks.apply_sla_actions` for what a backlog leaves, or a dead worker left.
"""

import datetime
import threading
from collections import defaultdict
from contextvars import ContextVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Min, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role, User
from rapport.activities.models import register_notification_wording
from rapport.activities.services import notification_create_many
from rapport.core.records import records_changed
from rapport.customers.models import Tag
from rapport.service.business_time import WorkingCalendar, parse_hours
from rapport.service.models import (
    BusinessHours,
    HolidayCalendarDay,
    HolidayKind,
    SlaPolicy,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketPriority,
    TicketStatus,
    ticket_number,
)
from rapport.service.services.assignment import available_agents
from rapport.service.services.common import ticket_url

# Why `sla_sync` is called; the status, priority and the like are read from the ticket itself.
EVENT_REPLY = "reply"
EVENT_CUSTOMER_MESSAGE = "customer_message"

RESPONSE_KINDS = (SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.NEXT_RESPONSE)
BATCH = 5000
# Tickets acted on (priority raised, reassigned) per transaction: a backlog's 100,000 ticket
# UPDATEs in one statement held the check for 7 s (idle machine); a batch of 1,000 about 0.1 s.
ACTION_BATCH = 1000
# Someone told of more targets than this in one check gets one digest instead.
DIGEST_AFTER = 10
# True while the check itself changes tickets (raising a priority, reassigning): the change
# announcements must not make `sla_events` sync the clocks they come from, ticket by ticket.
checking: ContextVar[bool] = ContextVar("sla_checking", default=False)
# One step up on a breach (urgent stays urgent).
RAISED_PRIORITY = {
    TicketPriority.LOW: TicketPriority.NORMAL,
    TicketPriority.NORMAL: TicketPriority.HIGH,
    TicketPriority.HIGH: TicketPriority.URGENT,
}

WARNING_WORDING = {
    SlaTargetKind.FIRST_RESPONSE: _("First response due soon: %(title)s"),
    SlaTargetKind.NEXT_RESPONSE: _("Reply due soon: %(title)s"),
    SlaTargetKind.RESOLUTION: _("Resolution due soon: %(title)s"),
}
BREACH_WORDING = {
    SlaTargetKind.FIRST_RESPONSE: _("First response overdue: %(title)s"),
    SlaTargetKind.NEXT_RESPONSE: _("Reply overdue: %(title)s"),
    SlaTargetKind.RESOLUTION: _("Resolution overdue: %(title)s"),
}


def register_wording() -> None:
    """Word the check's notifications in the reader's language (from ServiceConfig.ready)."""
    for kind in SlaTargetKind.values:
        register_notification_wording(f"ticket.sla_warning.{kind}", WARNING_WORDING[kind])
        register_notification_wording(f"ticket.sla_breach.{kind}", BREACH_WORDING[kind])
    # The digests' title is the number of targets.
    register_notification_wording(
        "ticket.sla_warning.digest", _("%(title)s of your tickets will soon be overdue")
    )
    register_notification_wording(
        "ticket.sla_breach.digest", _("%(title)s service level targets were breached")
    )


# --- Calendars ---------------------------------------------------------------------------------

_calendars: dict[tuple, WorkingCalendar] = {}
_calendars_lock = threading.Lock()


def business_hours_for(team_id: int | None) -> BusinessHours | None:
    """The team's business hours, else the default row (no team); None when there is neither."""
    rows = list(
        BusinessHours.objects.select_related("holiday_calendar").filter(
            Q(team_id=team_id) | Q(team__isnull=True) if team_id else Q(team__isnull=True)
        )
    )
    rows.sort(key=lambda row: row.team_id is None)
    return rows[0] if rows else None


def working_calendar(hours: BusinessHours | None) -> WorkingCalendar:
    """The `WorkingCalendar` of a business-hours row (24×7 in the site's zone without one).

    Kept per process and keyed by the rows' `updated_at`, so an edit is seen at once and a
    calendar is laid out once per process, not once per ticket."""
    if hours is None:
        return _always_open()
    calendar = hours.holiday_calendar
    key = (hours.pk, hours.updated_at, calendar.pk if calendar else None)
    key += (calendar.updated_at,) if calendar else ()
    cached = _calendars.get(key)
    if cached is not None:
        return cached
    holidays, workdays = set(), set()
    if calendar is not None:
        for day, kind in HolidayCalendarDay.objects.filter(calendar=calendar).values_list(
            "date", "kind"
        ):
            (holidays if kind == HolidayKind.HOLIDAY else workdays).add(day)
    try:
        weekly = {int(day): parse_hours(text) for day, text in (hours.weekly or {}).items()}
        built = WorkingCalendar(hours.time_zone, weekly, holidays, workdays)
    except ValueError:
        # The settings form refuses such rows; one written otherwise counts every minute.
        built = _always_open()
    with _calendars_lock:
        if len(_calendars) > 100:
            _calendars.clear()
        _calendars[key] = built
    return built


def _always_open() -> WorkingCalendar:
    key = ("always", settings.TIME_ZONE)
    if key not in _calendars:
        _calendars[key] = WorkingCalendar.always_open(settings.TIME_ZONE)
    return _calendars[key]


def calendar_for_ticket(ticket: Ticket) -> WorkingCalendar:
    return working_calendar(business_hours_for(ticket.team_id))


# --- Policies ----------------------------------------------------------------------------------


def _customer_tag_ids(ticket: Ticket) -> set[int]:
    if ticket.person_id is None and ticket.company_id is None:
        return set()
    condition = Q(pk__in=[])
    if ticket.person_id is not None:
        condition |= Q(persons=ticket.person_id)
    if ticket.company_id is not None:
        condition |= Q(companies=ticket.company_id)
    return set(Tag.objects.filter(condition).values_list("pk", flat=True))


def policy_matches(policy: SlaPolicy, ticket: Ticket, tag_ids: set[int]) -> bool:
    return (
        (not policy.priority or policy.priority == ticket.priority)
        and (not policy.type or policy.type == ticket.type)
        and (not policy.customer_tag_id or policy.customer_tag_id in tag_ids)
    )


def matching_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy (by position) whose non-empty conditions all match."""
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("position", "id"))
    if not policies:
        return None
    tag_ids = _customer_tag_ids(ticket) if any(p.customer_tag_id for p in policies) else set()
    return next((p for p in policies if policy_matches(p, ticket, tag_ids)), None)


# --- Keeping a ticket's targets ------------------------------------------------------------------


def schedule(target: SlaTarget, calendar: WorkingCalendar) -> None:
    """Set `warn_at` and `due_at` from the start, the minutes and the ended pauses."""
    paused = target.paused_seconds / 60
    target.due_at = calendar.add_minutes(target.started_at, target.minutes + paused)
    target.warn_at = calendar.add_minutes(
        target.started_at, target.minutes * target.warn_percent / 100 + paused
    )


def _meet(target: SlaTarget, when: datetime.datetime) -> None:
    target.met_at = target.stopped_at = when
    # Late if the clock had run past the due time (a paused clock stopped when it paused).
    clock = target.paused_at or when
    if target.breached_at is None and clock > target.due_at:
        target.breached_at = target.due_at


def _stop(target: SlaTarget, when: datetime.datetime) -> None:
    target.stopped_at = when


def _new_target(
    ticket: Ticket, policy: SlaPolicy, kind: str, started_at, calendar: WorkingCalendar
) -> SlaTarget:
    target = SlaTarget(
        ticket=ticket,
        policy=policy,
        kind=kind,
        minutes=policy.minutes_for(kind),
        warn_percent=policy.warn_percent,
        started_at=started_at,
    )
    schedule(target, calendar)
    return target


@transaction.atomic
def sla_sync(ticket: Ticket, *, event: str = "", now: datetime.datetime | None = None) -> None:
    """Bring the ticket's SLA targets in line with the ticket (see the module docstring).

    Call it after the ticket was saved; it writes only the targets and `ticket.sla_due_at`
    (also set on the instance, so a later full save keeps it). Four queries when nothing
    changes (targets, business hours, policies, tags if a policy asks for them)."""
    now = now or timezone.now()
    targets = list(SlaTarget.objects.filter(ticket_id=ticket.pk).order_by("started_at", "id"))
    running = {t.kind: t for t in targets if t.stopped_at is None}
    is_open = ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    policy = matching_policy(ticket) if is_open and ticket.merged_into_id is None else None
    if not targets and policy is None:
        _set_due(ticket, [])
        return
    calendar = calendar_for_ticket(ticket)
    changed: list[SlaTarget] = []
    created: list[SlaTarget] = []

    if event == EVENT_REPLY:
        for kind in RESPONSE_KINDS:
            target = running.pop(kind, None)
            if target is not None:
                _meet(target, now)
                changed.append(target)
    elif ticket.first_responded_at is not None and SlaTargetKind.FIRST_RESPONSE in running:
        target = running.pop(SlaTargetKind.FIRST_RESPONSE)
        _meet(target, max(ticket.first_responded_at, target.started_at))
        changed.append(target)

    if not is_open or ticket.merged_into_id is not None:
        for kind, target in list(running.items()):
            if kind == SlaTargetKind.RESOLUTION and ticket.merged_into_id is None:
                _meet(target, ticket.resolved_at or now)
            else:
                _stop(target, now)
            changed.append(target)
        running.clear()
    else:
        paused = ticket.status == TicketStatus.WAITING_CUSTOMER
        for kind, target in list(running.items()):
            minutes = policy.minutes_for(kind) if policy else None
            if minutes is None:
                _stop(target, now)
                running.pop(kind)
                changed.append(target)
                continue
            dirty = False
            if (target.policy_id, target.minutes, target.warn_percent) != (
                policy.pk,
                minutes,
                policy.warn_percent,
            ):
                target.policy = policy
                target.minutes = minutes
                target.warn_percent = policy.warn_percent
                dirty = True
            if paused and target.paused_at is None:
                target.paused_at = now
                dirty = True
            elif not paused and target.paused_at is not None:
                target.paused_seconds += round(calendar.seconds_between(target.paused_at, now))
                target.paused_at = None
                dirty = True
            if dirty:
                schedule(target, calendar)
                changed.append(target)
        if policy is not None:
            created = _targets_to_start(ticket, policy, targets, running, event, now, calendar)
            for target in created:
                if paused:
                    target.paused_at = now
                running[target.kind] = target

    if changed:
        SlaTarget.objects.bulk_update(
            {id(t): t for t in changed}.values(),
            [
                "policy",
                "minutes",
                "warn_percent",
                "paused_seconds",
                "paused_at",
                "warn_at",
                "due_at",
                "breached_at",
                "met_at",
                "stopped_at",
            ],
        )
    if created:
        SlaTarget.objects.bulk_create(created)
    _set_due(ticket, running.values())


def sla_backfill(ticket: Ticket, *, now: datetime.datetime | None = None) -> list[SlaTarget]:
    """The targets of a ticket whose history was written at once rather than lived (the demo,
    tickets imported from another help desk): first response and resolution from its creation,
    met when it was first answered and resolved, late if that was after the due time; the open
    ones keep running for `sla_check`. A ticket that already has targets is left alone, as is
    one no policy matches. Next-response targets need the conversation as it happened, so a
    backfilled ticket has none."""
    now = now or timezone.now()
    if SlaTarget.objects.filter(ticket_id=ticket.pk).exists():
        return []
    policy = matching_policy(ticket)
    if policy is None:
        return []
    calendar = calendar_for_ticket(ticket)
    ended = ticket.resolved_at or ticket.closed_at
    targets = []
    for kind, met_at in (
        (SlaTargetKind.FIRST_RESPONSE, ticket.first_responded_at),
        (SlaTargetKind.RESOLUTION, ended),
    ):
        if policy.minutes_for(kind) is None:
            continue
        target = _new_target(ticket, policy, kind, ticket.created_at, calendar)
        if met_at is not None:
            _meet(target, max(met_at, target.started_at))
        elif ended is not None or ticket.merged_into_id is not None:
            _stop(target, ended or now)
        elif ticket.status == TicketStatus.WAITING_CUSTOMER:
            target.paused_at = now
        targets.append(target)
    SlaTarget.objects.bulk_create(targets)
    _set_due(ticket, [t for t in targets if t.stopped_at is None])
    return targets


def _targets_to_start(ticket, policy, targets, running, event, now, calendar) -> list[SlaTarget]:
    started = []
    kinds = {t.kind for t in targets}
    if (
        policy.first_response_minutes is not None
        and SlaTargetKind.FIRST_RESPONSE not in kinds
        and ticket.first_responded_at is None
    ):
        started.append(
            _new_target(ticket, policy, SlaTargetKind.FIRST_RESPONSE, ticket.created_at, calendar)
        )
    if (
        policy.next_response_minutes is not None
        and event == EVENT_CUSTOMER_MESSAGE
        and ticket.first_responded_at is not None
        and SlaTargetKind.NEXT_RESPONSE not in running
        and SlaTargetKind.FIRST_RESPONSE not in running
    ):
        started.append(_new_target(ticket, policy, SlaTargetKind.NEXT_RESPONSE, now, calendar))
    if policy.resolution_minutes is not None and SlaTargetKind.RESOLUTION not in running:
        # From the ticket's birth the first time; a reopened ticket's clock starts again.
        start = ticket.created_at if SlaTargetKind.RESOLUTION not in kinds else now
        started.append(_new_target(ticket, policy, SlaTargetKind.RESOLUTION, start, calendar))
    return started


def _set_due(ticket: Ticket, running) -> None:
    due = min((t.due_at for t in running if t.paused_at is None), default=None)
    if ticket.sla_due_at != due:
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)
        ticket.sla_due_at = due


def sla_reschedule(*, ticket_ids=None, team_ids=None, default_hours: bool = False) -> int:
    """Recompute the due times of the running targets after business hours or a holiday
    calendar changed: of these tickets, of these teams' tickets, or (`default_hours`) of the
    tickets whose team has no business hours of its own. Returns how many targets moved."""
    condition = Q(pk__in=[])
    if ticket_ids is not None:
        condition |= Q(ticket_id__in=ticket_ids)
    if team_ids:
        condition |= Q(ticket__team_id__in=team_ids)
    if default_hours:
        own = BusinessHours.objects.filter(team__isnull=False).values("team_id")
        condition |= Q(ticket__team__isnull=True) | ~Q(ticket__team_id__in=own)
    targets = list(
        SlaTarget.objects.filter(condition, stopped_at__isnull=True).select_related("ticket")
    )
    by_team: dict[int | None, list[SlaTarget]] = defaultdict(list)
    for target in targets:
        by_team[target.ticket.team_id].append(target)
    for team_id, rows in by_team.items():
        calendar = working_calendar(business_hours_for(team_id))
        dues = calendar.add_minutes_many(
            (t.started_at, t.minutes + t.paused_seconds / 60) for t in rows
        )
        warns = calendar.add_minutes_many(
            (t.started_at, t.minutes * t.warn_percent / 100 + t.paused_seconds / 60) for t in rows
        )
        for target, due, warn in zip(rows, dues, warns, strict=True):
            target.due_at, target.warn_at = due, warn
    SlaTarget.objects.bulk_update(targets, ["due_at", "warn_at"], batch_size=1000)
    ticket_ids = {t.ticket_id for t in targets}
    _refresh_due(list(ticket_ids))
    return len(targets)


def _refresh_due(ticket_ids: list[int]) -> None:
    nearest = (
        SlaTarget.objects.filter(
            ticket_id=OuterRef("pk"), stopped_at__isnull=True, paused_at__isnull=True
        )
        .values("ticket_id")
        .annotate(due=Min("due_at"))
        .values("due")[:1]
    )
    for start in range(0, len(ticket_ids), BATCH):
        Ticket.objects.filter(pk__in=ticket_ids[start : start + BATCH]).update(
            sla_due_at=Subquery(nearest)
        )


# --- The periodic check ------------------------------------------------------------------------


def _claim(sql_set: str, sql_where: str, params: list) -> list[dict]:
    """One conditional UPDATE … RETURNING: the rows it changed are this check's alone (a
    concurrent check's UPDATE finds the condition false), each with what the notifications
    need of its ticket (read in the same statement, not by a list of ids)."""
    target = connection.ops.quote_name(SlaTarget._meta.db_table)
    ticket = connection.ops.quote_name(Ticket._meta.db_table)

    def of_ticket(field: str) -> str:
        column = connection.ops.quote_name(Ticket._meta.get_field(field).column)
        return f"(SELECT t.{column} FROM {ticket} t WHERE t.id = {target}.ticket_id)"  # noqa: S608

    names = ("id", "ticket_id", "kind", "policy_id", "assignee_id", "team_id", "subject")
    names += ("actions_pending",)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {target} SET {sql_set} WHERE {sql_where} "  # noqa: S608 -- no user input
            f"RETURNING id, ticket_id, kind, policy_id, {of_ticket('assignee')}, "
            f"{of_ticket('team')}, {of_ticket('subject')}, actions_pending",
            params,
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _leads(team_ids: set[int | None]) -> dict[int | None, list[int]]:
    """Who hears of a team's breaches: the team lead named on its business hours (else on the
    default row), else the team's sales managers, else the administrators. Three queries."""
    hours = {
        h.team_id: h.team_lead_id for h in BusinessHours.objects.filter(team_lead__isnull=False)
    }
    managers: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in User.objects.filter(
        team_id__in=[t for t in team_ids if t], role=Role.SALES_MANAGER, is_active=True
    ).values_list("pk", "team_id"):
        managers[team_id].append(user_id)
    admins = list(
        User.objects.filter(Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    leads = {}
    for team_id in team_ids:
        lead = hours.get(team_id) or hours.get(None)
        leads[team_id] = [lead] if lead else (managers.get(team_id) or admins)
    return leads


def sla_check(now: datetime.datetime | None = None) -> dict:
    """Warn and escalate every target whose time came (see the module docstring); returns
    {"warned": n, "breached": n}. Safe to run twice or at the same time as another check."""
    now = now or timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        policy = connection.ops.quote_name(SlaPolicy._meta.db_table)
        target = connection.ops.quote_name(SlaTarget._meta.db_table)
        # Whether the policy acts on a breach (table names only, no user input).
        acts = (
            f"EXISTS (SELECT 1 FROM {policy} p WHERE p.id = {target}.policy_id "  # noqa: S608
            "AND (p.raise_priority OR p.reassign))"
        )
        breached = _claim(
            "escalated_at = %s, breached_at = COALESCE(breached_at, due_at), "
            f"warned_at = COALESCE(warned_at, %s), actions_pending = {acts}",
            "stopped_at IS NULL AND paused_at IS NULL AND escalated_at IS NULL AND due_at <= %s",
            [at, at, at],
        )
        warned = _claim(
            "warned_at = %s",
            "stopped_at IS NULL AND paused_at IS NULL AND warned_at IS NULL AND warn_at <= %s",
            [at, at],
        )
        if breached or warned:
            _notify_and_act(breached, warned)
    return {"warned": len(warned), "breached": len(breached)}


def _notify_and_act(breached: list[dict], warned: list[dict]) -> None:
    leads = _leads({row["team_id"] for row in breached + warned})
    by_recipient: dict[tuple[int, str], list[tuple[str, dict]]] = defaultdict(list)
    for row in warned:
        # The assignee is warned; an unassigned ticket's warning goes to the team lead.
        recipients = [row["assignee_id"]] if row["assignee_id"] else leads[row["team_id"]]
        for recipient in recipients:
            by_recipient[(recipient, "warning")].append((f"ticket.sla_warning.{row['kind']}", row))
    for row in breached:
        recipients = set(leads[row["team_id"]])
        if row["assignee_id"]:
            recipients.add(row["assignee_id"])
        for recipient in recipients:
            by_recipient[(recipient, "breach")].append((f"ticket.sla_breach.{row['kind']}", row))
    notification_create_many(_notifications(by_recipient))
    # A minute's breaches are acted on at once, in this transaction; a backlog's first batch
    # too, the rest by `tasks.apply_sla_actions` in batches of their own.
    if any(row["actions_pending"] for row in breached):
        _apply_actions(ACTION_BATCH)


def _notifications(by_recipient: dict) -> list[dict]:
    """One notification per target, or, for someone told of more than DIGEST_AFTER in one
    check (a backlog after the worker was down), one digest with the count and a link to the
    list that orders them by urgency."""
    url = ticket_url(Ticket(pk=987654321)).replace("987654321", "{}")
    digest_urls = {
        "warning": reverse("service:my_tickets"),
        "breach": reverse("service:sla_report"),
    }
    rows = []
    for (recipient, group), items in by_recipient.items():
        if len(items) > DIGEST_AFTER:
            rows.append(
                {
                    "recipient_id": recipient,
                    "kind": f"ticket.sla_{group}.digest",
                    "title": str(len(items)),
                    "url": digest_urls[group],
                }
            )
            continue
        for kind, row in items:
            rows.append(
                {
                    "recipient_id": recipient,
                    "kind": kind,
                    "title": f"{ticket_number(row['ticket_id'])} {row['subject']}",
                    "url": url.format(row["ticket_id"]),
                    "target_type": "ticket",
                    "target_id": row["ticket_id"],
                }
            )
    return rows


# --- Acting on breaches, in batches --------------------------------------------------------------


def sla_actions_pending() -> bool:
    """Whether breaches wait for their policy's actions (one indexed EXISTS)."""
    return SlaTarget.objects.filter(actions_pending=True).exists()


def sla_apply_actions(*, limit: int | None = None) -> int:
    """Act on the pending breaches (`SlaTarget.actions_pending`) of up to `limit` tickets, in
    one short transaction: raise their priority, reassign them, as their policy asks now.
    Returns how many tickets were taken (0: nothing left).

    Each batch claims its targets with a conditional UPDATE (… SET actions_pending = false
    WHERE actions_pending … RETURNING), committed with the tickets it changes: a batch that dies
    changes nothing and its targets stay pending, a batch that committed is never redone, and
    two workers at once take different tickets (SKIP LOCKED on PostgreSQL) or, on SQLite, one
    after the other. So each breach raises a priority exactly once, however often this runs."""
    with transaction.atomic():
        return _apply_actions(limit or ACTION_BATCH)


def _claim_actions(limit: int) -> list[dict]:
    """Every pending target of up to `limit` tickets: the tickets first (on the partial index,
    skipping those another batch holds), then their targets by one conditional UPDATE on that
    list, whose RETURNING rows are this batch's alone. Two plain statements: as one (the
    tickets as a subquery of the UPDATE), PostgreSQL, whose statistics rightly say almost no
    target is pending, took 5 s to claim a minute's work (the plan was not kept)."""
    target = connection.ops.quote_name(SlaTarget._meta.db_table)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    names = ("ticket_id", "policy_id", "escalated_at", "stopped_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ticket_id FROM {target} WHERE actions_pending "  # noqa: S608 -- no user input
            f"ORDER BY ticket_id LIMIT %s{skip_locked}",
            [limit],
        )
        ticket_ids = sorted({row[0] for row in cursor.fetchall()})
        if not ticket_ids:
            return []
        cursor.execute(
            f"UPDATE {target} SET actions_pending = %s "  # noqa: S608 -- no user input
            f"WHERE actions_pending AND ticket_id IN ({', '.join(['%s'] * len(ticket_ids))}) "
            "RETURNING ticket_id, policy_id, escalated_at, stopped_at",
            [False, *ticket_ids],
        )
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _apply_actions(limit: int) -> int:
    rows = _claim_actions(limit)
    if not rows:
        return 0
    policies = {
        p.pk: p
        for p in SlaPolicy.objects.filter(Q(raise_priority=True) | Q(reassign=True)).filter(
            pk__in={row["policy_id"] for row in rows if row["policy_id"] is not None}
        )
    }
    # One step per check that breached the ticket (as when the check raised it itself); none
    # for a target met or stopped since (answered or resolved in the meantime).
    raise_checks: dict[int, set] = defaultdict(set)
    reassign: set[int] = set()
    for row in rows:
        policy = policies.get(row["policy_id"])
        if policy is None or row["stopped_at"] is not None:
            continue
        if policy.raise_priority:
            raise_checks[row["ticket_id"]].add(row["escalated_at"])
        if policy.reassign:
            reassign.add(row["ticket_id"])
    token = checking.set(True)
    try:
        if raise_checks:
            _raise_priority(raise_checks)
        if reassign:
            _reassign(sorted(reassign))
    finally:
        checking.reset(token)
    return len({row["ticket_id"] for row in rows})


def _raised(priority: str, steps: int) -> str:
    for _step in range(steps):
        priority = RAISED_PRIORITY.get(priority, priority)
    return priority


def _raise_priority(raise_checks: dict[int, set]) -> None:
    """Up one step per breaching check (urgent stays urgent): one UPDATE per number of steps,
    nearly always one."""
    by_steps: dict[int, list[int]] = defaultdict(list)
    for ticket_id, checks in raise_checks.items():
        by_steps[min(len(checks), len(RAISED_PRIORITY))].append(ticket_id)
    for steps, ticket_ids in sorted(by_steps.items()):
        step = Case(
            *(When(priority=low, then=Value(_raised(low, steps))) for low in RAISED_PRIORITY),
            default=F("priority"),
        )
        Ticket.objects.filter(pk__in=ticket_ids).exclude(priority=TicketPriority.URGENT).update(
            priority=step, version=F("version") + 1
        )
    records_changed("ticket", sorted(raise_checks), "updated", changed_fields=("priority",))


def _reassign(ticket_ids: list[int]) -> None:
    """Give each breached ticket to its team's available agent with the fewest open tickets,
    other than its assignee (`assignment.available_agents`, read once per team and batch, the
    counts kept up as tickets are given); nobody else: it stays. One UPDATE per new assignee."""
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids, team__isnull=False).values_list(
            "pk", "team_id", "assignee_id"
        )
    )
    agents_of: dict[int, list[User]] = {}
    given: dict[int, list[int]] = defaultdict(list)
    for ticket_id, team_id, assignee_id in tickets:
        if team_id not in agents_of:
            agents_of[team_id] = available_agents(team_id)
        agents = [a for a in agents_of[team_id] if a.pk != assignee_id]
        if not agents:
            continue
        agent = min(agents, key=lambda a: (a.open_tickets, a.pk))
        agent.open_tickets += 1
        for previous in agents_of[team_id]:
            if previous.pk == assignee_id:
                previous.open_tickets -= 1
        given[agent.pk].append(ticket_id)
    for agent_id, ids in given.items():
        Ticket.objects.filter(pk__in=ids).update(assignee_id=agent_id, version=F("version") + 1)
    records_changed(
        "ticket",
        sorted(i for ids in given.values() for i in ids),
        "updated",
        changed_fields=("assignee",),
    )
