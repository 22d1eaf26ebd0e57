"""Who sees which ticket, and what the lists and the ticket page cost in queries."""

import pytest

from rapport.core.errors import NotFound
from rapport.service.access import ticket_visible_parts
from rapport.service.selectors import (
    TicketFilters,
    get_ticket_for_user,
    parse_ticket_number,
    team_queue,
    ticket_by_email_thread,
    ticket_detail,
    tickets_list,
)
from rapport.service.services import ticket_assign, ticket_create, ticket_note, ticket_reply


@pytest.fixture
def complaint(admin_user, emily, support):
    return ticket_create(
        actor=admin_user,
        data={"subject": "Rude", "type": "complaint", "person_id": emily.pk, "team_id": support.pk},
    )


def test_an_agent_sees_the_teams_queue_and_not_another_teams_ticket(ticket, sam, charlie):
    assert get_ticket_for_user(sam, ticket.pk) == ticket
    with pytest.raises(NotFound):
        get_ticket_for_user(charlie, ticket.pk)
    assert tickets_list(charlie).items == []


def test_the_customers_owner_sees_a_complaint_but_not_a_question(ticket, complaint, alice, bob):
    assert [t.pk for t in tickets_list(alice).items] == [complaint.pk]
    with pytest.raises(NotFound):
        get_ticket_for_user(alice, ticket.pk)
    # The owner's colleague is not the owner: the complaint stays with the support team.
    assert tickets_list(bob).items == []


def test_an_agent_sees_the_ticket_but_not_a_customer_the_rule_hides(ticket, sam, admin_user):
    # Emily belongs to alice's East team; the support agent sees the ticket, not her record.
    assert ticket_detail(sam, ticket.pk).person_visible is False
    assert ticket_detail(admin_user, ticket.pk).person_visible is True


def test_a_ticket_given_to_another_teams_agent_moves_to_their_queue(
    ticket, admin_user, charlie, sam, west
):
    ticket_assign(actor=admin_user, ticket=ticket, assignee_id=charlie.pk)

    assert get_ticket_for_user(charlie, ticket.pk).team == west
    with pytest.raises(NotFound):
        get_ticket_for_user(sam, ticket.pk)


def test_administrators_see_everything_in_one_part(admin_user):
    assert len(ticket_visible_parts(admin_user)) == 1


def test_filters_narrow_the_list(admin_user, support, sam):
    urgent = ticket_create(
        actor=admin_user,
        data={"subject": "Down", "priority": "urgent", "team_id": support.pk},
    )
    ticket_create(actor=admin_user, data={"subject": "Question", "team_id": support.pk})

    page = tickets_list(sam, TicketFilters(priority="urgent", open_only=True, unassigned=True))

    assert [t.pk for t in page.items] == [urgent.pk]


def test_the_list_pages_with_a_cursor(admin_user, support, sam):
    created = [
        ticket_create(actor=admin_user, data={"subject": f"Q{i}", "team_id": support.pk})
        for i in range(5)
    ]

    first = tickets_list(sam, size=3)
    second = tickets_list(sam, size=3, cursor=first.next_cursor)

    seen = [t.pk for t in first.items + second.items]
    assert sorted(seen) == sorted(t.pk for t in created)
    assert second.next_cursor is None


def test_the_list_costs_the_same_queries_for_5_or_25_rows(
    admin_user, support, sam, emily, django_assert_max_num_queries
):
    for i in range(25):
        ticket_create(
            actor=admin_user,
            data={"subject": f"Q{i}", "team_id": support.pk, "person_id": emily.pk},
        )

    # One query per part of the visibility rule for the candidates, one for the page.
    with django_assert_max_num_queries(4):
        page = tickets_list(sam, size=25)
        [(t.assignee, t.team, t.category, t.person, t.company) for t in page.items]
    assert len(page.items) == 25


def test_the_ticket_page_costs_a_fixed_number_of_queries(
    ticket, sam, sue, django_assert_max_num_queries
):
    for i in range(10):
        ticket_reply(actor=sam, ticket=ticket, body=f"Reply {i}")
        ticket_note(actor=sue, ticket=ticket, body=f"Note {i}")

    with django_assert_max_num_queries(7):
        detail = ticket_detail(sam, ticket.pk)
        [(m.author_user, m.author_person, list(m.attachments.all())) for m in detail.messages]
        list(detail.ticket.tags.all())
    assert len(detail.messages) == 21


def test_the_team_queue_puts_unassigned_and_urgent_first(admin_user, support, sam):
    assigned = ticket_create(
        actor=admin_user,
        data={
            "subject": "Mine",
            "team_id": support.pk,
            "assignee_id": sam.pk,
            "priority": "urgent",
        },
    )
    low = ticket_create(
        actor=admin_user, data={"subject": "Low", "team_id": support.pk, "priority": "low"}
    )
    urgent = ticket_create(
        actor=admin_user, data={"subject": "Urgent", "team_id": support.pk, "priority": "urgent"}
    )

    assert [t.pk for t in team_queue(sam, support)] == [urgent.pk, low.pk, assigned.pk]


def test_another_teams_queue_is_not_found(charlie, support):
    with pytest.raises(NotFound):
        team_queue(charlie, support)


def test_ticket_numbers_are_read_in_every_usual_way():
    assert parse_ticket_number("T-000123") == 123
    assert parse_ticket_number("t-42") == 42
    assert parse_ticket_number("42") == 42
    assert parse_ticket_number("T-abc") is None


def test_a_thread_id_finds_its_ticket(ticket, sam):
    reply = ticket_reply(actor=sam, ticket=ticket, body="Try this.")

    assert ticket_by_email_thread(["unknown@x", reply.message_id]) == ticket
    assert ticket_by_email_thread(["unknown@x"]) is None
