"""Saved views on the six lists: tabs, applying a view, saving and managing from the page, the
column chooser, and what they cost in queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.accounts.list_specs import PAGE_STATE_PARAMS, list_spec
from rapport.accounts.models import ListPreference, SavedView
from rapport.accounts.saved_view_services import list_columns_set, saved_view_create
from rapport.activities.list_specs import TASK_TAB_KEYS
from rapport.activities.task_services import task_create
from rapport.activities.task_views import TASK_TABS
from rapport.customers.services import custom_field_create, person_create
from rapport.sales.services.leads.capture import lead_create

LISTS = {
    "persons": "customers:person_list",
    "companies": "customers:company_list",
    "leads": "sales:lead_list",
    "deals": "sales:deal_list",
    "orders": "sales:order_list",
    "tasks": "activities:task_list",
}
FILTER_FORM = re.compile(r'<form method="get" class="filters panel"(.*?)</form>', re.S)
INPUT_NAME = re.compile(r'<(?:input|select)[^>]*\bname="([^"]+)"')


def _leads(owner):
    lead_create(actor=owner, data={"full_name": "Hot one", "campaign": "spring"})
    lead_create(actor=owner, data={"full_name": "Cold one", "campaign": "autumn"})


def _view(actor, name="Spring", **data):
    return saved_view_create(
        actor=actor,
        data={"list_key": "leads", "name": name, "query": "campaign=spring", **data},
    )


def _rows(response) -> list[str]:
    return re.findall(r'<a href="/sales/leads/\d+/">([^<]+)</a>', response.content.decode())


# --- Every list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("list_key", LISTS)
def test_every_list_offers_tabs_and_the_column_chooser(client, alice, list_key):
    client.force_login(alice)

    html = client.get(reverse(LISTS[list_key])).content.decode()

    assert 'data-testid="saved-view-tab-all"' in html
    assert 'data-testid="column-chooser"' in html
    for column in list_spec(list_key).columns:
        assert f'value="{column.key}"' in html


@pytest.mark.parametrize("list_key", LISTS)
def test_every_filter_of_the_list_can_be_saved(client, admin_user, list_key):
    """The list's filter bar and its spec agree: what a user can filter by, a view can keep."""
    for record_type in ("person", "company"):
        custom_field_create(
            actor=admin_user,
            data={
                "record_type": record_type,
                "key": "level",
                "label": "Lv",
                "field_type": "text",
            },
        )
    client.force_login(admin_user)

    html = client.get(reverse(LISTS[list_key])).content.decode()

    names = set(INPUT_NAME.findall(FILTER_FORM.search(html).group(1)))
    spec = list_spec(list_key)
    assert names
    assert [n for n in names if n not in PAGE_STATE_PARAMS and spec.cleaner(n) is None] == []


def test_task_tabs_are_known_to_the_task_list_spec():
    assert set(TASK_TAB_KEYS) == set(TASK_TABS)


@pytest.mark.parametrize("list_key", LISTS)
def test_tabs_cost_the_same_queries_for_one_view_or_many(
    client, alice, bob, list_key, django_assert_num_queries
):
    client.force_login(alice)
    url = reverse(LISTS[list_key])
    saved_view_create(actor=alice, data={"list_key": list_key, "name": "first"})
    client.get(url)  # sessions, translations and caches warmed
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(5):
        saved_view_create(actor=alice, data={"list_key": list_key, "name": f"mine {i}"})
        saved_view_create(
            actor=bob, data={"list_key": list_key, "name": f"team {i}", "visibility": "team"}
        )

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert response.content.decode().count('data-testid="saved-view-tab"') == 11


# --- Tabs and applying a view --------------------------------------------------------------------


def test_tabs_show_mine_then_shared_and_not_another_teams(client, alice, bob, charlie):
    _view(alice, name="Mine")
    _view(bob, name="Bob's", visibility="team")
    _view(bob, name="Bob private")
    _view(charlie, name="West's", visibility="team")
    client.force_login(alice)

    html = client.get(reverse("sales:lead_list")).content.decode()

    tabs = re.findall(r'data-testid="saved-view-tab"[^>]*>([^<]+)', html)
    assert tabs == ["Mine", "Bob&#x27;s"]


def test_a_tab_applies_its_filters_and_is_highlighted(client, alice):
    _leads(alice)
    view = _view(alice)
    client.force_login(alice)

    response = client.get(reverse("sales:lead_list"), {"view": view.pk}, follow=True)

    assert response.redirect_chain == [(f"/sales/leads/?campaign=spring&view={view.pk}", 302)]
    assert _rows(response) == ["Hot one"]
    html = response.content.decode()
    assert re.search(
        rf'class="saved-view-tab active" href="[^"]*view={view.pk}" aria-current', html
    )
    assert f'name="view" value="{view.pk}"' in html  # the filter bar keeps the view


def test_another_teams_view_answers_404(client, alice, charlie):
    view = _view(charlie, visibility="team")
    client.force_login(alice)

    assert client.get(reverse("sales:lead_list"), {"view": view.pk}).status_code == 404
    assert client.get(reverse("sales:deal_list"), {"view": "x"}).status_code == 404


def test_a_view_of_another_list_answers_404(client, alice):
    view = _view(alice)
    client.force_login(alice)

    assert client.get(reverse("sales:deal_list"), {"view": view.pk}).status_code == 404


def test_default_view_opens_the_list_unless_cleared_on_the_list(client, alice):
    view = _view(alice, is_default=True)
    client.force_login(alice)
    url = reverse("sales:lead_list")

    from_elsewhere = client.get(url)
    cleared = client.get(url, headers={"Referer": f"http://testserver{url}?campaign=spring"})

    assert from_elsewhere.status_code == 302
    assert from_elsewhere["Location"] == f"{url}?campaign=spring&view={view.pk}"
    assert cleared.status_code == 200
    assert 'href="?view=all"' in cleared.content.decode()


def test_changed_filters_offer_to_update_the_view(client, alice):
    view = _view(alice)
    client.force_login(alice)
    url = reverse("sales:lead_list")

    same = client.get(url, {"campaign": "spring", "view": view.pk}).content.decode()
    changed = client.get(url, {"campaign": "autumn", "view": view.pk}).content.decode()

    assert "saved-view-update-filters" not in same
    assert "saved-view-update-filters" in changed
    assert 'name="query" value="campaign=autumn"' in changed


# --- Saving and managing from the page -----------------------------------------------------------


def test_saving_the_pages_filters_creates_a_view_and_shows_it(client, alice):
    _leads(alice)
    client.force_login(alice)

    response = client.post(
        reverse("accounts:saved_view_create"),
        {
            "list_key": "leads",
            "name": "My hot leads",
            "query": "campaign=spring&sort=-score",
            "visibility": "team",
            "columns_sent": "1",
            "columns": ["name", "score"],
        },
        follow=True,
    )

    view = SavedView.objects.get()
    assert (view.owner, view.visibility, view.team, view.columns) == (
        alice,
        "team",
        alice.team,
        ["name", "score"],
    )
    assert _rows(response) == ["Hot one"]
    assert "<th>Status</th>" not in response.content.decode()


def test_a_refused_save_says_why_on_the_list(client, alice):
    client.force_login(alice)
    url = reverse("sales:lead_list")

    response = client.post(
        reverse("accounts:saved_view_create"),
        {"list_key": "leads", "name": "x", "query": "status=bogus", "next": url},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url
    assert "is not a valid value for" in response.content.decode()
    assert not SavedView.objects.exists()


def test_manager_renames_and_deletes_a_team_view_from_the_page(client, alice, diana):
    view = _view(alice, visibility="team")
    client.force_login(diana)

    client.post(reverse("accounts:saved_view_update", args=[view.pk]), {"name": "Renamed"})
    view.refresh_from_db()
    assert view.name == "Renamed"

    response = client.post(reverse("accounts:saved_view_delete", args=[view.pk]))
    assert response["Location"] == reverse("sales:lead_list") + "?view=all"
    assert not SavedView.objects.exists()


def test_colleague_cannot_delete_a_team_view(client, alice, bob):
    view = _view(alice, visibility="team")
    client.force_login(bob)

    html = client.get(reverse("sales:lead_list"), {"campaign": "spring", "view": view.pk})
    client.post(reverse("accounts:saved_view_delete", args=[view.pk]))

    assert "saved-view-delete" not in html.content.decode()
    assert SavedView.objects.filter(pk=view.pk).exists()


# --- Columns -------------------------------------------------------------------------------------


def test_hidden_columns_are_not_rendered_and_the_choice_sticks(client, alice):
    _leads(alice)
    client.force_login(alice)
    url = reverse("sales:lead_list")

    client.post(
        reverse("accounts:list_columns"),
        {"list_key": "leads", "columns": ["name", "score", "owner"], "next": url},
    )
    html = client.get(url).content.decode()

    assert ListPreference.objects.get(user=alice, list_key="leads").columns == [
        "name",
        "score",
        "owner",
    ]
    assert "<th>Campaign</th>" not in html
    assert "spring" not in html.split("<tbody>")[1]
    assert 'data-testid="lead-row-score"' in html


def test_column_choice_inside_a_view_changes_the_view_not_the_preference(client, alice):
    view = _view(alice)
    client.force_login(alice)

    client.post(
        reverse("accounts:list_columns"),
        {"list_key": "leads", "view": view.pk, "columns": ["campaign"]},
    )

    view.refresh_from_db()
    assert view.columns == ["name", "campaign"]
    assert not ListPreference.objects.exists()


def test_hiding_tags_and_companies_spares_their_queries(client, alice, django_assert_num_queries):
    person_create(actor=alice, data={"full_name": "张伟"})
    client.force_login(alice)
    url = reverse("customers:person_list")
    client.get(url)
    with CaptureQueriesContext(connection) as all_columns:
        client.get(url)
    list_columns_set(actor=alice, list_key="persons", columns=["phone", "owner"])

    with django_assert_num_queries(len(all_columns.captured_queries) - 2):
        html = client.get(url).content.decode()

    assert "<th>Tags</th>" not in html


def test_a_task_done_from_the_list_keeps_the_lists_columns(client, alice):
    task = task_create(actor=alice, data={"title": "Call back", "priority": "high"})
    list_columns_set(actor=alice, list_key="tasks", columns=["due"])
    client.force_login(alice)

    html = client.get(reverse("activities:task_list"), {"tab": "nodate"}).content.decode()
    posted = re.findall(r'name="cols" value="(\w+)"', html)
    item = client.post(
        reverse("activities:task_complete", args=[task.pk]),
        {"cols_sent": "1", "cols": posted},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert sorted(set(posted)) == ["due", "title"]
    assert "High priority" not in html
    assert "High priority" not in item
    assert "No due date" in item
