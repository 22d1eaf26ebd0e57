import json
import re

from django.contrib.staticfiles import finders
from django.test import Client

from rapport.accounts.services import api_key_create
from rapport.api.tests.conftest import ApiClient
from rapport.customers.models import Person


def test_openapi_document_is_3_1_and_lists_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert re.fullmatch(r"3\.1\.\d+", schema["openapi"])
    assert {
        "/api/v1/persons",
        "/api/v1/persons/{person_id}/timeline",
        "/api/v1/custom-fields",
        "/api/v1/persons/{person_id}/lifetime-value",
        "/api/v1/companies/{company_id}/lifetime-value",
        "/api/v1/persons/{person_id}/churn-risk",
        "/api/v1/companies/{company_id}/churn-risk",
        "/api/v1/analytics/churn/at-risk",
        "/api/v1/reports/run",
        "/api/v1/reports/{report_id}/run",
    } <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {"ApiKeyBearer", "ApiKeyInHeader"} <= set(schemes)


def test_every_reference_in_the_openapi_document_resolves(db):
    schema = Client().get("/api/v1/openapi.json").json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(schema)))

    assert refs
    assert refs <= set(schema["components"]["schemas"])


def test_every_operation_documents_its_error_body(db):
    schema = Client().get("/api/v1/openapi.json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)


def test_docs_page_loads_only_local_files(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    assert "cdn" not in html.lower()
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url


def test_docs_page_does_not_send_the_schema_to_the_online_validator(db):
    html = Client().get("/api/v1/docs").content.decode()
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1)

    assert json.loads(settings_json)["validatorUrl"] is None


def test_unknown_api_path_is_json_404(as_alice):
    response = as_alice.get("/no-such-thing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_non_numeric_id_is_json_404(as_alice):
    response = as_alice.get("/persons/abc")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_root_is_json_404(as_alice):
    response = as_alice.get("/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_json_405(as_alice):
    response = as_alice.put("/persons", {"full_name": "张伟"})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_unexpected_error_is_json_500_without_traceback(as_alice, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("rapport.customers.services.person_create", explode)

    response = as_alice.post("/persons", {"full_name": "张伟"})

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_unexpected_error_stays_json_in_debug_mode(as_alice, monkeypatch, settings):
    settings.DEBUG = True

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("rapport.customers.services.person_create", explode)

    response = as_alice.post("/persons", {"full_name": "张伟"})

    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()


def test_oversized_body_is_413(as_alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = as_alice.post("/persons", {"full_name": "张伟", "notes": "x" * 2000})

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Person.objects.exists()


def test_key_user_language_is_used_when_the_client_asks_for_none(as_alice):
    response = as_alice.get("/persons/999999")

    assert response["Content-Language"] == "en"


def test_error_messages_follow_the_requested_language(alice):
    _key, secret = api_key_create(user=alice, name="sync")
    client = ApiClient(secret, **{"Accept-Language": "zh-hans"})

    response = client.get("/persons/999999")

    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"


def test_the_description_names_every_resource_group(db):
    schema = Client().get("/api/v1/openapi.json").json()
    description = schema["info"]["description"].lower()
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op["tags"]}

    assert {"persons", "deals", "imports", "audit", "tickets", "chats"} <= tags
    assert [tag for tag in sorted(tags) if tag.lower() not in description] == []
