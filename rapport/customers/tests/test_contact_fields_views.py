"""The person pages with middle name, nickname, website, a birthday with or without a year,
departments, and the numbers kept as imported with their warning and their fix."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from rapport.core.formats import format_birthday
from rapport.customers.models import Employment, Person, PersonPhone
from rapport.customers.services import company_create, person_create

RAW = [{"label": "work", "raw": "+1 (555) 0100 ext. 7"}, {"label": "fax", "raw": "12-34"}]


def _post(**overrides):
    data = {
        "full_name": "John Kennedy",
        "gender": "male",
        "source": "web",
        "lifecycle_stage": "target",
        "duplicates_checked": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def imported(alice):
    """A person whose import kept two numbers valid in no region."""
    person = person_create(actor=alice, data={"full_name": "Emily Carter"})
    Person.objects.filter(pk=person.pk).update(raw_phones=RAW)
    person.refresh_from_db()
    return person


# --- The form ------------------------------------------------------------------------------------


def test_create_person_with_middle_name_nickname_website_and_birthday_without_year(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"),
        _post(
            middle_name="Fitzgerald",
            nickname="Jack",
            website="jfk.example.com",
            birth_month="7",
            birth_day="14",
            birth_year="",
        ),
    )

    person = Person.objects.get()
    assert response.status_code == 302
    assert (person.middle_name, person.nickname, person.website) == (
        "Fitzgerald",
        "Jack",
        "jfk.example.com",
    )
    assert (person.birthday, person.birth_month, person.birth_day) == (None, 7, 14)


def test_29_february_without_a_year_is_saved_from_the_form(client, alice):
    client.force_login(alice)

    client.post(reverse("customers:person_create"), _post(birth_month="2", birth_day="29"))

    person = Person.objects.get()
    assert (person.birthday, person.birth_month, person.birth_day) == (None, 2, 29)


def test_year_month_and_day_make_a_full_birthday(client, alice):
    client.force_login(alice)

    client.post(
        reverse("customers:person_create"),
        _post(birth_year="1985", birth_month="7", birth_day="14"),
    )

    assert Person.objects.get().birthday == datetime.date(1985, 7, 14)


def test_30_february_shows_an_error_under_the_birthday_and_saves_nothing(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"), _post(birth_month="2", birth_day="30")
    )

    assert response.status_code == 200
    assert not Person.objects.exists()
    html = response.content.decode()
    assert 'data-testid="error-birthday"' in html
    assert "This month has only 29 days." in html
    # What was typed stays in the inputs.
    assert '<option value="30" selected>' in html


def test_29_february_of_a_year_without_one_shows_an_error(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"),
        _post(birth_year="1983", birth_month="2", birth_day="29"),
    )

    assert not Person.objects.exists()
    assert "1983 has no 29 February" in response.content.decode()


def test_a_day_without_a_month_shows_an_error(client, alice):
    client.force_login(alice)

    response = client.post(reverse("customers:person_create"), _post(birth_day="14"))

    assert not Person.objects.exists()
    assert "Enter the month as well as the day." in response.content.decode()


def test_edit_form_shows_the_birthday_parts_and_new_names(client, alice):
    person = person_create(
        actor=alice,
        data={
            "full_name": "John Kennedy",
            "middle_name": "Fitzgerald",
            "nickname": "Jack",
            "birthday": "1917-05-29",
        },
    )
    client.force_login(alice)

    html = client.get(reverse("customers:person_edit", args=[person.pk])).content.decode()

    assert 'value="Fitzgerald"' in html
    assert 'value="Jack"' in html
    assert 'value="1917"' in html
    assert '<option value="5" selected>' in html
    assert '<option value="29" selected>' in html


def test_editing_away_the_year_keeps_month_and_day(client, alice):
    person = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1985-07-14"})
    client.force_login(alice)

    client.post(
        reverse("customers:person_edit", args=[person.pk]),
        _post(full_name="张伟", version="1", birth_month="7", birth_day="14", birth_year=""),
    )

    person.refresh_from_db()
    assert (person.birthday, person.birth_month, person.birth_day) == (None, 7, 14)


def test_department_is_saved_and_shown_in_the_edit_form(client, alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})
    client.force_login(alice)

    client.post(
        reverse("customers:person_create"),
        _post(
            **{
                "employments-0-company_id": str(company.pk),
                "employments-0-job_title": "经理",
                "employments-0-department": "采购部",
                "employments-primary": "0",
            }
        ),
    )

    link = Employment.objects.get()
    assert (link.job_title, link.department) == ("经理", "采购部")
    html = client.get(reverse("customers:person_edit", args=[link.person_id])).content.decode()
    assert 'name="employments-0-department" value="采购部"' in html


# --- The 360° page -------------------------------------------------------------------------------


def test_person_page_shows_the_new_fields(client, alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})
    person = person_create(
        actor=alice,
        data={
            "full_name": "John Kennedy",
            "given_name": "John",
            "middle_name": "Fitzgerald",
            "family_name": "Kennedy",
            "nickname": "Jack",
            "website": "https://jfk.example.com",
            "birth_month": 5,
            "birth_day": 29,
            "employments": [
                {"company_id": company.pk, "job_title": "经理", "department": "采购部"}
            ],
        },
    )
    client.force_login(alice)

    html = client.get(reverse("customers:person_detail", args=[person.pk])).content.decode()

    assert "John Fitzgerald Kennedy" in html
    assert 'data-testid="person-nickname">Jack<' in html
    assert 'data-testid="person-website">https://jfk.example.com<' in html
    assert "May 29" in html
    assert "year unknown" in html
    assert "经理 · 采购部" in html


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "Feb 29"), ("zh-hans", "2月29日")],
)
def test_a_birthday_without_a_year_reads_as_month_and_day(language, shown):
    with translation.override(language):
        assert format_birthday(None, 2, 29) == shown
        assert format_birthday(datetime.date(1984, 2, 29), 2, 29) != shown
        assert format_birthday(None, None, None) == ""


def test_company_page_shows_departments(client, alice):
    company = company_create(actor=alice, data={"name": "东方贸易"})
    person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "employments": [{"company_id": company.pk, "department": "采购部"}],
        },
    )
    client.force_login(alice)

    html = client.get(reverse("customers:company_detail", args=[company.pk])).content.decode()

    assert "采购部" in html


def test_raw_phones_are_shown_with_a_warning_and_a_fix(client, alice, imported):
    client.force_login(alice)

    response = client.get(reverse("customers:person_detail", args=[imported.pk]))

    html = response.content.decode()
    assert html.count('data-testid="raw-phone"') == 2
    assert "+1 (555) 0100 ext. 7" in html
    assert html.count("not a valid number — kept as imported") == 2
    assert reverse("customers:person_raw_phone", args=[imported.pk, 1]) in html
    assert 'data-testid="raw-phone-remove"' in html


def test_fix_page_offers_the_kept_text_to_correct(client, alice, imported):
    client.force_login(alice)

    response = client.get(reverse("customers:person_raw_phone", args=[imported.pk, 1]))

    html = response.content.decode()
    assert 'name="number" value="12-34"' in html
    assert '<option value="fax" selected>' in html


def test_fixing_a_raw_phone_adds_the_phone_and_removes_the_text(client, alice, imported):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_raw_phone", args=[imported.pk, 0]),
        {"raw": RAW[0]["raw"], "version": "1", "number": "+1 415 555 2671", "label": "work"},
    )

    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.raw_phones == [RAW[1]]
    assert list(PersonPhone.objects.filter(person=imported).values_list("number", flat=True)) == [
        "+14155552671"
    ]


def test_a_fix_that_is_still_invalid_is_shown_and_nothing_changes(client, alice, imported):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_raw_phone", args=[imported.pk, 0]),
        {"raw": RAW[0]["raw"], "version": "1", "number": "555 0100", "label": "work"},
    )

    assert response.status_code == 200
    assert 'data-testid="error-number"' in response.content.decode()
    imported.refresh_from_db()
    assert imported.raw_phones == RAW
    assert not PersonPhone.objects.filter(person=imported).exists()


def test_removing_a_raw_phone_from_the_person_page(client, alice, imported):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_raw_phone", args=[imported.pk, 1]),
        {"raw": "12-34", "version": "1", "remove": "1"},
    )

    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.raw_phones == [RAW[0]]


def test_a_stale_raw_phone_form_shows_a_conflict(client, alice, imported):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_raw_phone", args=[imported.pk, 1]),
        {"raw": "12-34", "version": "0", "remove": "1"},
    )

    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    imported.refresh_from_db()
    assert imported.raw_phones == RAW


def test_raw_phone_page_of_another_team_or_a_missing_number_is_404(
    client, alice, charlie, imported
):
    client.force_login(charlie)
    assert client.get(reverse("customers:person_raw_phone", args=[imported.pk, 0])).status_code == (
        404
    )
    assert (
        client.post(
            reverse("customers:person_raw_phone", args=[imported.pk, 0]),
            {"raw": RAW[0]["raw"], "version": "1", "remove": "1"},
        ).status_code
        == 404
    )
    client.force_login(alice)
    assert client.get(reverse("customers:person_raw_phone", args=[imported.pk, 2])).status_code == (
        404
    )
    imported.refresh_from_db()
    assert imported.raw_phones == RAW


def test_edit_form_points_to_the_fix_of_each_raw_phone(client, alice, imported):
    client.force_login(alice)

    html = client.get(reverse("customers:person_edit", args=[imported.pk])).content.decode()

    assert 'data-testid="raw-phones-note"' in html
    assert reverse("customers:person_raw_phone", args=[imported.pk, 0]) in html
    assert reverse("customers:person_raw_phone", args=[imported.pk, 1]) in html
