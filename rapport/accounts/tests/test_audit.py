"""The audit log: what writes a line (merges and their undo, imports, exports, API keys), that a
change rolled back leaves none, and that only administrators read it, in the pages and the API."""

import pytest
from django.urls import reverse

from rapport.accounts.models import AuditAction, AuditEvent
from rapport.accounts.services import api_key_create, api_key_revoke, audit_record
from rapport.api.tests.conftest import client_for
from rapport.core.errors import Conflict
from rapport.customers.services import person_create
from rapport.dataio.services.dedup.merge import merge_undo, person_merge
from rapport.dataio.services.imports import undo
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    import_dir,
    mapped,
    run,
)


def _pair(actor):
    survivor = person_create(actor=actor, data={"full_name": "张伟", "region": "浙江"})
    other = person_create(actor=actor, data={"full_name": "张 伟", "region": "浙江"})
    return survivor, other


def test_a_merge_and_its_undo_are_audited(alice):
    survivor, other = _pair(alice)

    merge = person_merge(
        actor=alice, survivor=survivor, other=other, choices={"full_name": "survivor"}
    )
    merge_undo(actor=alice, merge=merge)

    undone, merged = AuditEvent.objects.all()
    assert (merged.action, merged.actor, merged.actor_name) == (AuditAction.MERGE, alice, "alice")
    assert (merged.target_type, merged.target_id) == ("person", survivor.pk)
    assert merged.summary == f"张 伟 (#{other.pk}) → 张伟 (#{survivor.pk})"
    assert merged.data == {"merge_id": merge.pk, "other_id": other.pk}
    assert (undone.action, undone.target_id) == (AuditAction.MERGE_UNDONE, survivor.pk)


def test_a_refused_merge_leaves_no_audit_line(alice):
    survivor, other = _pair(alice)

    with pytest.raises(Conflict):
        person_merge(actor=alice, survivor=survivor, other=other, survivor_version=99)

    assert not AuditEvent.objects.exists()


def test_imports_started_and_undone_are_audited(alice, django_capture_on_commit_callbacks):
    rows = [["姓名", "邮箱"], ["张三", "z@example.cn"]]
    job = mapped(alice, rows, {"姓名": "full_name", "邮箱": "email"})

    job = run(job)
    with django_capture_on_commit_callbacks(execute=False):
        undo.import_undo(actor=alice, job=job)

    undone, started = AuditEvent.objects.all()
    assert (started.action, started.actor, started.target_type, started.target_id) == (
        AuditAction.IMPORT_STARTED,
        alice,
        "import",
        job.pk,
    )
    assert started.summary == "customers.csv"
    assert started.data["target"] == "persons"
    assert (undone.action, undone.target_id, undone.data["created"]) == (
        AuditAction.IMPORT_UNDONE,
        job.pk,
        1,
    )


def test_exports_and_api_keys_are_audited(alice):
    key, _secret = api_key_create(user=alice, name="CRM sync")
    api_key_revoke(user=alice, key_id=key.pk)
    api_key_revoke(user=alice, key_id=key.pk)  # already revoked: nothing more to record
    client = client_for(alice)

    response = client.client.get("/api/v1/exports/persons?format=csv&region=浙江")
    assert response.status_code == 200

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "target_type"))
    assert actions == [
        (AuditAction.API_KEY_CREATED, "api_key"),
        (AuditAction.API_KEY_REVOKED, "api_key"),
        (AuditAction.API_KEY_CREATED, "api_key"),  # the test client's own key
        (AuditAction.EXPORT, "export"),
    ]
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert export.summary == "persons"
    assert export.data["filters"] == {"region": "浙江"}
    assert export.data["via_api"] is True


def test_only_administrators_read_the_audit_log(client, alice, admin_user):
    audit_record(actor=alice, action=AuditAction.MERGE, target_type="person", target_id=7)
    audit_record(actor=None, action=AuditAction.IMPORT_STARTED, summary="nightly.csv")

    client.force_login(alice)
    refused_page = client.get(reverse("accounts:audit_log"))
    refused_api = client_for(alice).client.get("/api/v1/audit")
    client.force_login(admin_user)
    page = client.get(reverse("accounts:audit_log")).content.decode()
    filtered = client.get(reverse("accounts:audit_log"), {"action": "merge"}).content.decode()
    api = client_for(admin_user).client.get("/api/v1/audit", {"action": "import_started"}).json()

    assert refused_page.status_code == 404
    assert refused_api.status_code == 403
    assert refused_api.json()["code"] == "permission_denied"
    assert page.count('data-testid="audit-row"') >= 2
    assert "Records merged" in page and "nightly.csv" in page and "System" in page
    assert 'data-testid="audit-log-link"' in page
    assert "nightly.csv" not in filtered and "person #7" in filtered
    assert [(e["action"], e["summary"], e["actor"]) for e in api["items"]] == [
        ("import_started", "nightly.csv", None)
    ]
    assert api["items"][0]["action_label"] == "Import started"


def test_the_audit_log_link_is_for_administrators_only(client, alice):
    client.force_login(alice)

    assert (
        'data-testid="audit-log-link"'
        not in client.get(reverse("accounts:profile")).content.decode()
    )


def test_an_unknown_action_is_a_programming_error(alice):
    with pytest.raises(ValueError):
        audit_record(actor=alice, action="deleted_everything")


def test_the_audit_filter_bar_looks_like_the_other_filter_bars(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("accounts:audit_log")).content.decode()

    assert 'class="filters panel" data-testid="audit-filters"' in page
    assert 'type="submit" class="primary" data-testid="audit-filter"' in page
    assert '<label for="f-action">' in page and 'id="f-action"' in page
