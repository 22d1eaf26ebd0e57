"""The bulk action endpoints: run on ids or on a list's filters, the job answer, confirmation
of what cannot be undone, and another user's action answering 404."""

import pytest

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.dataio.services.bulk import run as bulk_run
from rapport.dataio.tasks import bulk as bulk_tasks
from rapport.sales.models import Lead
from rapport.sales.services.leads.capture import lead_create

pytestmark = pytest.mark.django_db


def test_assign_on_ids_answers_the_result_and_skips_another_teams_record(alice, bob, charlie):
    mine = person_create(actor=alice, data={"full_name": "甲"})
    west = person_create(actor=charlie, data={"full_name": "West"})

    response = client_for(alice).post(
        "/bulk/persons/assign", {"ids": [mine.pk, west.pk], "params": {"owner_id": bob.pk}}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert (body["changed"], body["skipped"]) == (1, 1)
    assert list(body["skip_reasons"].values()) == [1]
    assert Person.objects.get(pk=mine.pk).owner == bob


def test_all_matching_the_filters_runs_as_a_job_when_large(alice, bob, monkeypatch):
    monkeypatch.setattr(bulk_run, "INLINE_LIMIT", 1)
    monkeypatch.setattr(bulk_tasks, "run_bulk_action", lambda pk: None)
    for i in range(3):
        lead_create(actor=alice, data={"full_name": f"线索{i}", "campaign": "expo"})
    lead_create(actor=alice, data={"full_name": "其他", "campaign": "web"})
    api = client_for(alice)

    response = api.post(
        "/bulk/leads/assign",
        {"all_matching": True, "filters": {"campaign": "expo"}, "params": {"owner_id": bob.pk}},
    )

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["total"], body["in_job"]) == ("queued", 3, True)
    bulk_run.bulk_action_run(body["id"])
    progress = api.get(f"/bulk/{body['id']}").json()
    assert (progress["status"], progress["changed"]) == ("done", 3)
    assert Lead.objects.filter(owner=bob).count() == 3


def test_delete_needs_confirm(alice):
    person = person_create(actor=alice, data={"full_name": "甲"})
    api = client_for(alice)

    refused = api.post("/bulk/persons/delete", {"ids": [person.pk]})
    assert refused.status_code == 422
    assert "confirm" in refused.json()["details"]
    assert Person.objects.filter(pk=person.pk).exists()

    done = api.post("/bulk/persons/delete", {"ids": [person.pk], "confirm": True})
    assert done.status_code == 200
    assert not Person.objects.filter(pk=person.pk).exists()


def test_unknown_list_or_action_is_404_and_export_is_refused(alice):
    api = client_for(alice)

    assert api.post("/bulk/invoices/assign", {"ids": [1]}).status_code == 404
    assert api.post("/bulk/orders/delete", {"ids": [1]}).status_code == 404
    assert api.post("/bulk/persons/export", {"ids": [1]}).status_code == 422


def test_a_missing_parameter_is_422(alice):
    person = person_create(actor=alice, data={"full_name": "甲"})

    response = client_for(alice).post("/bulk/persons/tag_add", {"ids": [person.pk]})

    assert response.status_code == 422
    assert "tag_id" in response.json()["details"]


def test_another_users_bulk_action_is_404(alice, bob):
    person = person_create(actor=alice, data={"full_name": "甲"})
    body = (
        client_for(alice)
        .post("/bulk/persons/assign", {"ids": [person.pk], "params": {"owner_id": bob.pk}})
        .json()
    )

    assert client_for(bob).get(f"/bulk/{body['id']}").status_code == 404
    assert client_for(alice).get(f"/bulk/{body['id']}").status_code == 200
