"""The ticket page's queries (issue 16): a fixed number, whatever the ticket holds.

It ran 20 at a million tickets (docs/benchmarks.md, "Service at scale", fifth round): the
customers' visibility checked in two more queries, the tags read twice, the merged tickets and
the follow-ups apart, three queries for the team's agents and two for the reply signature. These
tests keep the count from growing back.
"""

import re
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.customers.models import Tag
from rapport.service.models import Ticket
from rapport.service.services import AttachmentData, ticket_create, ticket_note, ticket_reply

# Session, user, the ticket (with its customers' visibility), the tags, the messages, their
# files, the merged tickets and follow-ups, the team's agents, the canned replies, the teams,
# the categories, the SLA targets, the surveys' panel, the menu's chat count, the signature.
TICKET_PAGE_QUERIES = 15


def _page_queries(client, ticket) -> tuple[int, str]:
    url = f"/service/tickets/{ticket.pk}/"
    client.get(url)  # caches (session, translations) warmed
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_ticket_page_runs_the_same_queries_however_much_the_ticket_holds(
    client, admin_user, sam, sue, support, ticket
):
    client.force_login(sam)
    bare, _html = _page_queries(client, ticket)
    assert bare <= TICKET_PAGE_QUERIES

    for n in range(6):
        ticket_reply(actor=sam, ticket=ticket, body=f"Answer {n}")
        ticket_note(actor=sue, ticket=ticket, body=f"Note {n}")
    ticket.tags.set([Tag.objects.create(name="VIP"), Tag.objects.create(name="Repeat")])
    Tag.objects.create(name="Unused")
    merged = ticket_create(
        actor=admin_user, data={"subject": "Same flicker", "team_id": support.pk}
    )
    Ticket.objects.filter(pk=merged.pk).update(merged_into=ticket)
    follow_up = ticket_create(actor=admin_user, data={"subject": "Again", "team_id": support.pk})
    Ticket.objects.filter(pk=follow_up.pk).update(reopened_from=ticket)

    full, html = _page_queries(client, ticket)
    assert full == bare
    assert "Answer 5" in html and "Note 5" in html
    assert 'data-testid="ticket-follow-up"' in html and "Again" in html
    assert merged.number in html
    assert html.count('<span class="chip">VIP</span>') == 1
    checked = re.findall(r'name="tag_ids" value="(\d+)"[^>]*\bchecked', html)
    assert sorted(int(pk) for pk in checked) == sorted(t.pk for t in ticket.tags.all())

    # Files: read in the same query whether there are any or not.
    ticket_note(
        actor=sam,
        ticket=ticket,
        body="The log.",
        attachments=[AttachmentData("log.txt", "text/plain", b"driver crash")],
    )
    with_files, html = _page_queries(client, ticket)
    assert with_files == bare
    assert "log.txt" in html


def test_the_ticket_page_names_the_customer_only_to_who_may_see_them(client, sam, ticket, alice):
    """The customers' rule is read with the ticket, not apart: sam (Support) sees the ticket,
    not Emily (alice's customer); alice would see her, an administrator does."""
    client.force_login(sam)
    html = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "Emily Carter" not in html
    assert "A customer of another team" in html

    Ticket.objects.filter(pk=ticket.pk).update(assignee=alice)
    client.force_login(alice)
    html = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "Emily Carter" in html
    assert "A customer of another team" not in html


def test_the_flat_widgets_write_what_their_templates_would():
    """`FlatSelect` and `FlatCheckboxSelectMultiple` are written in Python; their templates stay
    as the reference: the same HTML, escaping and attributes included."""
    from django import forms

    from rapport.service.forms import FlatCheckboxSelectMultiple, FlatSelect

    choices = [("", "—"), ("1", "A & <b>"), ("2", '\u2003Child "x"'), ("Group", [("3", "C")])]
    select = FlatSelect(attrs={"data-testid": "field-a", "disabled": True, "hidden": False})
    boxes = FlatCheckboxSelectMultiple(attrs={"data-testid": "field-tags", "id": "tags"})
    for widget, value in ((select, "2"), (select, None), (boxes, ["1", "3"]), (boxes, [])):
        widget.choices = choices
        assert widget.render("f", value) == forms.Widget.render(widget, "f", value)


# The conversation as the page's template loop wrote it before `conversation_messages` (the
# tag must write the same HTML).
CONVERSATION_LOOP = (Path(__file__).parent / "conversation_loop_reference.html").read_text()


def test_the_conversation_tag_writes_what_the_template_loop_wrote(
    client, admin_user, sam, sue, ticket
):
    from django.template import Context, Template
    from django.utils import translation

    from rapport.service.models import MessageKind, TicketMessage
    from rapport.service.selectors import ticket_detail
    from rapport.service.templatetags.service_ticket_page import conversation_messages

    ticket_reply(actor=sam, ticket=ticket, body="Dear <customer> & co")
    ticket_note(
        actor=sam,
        ticket=ticket,
        body=f"@[Sue](user:{sue.pk}) have a look",
        attachments=[AttachmentData("log <1>.txt", "text/plain", b"x" * 2048)],
    )
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.CUSTOMER_MESSAGE,
        author_user=sam,
        body="By phone",
        body_html="<p>By <b>phone</b></p>",
    )
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.CUSTOMER_MESSAGE, body="Anon")
    for user, language in ((admin_user, "en"), (sam, "zh-hans")):
        with translation.override(language):
            detail = ticket_detail(user, ticket.pk)
            context = {
                "ticket": detail.ticket,
                "detail": detail,
                "conversation": detail.messages,
                "kinds": MessageKind,
            }
            expected = Template(CONVERSATION_LOOP).render(Context(context))
            assert len(detail.messages) == 5
            assert conversation_messages(Context(context)) == expected
            assert "conversation-empty" in Template(CONVERSATION_LOOP).render(
                Context({**context, "conversation": []})
            )
