"""The ticket lists at scale (issue 16): the list, my tickets, the queue and the API list run a
number of queries that does not grow with the tickets; the text search is answered by the
substring index (SQLite FTS5 trigram table / PostgreSQL pg_trgm), which follows every change.
bench/service_scale.py measures the same pages at 1,000,000 tickets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.api.tests.conftest import client_for
from rapport.service import search
from rapport.service.models import Ticket, TicketPriority
from rapport.service.services import ticket_create


def _tickets(actor, team, count, *, person=None, start=0, agent=None):
    priorities = list(TicketPriority.values)
    return [
        ticket_create(
            actor=actor,
            data={
                "subject": f"Printer jam {start + n}",
                "person_id": person.pk if person else None,
                "requester_email": "" if person else f"buyer{start + n}@shop.example",
                "team_id": team.pk,
                "assignee_id": (agent or actor).pk if n % 2 else None,
                "priority": priorities[n % len(priorities)],
            },
        )
        for n in range(count)
    ]


def _queries(fetch) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


URLS = (
    "/service/tickets/",
    "/service/tickets/?status=open&priority=high",
    "/service/tickets/?q=printer",
    "/service/tickets/mine/",
    "/service/queue/",
)


@pytest.mark.parametrize("url", URLS)
def test_pages_run_the_same_queries_for_3_or_12_tickets(
    client, admin_user, sam, support, emily, url
):
    client.force_login(sam)
    _tickets(admin_user, support, 3, person=emily, agent=sam)
    client.get(url)  # caches (session, translations, saved views) warmed
    few = _queries(lambda: client.get(url))
    _tickets(admin_user, support, 9, start=3, agent=sam)
    many = _queries(lambda: client.get(url))
    assert many == few
    assert few <= 20


def test_api_list_runs_the_same_queries_for_3_or_12_tickets(admin_user, sam, support, emily):
    api = client_for(sam)
    _tickets(admin_user, support, 3, person=emily, agent=sam)
    api.get("/tickets")
    few = _queries(lambda: api.get("/tickets", {"priority": "high"}))
    _tickets(admin_user, support, 9, start=3, agent=sam)
    many = _queries(lambda: api.get("/tickets", {"priority": "high"}))
    assert many == few
    assert few <= 10


def test_search_finds_subject_requester_and_number_and_follows_changes(client, sam, support, emily):
    client.force_login(sam)
    first, second, *_ = _tickets(sam, support, 3)
    chinese = ticket_create(
        actor=sam, data={"subject": "洗衣机漏水，显示E2", "team_id": support.pk}
    )

    def found(text):
        return set(Ticket.objects.filter(pk__in=search.text_match_ids(text)))

    assert found("PRINTER jam 1") == {second}
    assert found("buyer0@shop") == {first}
    assert found("洗衣机") == {chinese}
    assert found("漏水") == {chinese}  # two characters: no trigram, still found
    assert found('jam" OR "x') == set()  # the phrase is quoted, not a query

    Ticket.objects.filter(pk=chinese.pk).update(subject="空调不制冷")
    assert found("洗衣机") == set()
    assert found("不制冷") == {chinese}
    Ticket.objects.filter(pk=second.pk).delete()
    assert found("jam 1") == set()

    response = client.get("/service/tickets/", {"q": first.number})
    assert first.subject in response.content.decode()
    response = client.get("/service/tickets/", {"q": "不制冷"})
    assert "空调不制冷" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS triggers")
def test_search_index_comes_back_after_a_table_rebuild(sam, support):
    (ticket,) = _tickets(sam, support, 1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER service_ticket_search_ai")
        cursor.execute("DROP TRIGGER service_ticket_search_au")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Scanner offline")
    assert search.ensure_sqlite_search_index() is True
    assert search.text_match_ids("scanner") == [ticket.pk]
    assert search.ensure_sqlite_search_index() is False


def test_a_search_applies_the_visibility_rule_to_its_candidates_in_one_query(
    client, admin_user, sam, support, emily
):
    """An agent's list reads each part of the visibility rule on its index, then the page; a
    search, bounded to its candidates, reads them once (docs/benchmarks.md, "Service at
    scale", second round)."""
    client.force_login(sam)
    _tickets(admin_user, support, 3, person=emily, agent=sam)

    def ordered_ticket_reads(url) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return sum(
            'FROM "service_ticket"' in q["sql"] and '"updated_at" DESC' in q["sql"]
            for q in captured
        )

    assert ordered_ticket_reads("/service/tickets/") == 4  # three parts, then the page
    assert ordered_ticket_reads("/service/tickets/?q=printer") == 1


def test_text_holding_a_long_number_goes_to_the_index_and_finds_the_same(sam, support):
    """A text with six digits or more in a row ("visitor860222", an order reference) is asked
    of the substring index straight away, not of the newest window first (docs/benchmarks.md,
    "Service at scale", fifth round); what it finds is the same."""
    visitor = ticket_create(
        actor=sam,
        data={
            "subject": "Where is my parcel",
            "requester_email": "visitor860222@example.net",
            "team_id": support.pk,
        },
    )
    order = ticket_create(actor=sam, data={"subject": "Order 20261207 late", "team_id": support.pk})
    assert search._looks_like_reference("visitor860222")
    assert not search._looks_like_reference("visitor8602")
    assert search.text_match_ids("VISITOR860222") == [visitor.pk]
    assert search.text_match_ids("860222@example") == [visitor.pk]
    assert search.text_match_ids("order 20261207") == [order.pk]
    assert search.text_match_ids("1234567") == []
