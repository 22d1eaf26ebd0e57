"""The complaint closed loop on the ticket: a goodwill gesture noted when closing (page and API),
and the customer's confirmation answer shown on the ticket page through the panel registry."""

import pytest
from django.urls import reverse

from rapport.activities.models import TimelineEntry
from rapport.api.tests.conftest import client_for
from rapport.service.models import MessageKind, TicketMessage, TicketStatus
from rapport.service.services import ticket_change_status, ticket_create
from rapport.surveys.models import Invitation, SurveyKind
from rapport.surveys.services import response_submit
from rapport.surveys.tests.test_confirmation import confirmation  # noqa: F401 -- fixture

pytestmark = pytest.mark.django_db

CLOSE = {
    "status": "closed",
    "root_cause": "delivery",
    "resolution": "Parcel re-sent by express.",
}


@pytest.fixture
def complaint(admin_user, emily, support):
    return ticket_create(
        actor=admin_user,
        data={
            "subject": "Parcel arrived crushed",
            "body": "…",
            "type": "complaint",
            "person_id": emily.pk,
            "team_id": support.pk,
        },
    )


def test_closing_with_a_goodwill_gesture_notes_it_on_the_ticket_and_timeline(
    client, sam, complaint, emily
):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_status", args=[complaint.pk]),
        {**CLOSE, "goodwill_kind": "gift", "goodwill": "A <b>tea set</b> sent with the parcel."},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    note = TicketMessage.objects.get(ticket=complaint, kind=MessageKind.INTERNAL_NOTE)
    assert "Gift" in note.body and "tea set" in note.body
    assert note.author_user == sam
    entry = TimelineEntry.objects.get(kind="ticket.goodwill", person=emily)
    assert entry.data["goodwill_kind"] == "gift"
    # Shown as typed, never as markup.
    assert "&lt;b&gt;tea set&lt;/b&gt;" in response.content.decode()


def test_a_goodwill_gesture_without_closing_is_a_field_error_that_saves_nothing(
    client, sam, complaint
):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_status", args=[complaint.pk]),
        {"status": "resolved", "goodwill_kind": "apology", "goodwill": "Sorry"},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="error-goodwill"' in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.NEW
    assert not TicketMessage.objects.filter(kind=MessageKind.INTERNAL_NOTE).exists()


def test_the_api_records_the_goodwill_gesture_and_refuses_an_unknown_kind(sam, complaint):
    api = client_for(sam)
    version = api.get(f"/tickets/{complaint.pk}").json()["version"]

    refused = api.post(
        f"/tickets/{complaint.pk}/status",
        {**CLOSE, "goodwill_kind": "coupon", "version": version},
    )
    closed = api.post(
        f"/tickets/{complaint.pk}/status",
        {**CLOSE, "goodwill_kind": "refund", "goodwill": "¥50 back", "version": version},
    )

    assert refused.status_code == 422
    assert refused.json()["code"]
    assert closed.status_code == 200, closed.content
    notes = [m for m in closed.json()["messages"] if m["kind"] == "internal_note"]
    assert len(notes) == 1 and "¥50 back" in notes[0]["body"]


def test_the_ticket_page_shows_the_customers_confirmation_answer(
    client, sam, admin_user, complaint
):
    ticket_change_status(actor=admin_user, ticket=complaint, **CLOSE)
    invitation = Invitation.objects.get(ticket=complaint, kind=SurveyKind.CONFIRM)
    response_submit(invitation=invitation, score=0, comment="Box was crushed <again>")
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[complaint.pk])).content.decode()

    assert 'data-testid="ticket-survey-confirm"' in html
    assert "Box was crushed &lt;again&gt;" in html
