from rapport.activities.services import interaction_create


def test_person_timeline_lists_newest_first(as_alice, alice, east_person):
    interaction_create(
        actor=alice,
        person=east_person,
        data={"channel": "call", "subject": "First call", "occurred_at": "2026-01-01T09:00"},
    )
    interaction_create(
        actor=alice,
        person=east_person,
        data={"channel": "email", "subject": "Follow-up", "occurred_at": "2026-01-02T09:00"},
    )

    response = as_alice.get(f"/persons/{east_person.pk}/timeline")

    assert response.status_code == 200
    items = response.json()["items"]
    # the creation entry is stamped now, so it comes first
    assert [i["kind"] for i in items] == ["record.created", "interaction.email", "interaction.call"]
    assert items[0]["title"] == "Record created"
    assert items[1]["title"] == "Follow-up"
    assert items[1]["actor"]["id"] == alice.pk
    assert items[1]["source_type"] == "interaction"


def test_company_timeline(as_alice, east_company, east_person, alice):
    interaction_create(
        actor=alice, company=east_company, data={"channel": "visit", "subject": "拜访"}
    )

    response = as_alice.get(f"/companies/{east_company.pk}/timeline")

    assert response.status_code == 200
    assert "拜访" in [i["title"] for i in response.json()["items"]]


def test_timeline_paginates(as_alice, alice, east_person):
    for i in range(30):
        interaction_create(
            actor=alice,
            person=east_person,
            data={"channel": "note", "subject": f"Note {i}", "occurred_at": "2026-01-01T09:00"},
        )

    first = as_alice.get(f"/persons/{east_person.pk}/timeline", {"limit": 20}).json()
    second = as_alice.get(
        f"/persons/{east_person.pk}/timeline", {"limit": 20, "cursor": first["next_cursor"]}
    ).json()

    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == 31
    assert len(set(ids)) == 31
    assert second["next_cursor"] is None


def test_timeline_with_invalid_cursor_is_400(as_alice, east_person):
    response = as_alice.get(f"/persons/{east_person.pk}/timeline", {"cursor": "nope"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_timeline_query_count_is_fixed(as_alice, alice, east_person, django_assert_max_num_queries):
    for i in range(15):
        interaction_create(
            actor=alice, person=east_person, data={"channel": "note", "subject": f"N{i}"}
        )

    # key lookup, key last-used update, the person, the entries (actors joined)
    with django_assert_max_num_queries(4):
        response = as_alice.get(f"/persons/{east_person.pk}/timeline", {"limit": 15})

    assert len(response.json()["items"]) == 15
