"""The rules API: CRUD, dry run, runs; administrators only; errors as {code, message, details}."""

import pytest

from rapport.automation.models import Rule
from rapport.customers.services import person_create

pytestmark = pytest.mark.django_db

RULE = {
    "name": "VIP task",
    "is_active": True,
    "trigger": {"type": "record_created", "record_type": "person"},
    "conditions": {"match": "all", "items": [{"field": "tags", "op": "contains", "value": "VIP"}]},
    "actions": [{"type": "create_task", "title": "Call", "due_in_days": 1, "assignee": "owner"}],
}


@pytest.fixture
def api(client, admin_user):
    client.force_login(admin_user)
    return client


def test_administrator_creates_reads_changes_and_deletes_a_rule(api, vip):
    created = api.post("/api/v1/rules", RULE, content_type="application/json")
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]

    listed = api.get("/api/v1/rules").json()["items"]
    changed = api.patch(
        f"/api/v1/rules/{rule_id}",
        {"version": 1, "name": "Renamed"},
        content_type="application/json",
    )
    stale = api.patch(
        f"/api/v1/rules/{rule_id}", {"version": 1, "name": "Again"}, content_type="application/json"
    )
    deleted = api.delete(f"/api/v1/rules/{rule_id}")

    assert [r["name"] for r in listed] == ["VIP task"]
    assert changed.json()["version"] == 2
    assert stale.status_code == 409
    assert deleted.status_code == 204
    assert not Rule.objects.exists()


def test_a_wrong_action_is_a_422_naming_its_path(api, vip):
    body = {**RULE, "actions": [{"type": "send_email", "template_id": 424242}]}

    response = api.post("/api/v1/rules", body, content_type="application/json")

    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert "actions.0.template_id" in error["details"]


def test_dry_run_and_runs_of_a_rule(api, admin_user, alice, vip):
    rule_id = api.post("/api/v1/rules", RULE, content_type="application/json").json()["id"]
    person = person_create(actor=alice, data={"full_name": "王芳", "tag_ids": [vip.pk]})

    dry = api.post(f"/api/v1/rules/{rule_id}/dry-run", content_type="application/json").json()
    unsaved = api.post("/api/v1/rules/dry-run", RULE, content_type="application/json").json()
    runs = api.get(f"/api/v1/rules/{rule_id}/runs").json()

    assert (dry["count"], dry["sample"]) == (1, [{"id": person.pk, "name": "王芳"}])
    assert unsaved["count"] == 1
    assert runs["items"] == []


def test_representatives_may_not_read_or_write_rules(client, alice, vip):
    client.force_login(alice)

    assert client.get("/api/v1/rules").status_code == 403
    assert client.post("/api/v1/rules", RULE, content_type="application/json").status_code == 403


def test_an_unknown_rule_or_run_is_404(api):
    assert api.get("/api/v1/rules/999999").status_code == 404
    assert api.get("/api/v1/rules/999999/runs/1").status_code == 404
