"""A NUL character anywhere in a request is a 4xx, never a database error (PostgreSQL refuses
it)."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from rapport.api.tests.conftest import client_for
from rapport.customers.models import Person


@pytest.mark.parametrize(
    "params", [{"q": "zh\x00ang"}, {"region": "\x00"}, {"source": "web\x00"}, {"x\x00": "1"}]
)
def test_list_page_refuses_nul_in_the_query_with_a_400_page(client, alice, params):
    client.force_login(alice)

    response = client.get(reverse("customers:person_list"), params)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_form_post_with_nul_is_refused_and_saves_nothing(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"),
        urlencode({"full_name": "张\x00伟"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert not Person.objects.exists()


def test_multipart_form_with_nul_gets_a_field_error_and_saves_nothing(client, alice):
    # Multipart bodies (file uploads) are not read by the middleware; Django's form fields
    # refuse NUL themselves.
    client.force_login(alice)

    response = client.post(reverse("customers:person_create"), {"full_name": "张\x00伟"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "张\x00伟"}, "full_name"),
        ({"full_name": "张伟", "phones": [{"number": "1\x00"}]}, "phones.0.number"),
        ({"full_name": "张伟", "custom": {"k\x00": "v"}}, "custom.k\x00"),
    ],
)
def test_api_refuses_nul_in_a_json_body_naming_the_field(alice, body, field):
    api = client_for(alice)

    response = api.post("/persons", body)

    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert list(error["details"]) == [field]
    assert not Person.objects.exists()


def test_api_refuses_nul_in_the_query_string(alice):
    response = client_for(alice).get("/persons", {"q": "ab\x00"})

    assert response.status_code == 422
    assert response.json()["details"] == {"q": ["Text may not contain the NUL character."]}


def test_text_without_nul_passes_through(client, alice):
    client.force_login(alice)

    assert client.get(reverse("customers:person_list"), {"q": "zhang"}).status_code == 200
