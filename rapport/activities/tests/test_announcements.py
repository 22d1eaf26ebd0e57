"""Announcements: who may announce to whom, the banner on every page until read (cached per
user), the list and page with who has read it, and the API."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from rapport.activities.announcements import (
    announcement_banner,
    announcement_create,
    announcement_mark_read,
)
from rapport.api.tests.conftest import client_for
from rapport.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def to_everyone(admin_user):
    return announcement_create(
        actor=admin_user, data={"title": "周五系统维护", "body": "晚上 8 点到 10 点暂停使用。"}
    )


@pytest.fixture
def to_east(diana):
    return announcement_create(
        actor=diana, data={"title": "East: 本周目标", "team_id": diana.team_id}
    )


def banner_titles(user) -> list[str]:
    return [item["title"] for item in announcement_banner(user)["items"]]


# --- Who may announce -----------------------------------------------------------------------------


def test_a_manager_announces_to_their_own_team_only(diana, west):
    with pytest.raises(ValidationFailed) as refused:
        announcement_create(actor=diana, data={"title": "x", "team_id": west.pk})
    assert "team_id" in refused.value.details
    with pytest.raises(ValidationFailed) as everyone:
        announcement_create(actor=diana, data={"title": "x"})
    assert "team_id" in everyone.value.details


def test_a_representative_cannot_announce(alice):
    with pytest.raises(PermissionDenied):
        announcement_create(actor=alice, data={"title": "x", "team_id": alice.team_id})


def test_expiry_must_come_after_publishing(admin_user):
    with pytest.raises(ValidationFailed) as refused:
        announcement_create(
            actor=admin_user,
            data={"title": "x", "expires_at": (timezone.now() - datetime.timedelta(hours=1))},
        )
    assert "expires_at" in refused.value.details


# --- The banner -----------------------------------------------------------------------------------


def test_banner_shows_unread_announcements_of_the_users_audience(
    alice, charlie, to_everyone, to_east
):
    assert banner_titles(alice) == ["East: 本周目标", "周五系统维护"]
    assert banner_titles(charlie) == ["周五系统维护"]


def test_marking_read_takes_it_off_the_banner(alice, bob, to_everyone):
    assert banner_titles(alice) == ["周五系统维护"]

    announcement_mark_read(actor=alice, announcement=to_everyone)

    assert banner_titles(alice) == []
    assert banner_titles(bob) == ["周五系统维护"]


def test_a_new_announcement_reaches_a_banner_already_cached(alice, admin_user, to_everyone):
    assert banner_titles(alice) == ["周五系统维护"]

    announcement_create(actor=admin_user, data={"title": "新功能上线"})

    assert banner_titles(alice) == ["新功能上线", "周五系统维护"]


def test_scheduled_and_expired_announcements_are_not_on_the_banner(alice, admin_user):
    now = timezone.now()
    announcement_create(
        actor=admin_user, data={"title": "later", "published_at": now + datetime.timedelta(days=1)}
    )
    expired = announcement_create(
        actor=admin_user, data={"title": "gone", "expires_at": now + datetime.timedelta(hours=1)}
    )
    expired.published_at = now - datetime.timedelta(days=2)
    expired.expires_at = now - datetime.timedelta(days=1)
    expired.save()
    cache.clear()

    assert banner_titles(alice) == []


def test_a_cached_banner_costs_one_query(alice, to_everyone, django_assert_num_queries):
    announcement_banner(alice)

    with django_assert_num_queries(1):
        assert announcement_banner(alice)["items"][0]["title"] == "周五系统维护"


def test_every_page_loads_the_banner_which_marks_read_with_htmx(client, alice, to_everyone):
    client.force_login(alice)
    page = client.get(reverse("activities:task_list")).content.decode()
    assert f'hx-get="{reverse("activities:announcement_banner")}"' in page

    banner = client.get(reverse("activities:announcement_banner")).content.decode()
    assert "周五系统维护" in banner
    read = client.post(
        reverse("activities:announcement_read", args=[to_everyone.pk]), HTTP_HX_REQUEST="true"
    )

    assert 'data-count="0"' in read.content.decode()
    assert (
        "周五系统维护" not in client.get(reverse("activities:announcement_banner")).content.decode()
    )


# --- Pages ----------------------------------------------------------------------------------------


def test_author_sees_who_has_read_it(client, diana, alice, bob, to_east):
    announcement_mark_read(actor=alice, announcement=to_east)
    client.force_login(diana)

    html = client.get(reverse("activities:announcement_detail", args=[to_east.pk])).content
    html = html.decode()

    # East is alice, bob and diana.
    assert "Read by 1 of 3" in html
    readers = html.split('data-testid="announcement-readers"')[1].split("</ul>")[0]
    not_read = html.split('data-testid="announcement-unread"')[1].split("</ul>")[0]
    assert "alice" in readers and "bob" not in readers
    assert "bob" in not_read and "diana" in not_read


def test_a_reader_does_not_see_the_receipts(client, alice, to_east):
    client.force_login(alice)

    html = client.get(reverse("activities:announcement_detail", args=[to_east.pk])).content

    assert b"announcement-receipts" not in html


def test_another_teams_announcement_is_404(client, charlie, to_east):
    client.force_login(charlie)

    assert (
        client.get(reverse("activities:announcement_detail", args=[to_east.pk])).status_code == 404
    )
    assert (
        client.post(reverse("activities:announcement_read", args=[to_east.pk])).status_code == 404
    )
    listed = client.get(reverse("activities:announcement_list")).content.decode()
    assert "本周目标" not in listed


def test_list_shows_the_read_count_to_the_author(client, diana, alice, to_east):
    announcement_mark_read(actor=alice, announcement=to_east)
    client.force_login(diana)

    html = client.get(reverse("activities:announcement_list")).content.decode()

    # East is alice and diana here.
    assert "Read by 1 of 2" in html


def test_manager_publishes_from_the_form(client, diana, alice):
    client.force_login(diana)

    response = client.post(
        reverse("activities:announcement_create"),
        {"title": "团队会议改到周四", "body": "", "team_id": str(diana.team_id)},
    )

    assert response.status_code == 302
    assert banner_titles(alice) == ["团队会议改到周四"]


def test_representative_gets_403_on_the_form(client, alice):
    client.force_login(alice)

    assert client.get(reverse("activities:announcement_create")).status_code == 403


def test_only_author_or_admin_deletes(client, alice, diana, to_east):
    client.force_login(alice)
    assert (
        client.post(reverse("activities:announcement_delete", args=[to_east.pk])).status_code == 403
    )
    client.force_login(diana)
    client.post(reverse("activities:announcement_delete", args=[to_east.pk]))

    assert banner_titles(alice) == []


# --- API ------------------------------------------------------------------------------------------


def test_api_create_read_and_receipts(admin_user, alice, east):
    admin_api, alice_api = client_for(admin_user), client_for(alice)

    created = admin_api.post("/announcements", {"title": "East only", "team_id": east.pk}).json()
    listed = alice_api.get("/announcements").json()["items"]
    marked = alice_api.post(f"/announcements/{created['id']}/read").json()
    again = alice_api.post(f"/announcements/{created['id']}/read").json()
    receipts = admin_api.get(f"/announcements/{created['id']}/receipts").json()

    assert created["team"]["id"] == east.pk and created["is_read"] is False
    assert [a["title"] for a in listed] == ["East only"]
    assert (marked, again) == ({"marked": True}, {"marked": False})
    assert (receipts["audience"], receipts["read"]) == (1, 1)  # East is alice alone here
    assert [r["user"]["id"] for r in receipts["readers"]] == [alice.pk]
    assert alice_api.get(f"/announcements/{created['id']}").json()["is_read"] is True
    assert alice_api.get(f"/announcements/{created['id']}/receipts").status_code == 403


def test_api_refuses_a_representative_and_hides_other_teams(alice, charlie, diana):
    created = client_for(diana).post("/announcements", {"title": "East", "team_id": diana.team_id})

    assert client_for(alice).post("/announcements", {"title": "x"}).status_code == 403
    assert client_for(charlie).get(f"/announcements/{created.json()['id']}").status_code == 404
