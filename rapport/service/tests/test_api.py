"""The tickets API: every step of a ticket, 404 for another team's ticket, 4xx with
{code, message, details} for bad input, and a list that costs the same for any page size."""

import pytest

from rapport.api.tests.conftest import client_for
from rapport.messaging.models import Message
from rapport.service.models import Ticket, TicketStatus
from rapport.service.services import ticket_create


@pytest.fixture
def as_sam(sam):
    return client_for(sam)


def test_create_read_reply_and_resolve_through_the_api(as_sam, sam, support):
    created = as_sam.post(
        "/tickets",
        {"subject": "Cannot log in", "body": "Password reset mail never came.", "priority": "high"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == f"T-{body['id']:06d}"
    assert (body["status"], body["channel"], body["team"]["id"]) == ("new", "api", support.pk)
    assert [m["kind"] for m in body["messages"]] == ["customer_message"]

    reply = as_sam.post(f"/tickets/{body['id']}/replies", {"body": "Sent it again."})
    note = as_sam.post(f"/tickets/{body['id']}/notes", {"body": "Mail server was slow."})
    assert (reply.status_code, note.status_code) == (201, 201)
    assert reply.json()["email_id"] == Message.objects.get().pk

    version = as_sam.get(f"/tickets/{body['id']}").json()["version"]
    resolved = as_sam.post(
        f"/tickets/{body['id']}/status", {"status": "resolved", "version": version}
    )

    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"
    assert [m["kind"] for m in resolved.json()["messages"]] == [
        "customer_message",
        "public_reply",
        "internal_note",
    ]


def test_another_teams_ticket_answers_404_everywhere(ticket, charlie):
    api = client_for(charlie)

    for response in (
        api.get(f"/tickets/{ticket.pk}"),
        api.patch(f"/tickets/{ticket.pk}", {"priority": "low", "version": 1}),
        api.post(f"/tickets/{ticket.pk}/replies", {"body": "Hi"}),
        api.post(f"/tickets/{ticket.pk}/notes", {"body": "Hi"}),
        api.post(f"/tickets/{ticket.pk}/status", {"status": "resolved", "version": 1}),
        api.post(f"/tickets/{ticket.pk}/assign", {"assignee_id": charlie.pk}),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api.get("/tickets").json()["items"] == []


def test_bad_input_is_a_4xx_with_field_details_and_nothing_saved(as_sam):
    response = as_sam.post(
        "/tickets", {"subject": "", "type": "praise", "language": "fr", "unknown": 1}
    )

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert not Ticket.objects.exists()


def test_closing_a_complaint_without_root_cause_is_422(as_sam, admin_user, support):
    complaint = ticket_create(
        actor=admin_user, data={"subject": "Late", "type": "complaint", "team_id": support.pk}
    )

    response = as_sam.post(
        f"/tickets/{complaint.pk}/status", {"status": "closed", "version": complaint.version}
    )

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"root_cause", "resolution"}


def test_a_stale_version_is_409(as_sam, ticket):
    response = as_sam.patch(f"/tickets/{ticket.pk}", {"subject": "New", "version": 99})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_the_customer_is_hidden_from_an_agent_who_may_not_see_them(as_sam, ticket):
    body = as_sam.get(f"/tickets/{ticket.pk}").json()

    assert body["person"] is None
    assert body["requester_email"] == ""
    assert as_sam.get("/tickets").json()["items"][0]["person"] is None


def test_bulk_assign_and_merge(as_sam, admin_user, support, sue):
    first, second = (
        ticket_create(actor=admin_user, data={"subject": s, "body": s, "team_id": support.pk})
        for s in ("One", "Two")
    )

    assigned = as_sam.post(
        "/tickets/assign", {"ticket_ids": [first.pk, second.pk], "assignee_id": sue.pk}
    )
    merged = as_sam.post(f"/tickets/{second.pk}/merge", {"target_id": first.pk})

    assert assigned.json() == {"changed": 2}
    assert merged.status_code == 200
    assert merged.json()["id"] == first.pk
    assert Ticket.objects.get(pk=second.pk).status == TicketStatus.CLOSED
    again = as_sam.post(f"/tickets/{second.pk}/merge", {"target_id": first.pk})
    assert (again.status_code, again.json()["code"]) == (409, "ticket_merged")


def test_the_list_filters_and_pages_with_a_fixed_number_of_queries(
    as_sam, admin_user, support, emily, django_assert_max_num_queries
):
    for i in range(30):
        ticket_create(
            actor=admin_user,
            data={
                "subject": f"Q{i}",
                "team_id": support.pk,
                "person_id": emily.pk,
                "priority": "urgent" if i % 2 else "low",
            },
        )

    # Key look-up and its "last used" mark, the candidates per visibility part, the page, the
    # customers' visibility.
    with django_assert_max_num_queries(9):
        first = as_sam.get("/tickets", {"priority": "urgent", "limit": 10})
    second = as_sam.get(
        "/tickets", {"priority": "urgent", "limit": 10, "cursor": first.json()["next_cursor"]}
    )

    assert first.status_code == 200
    ids = [t["id"] for t in first.json()["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 15
    bad = as_sam.get("/tickets", {"sort": "subject"})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
