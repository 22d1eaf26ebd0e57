"""The ticket page's own editing: tags and custom fields (through the service the API uses, so
checked, versioned and announced alike) and the articles an agent links to in a reply."""

import pytest
from django.urls import reverse

from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged
from rapport.customers.services import tag_create
from rapport.knowledge.tests.conftest import make_article
from rapport.service.services import ticket_update


@pytest.fixture
def changes():
    seen: list[RecordChanged] = []
    subscribe(RecordChanged)(seen.append)
    yield seen
    _handlers[RecordChanged].remove(seen.append)


def _post_fields(client, ticket, **data):
    return client.post(
        reverse("service:ticket_fields", args=[ticket.pk]),
        {"version": ticket.version, **data},
        HTTP_HX_REQUEST="true",
    )


def test_agent_sets_tags_and_custom_fields_on_the_ticket_page(
    client, admin_user, sam, ticket, changes
):
    vip = tag_create(actor=admin_user, data={"name": "VIP"})
    tag_create(actor=admin_user, data={"name": "Spam"})
    client.force_login(sam)

    response = _post_fields(
        client,
        ticket,
        tag_ids=[vip.pk],
        **{"custom-0-key": "serial", "custom-0-value": "SN-42"},
    )

    html = response.content.decode()
    assert "Tags and custom fields saved." in html
    assert 'data-testid="ticket-custom-value">SN-42<' in html
    ticket.refresh_from_db()
    assert [t.name for t in ticket.tags.all()] == ["VIP"]
    assert ticket.custom == {"serial": "SN-42"}
    assert (
        RecordChanged(
            "ticket", ticket.pk, "updated", changed_fields=("custom", "tags"), actor_id=sam.pk
        )
        in changes
    )


def test_unchanged_value_keeps_its_type_and_an_emptied_one_is_removed(client, sam, ticket):
    ticket = ticket_update(
        actor=sam, ticket=ticket, data={"custom": {"units": 3, "rush": True, "note": "x"}}
    )
    client.force_login(sam)

    _post_fields(
        client,
        ticket,
        **{
            "custom-0-key": "units",
            "custom-0-value": "3",
            "custom-1-key": "rush",
            "custom-1-value": "true",
            "custom-2-key": "note",
            "custom-2-value": "",
        },
    )

    ticket.refresh_from_db()
    assert ticket.custom == {"units": 3, "rush": True}


def test_bad_custom_fields_show_row_errors_and_save_nothing(client, sam, ticket):
    client.force_login(sam)

    unnamed = _post_fields(client, ticket, **{"custom-0-key": "", "custom-0-value": "orphan"})
    too_long = _post_fields(
        client, ticket, **{"custom-0-key": "serial", "custom-0-value": "x" * 1001}
    )

    assert "Give the field a name." in unnamed.content.decode()
    assert 'data-testid="custom-0-errors"' in too_long.content.decode()
    assert 'value="serial"' in too_long.content.decode()
    ticket.refresh_from_db()
    assert ticket.custom == {}
    assert ticket.version == 1


def test_stale_fields_form_is_refused_and_keeps_the_input(client, sam, ticket):
    stale_version = ticket.version
    ticket_update(actor=sam, ticket=ticket, data={"subject": "Changed meanwhile"})
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_fields", args=[ticket.pk]),
        {"version": stale_version, "custom-0-key": "serial", "custom-0-value": "SN-1"},
        HTTP_HX_REQUEST="true",
    )

    assert "Someone else changed this ticket" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.custom == {}


def test_another_teams_agent_cannot_edit_or_search_from_the_ticket(client, charlie, ticket):
    client.force_login(charlie)

    edit = _post_fields(client, ticket, **{"custom-0-key": "a", "custom-0-value": "b"})
    search = client.get(reverse("service:ticket_articles", args=[ticket.pk]), {"q": "screen"})

    assert edit.status_code == 404
    assert search.status_code == 404


def test_article_suggestions_offer_a_public_articles_link_to_insert(
    client, admin_user, sam, ticket
):
    make_article(admin_user, title="Screen flickers after an update")
    make_article(admin_user, title="Screen flickers: internal checklist", visibility="internal")
    client.force_login(sam)

    html = client.get(
        reverse("service:ticket_articles", args=[ticket.pk]), {"q": "screen flickers"}
    ).content.decode()

    assert html.count('data-testid="kb-insert-link"') == 1
    assert 'data-url="http://testserver/help/a/' in html
    assert 'data-title="Screen flickers after an update"' in html
