"""Content-Security-Policy and HSTS on pages and the API, and templates that need no inline
script (what the policy forbids)."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from rapport.sales.services import leads as lead_services

ROOT = Path(django_settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_pages_forbid_inline_and_evaluated_script(client, alice):
    client.force_login(alice)

    policy = directives(client.get(reverse("web:home")))

    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_sign_in_page_has_the_policy(client, db):
    policy = directives(client.get(reverse("accounts:login")))

    assert policy["script-src"] == ["'self'"]


def test_api_answers_carry_the_policy(client, db):
    response = client.get("/api/v1/persons")

    assert response.status_code == 401
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives(response)["script-src"] == ["'self'"]


def test_api_docs_keep_the_strict_script_policy(client, alice):
    # ninja's Swagger page loads its scripts from static files, with no inline script.
    client.force_login(alice)

    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]


def test_hosted_lead_form_may_be_framed_by_any_site(client, admin_user, east):
    lead_form = lead_services.lead_form_create(
        actor=admin_user,
        data={
            "name": "Website",
            "source": "web",
            "team_id": east.pk,
            "fields": [
                {"key": "full_name", "label": "Name", "type": "text", "required": True},
                {"key": "phone", "label": "Phone", "type": "tel", "required": True},
            ],
        },
    )

    response = client.get(reverse("sales:lead_form_public", args=[lead_form.public_key]))

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert directives(response)["frame-ancestors"] == ["*"]
    assert directives(response)["script-src"] == ["'self'"]


def test_other_pages_may_not_be_framed(client, db):
    response = client.get(reverse("accounts:login"))

    assert response["X-Frame-Options"] == "DENY"
    assert directives(response)["frame-ancestors"] == ["'none'"]


# --- HSTS ---------------------------------------------------------------------------------------


def load_settings(monkeypatch, **env):
    """config/settings.py evaluated afresh under the given environment."""
    for name in (
        "RAPPORT_SECURE_COOKIES",
        "RAPPORT_HSTS_SECONDS",
        "RAPPORT_TRUST_X_FORWARDED_PROTO",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("fresh_settings", ROOT / "config" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hsts_is_on_for_a_year_when_cookies_are_secure(monkeypatch):
    fresh = load_settings(monkeypatch, RAPPORT_SECURE_COOKIES="true")

    assert fresh.SECURE_HSTS_SECONDS == 365 * 24 * 3600
    assert fresh.SECURE_HSTS_INCLUDE_SUBDOMAINS is False


def test_hsts_is_off_without_secure_cookies_whatever_its_length(monkeypatch):
    fresh = load_settings(monkeypatch, RAPPORT_HSTS_SECONDS="600")

    assert fresh.SECURE_HSTS_SECONDS == 0


def test_forwarded_proto_is_trusted_only_when_asked(monkeypatch):
    assert not hasattr(load_settings(monkeypatch), "SECURE_PROXY_SSL_HEADER")

    fresh = load_settings(monkeypatch, RAPPORT_TRUST_X_FORWARDED_PROTO="true")

    assert fresh.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_hsts_header_is_sent_over_https_when_on(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get(reverse("accounts:login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_header_when_off(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 0

    response = client.get(reverse("accounts:login"), secure=True)

    assert "Strict-Transport-Security" not in response


# --- Templates ----------------------------------------------------------------------------------

TEMPLATES = sorted(
    [*(ROOT / "templates").rglob("*.html"), *(ROOT / "rapport").glob("*/templates/**/*.html")]
)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_inline_script_or_event_handler(template):
    source = template.read_text()

    inline = [tag for tag in SCRIPT_TAG.findall(source) if "src=" not in tag]
    handlers = EVENT_HANDLER.findall(source)

    assert inline == []
    assert handlers == []


def test_template_scan_finds_the_templates():
    assert len(TEMPLATES) > 50
