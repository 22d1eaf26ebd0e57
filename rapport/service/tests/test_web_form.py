"""The public support form: a visitor opens a ticket without signing in; bots, floods and bad
input are refused without saving anything."""

import pytest
from django.core.cache import cache

from rapport.core.errors import PermissionDenied
from rapport.service.models import Ticket, TicketChannel
from rapport.service.services import ticket_form_create, ticket_form_update


@pytest.fixture
def support_form(admin_user, support):
    return ticket_form_create(
        actor=admin_user, data={"name": "Contact support", "team_id": support.pk, "type": "request"}
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings, db):
    settings.RAPPORT_LEAD_FORM_RATE_LIMIT = 3
    cache.clear()


def url(form) -> str:
    return f"/support/f/{form.public_key}/"


def test_a_visitor_opens_a_ticket_linked_to_the_known_person(client, support_form, emily, support):
    page = client.get(url(support_form))
    assert page.status_code == 200
    assert b'data-testid="public-support-form"' in page.content

    response = client.post(
        url(support_form),
        {
            "name": "Emily",
            "email": "EMILY@example.com",
            "subject": "Where is my parcel?",
            "message": "Ordered last week.",
            "hp_website": "",
        },
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.type, ticket.team, ticket.person) == (
        TicketChannel.WEB_FORM,
        "request",
        support,
        emily,
    )
    assert ticket.messages.get().body == "Ordered last week."
    assert client.get(response["Location"]).status_code == 200


def test_missing_inputs_show_field_errors_and_save_nothing(client, support_form):
    response = client.post(url(support_form), {"email": "not-an-address", "subject": ""})

    assert response.status_code == 422
    assert b'data-testid="error-subject"' in response.content
    assert b'data-testid="error-message"' in response.content
    assert not Ticket.objects.exists()


def test_a_json_post_gets_api_style_errors_and_cors_headers(client, support_form):
    response = client.post(
        url(support_form),
        {"email": "a@example.com", "subject": "Hi", "message": "<script>x</script>", "x": 1},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "details"}
    assert "x" in response.json()["details"]
    assert response["Access-Control-Allow-Origin"] == "*"

    ok = client.post(
        url(support_form),
        {"email": "a@example.com", "subject": "Hi", "message": "<script>x</script>"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert Ticket.objects.get().messages.get().body == "<script>x</script>"


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_saved(client, support_form):
    response = client.post(
        url(support_form),
        {"email": "bot@example.com", "subject": "Buy", "message": "Cheap", "hp_website": "x"},
    )

    assert response.status_code == 302
    assert not Ticket.objects.exists()


def test_a_flood_from_one_address_is_stopped(client, support_form):
    answers = [
        client.post(
            url(support_form),
            {"email": "a@example.com", "subject": f"S{i}", "message": "M"},
            content_type="application/json",
        ).status_code
        for i in range(5)
    ]

    assert answers == [201, 201, 201, 429, 429]
    assert Ticket.objects.count() == 3


def test_an_unknown_or_closed_form_is_404(client, support_form, admin_user):
    assert client.get("/support/f/nope/").status_code == 404
    ticket_form_update(actor=admin_user, form=support_form, data={"is_active": False})
    assert client.get(url(support_form)).status_code == 404


def test_only_administrators_create_forms(sam):
    with pytest.raises(PermissionDenied):
        ticket_form_create(actor=sam, data={"name": "Mine"})
