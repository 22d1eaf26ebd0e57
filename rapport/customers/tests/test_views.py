"""The person and company pages: visibility, constant queries, forms mapping service errors."""

import pytest
from django.urls import reverse

from rapport.customers.models import Person, Tag
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    person_update,
    tag_create,
)


@pytest.fixture
def acme(alice):
    return company_create(
        actor=alice, data={"name": "上海顶峰贸易有限公司", "english_name": "Acme"}
    )


@pytest.fixture
def zhang(alice, acme):
    vip = tag_create(actor=alice, data={"name": "VIP", "color": "#dc2626"})
    return person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}],
            "emails": [{"email": "zhang.wei@example.cn"}],
            "employments": [{"company_id": acme.pk, "job_title": "采购经理", "is_primary": True}],
            "tag_ids": [vip.pk],
            "notes": "Likes tea",
        },
    )


def _make_persons(owner, company, count, start=0):
    tags = [tag_create(actor=owner, data={"name": f"t{start}-{i}"}) for i in range(2)]
    for i in range(start, start + count):
        person_create(
            actor=owner,
            data={
                "full_name": f"客户{i}",
                "phones": [{"number": f"1380013{i:04d}"}],
                "emails": [{"email": f"p{i}@example.cn"}],
                "employments": [{"company_id": company.pk, "is_primary": True}],
                "tag_ids": [t.pk for t in tags],
            },
        )


def _person_post(**overrides):
    data = {
        "full_name": "李娜",
        "gender": "female",
        "source": "web",
        "lifecycle_stage": "target",
        "phones-0-number": "13900139000",
        "phones-0-label": "mobile",
        "phones-primary": "0",
        "emails-0-email": "li.na@example.cn",
        "emails-0-label": "work",
        "emails-primary": "0",
    }
    data.update(overrides)
    return data


# --- Lists -----------------------------------------------------------------------------------


def test_person_list_shows_row_with_formatted_phone_company_and_tag(client, alice, zhang):
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in html
    assert "138 0013 8000" in html
    assert "上海顶峰贸易有限公司" in html
    assert 'data-testid="tag-chip"' in html
    assert "zhang.wei@example.cn" in html


def test_person_list_query_count_is_constant(client, alice, acme, django_assert_max_num_queries):
    client.force_login(alice)
    _make_persons(alice, acme, 5)
    # +2: one bounded read per part of the visibility rule (own, team) before the page; +2: the
    # saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(12):
        small = client.get(reverse("customers:person_list"))
    _make_persons(alice, acme, 25, start=5)
    # +2: one bounded read per part of the visibility rule (own, team) before the page; +2: the
    # saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(12):
        large = client.get(reverse("customers:person_list"))
    assert small.content.decode().count('data-testid="person-row"') == 5
    assert large.content.decode().count('data-testid="person-row"') == 25


def test_person_list_paginates_with_next_and_previous(client, alice, acme, settings):
    settings.RAPPORT_PAGE_SIZE = 10
    _make_persons(alice, acme, 12)
    client.force_login(alice)
    first = client.get(reverse("customers:person_list"), {"sort": "full_name"})
    assert first.context["page"].next_cursor
    second = client.get(
        reverse("customers:person_list"),
        {"sort": "full_name", "cursor": first.context["page"].next_cursor},
    )
    assert len(second.context["page"].items) == 2
    assert 'data-testid="page-prev"' in second.content.decode()


def test_person_list_ignores_a_tampered_cursor(client, alice, zhang):
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert "张伟" in response.content.decode()


def test_person_list_filters_by_custom_field(client, alice, admin_user, acme):
    custom_field_create(
        actor=admin_user,
        data={
            "record_type": "person",
            "key": "level",
            "label": "Level",
            "field_type": "choice",
            "choices": ["A", "B"],
        },
    )
    person_create(actor=alice, data={"full_name": "甲", "custom": {"level": "A"}})
    person_create(actor=alice, data={"full_name": "乙", "custom": {"level": "B"}})
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"), {"cf_level": "A"})
    names = [p.full_name for p in response.context["page"].items]
    assert names == ["甲"]
    assert 'data-testid="filter-cf_level"' in response.content.decode()


def test_person_list_searches_by_pinyin(client, alice, zhang):
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"), {"q": "zhangwei"})
    assert [p.pk for p in response.context["page"].items] == [zhang.pk]


def test_rep_does_not_see_other_team_persons_in_list(client, charlie, zhang):
    client.force_login(charlie)
    response = client.get(reverse("customers:person_list"))
    assert "张伟" not in response.content.decode()


def test_company_list_query_count_is_constant(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    tag = tag_create(actor=alice, data={"name": "Key account"})
    for i in range(5):
        company_create(actor=alice, data={"name": f"公司{i}", "tag_ids": [tag.pk]})
    # +2: one bounded read per part of the visibility rule (own, team) before the page; +2: the
    # saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(11):
        small = client.get(reverse("customers:company_list"))
    for i in range(5, 30):
        company_create(actor=alice, data={"name": f"公司{i}", "tag_ids": [tag.pk]})
    # +2: one bounded read per part of the visibility rule (own, team) before the page; +2: the
    # saved views' tabs and the user's column choice (accounts.saved_view_views).
    with django_assert_max_num_queries(11):
        large = client.get(reverse("customers:company_list"))
    assert small.content.decode().count('data-testid="company-row"') == 5
    assert large.content.decode().count('data-testid="company-row"') == 25


# --- 360 pages -------------------------------------------------------------------------------


def test_person_page_shows_key_facts_and_custom_values(client, alice, admin_user, acme):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "WeChat", "field_type": "text"},
    )
    person = person_create(
        actor=alice,
        data={
            "full_name": "王芳",
            "phones": [{"number": "13700137000"}],
            "employments": [{"company_id": acme.pk, "job_title": "总经理"}],
            "addresses": [{"province": "上海市", "city": "上海市", "street": "南京西路1号"}],
            "custom": {"wechat": "wangfang88"},
        },
    )
    client.force_login(alice)
    html = client.get(reverse("customers:person_detail", args=[person.pk])).content.decode()
    for text in ("王芳", "137 0013 7000", "总经理", "南京西路1号", "WeChat", "wangfang88"):
        assert text in html
    assert reverse("activities:person_timeline", args=[person.pk]) in html
    assert reverse("activities:person_log_interaction", args=[person.pk]) in html


def test_person_page_escapes_html_in_name_and_notes(client, alice):
    person = person_create(
        actor=alice,
        data={"full_name": "<script>alert(1)</script>", "notes": "<b>bold</b>"},
    )
    client.force_login(alice)
    html = client.get(reverse("customers:person_detail", args=[person.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_person_list_escapes_html_in_name(client, alice):
    person_create(actor=alice, data={"full_name": "<img src=x onerror=alert(1)>"})
    client.force_login(alice)
    html = client.get(reverse("customers:person_list")).content.decode()
    assert "<img src=x" not in html


def test_company_page_lists_its_people(client, alice, acme, zhang):
    client.force_login(alice)
    response = client.get(reverse("customers:company_detail", args=[acme.pk]))
    html = response.content.decode()
    assert "张伟" in html
    assert "采购经理" in html


@pytest.mark.parametrize(
    "name", ["customers:person_detail", "customers:person_edit", "customers:person_delete"]
)
def test_rep_gets_404_for_other_team_person(client, charlie, zhang, name):
    client.force_login(charlie)
    method = client.post if name.endswith("delete") else client.get
    assert method(reverse(name, args=[zhang.pk])).status_code == 404
    assert Person.objects.filter(pk=zhang.pk).exists()


@pytest.mark.parametrize(
    "name", ["customers:company_detail", "customers:company_edit", "customers:company_delete"]
)
def test_rep_gets_404_for_other_team_company(client, charlie, acme, name):
    client.force_login(charlie)
    method = client.post if name.endswith("delete") else client.get
    assert method(reverse(name, args=[acme.pk])).status_code == 404


def test_company_options_only_offer_visible_companies(client, charlie, acme):
    client.force_login(charlie)
    response = client.get(reverse("customers:company_options"), {"company_search": "顶峰"})
    assert "顶峰" not in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, zhang):
    response = client.get(reverse("customers:person_detail", args=[zhang.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- Create and edit -------------------------------------------------------------------------


def test_create_person_with_phones_emails_addresses_company_and_tags(client, alice, acme):
    tag = tag_create(actor=alice, data={"name": "Hot"})
    client.force_login(alice)
    response = client.post(
        reverse("customers:person_create"),
        _person_post(
            **{
                "phones-1-number": "+1 415 555 2671",
                "phones-1-label": "work",
                "addresses-0-label": "work",
                "addresses-0-country": "CN",
                "addresses-0-province": "浙江省",
                "addresses-0-city": "杭州市",
                "employments-0-company_id": str(acme.pk),
                "employments-0-job_title": "CTO",
                "employments-primary": "0",
                "tag_ids": [str(tag.pk)],
            }
        ),
    )
    person = Person.objects.get(full_name="李娜")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:person_detail", args=[person.pk])
    assert sorted(person.phones.values_list("number", flat=True)) == [
        "+14155552671",
        "+8613900139000",
    ]
    assert person.primary_phone == "+8613900139000"
    assert person.addresses.get().city == "杭州市"
    assert person.employments.get().job_title == "CTO"
    assert list(person.tags.all()) == [tag]


def test_create_person_with_errors_shows_them_and_saves_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("customers:person_create"),
        _person_post(full_name="", **{"phones-0-number": "12", "emails-0-email": "not-an-email"}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not Person.objects.exists()
    assert 'data-testid="error-full_name"' in html
    assert "is not a valid phone number" in html or "is not a phone number" in html
    assert "not-an-email" in html  # what the user typed is kept


def test_create_person_validates_custom_fields_by_type(client, alice, admin_user):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "budget", "label": "Budget", "field_type": "number"},
    )
    custom_field_create(
        actor=admin_user,
        data={
            "record_type": "person",
            "key": "level",
            "label": "Level",
            "field_type": "choice",
            "choices": ["A", "B"],
            "required": True,
        },
    )
    client.force_login(alice)
    form_page = client.get(reverse("customers:person_create")).content.decode()
    assert 'data-testid="custom-field-budget"' in form_page
    assert 'type="number"' in form_page
    response = client.post(reverse("customers:person_create"), _person_post(cf_budget="lots"))
    html = response.content.decode()
    assert not Person.objects.exists()
    assert 'data-testid="error-cf_budget"' in html
    assert 'data-testid="error-cf_level"' in html


def test_create_person_saves_custom_values(client, alice, admin_user):
    for key, field_type, extra in (
        ("budget", "number", {}),
        ("met", "date", {}),
        ("vip", "boolean", {}),
        ("likes", "multi_choice", {"choices": ["tea", "wine"]}),
    ):
        custom_field_create(
            actor=admin_user,
            data={
                "record_type": "person",
                "key": key,
                "label": key,
                "field_type": field_type,
                **extra,
            },
        )
    client.force_login(alice)
    client.post(
        reverse("customers:person_create"),
        _person_post(
            cf_budget="1500", cf_met="2026-03-01", cf_vip="true", cf_likes=["tea", "wine"]
        ),
    )
    person = Person.objects.get()
    assert person.custom == {
        "budget": 1500,
        "met": "2026-03-01",
        "vip": True,
        "likes": ["tea", "wine"],
    }


def test_edit_form_shows_current_values_and_version(client, alice, zhang):
    client.force_login(alice)
    html = client.get(reverse("customers:person_edit", args=[zhang.pk])).content.decode()
    assert 'value="张伟"' in html
    assert 'name="version" value="1"' in html
    assert 'value="138 0013 8000"' in html
    assert "上海顶峰贸易有限公司" in html


def test_edit_person_saves_changes(client, alice, zhang, acme):
    client.force_login(alice)
    response = client.post(
        reverse("customers:person_edit", args=[zhang.pk]),
        _person_post(
            full_name="张伟伟",
            version="1",
            **{"employments-0-company_id": str(acme.pk), "employments-0-job_title": "总监"},
        ),
    )
    zhang.refresh_from_db()
    assert response.status_code == 302
    assert zhang.full_name == "张伟伟"
    assert zhang.version == 2
    assert zhang.employments.get().job_title == "总监"


def test_edit_with_stale_version_shows_conflict_and_keeps_input(client, alice, bob, zhang):
    person_update(actor=bob, person=zhang, data={"notes": "bob was here"}, version=1)
    client.force_login(alice)
    response = client.post(
        reverse("customers:person_edit", args=[zhang.pk]),
        _person_post(full_name="张伟 (alice)", version="1"),
    )
    html = response.content.decode()
    zhang.refresh_from_db()
    assert response.status_code == 200
    assert zhang.full_name == "张伟"
    assert 'data-testid="form-errors"' in html
    assert "Someone else changed this record" in html
    assert 'value="张伟 (alice)"' in html
    assert 'name="version" value="2"' in html


def test_edit_with_invalid_phone_saves_nothing(client, alice, zhang):
    client.force_login(alice)
    response = client.post(
        reverse("customers:person_edit", args=[zhang.pk]),
        _person_post(full_name="改名", version="1", **{"phones-0-number": "abc"}),
    )
    zhang.refresh_from_db()
    assert response.status_code == 200
    assert zhang.full_name == "张伟"
    assert zhang.version == 1


def test_manager_can_give_a_person_to_a_team_member(client, diana, bob, zhang):
    client.force_login(diana)
    client.post(
        reverse("customers:person_edit", args=[zhang.pk]),
        _person_post(full_name="张伟", version="1", owner_id=str(bob.pk)),
    )
    zhang.refresh_from_db()
    assert zhang.owner == bob


def test_rep_form_offers_the_team_as_owners(client, alice, bob):
    client.force_login(alice)
    html = client.get(reverse("customers:person_create")).content.decode()
    assert 'name="owner_id"' in html
    assert f'value="{bob.pk}"' in html


def test_form_has_no_owner_field_for_a_rep_who_can_give_records_to_no_one_else(client, alice):
    client.force_login(alice)
    html = client.get(reverse("customers:person_create")).content.decode()
    assert 'name="owner_id"' not in html


def test_create_company_with_error_saves_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("customers:company_create"),
        {"name": "", "source": "web", "lifecycle_stage": "target"},
    )
    assert response.status_code == 200
    assert 'data-testid="error-name"' in response.content.decode()


def test_create_and_edit_company(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("customers:company_create"),
        {
            "name": "北京星辰科技",
            "source": "web",
            "lifecycle_stage": "customer",
            "addresses-0-province": "北京市",
            "addresses-0-city": "北京市",
        },
    )
    assert response.status_code == 302
    company = client.get(response["Location"]).context["company"]
    assert company.addresses.get().province == "北京市"
    response = client.post(
        reverse("customers:company_edit", args=[company.pk]),
        {
            "name": "北京星辰科技有限公司",
            "source": "web",
            "lifecycle_stage": "customer",
            "version": "1",
        },
    )
    company.refresh_from_db()
    assert company.name == "北京星辰科技有限公司"


def test_company_edit_with_stale_version_shows_conflict(client, alice, acme):
    client.force_login(alice)
    response = client.post(
        reverse("customers:company_edit", args=[acme.pk]),
        {"name": "新名字", "source": "web", "lifecycle_stage": "target", "version": "7"},
    )
    acme.refresh_from_db()
    assert acme.name == "上海顶峰贸易有限公司"
    assert 'data-testid="form-errors"' in response.content.decode()


# --- Settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["customers:tag_list", "customers:custom_field_list", "customers:custom_field_create"],
)
def test_settings_pages_are_for_administrators_only(client, alice, name):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 403


def test_rep_cannot_create_a_tag_through_the_settings_page(client, alice):
    client.force_login(alice)
    response = client.post(reverse("customers:tag_list"), {"name": "X", "color": "#112233"})
    assert response.status_code == 403
    assert not Tag.objects.filter(name="X").exists()


def test_admin_creates_edits_and_deletes_a_tag(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("customers:tag_list"), {"name": "Partner", "color": "#112233"})
    tag = Tag.objects.get(name="Partner")
    client.post(
        reverse("customers:tag_edit", args=[tag.pk]), {"name": "Partner", "color": "#445566"}
    )
    tag.refresh_from_db()
    assert tag.color == "#445566"
    client.post(reverse("customers:tag_delete", args=[tag.pk]))
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_tag_with_bad_colour_shows_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("customers:tag_list"), {"name": "Bad", "color": "red"})
    assert not Tag.objects.filter(name="Bad").exists()
    assert 'data-testid="error-color"' in response.content.decode()


def test_admin_creates_choice_field_with_choices_as_lines(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("customers:custom_field_create"),
        {
            "record_type": "person",
            "key": "level",
            "label": "客户等级",
            "field_type": "choice",
            "choices": "A\r\nB\r\n\r\nC",
            "position": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    definition = client.get(reverse("customers:custom_field_list")).context["person_fields"][0]
    assert definition.choices == ["A", "B", "C"]
    response = client.post(
        reverse("customers:custom_field_edit", args=[definition.pk]),
        {"label": "等级", "choices": "A\nB", "position": "1"},
    )
    definition.refresh_from_db()
    assert definition.label == "等级"
    assert definition.is_active is False
    client.post(reverse("customers:custom_field_delete", args=[definition.pk]))
    assert client.get(reverse("customers:custom_field_list")).context["person_fields"] == []


def test_choice_field_without_choices_shows_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("customers:custom_field_create"),
        {"record_type": "person", "key": "level", "label": "L", "field_type": "choice"},
    )
    assert response.status_code == 200
    assert 'data-testid="error-choices"' in response.content.decode()


def test_person_list_sorts_by_name(client, alice):
    for name in ("b-name", "a-name", "c-name"):
        person_create(actor=alice, data={"full_name": name})
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"), {"sort": "full_name"})
    assert [p.full_name for p in response.context["page"].items] == ["a-name", "b-name", "c-name"]
    assert 'data-testid="list-sort"' in response.content.decode()


def test_person_list_falls_back_to_default_sort_for_unknown_sort(client, alice, zhang):
    client.force_login(alice)
    response = client.get(reverse("customers:person_list"), {"sort": "password"})
    assert response.context["sort"] == "-updated_at"


def test_edit_keeps_link_to_company_the_editor_cannot_see(client, alice, charlie, admin_user, east):
    # Given a West person working for a West company, whom an administrator moves to East
    west_company = company_create(actor=charlie, data={"name": "西部公司"})
    person = person_create(
        actor=charlie,
        data={
            "full_name": "共享联系人",
            "employments": [{"company_id": west_company.pk, "job_title": "老板"}],
        },
    )
    person_update(actor=admin_user, person=person, data={"team_id": east.pk}, version=None)
    person.refresh_from_db()
    # When alice (East) edits the name and posts the company row back unchanged
    client.force_login(alice)
    data = {
        "full_name": "共享联系人 2",
        "gender": "unknown",
        "source": "other",
        "lifecycle_stage": "target",
        "version": str(person.version),
        "employments-0-company_id": str(west_company.pk),
        "employments-0-job_title": "老板",
        "employments-primary": "0",
    }
    response = client.post(reverse("customers:person_edit", args=[person.pk]), data)
    # Then the edit is saved and the link she cannot see is kept
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "共享联系人 2"
    assert person.employments.get().company == west_company
