"""charlie (West) must never see, change or learn about East's records through the API."""

import pytest

from rapport.activities.models import Interaction
from rapport.activities.services import interaction_create
from rapport.customers.models import Company, Person


@pytest.fixture
def east_interaction(alice, east_person):
    return interaction_create(
        actor=alice, person=east_person, data={"channel": "call", "subject": "报价跟进"}
    )


@pytest.fixture
def east_records(east_person, east_company, east_interaction):
    return {
        "person": east_person.pk,
        "company": east_company.pk,
        "interaction": east_interaction.pk,
    }


ENDPOINTS = [
    ("get", "/persons/{person}", None),
    ("patch", "/persons/{person}", {"notes": "mine now", "version": 1}),
    ("delete", "/persons/{person}", None),
    ("get", "/persons/{person}/timeline", None),
    ("get", "/persons/{person}/interactions", None),
    ("get", "/companies/{company}", None),
    ("patch", "/companies/{company}", {"notes": "mine now", "version": 1}),
    ("delete", "/companies/{company}", None),
    ("get", "/companies/{company}/timeline", None),
    ("get", "/companies/{company}/interactions", None),
    ("get", "/interactions/{interaction}", None),
    ("patch", "/interactions/{interaction}", {"subject": "mine now"}),
    ("delete", "/interactions/{interaction}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_team_record_answers_404(as_charlie, east_records, method, path, body):
    call = getattr(as_charlie, method)
    args = (body,) if body is not None else ()

    response = call(path.format(**east_records), *args)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_team_record_is_left_untouched(as_charlie, east_records, method, path, body):
    call = getattr(as_charlie, method)
    args = (body,) if body is not None else ()

    call(path.format(**east_records), *args)

    assert Person.objects.get(pk=east_records["person"]).notes == ""
    assert Company.objects.get(pk=east_records["company"]).notes == ""
    assert Interaction.objects.get(pk=east_records["interaction"]).subject == "报价跟进"


def test_hidden_record_looks_exactly_like_a_missing_one(as_charlie, east_records):
    hidden = as_charlie.get(f"/persons/{east_records['person']}")
    missing = as_charlie.get("/persons/999999")

    assert hidden.json() == missing.json()


@pytest.mark.parametrize("field", ["person_id", "company_id"])
def test_cannot_log_interaction_on_other_team_record(as_charlie, east_records, field):
    record = east_records["person"] if field == "person_id" else east_records["company"]

    response = as_charlie.post(
        "/interactions", {field: record, "channel": "call", "subject": "hello"}
    )

    assert response.status_code == 404
    assert Interaction.objects.count() == 1


def test_cannot_employ_person_at_other_team_company(as_charlie, east_records):
    response = as_charlie.post(
        "/persons", {"full_name": "Spy", "employments": [{"company_id": east_records["company"]}]}
    )

    assert response.status_code == 422
    assert "employments.0.company_id" in response.json()["details"]


@pytest.mark.parametrize(
    ("path", "params", "kind"),
    [
        ("/persons", {}, "person"),
        ("/persons", {"q": "张伟"}, "person"),
        ("/persons", {"q": "8000"}, "person"),
        ("/companies", {}, "company"),
        ("/companies", {"q": "东方"}, "company"),
        ("/interactions", {}, "interaction"),
        ("/interactions", {"q": "报价"}, "interaction"),
    ],
)
def test_lists_leave_out_other_team_records(
    as_charlie, west_person, east_records, path, params, kind
):
    response = as_charlie.get(path, params)

    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert east_records[kind] not in ids


def test_interactions_filtered_by_hidden_person_are_empty(as_charlie, east_records):
    response = as_charlie.get("/interactions", {"person_id": east_records["person"]})

    assert response.json()["items"] == []


def test_own_team_lists_include_the_records(as_bob, east_records):
    assert [p["id"] for p in as_bob.get("/persons").json()["items"]] == [east_records["person"]]
    assert [c["id"] for c in as_bob.get("/companies").json()["items"]] == [east_records["company"]]
    interactions = as_bob.get("/interactions").json()["items"]
    assert [i["id"] for i in interactions] == [east_records["interaction"]]


def test_administrator_sees_every_team(as_admin, east_records, west_person):
    ids = {p["id"] for p in as_admin.get("/persons").json()["items"]}

    assert ids == {east_records["person"], west_person.pk}
