import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_data_page_links_every_part_a_representative_may_use(client, alice):
    client.force_login(alice)

    page = client.get(reverse("dataio:home")).content.decode()

    assert reverse("dataio:health") in page
    assert reverse("dataio:export_log") in page
    assert reverse("dataio:backups") not in page


@pytest.mark.django_db
def test_data_page_shows_backups_to_administrators(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("dataio:home")).content.decode()

    assert reverse("dataio:backups") in page


@pytest.mark.django_db
def test_navigation_leads_to_the_data_page(client, alice):
    client.force_login(alice)

    page = client.get(reverse("web:home")).content.decode()

    assert f'href="{reverse("dataio:home")}"' in page


def test_data_page_needs_login(client):
    response = client.get(reverse("dataio:home"))

    assert response.status_code == 302


@pytest.mark.django_db
def test_data_page_links_imports_duplicates_and_merges(client, alice):
    client.force_login(alice)

    page = client.get(reverse("dataio:home")).content.decode()

    for name in ("dataio:imports", "dataio:duplicate_list", "dataio:merge_list"):
        assert f'href="{reverse(name)}"' in page
