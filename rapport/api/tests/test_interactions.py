from rapport.activities.models import Interaction, TimelineEntry


def test_log_interaction_with_person_files_it_under_their_company(
    as_alice, alice, east_person, east_company
):
    response = as_alice.post(
        "/interactions",
        {
            "person_id": east_person.pk,
            "channel": "meeting",
            "direction": "outbound",
            "occurred_at": "2026-03-01T10:00:00+08:00",
            "subject": "季度回顾",
            "content": "讨论续约",
            "outcome": "同意续约",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["person"] == {"id": east_person.pk, "name": "张伟"}
    assert body["company"] == {"id": east_company.pk, "name": "东方贸易有限公司"}
    assert body["logged_by"]["id"] == alice.pk
    assert body["occurred_at"].startswith("2026-03-01T02:00:00")
    assert TimelineEntry.objects.filter(source_type="interaction", source_id=body["id"]).exists()


def test_log_interaction_with_company_only(as_alice, east_company):
    response = as_alice.post(
        "/interactions",
        {"company_id": east_company.pk, "channel": "visit", "subject": "拜访"},
    )

    assert response.status_code == 201
    assert response.json()["person"] is None


def test_get_update_and_delete_interaction(as_alice, east_person):
    created = as_alice.post(
        "/interactions", {"person_id": east_person.pk, "channel": "call", "subject": "Hi"}
    ).json()

    fetched = as_alice.get(f"/interactions/{created['id']}")
    updated = as_alice.patch(f"/interactions/{created['id']}", {"subject": "Hello"})
    deleted = as_alice.delete(f"/interactions/{created['id']}")

    assert fetched.status_code == 200
    assert updated.status_code == 200
    assert updated.json()["subject"] == "Hello"
    assert deleted.status_code == 204
    assert not Interaction.objects.exists()
    assert not TimelineEntry.objects.filter(source_type="interaction").exists()


def test_invalid_interaction_patch_changes_nothing(as_alice, east_person):
    created = as_alice.post(
        "/interactions", {"person_id": east_person.pk, "channel": "call", "subject": "Hi"}
    ).json()

    response = as_alice.patch(f"/interactions/{created['id']}", {"channel": "telepathy"})

    assert response.status_code == 422
    assert Interaction.objects.get().channel == "call"


def test_list_filters_by_channel_and_person(as_alice, east_person, east_company):
    as_alice.post("/interactions", {"person_id": east_person.pk, "channel": "call", "subject": "A"})
    as_alice.post(
        "/interactions", {"company_id": east_company.pk, "channel": "visit", "subject": "B"}
    )

    calls = as_alice.get("/interactions", {"channel": "call"}).json()["items"]
    of_person = as_alice.get(f"/persons/{east_person.pk}/interactions").json()["items"]
    of_company = as_alice.get(f"/companies/{east_company.pk}/interactions").json()["items"]

    assert [i["subject"] for i in calls] == ["A"]
    assert [i["subject"] for i in of_person] == ["A"]
    assert sorted(i["subject"] for i in of_company) == ["A", "B"]
