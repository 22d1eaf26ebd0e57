"""Interaction pages: timelines as htmx partials, logging with htmx, the interaction list."""

import pytest
from django.urls import reverse

from rapport.activities.models import Interaction
from rapport.activities.services import interaction_create
from rapport.customers.services import company_create, person_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(alice):
    return company_create(actor=alice, data={"name": "顶峰贸易"})


@pytest.fixture
def zhang(alice, acme):
    return person_create(
        actor=alice,
        data={"full_name": "张伟", "employments": [{"company_id": acme.pk, "is_primary": True}]},
    )


def _log(actor, person, n, subject="Call"):
    for i in range(n):
        interaction_create(
            actor=actor,
            person=person,
            data={
                "channel": "call",
                "subject": f"{subject} {i}",
                "occurred_at": f"2026-01-{i % 28 + 1:02d}T10:{i % 60:02d}",
            },
        )


def test_person_timeline_partial_lists_entries_newest_first(client, alice, zhang):
    _log(alice, zhang, 2)
    client.force_login(alice)
    response = client.get(reverse("activities:person_timeline", args=[zhang.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="timeline-entry"') == 3  # two calls and "record created"
    assert html.index("Record created") < html.index("Call 1") < html.index("Call 0")


def test_person_timeline_loads_more_with_cursor(client, alice, zhang):
    _log(alice, zhang, 25)
    client.force_login(alice)
    first = client.get(reverse("activities:person_timeline", args=[zhang.pk]), **HTMX)
    html = first.content.decode()
    assert html.count('data-testid="timeline-entry"') == 20
    assert 'data-testid="timeline-load-more"' in html
    next_url = first.context["next_url"]
    second = client.get(next_url, **HTMX).content.decode()
    assert second.count('data-testid="timeline-entry"') == 6
    assert 'data-testid="timeline-load-more"' not in second


def test_timeline_query_count_is_constant(client, alice, zhang, django_assert_max_num_queries):
    client.force_login(alice)
    _log(alice, zhang, 3)
    with django_assert_max_num_queries(4):
        client.get(reverse("activities:person_timeline", args=[zhang.pk]))
    _log(alice, zhang, 25, subject="More")
    with django_assert_max_num_queries(4):
        client.get(reverse("activities:person_timeline", args=[zhang.pk]))


def test_timeline_escapes_html_in_interaction_text(client, alice, zhang):
    interaction_create(
        actor=alice,
        person=zhang,
        data={"channel": "note", "subject": "<script>x()</script>", "content": "<i>hi</i>"},
    )
    client.force_login(alice)
    html = client.get(reverse("activities:person_timeline", args=[zhang.pk])).content.decode()
    assert "<script>x()</script>" not in html
    assert "&lt;i&gt;hi&lt;/i&gt;" in html


def test_log_interaction_via_htmx_returns_entry_and_fresh_form(client, alice, zhang):
    client.force_login(alice)
    response = client.post(
        reverse("activities:person_log_interaction", args=[zhang.pk]),
        {
            "channel": "meeting",
            "direction": "outbound",
            "occurred_at": "2026-02-03T15:30",
            "subject": "报价讨论",
            "content": "客户要求九折",
            "outcome": "下周回复",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="timeline-entry"' in html
    assert "报价讨论" in html and "客户要求九折" in html and "下周回复" in html
    assert 'hx-swap-oob="true"' in html
    interaction = Interaction.objects.get()
    assert interaction.person == zhang
    assert interaction.logged_by == alice


def test_log_interaction_with_errors_rerenders_the_form(client, alice, zhang):
    client.force_login(alice)
    response = client.post(
        reverse("activities:person_log_interaction", args=[zhang.pk]),
        {"channel": "call", "subject": "", "occurred_at": "yesterday-ish"},
        **HTMX,
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#log-interaction-form"
    assert 'data-testid="error-subject"' in html
    assert 'data-testid="error-occurred_at"' in html
    assert 'data-testid="timeline-entry"' not in html
    assert not Interaction.objects.exists()


def test_log_interaction_without_htmx_redirects_to_the_person(client, alice, zhang):
    client.force_login(alice)
    response = client.post(
        reverse("activities:person_log_interaction", args=[zhang.pk]),
        {"channel": "call", "direction": "inbound", "subject": "Hello"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:person_detail", args=[zhang.pk])


def test_log_interaction_form_loads_with_htmx(client, alice, zhang):
    client.force_login(alice)
    html = client.get(
        reverse("activities:person_log_interaction", args=[zhang.pk]), **HTMX
    ).content.decode()
    assert 'data-testid="log-interaction-form"' in html
    assert 'data-testid="interaction-subject"' in html


def test_log_interaction_on_company_shows_on_company_timeline(client, alice, acme):
    client.force_login(alice)
    client.post(
        reverse("activities:company_log_interaction", args=[acme.pk]),
        {"channel": "visit", "direction": "outbound", "subject": "上门拜访"},
        **HTMX,
    )
    html = client.get(reverse("activities:company_timeline", args=[acme.pk])).content.decode()
    assert "上门拜访" in html


@pytest.mark.parametrize(
    "name", ["activities:person_timeline", "activities:person_log_interaction"]
)
def test_rep_gets_404_for_other_team_person_timeline(client, charlie, zhang, name):
    client.force_login(charlie)
    assert client.get(reverse(name, args=[zhang.pk])).status_code == 404


def test_rep_cannot_log_interaction_on_other_team_person(client, charlie, zhang):
    client.force_login(charlie)
    response = client.post(
        reverse("activities:person_log_interaction", args=[zhang.pk]),
        {"channel": "call", "subject": "sneaky"},
        **HTMX,
    )
    assert response.status_code == 404
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "name", ["activities:company_timeline", "activities:company_log_interaction"]
)
def test_rep_gets_404_for_other_team_company_timeline(client, charlie, acme, name):
    client.force_login(charlie)
    assert client.get(reverse(name, args=[acme.pk])).status_code == 404


def test_interaction_list_query_count_is_constant(
    client, alice, zhang, django_assert_max_num_queries
):
    client.force_login(alice)
    _log(alice, zhang, 5)
    with django_assert_max_num_queries(3):
        small = client.get(reverse("activities:interaction_list"))
    _log(alice, zhang, 25, subject="More")
    with django_assert_max_num_queries(3):
        large = client.get(reverse("activities:interaction_list"))
    assert small.content.decode().count('data-testid="interaction-row"') == 5
    assert large.content.decode().count('data-testid="interaction-row"') == 25


def test_interaction_list_hides_other_team_interactions(client, alice, charlie, zhang):
    _log(alice, zhang, 1, subject="Secret call")
    client.force_login(charlie)
    html = client.get(reverse("activities:interaction_list")).content.decode()
    assert "Secret call" not in html


def test_interaction_list_filters_by_channel(client, alice, zhang):
    _log(alice, zhang, 1, subject="Phone")
    interaction_create(actor=alice, person=zhang, data={"channel": "email", "subject": "Mail"})
    client.force_login(alice)
    response = client.get(reverse("activities:interaction_list"), {"channel": "email"})
    assert [i.subject for i in response.context["page"].items] == ["Mail"]
