"""The persons API with middle name, nickname, website, birthdays without a year, departments
and the numbers kept as imported."""

import pytest

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Person
from rapport.customers.services import company_create, person_create

RAW = [{"label": "work", "raw": "+1 (555) 0100 ext. 7"}, {"label": "fax", "raw": "12-34"}]


@pytest.fixture
def api(alice):
    return client_for(alice)


@pytest.fixture
def imported(alice):
    person = person_create(actor=alice, data={"full_name": "Emily Carter"})
    Person.objects.filter(pk=person.pk).update(raw_phones=RAW)
    return person


def test_create_and_read_the_new_fields(api, alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})

    response = api.post(
        "/persons",
        {
            "full_name": "John Kennedy",
            "middle_name": "Fitzgerald",
            "nickname": "Jack",
            "website": "https://jfk.example.com",
            "birth_month": 2,
            "birth_day": 29,
            "employments": [{"company_id": company.pk, "department": "采购部"}],
        },
    )

    assert response.status_code == 201, response.content
    body = api.get(f"/persons/{response.json()['id']}").json()
    assert {k: body[k] for k in ("middle_name", "nickname", "website")} == {
        "middle_name": "Fitzgerald",
        "nickname": "Jack",
        "website": "https://jfk.example.com",
    }
    assert (body["birthday"], body["birth_month"], body["birth_day"]) == (None, 2, 29)
    assert body["employments"][0]["department"] == "采购部"
    assert body["raw_phones"] == []


def test_list_items_carry_nickname_and_birth_month_and_day(api, alice):
    person_create(
        actor=alice,
        data={"full_name": "张伟", "nickname": "小张", "birthday": "1985-07-14"},
    )

    item = api.get("/persons").json()["items"][0]

    assert (item["nickname"], item["birthday"], item["birth_month"], item["birth_day"]) == (
        "小张",
        "1985-07-14",
        7,
        14,
    )


def test_full_birthday_fills_month_and_day(api):
    body = api.post("/persons", {"full_name": "张伟", "birthday": "1985-07-14"}).json()

    assert (body["birth_month"], body["birth_day"]) == (7, 14)


def test_30_february_is_a_422_on_birth_day(api):
    response = api.post("/persons", {"full_name": "张伟", "birth_month": 2, "birth_day": 30})

    assert response.status_code == 422
    error = response.json()
    assert (error["code"], set(error["details"])) == ("validation_error", {"birth_day"})
    assert error["details"]["birth_day"] == ["This month has only 29 days."]
    assert not Person.objects.exists()


def test_patching_month_and_day_keeps_the_year_and_null_birthday_drops_it(api, alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})

    body = api.patch(
        f"/persons/{person.pk}", {"version": 1, "birth_month": 3, "birth_day": 5}
    ).json()
    assert (body["birthday"], body["birth_month"], body["birth_day"]) == ("1985-03-05", 3, 5)

    body = api.patch(
        f"/persons/{person.pk}",
        {"version": 2, "birthday": None, "birth_month": 3, "birth_day": 5},
    ).json()
    assert (body["birthday"], body["birth_month"], body["birth_day"]) == (None, 3, 5)


def test_raw_phones_are_read_and_may_be_dropped(api, imported):
    body = api.get(f"/persons/{imported.pk}").json()
    assert body["raw_phones"] == RAW

    response = api.patch(f"/persons/{imported.pk}", {"version": 1, "raw_phones": [RAW[1]]})

    assert response.status_code == 200, response.content
    assert response.json()["raw_phones"] == [RAW[1]]


def test_a_raw_phone_cannot_be_added(api, imported):
    response = api.patch(
        f"/persons/{imported.pk}", {"version": 1, "raw_phones": [*RAW, {"raw": "999"}]}
    )

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"raw_phones.2.raw"}
    imported.refresh_from_db()
    assert imported.raw_phones == RAW


def test_fixing_a_raw_phone_through_the_api(api, imported):
    response = api.patch(
        f"/persons/{imported.pk}",
        {"version": 1, "phones": [{"number": "+1 415 555 2671"}], "raw_phones": [RAW[1]]},
    )

    body = response.json()
    assert [p["number"] for p in body["phones"]] == ["+14155552671"]
    assert body["raw_phones"] == [RAW[1]]


def test_another_teams_person_is_404_for_a_raw_phone_change(charlie, imported):
    response = client_for(charlie).patch(
        f"/persons/{imported.pk}", {"version": 1, "raw_phones": []}
    )

    assert response.status_code == 404
    imported.refresh_from_db()
    assert imported.raw_phones == RAW
