"""Pages: site keys with their snippet, the events list, visits and the person's timeline."""

import pytest
from django.test import Client
from django.urls import reverse

from rapport.behaviour.models import SiteKey, Visit


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_creates_a_site_key_and_copies_the_snippet(admin_user):
    client = signed_in(admin_user)

    response = client.post(
        "/behaviour/site-keys/new/",
        {"name": "Shop", "allowed_origins": "https://shop.example.com\nhttp://localhost:8080"},
    )

    site_key = SiteKey.objects.get()
    assert response.status_code == 302
    assert site_key.allowed_origins == ["https://shop.example.com", "http://localhost:8080"]
    page = client.get(response["Location"])
    assert "static/js/rapport-track.js" in page.content.decode()
    assert f"/behaviour/collect/{site_key.key}" in page.content.decode()


def test_a_site_key_form_shows_the_services_refusal_next_to_the_field(admin_user):
    response = signed_in(admin_user).post(
        "/behaviour/site-keys/new/", {"name": "Shop", "allowed_origins": "shop.example.com"}
    )

    assert response.status_code == 200
    assert 'data-testid="error-allowed_origins"' in response.content.decode()
    assert not SiteKey.objects.exists()


@pytest.mark.parametrize("path", ["/behaviour/site-keys/", "/behaviour/events/"])
def test_a_sales_rep_may_not_open_the_tracking_settings(alice, path):
    assert signed_in(alice).get(path).status_code == 403


def test_the_events_page_lists_recent_events_filtered_by_name(admin_user, admin_api, emily):
    admin_api.send(
        {"name": "page_viewed", "email": "emily@example.com", "properties": {"path": "/shoes"}},
        {"name": "added_to_cart", "email": "emily@example.com", "properties": {"sku": "A-100"}},
    )

    page = signed_in(admin_user).get("/behaviour/events/", {"name": "added_to_cart"})

    html = page.content.decode()
    assert html.count('data-testid="event-row"') == 1
    assert "A-100" in html
    assert "Emily Carter" in html


def test_the_person_page_links_the_visit_entry_to_the_visits_events(alice, admin_api, emily):
    admin_api.send(
        *[
            {"name": "page_viewed", "email": "emily@example.com", "session_id": "s1"}
            for _ in range(12)
        ],
        {"name": "product_viewed", "email": "emily@example.com", "session_id": "s1"},
    )
    visit = Visit.objects.get()
    client = signed_in(alice)

    person_page = client.get(
        reverse("activities:person_timeline", args=[emily.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    visit_page = client.get(f"/behaviour/visits/{visit.pk}/").content.decode()

    assert "Online visit: 1 product viewed, 12 pages viewed" in person_page
    assert f'href="/behaviour/visits/{visit.pk}/"' in person_page
    assert visit_page.count('data-testid="visit-event"') == 13


def test_another_team_cannot_open_the_visit_of_a_person_it_may_not_see(charlie, admin_api, emily):
    admin_api.send({"name": "page_viewed", "email": "emily@example.com"})

    response = signed_in(charlie).get(f"/behaviour/visits/{Visit.objects.get().pk}/")

    assert response.status_code == 404
