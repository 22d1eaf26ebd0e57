"""SLA clocks: policies, business hours with China's holidays and swapped workdays, pauses,
met and breached targets, and the periodic check warning and escalating exactly once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from rapport.activities.models import Notification
from rapport.customers.services import tag_create
from rapport.service.models import (
    BusinessHours,
    SlaPolicy,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketStatus,
)
from rapport.service.selectors_pages import my_tickets_by_urgency
from rapport.service.services import (
    sla,
    ticket_change_status,
    ticket_create,
    ticket_customer_message,
    ticket_reply,
    ticket_update,
)
from rapport.service.services.sla import (
    calendar_for_ticket,
    matching_policy,
    schedule,
    sla_actions_pending,
    sla_apply_actions,
    sla_backfill,
    sla_check,
    sla_sync,
)
from rapport.service.tasks import check_slas

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def policy(db):
    return SlaPolicy.objects.create(
        name="Standard",
        position=10,
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=600,
    )


@pytest.fixture
def round_the_clock(support):
    """The support team works 24×7, so business minutes are plain minutes in these tests."""
    return BusinessHours.objects.create(
        name="24×7",
        team=support,
        time_zone="Asia/Shanghai",
        weekly={str(day): "00:00-24:00" for day in range(7)},
    )


def targets(ticket) -> dict[str, SlaTarget]:
    return {t.kind: t for t in SlaTarget.objects.filter(ticket=ticket, stopped_at__isnull=True)}


def test_the_first_matching_policy_by_position_applies(db, admin_user, policy, support):
    vip = tag_create(actor=admin_user, data={"name": "VIP"})
    urgent = SlaPolicy.objects.create(
        name="Urgent", position=1, priority="urgent", first_response_minutes=15
    )
    vip_policy = SlaPolicy.objects.create(
        name="VIP", position=2, customer_tag=vip, first_response_minutes=30
    )
    ticket = Ticket(subject="x", priority="urgent", type="question")
    assert matching_policy(ticket) == urgent
    ticket.priority = "normal"
    assert matching_policy(ticket) == policy
    assert vip_policy.position == 2


def test_a_new_ticket_gets_its_targets_and_the_nearest_due_time(
    admin_user, support, policy, round_the_clock
):
    ticket = ticket_create(actor=admin_user, data={"subject": "Help", "team_id": support.pk})

    running = targets(ticket)
    assert set(running) == {SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION}
    first = running[SlaTargetKind.FIRST_RESPONSE]
    assert first.due_at == ticket.created_at + datetime.timedelta(minutes=60)
    assert first.warn_at == ticket.created_at + datetime.timedelta(minutes=48)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == first.due_at


def test_due_times_skip_china_holidays_and_use_swapped_workdays(shipped_calendar, policy):
    # The default business hours: Monday to Friday 09:00-18:00 in Shanghai, China's calendar.
    calendar = calendar_for_ticket(Ticket(team_id=None))
    target = SlaTarget(minutes=120, warn_percent=50, started_at=shanghai(2026, 9, 30, 17))
    schedule(target, calendar)
    # One hour on 30 September, National Day's week off, the second hour on 8 October.
    assert target.due_at == shanghai(2026, 10, 8, 10)
    assert target.warn_at == shanghai(2026, 9, 30, 18)

    # Saturday 10 October 2026 is worked instead of a holiday.
    target = SlaTarget(minutes=60, warn_percent=80, started_at=shanghai(2026, 10, 9, 17, 30))
    schedule(target, calendar)
    assert target.due_at == shanghai(2026, 10, 10, 9, 30)


def test_waiting_for_the_customer_pauses_the_clock_and_moves_the_due_time(
    admin_user, support, policy, round_the_clock
):
    ticket = ticket_create(actor=admin_user, data={"subject": "Help", "team_id": support.pk})
    due = targets(ticket)[SlaTargetKind.RESOLUTION].due_at
    paused_at = ticket.created_at + datetime.timedelta(minutes=10)

    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    sla_sync(ticket, now=paused_at)
    assert targets(ticket)[SlaTargetKind.RESOLUTION].paused_at == paused_at
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at is None

    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.OPEN)
    ticket.refresh_from_db()
    sla_sync(ticket, now=paused_at + datetime.timedelta(minutes=45))
    resolution = targets(ticket)[SlaTargetKind.RESOLUTION]
    assert resolution.paused_at is None
    assert resolution.due_at == due + datetime.timedelta(minutes=45)


def test_a_paused_target_is_neither_warned_nor_breached(
    admin_user, support, policy, round_the_clock
):
    ticket = ticket_create(actor=admin_user, data={"subject": "Help", "team_id": support.pk})
    ticket_change_status(actor=admin_user, ticket=ticket, status=TicketStatus.WAITING_CUSTOMER)

    result = sla_check(now=ticket.created_at + datetime.timedelta(days=30))

    assert result == {"warned": 0, "breached": 0}


def test_replies_meet_the_response_targets_and_a_customer_message_starts_the_next(
    policy, ticket, sam
):
    ticket_reply(actor=sam, ticket=ticket, body="Please update the driver.")
    first = SlaTarget.objects.get(ticket=ticket, kind=SlaTargetKind.FIRST_RESPONSE)
    assert first.met_at is not None and first.breached_at is None
    assert SlaTargetKind.NEXT_RESPONSE not in targets(ticket)

    ticket_customer_message(ticket=ticket, body="It still flickers.")
    assert SlaTargetKind.NEXT_RESPONSE in targets(ticket)

    ticket_reply(actor=sam, ticket=ticket, body="Replace the cable then.")
    assert SlaTargetKind.NEXT_RESPONSE not in targets(ticket)
    assert SlaTarget.objects.filter(ticket=ticket, met_at__isnull=False).count() == 2


def test_resolving_meets_the_resolution_and_reopening_starts_it_again(ticket, sam, policy):
    sla_sync(ticket)  # the ticket was created before the policy
    ticket_change_status(actor=sam, ticket=ticket, status=TicketStatus.RESOLVED)
    assert targets(ticket) == {}
    resolution = SlaTarget.objects.get(ticket=ticket, kind=SlaTargetKind.RESOLUTION)
    assert resolution.met_at is not None

    ticket_change_status(actor=sam, ticket=ticket, status=TicketStatus.REOPENED)
    assert SlaTargetKind.RESOLUTION in targets(ticket)


def test_a_priority_change_applies_the_other_policy(admin_user, support, policy, round_the_clock):
    SlaPolicy.objects.create(
        name="Urgent", position=1, priority="urgent", first_response_minutes=15
    )
    ticket = ticket_create(actor=admin_user, data={"subject": "Help", "team_id": support.pk})

    ticket_update(actor=admin_user, ticket=ticket, data={"priority": "urgent"})

    running = targets(ticket)
    assert set(running) == {SlaTargetKind.FIRST_RESPONSE}
    assert running[SlaTargetKind.FIRST_RESPONSE].due_at == ticket.created_at + datetime.timedelta(
        minutes=15
    )


def test_the_check_warns_and_escalates_each_target_exactly_once(
    admin_user, support, sam, policy, round_the_clock
):
    round_the_clock.team_lead = admin_user
    round_the_clock.save()
    policy.raise_priority = True
    policy.save()
    ticket = ticket_create(
        actor=admin_user, data={"subject": "Help", "team_id": support.pk, "assignee_id": sam.pk}
    )
    start = ticket.created_at

    assert sla_check(now=start + datetime.timedelta(minutes=50)) == {"warned": 1, "breached": 0}
    assert sla_check(now=start + datetime.timedelta(minutes=55)) == {"warned": 0, "breached": 0}
    assert sla_check(now=start + datetime.timedelta(minutes=61)) == {"warned": 0, "breached": 1}
    assert sla_check(now=start + datetime.timedelta(minutes=70)) == {"warned": 0, "breached": 0}

    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == [
        ("admin", "ticket.sla_breach.first_response"),
        ("sam", "ticket.sla_breach.first_response"),
        ("sam", "ticket.sla_warning.first_response"),
    ]
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    first = SlaTarget.objects.get(ticket=ticket, kind=SlaTargetKind.FIRST_RESPONSE)
    assert first.breached_at == first.due_at


def test_the_check_costs_the_same_queries_for_two_tickets_or_twelve(
    admin_user, support, sam, policy, round_the_clock
):
    def due_tickets(count):
        made = [
            ticket_create(
                actor=admin_user,
                data={"subject": f"T{n}", "team_id": support.pk, "assignee_id": sam.pk},
            )
            for n in range(count)
        ]
        return max(t.created_at for t in made)

    def queries_of_check(now):
        with CaptureQueriesContext(connection) as context:
            result = sla_check(now=now)
        return len(context.captured_queries), result

    latest = due_tickets(2)
    few, result = queries_of_check(latest + datetime.timedelta(days=2))
    assert result == {"warned": 0, "breached": 4}
    latest = due_tickets(12)
    many, result = queries_of_check(latest + datetime.timedelta(days=2))
    assert result == {"warned": 0, "breached": 24}
    assert few == many <= 12


def test_my_tickets_put_the_breached_first_then_the_nearest_due(
    admin_user, support, sam, round_the_clock
):
    SlaPolicy.objects.create(name="Urgent", position=1, priority="urgent", first_response_minutes=5)
    SlaPolicy.objects.create(name="Rest", position=2, first_response_minutes=600)
    data = {"team_id": support.pk, "assignee_id": sam.pk}
    later = ticket_create(actor=admin_user, data={**data, "subject": "Later"})
    ticket_create(actor=admin_user, data={**data, "subject": "Soon", "priority": "urgent"})
    no_target = ticket_create(actor=admin_user, data={**data, "subject": "None"})
    SlaTarget.objects.filter(ticket=no_target).delete()
    Ticket.objects.filter(pk=no_target.pk).update(sla_due_at=None, priority="urgent")
    # "Later" is breached: its due time has passed.
    SlaTarget.objects.filter(ticket=later).update(due_at=later.created_at)
    Ticket.objects.filter(pk=later.pk).update(sla_due_at=later.created_at)

    rows = my_tickets_by_urgency(sam)

    assert [t.subject for t in rows] == ["Later", "Soon", "None"]


def test_a_breach_can_give_the_ticket_to_another_agent_of_the_team(
    admin_user, support, sam, sue, policy, round_the_clock
):
    policy.reassign = True
    policy.save()
    ticket = ticket_create(
        actor=admin_user, data={"subject": "Help", "team_id": support.pk, "assignee_id": sam.pk}
    )

    sla_check(now=ticket.created_at + datetime.timedelta(minutes=61))

    ticket.refresh_from_db()
    assert ticket.assignee == sue
    # Reassigning does not restart the breached clock.
    first = SlaTarget.objects.get(ticket=ticket, kind=SlaTargetKind.FIRST_RESPONSE)
    assert first.escalated_at is not None and first.stopped_at is None


def test_a_backlog_is_raised_once_in_batches_and_a_crash_mid_way_raises_nothing_twice(
    admin_user, support, sam, policy, round_the_clock, monkeypatch
):
    # Given five breached tickets whose policy raises the priority, and batches of two tickets
    policy.raise_priority = True
    policy.save()
    monkeypatch.setattr(sla, "ACTION_BATCH", 2)
    tickets = [
        ticket_create(
            actor=admin_user,
            data={"subject": f"T{n}", "team_id": support.pk, "assignee_id": sam.pk},
        )
        for n in range(5)
    ]
    later = max(t.created_at for t in tickets) + datetime.timedelta(minutes=61)
    batches = []
    claim = sla._claim_actions

    def counted_claim(limit):
        rows = claim(limit)
        batches.append(len({row["ticket_id"] for row in rows}))
        return rows

    monkeypatch.setattr(sla, "_claim_actions", counted_claim)

    def priorities():
        return sorted(
            Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("priority", flat=True)
        )

    # When the check runs: it escalates all five and raises the first batch itself
    assert sla_check(now=later) == {"warned": 0, "breached": 5}
    assert priorities() == ["high", "high", "normal", "normal", "normal"]
    assert sla_actions_pending()

    # and a worker dies in the next batch, after its UPDATE, before its commit
    raise_priority = sla._raise_priority

    def dying(raise_checks):
        raise_priority(raise_checks)
        raise SystemExit("worker killed")

    monkeypatch.setattr(sla, "_raise_priority", dying)
    with pytest.raises(SystemExit):
        sla_apply_actions()
    assert priorities() == ["high", "high", "normal", "normal", "normal"]
    monkeypatch.setattr(sla, "_raise_priority", raise_priority)

    # Then the minute's check queues the job, which finishes in batches, each ticket once
    batches.clear()
    previous, HUEY.immediate = HUEY.immediate, True
    try:
        check_slas()
        check_slas()
    finally:
        HUEY.immediate = previous
    assert batches == [2, 1, 0]
    assert priorities() == ["high"] * 5
    assert not sla_actions_pending()
    assert sla_check(now=later + datetime.timedelta(minutes=1)) == {"warned": 0, "breached": 0}
    assert priorities() == ["high"] * 5


def test_backfill_gives_past_tickets_their_targets_met_or_late_as_their_times_were(
    db, admin_user, support, round_the_clock
):
    # Tickets written at once (the demo, an import) before any policy existed.
    answered_late = ticket_create(actor=admin_user, data={"subject": "Old", "team_id": support.pk})
    still_open = ticket_create(actor=admin_user, data={"subject": "Open", "team_id": support.pk})
    opened = shanghai(2026, 3, 2, 9, 0)
    Ticket.objects.filter(pk=answered_late.pk).update(
        created_at=opened,
        first_responded_at=opened + datetime.timedelta(minutes=90),
        resolved_at=opened + datetime.timedelta(minutes=300),
        status=TicketStatus.RESOLVED,
    )
    Ticket.objects.filter(pk=still_open.pk).update(created_at=opened)
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60, resolution_minutes=600)
    answered_late.refresh_from_db()
    still_open.refresh_from_db()

    made = {t.kind: t for t in sla_backfill(answered_late)}

    first, resolution = made[SlaTargetKind.FIRST_RESPONSE], made[SlaTargetKind.RESOLUTION]
    assert first.due_at == opened + datetime.timedelta(minutes=60)
    assert first.met_at == opened + datetime.timedelta(minutes=90)
    assert first.breached_at == first.due_at
    assert resolution.met_at == opened + datetime.timedelta(minutes=300)
    assert resolution.breached_at is None
    assert sla_backfill(answered_late) == []  # a ticket with targets is left alone
    assert SlaTarget.objects.filter(ticket=answered_late).count() == 2

    sla_backfill(still_open)
    still_open.refresh_from_db()
    assert set(targets(still_open)) == {SlaTargetKind.FIRST_RESPONSE, SlaTargetKind.RESOLUTION}
    assert still_open.sla_due_at == opened + datetime.timedelta(minutes=60)
    assert sla_check(opened + datetime.timedelta(days=1)) == {"warned": 0, "breached": 2}
