"""The app shell, home dashboard, global search and error pages."""

import pytest
from django.test import override_settings
from django.urls import reverse

from rapport.customers.services import company_create, person_create


@pytest.fixture
def acme(alice):
    return company_create(
        actor=alice, data={"name": "上海顶峰贸易有限公司", "english_name": "Acme"}
    )


@pytest.fixture
def zhang(alice, acme):
    return person_create(
        actor=alice,
        data={
            "full_name": "张小伟",
            "phones": [{"number": "13800138123"}],
            "emails": [{"email": "xiaowei@example.cn"}],
            "employments": [{"company_id": acme.pk, "is_primary": True}],
        },
    )


@pytest.mark.parametrize(
    "name",
    [
        "web:home",
        "web:search",
        "customers:person_list",
        "customers:company_list",
        "customers:person_create",
        "activities:interaction_list",
        "accounts:profile",
        "accounts:api_keys",
        "accounts:password_change",
    ],
)
def test_pages_require_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_shell_has_search_nav_csrf_for_htmx_and_vendored_scripts(client, alice):
    client.force_login(alice)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="global-search"' in html
    assert 'data-testid="language-switch"' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "vendor/htmx/htmx.min.js" in html
    assert "vendor/alpinejs/cdn.min.js" in html
    assert "//cdn" not in html.replace("cdn.min.js", "")
    assert reverse("customers:custom_field_list") not in html  # settings are for admins


def test_admin_sees_settings_links(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("web:home")).content.decode()
    assert reverse("customers:custom_field_list") in html
    assert reverse("customers:tag_list") in html


@pytest.mark.parametrize(
    "query", ["小伟", "张小伟", "zhangxiaowei", "zxw", "8123", "xiaowei@", "顶峰"]
)
def test_global_search_finds_person(client, alice, zhang, query):
    client.force_login(alice)
    response = client.get(reverse("web:search"), {"q": query})
    assert [p.pk for p in response.context["persons"]] == [zhang.pk]
    assert 'data-testid="search-person"' in response.content.decode()


def test_global_search_finds_company(client, alice, acme):
    client.force_login(alice)
    response = client.get(reverse("web:search"), {"q": "acme"})
    assert [c.pk for c in response.context["companies"]] == [acme.pk]


def test_global_search_hides_other_teams_records(client, charlie, zhang):
    client.force_login(charlie)
    response = client.get(reverse("web:search"), {"q": "张小伟"})
    assert response.context["persons"] == []
    assert response.context["companies"] == []


def test_global_search_query_count_is_constant(client, alice, acme, django_assert_max_num_queries):
    client.force_login(alice)
    for i in range(25):
        person_create(
            actor=alice,
            data={
                "full_name": f"王{i}",
                "employments": [{"company_id": acme.pk, "is_primary": True}],
            },
        )
    # Session and user; persons: matching ids (person terms, company terms, employees), rows,
    # tags, primary companies; companies: matching ids, rows, tags. None of it grows per result.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("web:search"), {"q": "顶峰"})
    assert len(response.context["persons"]) == 20


def test_search_escapes_the_query(client, alice):
    client.force_login(alice)
    html = client.get(reverse("web:search"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html


@override_settings(DEBUG=False)
def test_unknown_page_uses_404_template(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "This page does not exist, or you cannot see it." in response.content.decode()


def test_forbidden_page_uses_403_template(client, alice):
    client.force_login(alice)
    response = client.get(reverse("customers:tag_list"))
    assert response.status_code == 403
    assert "You are not allowed to do this." in response.content.decode()


def test_500_template_renders_without_context(db):
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
