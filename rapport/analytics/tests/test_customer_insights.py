"""The insights slot of a customer's page: each analytics app's section, in order, only for
customers the reader may see."""

import pytest
from django.template import engines
from django.urls import reverse

from rapport.analytics import panels
from rapport.customers.services import company_create, person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(monkeypatch):
    """An empty registry for the test, with the template engine able to draw a section."""
    monkeypatch.setattr(panels, "_SECTIONS", {})
    engine = engines["django"].engine
    monkeypatch.setattr(
        engine,
        "find_template",
        _with_test_template(engine.find_template),
    )
    return panels


def _with_test_template(find_template):
    template = engines["django"].from_string("<p>{{ section.text }}</p>").template

    def find(name, dirs=None, skip=None):
        if name == "test/section.html":
            return template, None
        return find_template(name, dirs, skip)

    return find


def test_the_slot_shows_each_section_in_order_and_skips_the_silent_ones(client, alice, sections):
    person = person_create(actor=alice, data={"full_name": "王芳"})
    seen_by = []

    def second(user, customer):
        seen_by.append((user.username, customer.pk))
        return panels.CustomerSection("test/section.html", {"text": "second"})

    sections.register_customer_section("second", second, order=20)
    sections.register_customer_section(
        "first",
        lambda user, c: panels.CustomerSection("test/section.html", {"text": "first"}),
        order=10,
    )
    sections.register_customer_section("silent", lambda user, c: None, order=5)
    sections.register_customer_section(
        "companies",
        lambda user, c: panels.CustomerSection("test/section.html", {"text": "co"}),
        order=1,
        kinds=(panels.COMPANY,),
    )
    client.force_login(alice)

    html = client.get(reverse("analytics:person_insights", args=[person.pk])).content.decode()

    assert html.index("first") < html.index("second")
    assert 'data-testid="insight-silent"' not in html
    assert "<p>co</p>" not in html
    assert seen_by == [("alice", person.pk)]


def test_another_teams_customer_answers_404(client, alice, charlie, sections):
    person = person_create(actor=charlie, data={"full_name": "Other"})
    company = company_create(actor=charlie, data={"name": "Other Ltd"})
    client.force_login(alice)

    assert client.get(reverse("analytics:person_insights", args=[person.pk])).status_code == 404
    assert client.get(reverse("analytics:company_insights", args=[company.pk])).status_code == 404
