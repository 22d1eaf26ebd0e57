"""The service pages: who sees what (another team's ticket is 404, a complaint is visible to the
customer's owner), field errors that save nothing, and a fixed number of queries whatever the
number of tickets or messages."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.service.models import (
    AgentProfile,
    CannedReply,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketMessage,
    TicketStatus,
)
from rapport.service.services import (
    canned_reply_create,
    category_create,
    ticket_create,
    ticket_note,
)


def _ticket(actor, team, **data) -> Ticket:
    return ticket_create(
        actor=actor,
        data={"subject": "Printer jams", "body": "It jams on every page.", "team_id": team.pk}
        | data,
    )


@pytest.fixture
def complaint(admin_user, emily, support):
    return _ticket(
        admin_user,
        support,
        subject="Rude courier",
        type="complaint",
        person_id=emily.pk,
    )


# --- Access ------------------------------------------------------------------------------------


def test_agent_of_another_team_gets_404_for_the_ticket_page(client, charlie, ticket):
    client.force_login(charlie)

    assert client.get(reverse("service:ticket_detail", args=[ticket.pk])).status_code == 404
    assert (
        client.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "x"}).status_code
        == 404
    )


def test_ticket_list_leaves_out_another_teams_tickets(client, sam, charlie, ticket, west):
    _ticket(charlie, west, subject="West's own problem")
    client.force_login(sam)

    html = client.get(reverse("service:ticket_list")).content.decode()

    assert "The screen flickers" in html
    assert "West&#x27;s own problem" not in html and "West's own problem" not in html


def test_complaint_is_visible_to_the_customers_owner_who_may_only_add_notes(
    client, alice, complaint
):
    client.force_login(alice)

    page = client.get(reverse("service:ticket_detail", args=[complaint.pk]))
    html = page.content.decode()

    assert page.status_code == 200
    assert "Rude courier" in html
    assert 'data-testid="read-only-note"' in html
    assert 'data-testid="status-form"' not in html
    note = client.post(
        reverse("service:ticket_reply", args=[complaint.pk]),
        {"kind": "note", "body": "I will call her."},
    )
    assert note.status_code == 302
    assert complaint.messages.filter(kind=MessageKind.INTERNAL_NOTE).count() == 1
    client.post(
        reverse("service:ticket_reply", args=[complaint.pk]),
        {"kind": "reply", "body": "Sorry!"},
    )
    assert not complaint.messages.filter(kind=MessageKind.PUBLIC_REPLY).exists()


def test_question_about_my_customer_stays_hidden_from_me(client, alice, ticket):
    client.force_login(alice)

    assert client.get(reverse("service:ticket_detail", args=[ticket.pk])).status_code == 404


def test_customer_of_another_team_is_not_named_on_the_list(client, sam, ticket):
    client.force_login(sam)

    html = client.get(reverse("service:ticket_list")).content.decode()

    # Emily belongs to East; the support agent sees the ticket, not the person's page link.
    assert reverse("customers:person_detail", args=[ticket.person_id]) not in html


def test_attachment_of_another_teams_ticket_is_404(client, sam, charlie, ticket):
    ticket_note(
        actor=sam,
        ticket=ticket,
        body="Photo of the screen",
        attachments=[SimpleUploadedFile("screen.jpg", b"jpeg-bytes", "image/jpeg")],
    )
    attachment = TicketAttachment.objects.get()
    url = reverse("service:attachment_download", args=[attachment.pk])

    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(sam)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == b"jpeg-bytes"
    assert response["Content-Disposition"].startswith("attachment;")


def test_team_queue_of_another_team_is_404(client, sam, west):
    client.force_login(sam)

    assert client.get(reverse("service:team_queue"), {"team_id": west.pk}).status_code == 404


def test_settings_pages_are_for_administrators(client, sam, admin_user):
    client.force_login(sam)
    for name in ("service:category_list", "service:assignment_rule_list", "service:agent_list"):
        assert client.get(reverse(name)).status_code == 403
    client.force_login(admin_user)
    for name in ("service:category_list", "service:assignment_rule_list", "service:agent_list"):
        assert client.get(reverse(name)).status_code == 200


# --- Lists -------------------------------------------------------------------------------------


def test_list_filters_by_status_priority_and_search(client, sam, support, ticket):
    urgent = _ticket(sam, support, subject="Server down", priority="urgent")
    client.force_login(sam)

    by_priority = client.get(reverse("service:ticket_list"), {"priority": "urgent"})
    by_number = client.get(reverse("service:ticket_list"), {"q": ticket.number})
    by_subject = client.get(reverse("service:ticket_list"), {"q": "server"})
    closed = client.get(reverse("service:ticket_list"), {"status": "closed"})

    assert list(by_priority.context["page"].items) == [urgent]
    assert list(by_number.context["page"].items) == [ticket]
    assert list(by_subject.context["page"].items) == [urgent]
    assert 'data-testid="ticket-list-empty"' in closed.content.decode()
    assert "No tickets match these filters" in closed.content.decode()


def test_empty_list_says_how_to_open_a_ticket(client, sam):
    client.force_login(sam)

    html = client.get(reverse("service:ticket_list")).content.decode()

    assert "No tickets yet" in html


def test_list_costs_the_same_queries_for_many_tickets(
    client, sam, support, django_assert_max_num_queries
):
    client.force_login(sam)
    _ticket(sam, support)
    client.get(reverse("service:ticket_list"))  # warm the per-process caches
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("service:ticket_list"))
    for n in range(30):
        _ticket(sam, support, subject=f"Problem {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("service:ticket_list"))
    assert len(response.context["page"].items) == 25


def test_my_tickets_puts_the_most_urgent_first(client, sam, support):
    low = _ticket(sam, support, subject="Low", priority="low", assignee_id=sam.pk)
    urgent = _ticket(sam, support, subject="Urgent", priority="urgent", assignee_id=sam.pk)
    normal = _ticket(sam, support, subject="Normal", assignee_id=sam.pk)
    client.force_login(sam)

    response = client.get(reverse("service:my_tickets"))

    assert response.context["tickets"] == [urgent, normal, low]


def test_queue_shows_unassigned_first_and_bulk_assigns_to_an_agent(client, sam, sue, support):
    taken = _ticket(sam, support, subject="Taken", priority="urgent", assignee_id=sam.pk)
    first = _ticket(sam, support, subject="Waiting 1")
    second = _ticket(sam, support, subject="Waiting 2")
    client.force_login(sam)

    queue = client.get(reverse("service:team_queue"))
    assert queue.context["tickets"][-1] == taken
    assert {t.pk for t in queue.context["tickets"][:2]} == {first.pk, second.pk}

    response = client.post(
        reverse("service:team_queue_assign"),
        {"team_id": support.pk, "assignee_id": sue.pk, "ticket_ids": [first.pk, second.pk]},
    )

    assert response.status_code == 302
    assert set(Ticket.objects.filter(assignee=sue).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_bulk_assign_without_a_ticket_ticked_says_so(client, sam, sue, support):
    _ticket(sam, support)
    client.force_login(sam)

    response = client.post(
        reverse("service:team_queue_assign"), {"team_id": support.pk, "assignee_id": sue.pk}
    )

    assert response.status_code == 200
    assert "Choose at least one ticket." in response.content.decode()
    assert not Ticket.objects.filter(assignee=sue).exists()


def test_bulk_assign_of_another_teams_ticket_changes_nothing(
    client, sam, sue, charlie, support, west
):
    ours = _ticket(sam, support)
    theirs = _ticket(charlie, west)
    client.force_login(sam)

    client.post(
        reverse("service:team_queue_assign"),
        {"team_id": support.pk, "assignee_id": sue.pk, "ticket_ids": [ours.pk, theirs.pk]},
    )

    assert not Ticket.objects.filter(assignee=sue).exists()


# --- The ticket page ---------------------------------------------------------------------------


def test_ticket_page_costs_the_same_queries_for_many_messages(
    client, sam, ticket, django_assert_max_num_queries
):
    client.force_login(sam)
    url = reverse("service:ticket_detail", args=[ticket.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(10):
        ticket_note(
            actor=sam,
            ticket=ticket,
            body=f"Note {n}",
            attachments=[SimpleUploadedFile(f"f{n}.txt", b"x", "text/plain")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["conversation"]) == 11


def test_conversation_escapes_text_and_marks_notes(client, sam, ticket):
    ticket_note(actor=sam, ticket=ticket, body="<script>alert(1)</script> check @nobody")
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-kind="internal_note"' in html
    assert 'data-kind="customer_message"' in html


def test_reply_sends_mail_and_opens_the_ticket(client, sam, ticket, settings):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_reply", args=[ticket.pk]),
        {"kind": "reply", "body": "Please restart it."},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "Reply sent." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.filter(kind=MessageKind.PUBLIC_REPLY, body="Please restart it.")


def test_empty_reply_shows_a_field_error_and_saves_nothing(client, sam, ticket):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_reply", args=[ticket.pk]),
        {"kind": "reply", "body": "   "},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'data-testid="error-body"' in response.content.decode()
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1
    assert mail.outbox == []


def test_oversized_attachment_is_refused_and_nothing_saved(client, sam, ticket, monkeypatch):
    from rapport.service.services import conversation

    monkeypatch.setattr(conversation, "MAX_ATTACHMENT_BYTES", 10)
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_reply", args=[ticket.pk]),
        {
            "kind": "note",
            "body": "See the log",
            "attachments": [SimpleUploadedFile("log.txt", b"x" * 11, "text/plain")],
        },
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="error-attachments"' in response.content.decode()
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL_NOTE)


def test_closing_a_complaint_without_root_cause_shows_field_errors(client, sam, complaint):
    client.force_login(sam)
    url = reverse("service:ticket_status", args=[complaint.pk])

    response = client.post(
        url, {"status": "closed", "root_cause": "", "resolution": ""}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'data-testid="error-root_cause"' in html
    assert 'data-testid="error-resolution"' in html
    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.NEW

    client.post(
        url,
        {"status": "closed", "root_cause": "delivery", "resolution": "Apologised, refunded."},
    )
    complaint.refresh_from_db()
    assert complaint.status == TicketStatus.CLOSED
    assert complaint.root_cause == "delivery"


def test_resolve_button_resolves(client, sam, ticket):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_status", args=[ticket.pk]), {"status": "resolved"}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_assign_to_a_colleague_of_the_team(client, sam, sue, ticket):
    client.force_login(sam)

    client.post(
        reverse("service:ticket_assign", args=[ticket.pk]),
        {"assignee_id": sue.pk, "team_id": ticket.team_id},
    )

    ticket.refresh_from_db()
    assert ticket.assignee == sue


def test_assign_to_someone_of_another_team_shows_an_error(client, sam, charlie, ticket):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_assign", args=[ticket.pk]),
        {"assignee_id": charlie.pk, "team_id": ticket.team_id},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-testid="error-assignee_id"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_merge_into_another_ticket_moves_the_messages(client, sam, support, ticket):
    target = _ticket(sam, support, subject="Same screen issue")
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_merge", args=[ticket.pk]), {"target": target.number}
    )

    assert response["Location"] == reverse("service:ticket_detail", args=[target.pk])
    ticket.refresh_from_db()
    assert ticket.merged_into == target
    assert target.messages.filter(kind=MessageKind.CUSTOMER_MESSAGE).count() == 2


def test_merge_into_an_unknown_ticket_is_a_field_error(client, sam, charlie, west, ticket):
    theirs = _ticket(charlie, west)
    client.force_login(sam)

    for target in ("nonsense", theirs.number):
        response = client.post(
            reverse("service:ticket_merge", args=[ticket.pk]),
            {"target": target},
            HTTP_HX_REQUEST="true",
        )
        assert 'data-testid="error-target"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.merged_into is None


def test_canned_reply_is_inserted_with_its_merge_fields(client, sam, admin_user, ticket):
    reply = canned_reply_create(
        actor=admin_user, data={"name": "Hello", "body": "Dear {{ person.name }},"}
    )
    client.force_login(sam)

    response = client.post(
        reverse("service:canned_reply_insert", args=[ticket.pk]),
        {"canned_id": reply.pk, "body": "First line"},
    )

    html = response.content.decode()
    assert "First line" in html
    assert "Dear Emily Carter," in html


def test_reopened_ticket_links_to_the_one_it_follows(client, sam, support, ticket):
    follow_up = ticket_create(
        actor=sam,
        data={"subject": "Again", "team_id": support.pk},
        reopened_from=ticket,
    )
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[follow_up.pk])).content.decode()
    earlier = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()

    assert 'data-testid="ticket-reopened-from"' in html
    assert ticket.number in html
    assert follow_up.number in earlier


# --- New ticket --------------------------------------------------------------------------------


def test_new_ticket_from_a_persons_page_is_prefilled(client, alice, emily):
    client.force_login(alice)

    html = client.get(reverse("service:ticket_create"), {"person_id": emily.pk}).content.decode()

    assert f'value="person:{emily.pk}" selected' in html
    assert "Emily Carter" in html


def test_new_ticket_for_someone_elses_customer_is_404(client, charlie, emily):
    client.force_login(charlie)

    assert client.get(reverse("service:ticket_create"), {"person_id": emily.pk}).status_code == 404


def test_new_ticket_needs_a_subject(client, alice, emily):
    client.force_login(alice)

    response = client.post(
        reverse("service:ticket_create"),
        {
            "subject": "",
            "body": "Called about billing",
            "channel": "phone",
            "customer": f"person:{emily.pk}",
        },
    )

    assert 'data-testid="error-subject"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_logged_call_becomes_a_phone_ticket(client, alice, emily):
    client.force_login(alice)

    response = client.post(
        reverse("service:ticket_create"),
        {
            "subject": "Asked about the invoice",
            "body": "Wants a copy of invoice 12.",
            "channel": "phone",
            "customer": f"person:{emily.pk}",
            "assignee_id": "me",
        },
    )

    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("service:ticket_detail", args=[ticket.pk])
    assert ticket.channel == "phone"
    assert ticket.person == emily
    assert ticket.assignee == alice


def test_new_ticket_from_an_order_links_it(client, alice, emily):
    from rapport.sales.services.orders import order_create

    order = order_create(
        actor=alice,
        data={
            "person_id": emily.pk,
            "lines": [{"description": "Tea", "quantity": "1", "unit_price": "10"}],
        },
    )
    client.force_login(alice)

    page = client.get(reverse("service:ticket_create"), {"order_id": order.pk})
    assert order.number in page.content.decode()
    client.post(
        reverse("service:ticket_create"),
        {
            "subject": f"About order {order.number}",
            "channel": "agent",
            "customer": f"person:{emily.pk}",
            "order_id": order.pk,
        },
    )

    assert Ticket.objects.get().order == order


# --- Settings ----------------------------------------------------------------------------------


def test_administrator_builds_the_category_tree(client, admin_user):
    client.force_login(admin_user)
    client.post(
        reverse("service:category_list"), {"name": "Hardware", "position": 0, "is_active": "on"}
    )
    hardware = TicketCategory.objects.get()

    client.post(
        reverse("service:category_list"),
        {"name": "Screen", "parent_id": hardware.pk, "is_active": "on"},
    )
    duplicate = client.post(
        reverse("service:category_list"),
        {"name": "Screen", "parent_id": hardware.pk, "is_active": "on"},
    )

    assert TicketCategory.objects.get(name="Screen").parent == hardware
    assert 'data-testid="error-name"' in duplicate.content.decode()
    assert TicketCategory.objects.count() == 2


def test_canned_reply_with_a_broken_merge_field_is_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("service:canned_reply_list"),
        {"name": "Broken", "body": "Dear {{ person.name ", "is_active": "on"},
    )

    assert 'data-testid="error-body"' in response.content.decode()
    assert not CannedReply.objects.exists()


def test_agent_manages_their_teams_canned_replies_only(client, sam, charlie, admin_user, west):
    theirs = canned_reply_create(
        actor=admin_user, data={"name": "West hello", "body": "Hi", "team_id": west.pk}
    )
    client.force_login(sam)

    client.post(
        reverse("service:canned_reply_list"),
        {"name": "Support hello", "body": "Hello", "team_id": sam.team_id, "is_active": "on"},
    )

    assert CannedReply.objects.get(name="Support hello").team_id == sam.team_id
    assert client.get(reverse("service:canned_reply_edit", args=[theirs.pk])).status_code == 404


def test_assignment_rule_needs_a_team(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("service:assignment_rule_list"),
        {"name": "VIP", "method": "round_robin", "team_id": "", "is_active": "on"},
    )

    assert 'data-testid="error-team_id"' in response.content.decode()


def test_administrator_adds_an_assignment_rule(client, admin_user, support):
    category = category_create(actor=admin_user, data={"name": "Billing"})
    client.force_login(admin_user)

    client.post(
        reverse("service:assignment_rule_list"),
        {
            "name": "Billing to support",
            "method": "least_open",
            "team_id": support.pk,
            "category_id": category.pk,
            "keywords": "invoice, 发票",
            "is_active": "on",
        },
    )

    html = client.get(reverse("service:assignment_rule_list")).content.decode()
    assert "Billing to support" in html


def test_agent_marks_themselves_away_and_sets_skills(client, sam):
    client.force_login(sam)

    client.post(reverse("service:my_away_toggle"))
    client.post(
        reverse("service:agent_edit", args=[sam.pk]),
        {"skills": "billing, Hardware", "languages": ["en"], "is_away": "on"},
    )

    profile = AgentProfile.objects.get(user=sam)
    assert profile.is_away
    assert profile.skills == ["billing", "hardware"]
    assert profile.languages == ["en"]


def test_agent_cannot_edit_a_colleagues_profile(client, sam, sue):
    client.force_login(sam)

    assert client.get(reverse("service:agent_edit", args=[sue.pk])).status_code == 403


def test_navigation_offers_the_service_pages(client, sam):
    client.force_login(sam)

    html = client.get(reverse("service:my_tickets")).content.decode()

    assert 'data-testid="nav-tickets"' in html
    assert 'data-testid="nav-queue"' in html


def test_person_company_and_order_pages_offer_a_new_ticket(client, alice, emily):
    from rapport.customers.services import company_create
    from rapport.sales.services.orders import order_create

    company = company_create(actor=alice, data={"name": "Acme"})
    order = order_create(
        actor=alice,
        data={
            "person_id": emily.pk,
            "lines": [{"description": "Tea", "quantity": "1", "unit_price": "10"}],
        },
    )
    client.force_login(alice)
    create = reverse("service:ticket_create")

    person = client.get(reverse("customers:person_detail", args=[emily.pk])).content.decode()
    firm = client.get(reverse("customers:company_detail", args=[company.pk])).content.decode()
    sale = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert f"{create}?person_id={emily.pk}" in person
    assert f"{create}?company_id={company.pk}" in firm
    assert f"{create}?order_id={order.pk}" in sale


def test_administrator_without_a_team_sees_every_queue(client, admin_user, support, sam):
    _ticket(sam, support, subject="Waiting")
    client.force_login(admin_user)

    response = client.get(reverse("service:team_queue"))

    assert response.status_code == 200
    assert [t.subject for t in response.context["tickets"]] == ["Waiting"]


def test_changing_the_status_keeps_the_reply_being_written(client, sam, ticket):
    client.force_login(sam)

    response = client.post(
        reverse("service:ticket_status", args=[ticket.pk]),
        {"status": "on_hold", "body": "Half-written answer"},
        HTTP_HX_REQUEST="true",
    )

    assert "Half-written answer</textarea>" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ON_HOLD


def test_queue_costs_the_same_queries_for_many_tickets(
    client, sam, support, django_assert_max_num_queries
):
    client.force_login(sam)
    _ticket(sam, support)
    client.get(reverse("service:team_queue"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("service:team_queue"))
    for n in range(20):
        _ticket(sam, support, subject=f"Problem {n}", assignee_id=sam.pk if n % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("service:team_queue"))
    assert len(response.context["tickets"]) == 21


def test_ticket_page_asks_the_knowledge_base_about_the_ticket(client, sam, ticket):
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()

    articles = reverse("service:ticket_articles", args=[ticket.pk])
    assert f"{articles}?q=The%20screen%20flickers" in html
    assert "Since%20yesterday%20the%20screen%20flickers." in html


def test_queue_never_leaves_a_new_urgent_ticket_behind_a_backlog(sam, support):
    from rapport.service.selectors_pages import team_queue_by_urgency

    for n in range(3):
        _ticket(sam, support, subject=f"Old {n}")
    urgent = _ticket(sam, support, subject="New and urgent", priority="urgent")

    shown = team_queue_by_urgency(support, limit=2)

    assert shown[0] == urgent
    assert len(shown) == 2
