"""The public web-to-lead endpoint: anyone may post, spam is kept out, answers are HTML or JSON."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from rapport.sales.models import Lead
from rapport.sales.services import leads as services


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lead_form(admin_user, east):
    return services.lead_form_create(
        actor=admin_user,
        data={
            "name": "官网咨询",
            "source": "web",
            "campaign": "2026 春季",
            "team_id": east.pk,
            "thank_you_text": "谢谢，我们会尽快联系您。",
            "fields": [
                {"key": "full_name", "label": "姓名", "type": "text", "required": True},
                {"key": "phone", "label": "电话", "type": "tel", "required": True},
                {"key": "message", "label": "留言", "type": "textarea"},
                {"key": "newsletter", "label": "订阅", "type": "checkbox"},
            ],
        },
    )


@pytest.fixture
def visitor(db):
    # A website posting to us has no CSRF token; the endpoint must not need one.
    return Client(enforce_csrf_checks=True)


def _url(lead_form, name="sales:lead_form_public"):
    return reverse(name, args=[lead_form.public_key])


ANSWERS = {"full_name": "李雷", "phone": "137 0013 7000", "message": "需要报价", "newsletter": "on"}


def test_hosted_form_shows_the_designed_questions_without_sign_in(visitor, lead_form):
    response = visitor.get(_url(lead_form))

    html = response.content.decode()
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    for label in ("姓名", "电话", "留言", "订阅"):
        assert label in html
    assert f'name="{services.HONEYPOT_FIELD}"' in html


def test_unknown_or_inactive_form_is_not_found(visitor, admin_user, lead_form):
    services.lead_form_update(actor=admin_user, lead_form=lead_form, data={"is_active": False})

    assert visitor.get(_url(lead_form)).status_code == 404
    assert visitor.post(_url(lead_form), ANSWERS).status_code == 404
    assert visitor.get(reverse("sales:lead_form_public", args=["nope"])).status_code == 404
    assert not Lead.objects.exists()


def test_submission_creates_a_scored_queued_lead_and_thanks_the_visitor(visitor, lead_form, east):
    response = visitor.post(_url(lead_form), ANSWERS, follow=True)

    assert response.redirect_chain[-1][0] == _url(lead_form, "sales:lead_form_thanks")
    assert "谢谢，我们会尽快联系您。" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.full_name, lead.phone, lead.source, lead.campaign) == (
        "李雷",
        "+8613700137000",
        "web",
        "2026 春季",
    )
    assert (lead.team, lead.owner, lead.data) == (east, None, {"newsletter": True})
    assert lead.events.get(kind="created").data["ip"] == "127.0.0.1"


def test_missing_required_answer_re_renders_the_form_with_the_message(visitor, lead_form):
    response = visitor.post(_url(lead_form), {**ANSWERS, "phone": ""})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-phone"' in html
    assert "李雷" in html  # what the visitor typed is kept
    assert not Lead.objects.exists()


def test_json_submission_answers_json_with_cors(visitor, lead_form):
    response = visitor.post(
        _url(lead_form),
        json.dumps({"full_name": "李雷", "phone": "13700137000", "newsletter": True}),
        content_type="application/json",
        headers={"Accept": "application/json", "Origin": "https://shop.example.cn"},
    )

    assert response.status_code == 201
    assert response.json() == {"ok": True, "message": "谢谢，我们会尽快联系您。"}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Lead.objects.get().data == {"newsletter": True}


def test_json_errors_use_the_api_error_format(visitor, lead_form):
    response = visitor.post(
        _url(lead_form),
        {"full_name": "李雷", "phone": "12345"},
        headers={"Accept": "application/json"},
    )

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert set(body) == {"code", "message", "details"}
    assert list(body["details"]) == ["phone"]


def test_malformed_json_is_a_400(visitor, lead_form):
    response = visitor.post(_url(lead_form), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_cors_preflight_is_answered(visitor, lead_form):
    response = visitor.options(_url(lead_form))

    assert response.status_code == 204
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]


def test_filled_honeypot_looks_accepted_but_saves_nothing(visitor, lead_form):
    html = visitor.post(
        _url(lead_form), {**ANSWERS, services.HONEYPOT_FIELD: "http://spam.example"}
    )
    as_json = visitor.post(
        _url(lead_form),
        {**ANSWERS, services.HONEYPOT_FIELD: "http://spam.example"},
        headers={"Accept": "application/json"},
    )

    assert html.status_code == 302
    assert html.url == _url(lead_form, "sales:lead_form_thanks")
    assert as_json.status_code == 201
    assert not Lead.objects.exists()


def test_too_many_submissions_from_one_address_answer_429(settings, visitor, lead_form):
    settings.RAPPORT_LEAD_FORM_RATE_LIMIT = 3
    for i in range(3):
        visitor.post(_url(lead_form), {**ANSWERS, "phone": f"1370013700{i}"})

    html = visitor.post(_url(lead_form), ANSWERS)
    as_json = visitor.post(_url(lead_form), ANSWERS, headers={"Accept": "application/json"})

    assert html.status_code == 429
    assert as_json.status_code == 429
    assert as_json.json()["code"] == "rate_limited"
    assert Lead.objects.count() == 3


def test_forwarded_address_counts_only_behind_a_declared_proxy(settings, visitor, lead_form):
    settings.RAPPORT_LEAD_FORM_RATE_LIMIT = 1
    spoofed = {"X-Forwarded-For": "198.51.100.7"}
    visitor.post(_url(lead_form), ANSWERS, headers=spoofed)

    refused = visitor.post(_url(lead_form), ANSWERS, headers={"X-Forwarded-For": "198.51.100.8"})
    settings.RAPPORT_PROXY_COUNT = 1
    behind_proxy = visitor.post(
        _url(lead_form), ANSWERS, headers={"X-Forwarded-For": "198.51.100.9"}
    )

    assert refused.status_code == 429
    assert behind_proxy.status_code == 302
    assert Lead.objects.get().events.filter(kind="inquiry").count() == 2
