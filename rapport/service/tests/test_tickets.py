"""Tickets: creating, editing, statuses (the complaint's closed loop), assignment and merging."""

import datetime

import pytest
from django.utils import timezone

from rapport.activities.models import Task, TimelineEntry
from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged
from rapport.customers.services import person_create, person_update
from rapport.dataio.services.dedup.merge import person_merge
from rapport.service.models import (
    MessageKind,
    RootCause,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from rapport.service.services import (
    TicketMerged,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_merge,
    ticket_update,
    tickets_assign_bulk,
)


@pytest.fixture
def changes():
    seen: list[RecordChanged] = []
    subscribe(RecordChanged)(seen.append)
    yield seen
    _handlers[RecordChanged].remove(seen.append)


def test_agent_logs_a_call_as_a_ticket_with_the_customers_words(sam, emily, alice, changes):
    ticket = ticket_create(
        actor=alice,
        data={
            "subject": "Invoice missing",
            "body": "She called: the March invoice never arrived.",
            "person_id": emily.pk,
            "type": "request",
            "priority": "high",
        },
        channel=TicketChannel.PHONE,
    )

    assert ticket.number == f"T-{ticket.pk:06d}"
    assert (ticket.status, ticket.channel, ticket.type, ticket.priority) == (
        "new",
        "phone",
        "request",
        "high",
    )
    # No rule placed it: it stays in the creator's team's queue.
    assert ticket.team_id == alice.team_id
    assert ticket.customer_owner_id == alice.pk
    assert ticket.requester_email == "emily@example.com"
    message = ticket.messages.get()
    assert (message.kind, message.author_user, message.author_person) == (
        MessageKind.CUSTOMER_MESSAGE,
        alice,
        emily,
    )
    entry = TimelineEntry.objects.get(person=emily, kind="ticket.created")
    assert entry.display_title == f"Ticket {ticket.number} opened: Invoice missing"
    assert RecordChanged("ticket", ticket.pk, "created", actor_id=alice.pk) in changes


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(alice):
    with pytest.raises(ValidationFailed) as caught:
        ticket_create(
            actor=alice,
            data={
                "subject": "  ",
                "type": "praise",
                "priority": "whenever",
                "category_id": 999,
                "requester_email": "not an address",
                "custom": ["a"],
                "colour": "red",
            },
        )

    assert set(caught.value.details) == {
        "subject",
        "type",
        "priority",
        "category_id",
        "requester_email",
        "custom",
        "colour",
    }
    assert not Ticket.objects.exists()
    assert not TicketMessage.objects.exists()


def test_a_person_the_agent_may_not_see_answers_not_found(charlie, emily):
    with pytest.raises(NotFound):
        ticket_create(actor=charlie, data={"subject": "Hello", "person_id": emily.pk})
    assert not Ticket.objects.exists()


def test_edit_with_a_stale_version_is_refused(ticket, sam):
    ticket_update(actor=sam, ticket=ticket, data={"priority": "urgent"}, version=ticket.version)

    with pytest.raises(Exception) as caught:
        ticket_update(actor=sam, ticket=ticket, data={"subject": "Other"}, version=1)

    assert getattr(caught.value, "code", "") == "conflict"
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.subject) == ("urgent", "The screen flickers")


def test_update_refuses_team_and_status_which_have_their_own_services(ticket, sam):
    with pytest.raises(ValidationFailed) as caught:
        ticket_update(actor=sam, ticket=ticket, data={"team_id": 1, "status": "closed"})
    assert set(caught.value.details) == {"team_id", "status"}


def test_another_teams_agent_cannot_change_the_ticket(ticket, charlie):
    with pytest.raises(NotFound):
        ticket_update(actor=charlie, ticket=ticket, data={"priority": "low"})


def test_resolving_and_reopening_keep_the_dates_and_the_timeline(ticket, sam, emily):
    ticket_change_status(actor=sam, ticket=ticket, status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None

    ticket_change_status(actor=sam, ticket=ticket, status="reopened")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.REOPENED, None)
    kinds = list(
        TimelineEntry.objects.filter(person=emily, kind__startswith="ticket.")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["ticket.created", "ticket.resolved", "ticket.reopened"]


def test_new_cannot_be_set_by_hand_and_an_open_ticket_cannot_be_reopened(ticket, sam):
    with pytest.raises(ValidationFailed) as caught:
        ticket_change_status(actor=sam, ticket=ticket, status="new")
    assert "status" in caught.value.details
    with pytest.raises(ValidationFailed):
        ticket_change_status(actor=sam, ticket=ticket, status="reopened")


def test_a_complaint_is_not_closed_without_root_cause_and_what_was_done(
    admin_user, emily, support, sam
):
    complaint = ticket_create(
        actor=admin_user,
        data={
            "subject": "Rude courier",
            "type": "complaint",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )

    with pytest.raises(ValidationFailed) as caught:
        ticket_change_status(actor=sam, ticket=complaint, status="closed")

    assert set(caught.value.details) == {"root_cause", "resolution"}
    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.NEW
    assert not Task.objects.exists()


def test_closing_a_complaint_gives_the_customers_owner_a_call_within_a_day(
    admin_user, emily, support, sam, alice
):
    complaint = ticket_create(
        actor=admin_user,
        data={"subject": "Rude courier", "type": "complaint", "person_id": emily.pk},
    )
    ticket_assign(actor=admin_user, ticket=complaint, team_id=support.pk, assignee_id=sam.pk)
    before = timezone.now()

    ticket_change_status(
        actor=sam,
        ticket=complaint,
        status="closed",
        root_cause=RootCause.DELIVERY,
        resolution="Apologised; courier company warned; 50 yuan voucher.",
    )

    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.CLOSED
    assert complaint.root_cause == "delivery" and complaint.closed_at is not None
    task = Task.objects.get()
    assert (task.assignee, task.person) == (alice, emily)
    assert (
        before + datetime.timedelta(hours=23)
        < task.due_at
        <= timezone.now() + (datetime.timedelta(hours=24))
    )
    assert complaint.number in task.title
    entry = TimelineEntry.objects.get(person=emily, kind="ticket.closed")
    assert entry.display_title == (
        f"Ticket {complaint.number} closed: Rude courier (root cause: Delivery or logistics)"
    )


def test_a_complaint_follows_its_customer_to_the_new_owner(admin_user, emily, bob, alice):
    complaint = ticket_create(
        actor=admin_user,
        data={"subject": "Broken", "type": "complaint", "person_id": emily.pk},
    )

    person_update(actor=alice, person=emily, data={"owner_id": bob.pk}, version=None)

    complaint.refresh_from_db()
    assert complaint.customer_owner_id == bob.pk


def test_a_merge_of_persons_hands_the_complaint_to_the_survivors_owner(
    admin_user, emily, bob, alice
):
    survivor = person_create(actor=alice, data={"full_name": "Emily C.", "owner_id": bob.pk})
    complaint = ticket_create(
        actor=admin_user,
        data={"subject": "Broken", "type": "complaint", "person_id": emily.pk},
    )

    person_merge(actor=alice, survivor=survivor, other=emily)

    complaint.refresh_from_db()
    survivor.refresh_from_db()
    assert survivor.owner_id == bob.pk
    assert (complaint.person_id, complaint.customer_owner_id) == (survivor.pk, bob.pk)


def test_assigning_within_the_team_and_refusing_another_teams_agent(ticket, sam, sue, charlie):
    ticket_assign(actor=sam, ticket=ticket, assignee_id=sue.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == sue

    with pytest.raises(ValidationFailed) as caught:
        ticket_assign(actor=sam, ticket=ticket, assignee_id=charlie.pk)
    assert "assignee_id" in caught.value.details
    ticket.refresh_from_db()
    assert ticket.assignee == sue


def test_moving_a_ticket_to_another_teams_queue_unassigns_it(ticket, sam, east):
    ticket_assign(actor=sam, ticket=ticket, assignee_id=sam.pk)

    ticket_assign(actor=sam, ticket=ticket, assignee_id=None, team_id=east.pk)

    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (east, None)


def test_bulk_assign_is_all_or_nothing(admin_user, support, sam, sue, west):
    mine = [
        ticket_create(actor=admin_user, data={"subject": f"Q{i}", "team_id": support.pk})
        for i in range(3)
    ]
    theirs = ticket_create(actor=admin_user, data={"subject": "West", "team_id": west.pk})

    with pytest.raises(NotFound):
        tickets_assign_bulk(
            actor=sam, ticket_ids=[t.pk for t in mine] + [theirs.pk], assignee_id=sue.pk
        )
    assert not Ticket.objects.filter(assignee=sue).exists()

    count = tickets_assign_bulk(actor=sam, ticket_ids=[t.pk for t in mine], assignee_id=sue.pk)

    assert count == 3
    assert Ticket.objects.filter(assignee=sue).count() == 3


def test_merging_moves_the_conversation_and_closes_the_duplicate(
    admin_user, emily, support, sam, changes
):
    first = ticket_create(
        actor=admin_user,
        data={
            "subject": "Flicker",
            "body": "It flickers.",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )
    duplicate = ticket_create(
        actor=admin_user,
        data={
            "subject": "Flicker again",
            "body": "Still.",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )

    ticket_merge(actor=sam, source=duplicate, target=first)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (TicketStatus.CLOSED, first)
    bodies = list(first.messages.order_by("id").values_list("kind", "body"))
    assert bodies[:2] == [
        (MessageKind.CUSTOMER_MESSAGE, "It flickers."),
        (MessageKind.CUSTOMER_MESSAGE, "Still."),
    ]
    assert bodies[2][0] == MessageKind.INTERNAL_NOTE and duplicate.number in bodies[2][1]
    assert not duplicate.messages.exists()
    with pytest.raises(TicketMerged):
        ticket_change_status(actor=sam, ticket=duplicate, status="open")
    with pytest.raises(ValidationFailed):
        ticket_merge(actor=sam, source=first, target=first)


def test_a_customer_owner_sees_a_complaint_but_cannot_answer_for_the_team(
    admin_user, emily, support, alice
):
    complaint = ticket_create(
        actor=admin_user,
        data={
            "subject": "Late",
            "type": TicketType.COMPLAINT,
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )

    with pytest.raises(PermissionDenied):
        ticket_change_status(actor=alice, ticket=complaint, status="resolved")
