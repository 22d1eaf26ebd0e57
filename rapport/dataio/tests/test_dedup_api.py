"""/api/v1/duplicates and the duplicate warning of POST /api/v1/persons."""

import pytest
from huey.contrib.djhuey import HUEY

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan


def _person(actor, name, phone, **extra):
    return person_create(
        actor=actor, data={"full_name": name, "phones": [{"number": phone}], **extra}
    )


@pytest.fixture
def scanned(alice, charlie):
    _person(alice, "李晓明", "13800138000", birthday="1990-05-01")
    _person(alice, "Xiaoming Li", "138 0013 8000", birthday="1990-05-01")
    _person(charlie, "王芳芳", "13911112222")
    _person(charlie, "Wang Fangfang", "139-1111-2222")
    duplicates_scan(record_type=DuplicateRecordType.PERSON)
    return DuplicateCandidate.objects.order_by("id")


def test_list_shows_only_pairs_the_user_may_see(alice, scanned):
    with_alice = client_for(alice)

    body = with_alice.get("/duplicates").json()

    assert [item["id"] for item in body["items"]] == [scanned[0].pk]
    item = body["items"][0]
    assert item["record_type"] == "person"
    assert item["score"] >= 90
    assert [r["code"] for r in item["reasons"]] == ["name_variant", "phone_same", "birthday_same"]
    assert item["reasons"][1]["text"] == "Same phone +8613800138000"


def test_another_teams_pair_answers_404(alice, scanned):
    response = client_for(alice).get(f"/duplicates/{scanned[1].pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_filters_by_type_status_and_min_score(alice, scanned):
    api = client_for(alice)

    assert api.get("/duplicates", {"record_type": "company"}).json()["items"] == []
    assert api.get("/duplicates", {"min_score": 100}).json()["items"] == []
    assert api.get("/duplicates", {"status": "dismissed"}).json()["items"] == []
    assert len(api.get("/duplicates", {"status": "all"}).json()["items"]) == 1


def test_bad_filters_answer_422(alice, scanned):
    response = client_for(alice).get("/duplicates", {"record_type": "deal", "min_score": 101})

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"record_type", "min_score"}


def test_list_runs_a_fixed_number_of_queries(alice, scanned, django_assert_max_num_queries):
    api = client_for(alice)

    with django_assert_max_num_queries(6):
        api.get("/duplicates")


def test_dismiss_marks_the_pair_and_a_second_time_conflicts(alice, scanned):
    api = client_for(alice)

    first = api.post(f"/duplicates/{scanned[0].pk}/dismiss")
    second = api.post(f"/duplicates/{scanned[0].pk}/dismiss")

    assert first.status_code == 200 and first.json()["status"] == "dismissed"
    assert second.status_code == 409
    assert DuplicateCandidate.objects.get(pk=scanned[0].pk).status == CandidateStatus.DISMISSED


def test_dismissing_another_teams_pair_answers_404(alice, scanned):
    response = client_for(alice).post(f"/duplicates/{scanned[1].pk}/dismiss")

    assert response.status_code == 404
    assert DuplicateCandidate.objects.get(pk=scanned[1].pk).status == CandidateStatus.OPEN


@pytest.fixture
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


def test_an_administrator_starts_a_scan(
    admin_user, alice, huey_immediate, django_capture_on_commit_callbacks
):
    _person(alice, "李晓明", "13800138000")
    _person(alice, "Li Xiaoming", "13800138000")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post("/duplicates/scan", {"record_type": "person"})

    assert response.status_code == 202
    assert DuplicateCandidate.objects.count() == 1


def test_a_representative_may_not_start_a_scan(alice):
    response = client_for(alice).post("/duplicates/scan", {"record_type": "person"})

    assert response.status_code == 403


def test_creating_a_likely_duplicate_answers_201_with_a_warning(alice):
    existing = _person(alice, "李晓明", "13800138000")

    response = client_for(alice).post(
        "/persons", {"full_name": "Li Xiaoming", "phones": [{"number": "+86 138 0013 8000"}]}
    )

    assert response.status_code == 201
    assert Person.objects.count() == 2
    warning = response.json()["duplicates"]
    assert [(d["id"], d["full_name"]) for d in warning] == [(existing.pk, "李晓明")]
    assert "Same phone +8613800138000" in warning[0]["reasons"]


def test_creating_a_person_warns_only_of_persons_the_user_may_see(alice, charlie):
    _person(charlie, "李晓明", "13800138000")

    response = client_for(alice).post(
        "/persons", {"full_name": "Li Xiaoming", "phones": [{"number": "13800138000"}]}
    )

    assert response.status_code == 201
    assert response.json()["duplicates"] == []
