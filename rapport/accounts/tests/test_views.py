"""Sign-in, language switch, password change and API key pages."""

from django.urls import reverse

from conftest import PASSWORD
from rapport.accounts.models import ApiKey
from rapport.accounts.services import api_key_authenticate, api_key_create


def test_login_page_renders_form(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="login-form"' in html
    assert 'data-testid="login-username"' in html


def test_login_with_correct_password_goes_home(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_login_with_wrong_password_shows_error(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()


def test_logout_is_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_language_switch_persists_and_next_page_renders_in_chinese(client, alice):
    client.force_login(alice)
    assert 'lang="en"' in client.get(reverse("web:home")).content.decode()
    response = client.post(
        reverse("accounts:language"), {"language": "zh-hans", "next": reverse("web:home")}
    )
    alice.refresh_from_db()
    assert response["Location"] == reverse("web:home")
    assert alice.language == "zh-hans"
    html = client.get(reverse("customers:person_list")).content.decode()
    assert 'lang="zh-hans"' in html


def test_language_switch_rejects_unknown_language(client, alice):
    client.force_login(alice)
    client.post(reverse("accounts:language"), {"language": "fr"})
    alice.refresh_from_db()
    assert alice.language == "en"


def test_language_switch_does_not_redirect_off_site(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:profile")


def test_profile_page_shows_language_form(client, alice):
    client.force_login(alice)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-testid="profile-language"' in html


def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-new-secret-42",
            "new_password2": "a-much-longer-new-secret-42",
        },
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    alice.refresh_from_db()
    assert alice.check_password("a-much-longer-new-secret-42")


def test_create_api_key_shows_secret_once(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:api_keys"), {"name": "ERP sync"})
    secret = response.context["new_secret"]
    assert secret in response.content.decode()
    assert api_key_authenticate(secret) == alice
    listing = client.get(reverse("accounts:api_keys")).content.decode()
    assert secret not in listing
    assert "ERP sync" in listing
    assert secret[:12] in listing


def test_create_api_key_without_name_shows_error(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:api_keys"), {"name": ""})
    assert response.context["new_secret"] is None
    assert 'data-testid="error-name"' in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoke_api_key(client, alice):
    key, secret = api_key_create(user=alice, name="old")
    client.force_login(alice)
    client.post(reverse("accounts:api_key_revoke", args=[key.pk]))
    assert api_key_authenticate(secret) is None


def test_cannot_revoke_someone_elses_key(client, alice, charlie):
    key, secret = api_key_create(user=alice, name="mine")
    client.force_login(charlie)
    response = client.post(reverse("accounts:api_key_revoke", args=[key.pk]))
    assert response.status_code == 404
    assert api_key_authenticate(secret) == alice


def test_api_key_list_shows_only_own_keys(client, alice, charlie):
    api_key_create(user=alice, name="alice-key")
    client.force_login(charlie)
    assert "alice-key" not in client.get(reverse("accounts:api_keys")).content.decode()


def test_login_page_offers_language_choice_before_sign_in(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in html
    assert 'data-testid="login-language"' in html
