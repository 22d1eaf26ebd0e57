from django.middleware.csrf import get_token
from django.test import Client

from conftest import PASSWORD
from rapport.accounts.services import api_key_create, api_key_revoke
from rapport.api.tests.conftest import ApiClient


def test_request_without_credentials_is_401_json(anonymous):
    response = anonymous.get("/persons")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["details"] == {}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unsafe_request_without_credentials_is_401_not_a_csrf_error(anonymous):
    response = anonymous.post("/persons", {"full_name": "张伟"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_bearer_key_authenticates_as_its_user(alice):
    _key, secret = api_key_create(user=alice, name="CRM sync")

    response = ApiClient(secret).post("/persons", {"full_name": "张伟"})

    assert response.status_code == 201
    assert response.json()["owner"]["id"] == alice.pk


def test_x_api_key_header_authenticates(alice):
    _key, secret = api_key_create(user=alice, name="CRM sync")
    client = ApiClient(**{"X-API-Key": secret})

    assert client.get("/persons").status_code == 200


def test_revoked_key_is_401(alice):
    key, secret = api_key_create(user=alice, name="old")
    api_key_revoke(user=alice, key_id=key.pk)

    assert ApiClient(secret).get("/persons").status_code == 401
    assert ApiClient(**{"X-API-Key": secret}).get("/persons").status_code == 401


def test_unknown_key_is_401(db):
    response = ApiClient("rpk_not-a-real-key").get("/persons")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_key_of_deactivated_user_is_401(alice):
    _key, secret = api_key_create(user=alice, name="sync")
    alice.is_active = False
    alice.save()

    assert ApiClient(secret).get("/persons").status_code == 401


def test_non_bearer_authorization_scheme_is_401(alice):
    _key, secret = api_key_create(user=alice, name="sync")

    response = ApiClient(Authorization=f"Token {secret}").get("/persons")

    assert response.status_code == 401


def test_browser_session_can_read(alice):
    client = Client()
    client.login(username="alice", password=PASSWORD)

    response = client.get("/api/v1/persons")

    assert response.status_code == 200


def test_browser_session_write_needs_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=PASSWORD)

    response = client.post("/api/v1/tags", data={"name": "VIP"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_browser_session_write_with_csrf_token_succeeds(alice, rf):
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=PASSWORD)
    page_request = rf.get("/")
    token = get_token(page_request)  # what a rendered page would embed
    client.cookies["csrftoken"] = page_request.META["CSRF_COOKIE"]

    response = client.post(
        "/api/v1/tags",
        data={"name": "VIP"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201


def test_key_acts_with_its_users_permissions(bob):
    _key, secret = api_key_create(user=bob, name="sync")

    response = ApiClient(secret).post(
        "/custom-fields",
        {"record_type": "person", "key": "wechat", "label": "WeChat", "field_type": "text"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
