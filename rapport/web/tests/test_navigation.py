"""The main navigation: every page within two clicks, only what a role may open, the active
group marked, and no query spent on it but the agents' count of waiting chats."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.chat.models import ChatSession, ChatStatus
from rapport.web.navigation import navigation_for

# Pages that are reached from somewhere else than the navigation, and where from.
REACHED_ELSEWHERE = {
    "web:search": "the search box of the top bar",
    "accounts:profile": "the user menu",
    "accounts:api_keys": "the user menu",
    "accounts:password_change": "the user menu",
    "accounts:password_change_done": "the page after changing the password",
    "activities:notification_list": "the bell of the top bar",
    "activities:announcement_list": "the user menu",
    "activities:announcement_create": "the announcements page (the user menu)",
}


def _links(entries):
    for entry in entries:
        yield from entry.links or [entry]


def _page_names(resolver=None, namespace=""):
    """The names of the HTML routes without path parameters (those a menu can link to)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in {"admin", "api"}:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _page_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and "<" not in str(pattern.pattern):
            yield f"{namespace}{pattern.name}"


def test_every_link_of_the_administrators_navigation_opens(client, admin_user):
    client.force_login(admin_user)

    links = list(_links(navigation_for(admin_user, "web:home")))
    statuses = {link.testid: client.get(link.url, follow=True).status_code for link in links}

    assert len(links) >= 25
    assert {testid for testid, status in statuses.items() if status != 200} == set()


def test_a_representative_sees_no_settings_and_every_link_opens(client, alice):
    client.force_login(alice)

    entries = navigation_for(alice, "web:home")
    statuses = {
        link.testid: client.get(link.url, follow=True).status_code for link in _links(entries)
    }

    assert [entry.testid for entry in entries] == [
        "nav-home",
        "nav-group-customers",
        "nav-group-sales",
        "nav-group-service",
        "nav-group-reports",
        "nav-tasks",
        "nav-group-data",
    ]
    assert {testid for testid, status in statuses.items() if status != 200} == set()
    assert "nav-backups" not in statuses and "audit-log-link" not in statuses


def test_every_page_is_in_the_navigation_or_reached_from_a_named_place(client, admin_user):
    """A page a menu can link to (a GET route without parameters that renders the layout) is
    either an entry of the navigation (or marks one active, like "new person" marks Persons)
    or listed above with where it is reached from."""
    client.force_login(admin_user)
    orphans = []
    for name in sorted(set(_page_names())):
        response = client.get(reverse(name))
        if response.status_code != 200 or b'data-testid="main-nav"' not in response.content:
            continue  # not a page: a fragment, a form's target, a redirect or a download
        if name in REACHED_ELSEWHERE:
            continue
        if not any(entry.active for entry in navigation_for(admin_user, name)):
            orphans.append(name)

    assert orphans == []


@pytest.mark.parametrize(
    ("view_name", "group", "link"),
    [
        ("customers:person_detail", "nav-group-customers", "nav-persons"),
        ("sales:kanban", "nav-group-sales", "nav-deals"),
        ("sales:deal_detail", "nav-group-sales", "nav-deals"),
        ("sales:lead_detail", "nav-group-sales", "nav-leads"),
        ("sales:lead_scoring_rule_edit", "nav-group-settings", "nav-lead-scoring"),
        ("sales:lost_reasons_report", "nav-group-reports", "nav-lost-reasons-report"),
        ("analytics_kpis:cohorts", "nav-group-reports", "nav-cohorts"),
        ("analytics_reports:pareto", "nav-group-reports", "nav-report-builder"),
        ("analytics:dashboard", "nav-group-reports", "nav-dashboards"),
        ("analytics_value:profit", "nav-group-reports", "nav-customer-value"),
        ("analytics_value:settings", "nav-group-settings", "nav-value-settings"),
        ("analytics_lifetime:model", "nav-group-settings", "nav-lifetime-model"),
        ("analytics_churn:model", "nav-group-reports", "nav-churn"),
        ("analytics_churn:settings", "nav-group-settings", "nav-churn-settings"),
        ("sales:lost_reason_settings", "nav-group-settings", "nav-lost-reason-settings"),
        ("sales:exchange_rate_edit", "nav-group-settings", "nav-exchange-rates"),
        ("dataio:merge_persons", "nav-group-data", "nav-duplicates"),
        ("activities:task_detail", "nav-tasks", "nav-tasks"),
    ],
)
def test_the_group_of_the_page_is_active(admin_user, view_name, group, link):
    entries = navigation_for(admin_user, view_name)

    assert [entry.testid for entry in entries if entry.active] == [group]
    assert [shown.testid for shown in _links(entries) if shown.active] == [link]


def test_the_page_marks_its_group_and_link(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("sales:lead_scoring_rule_list")).content.decode()

    assert re.search(r'<li class="navgroup active"[^>]*>\s*<button[^>]*"nav-group-settings"', html)
    assert 'class="active" aria-current="page" data-testid="nav-lead-scoring"' in html
    assert html.count('aria-current="page"') == 1
    assert 'aria-expanded="false"' in html and 'aria-controls="nav-menu-settings"' in html


def test_the_navigation_costs_no_query_but_the_agents_waiting_chats(
    alice, superuser, django_assert_num_queries
):
    with django_assert_num_queries(0):
        navigation_for(alice, "sales:lead_list")
    # An administrator may take chats: one COUNT for the badge, nothing else.
    with django_assert_num_queries(1) as queries:
        entries = navigation_for(superuser, "sales:lead_list")

    assert "chat_chatsession" in queries.captured_queries[0]["sql"]
    assert "nav-users" in [link.testid for link in _links(entries)]


def test_every_page_shows_an_agent_the_chats_waiting_for_one_at_one_count(client, alice):
    agent = user_create(username="sam", password="x-Secret-42", role=Role.SERVICE_AGENT)
    now = timezone.now()
    for n, status in enumerate([ChatStatus.WAITING, ChatStatus.WAITING, ChatStatus.ENDED]):
        ChatSession.objects.create(question=f"Q{n}", status=status, started_at=now)
    client.force_login(agent)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("service:my_tickets")).content.decode()

    assert re.search(r'"nav-group-service">[^<]+<span[^>]*"nav-group-service-badge">2</', html)
    assert re.search(r'"nav-chats">[^<]+<span[^>]*"nav-chats-badge">2</span></a>', html)
    chat_queries = [q for q in queries.captured_queries if "chat_chatsession" in q["sql"]]
    assert len(chat_queries) == 1 and "COUNT(" in chat_queries[0]["sql"]
    # A representative does not take chats: no badge, no query.
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("sales:lead_list")).content.decode()
    assert "nav-badge" not in html
    assert not [q for q in queries.captured_queries if "chat_chatsession" in q["sql"]]


@pytest.fixture
def superuser(db):
    return user_create(
        username="root", password="x-Secret-42", role=Role.ADMINISTRATOR, is_superuser=True
    )
