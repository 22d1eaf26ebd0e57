"""Product rules from a hand-made set of baskets, and what they give a person: the products to
offer (never one they have), the reason in words, the merge field, the API, the order form's
suggestions and the person page, each only for those who may see the person.

The baskets (first purchase day, from 2026-01-01; cut-off day 200, window 60 days):

    p1: tea 0, pot 10        p3: tea 0, cup 0        p5: tea 0
    p2: tea 0, pot 100       p4: cup 0, pot 0        target: tea 0, cup 0

6 customers; tea has 5 buyers, cup 3, pot 3.
"""

import datetime

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation

from rapport.analytics.recommend import mining
from rapport.analytics.recommend.models import ProductAssociation
from rapport.analytics.recommend.selectors import recommendations_for, rule_reason
from rapport.analytics.recommend.services import associations_compute, purchases_before
from rapport.api.tests.conftest import client_for
from rapport.customers.services import person_create
from rapport.messaging.services import email_template_create, template_render
from rapport.sales.services.catalog import product_create
from rapport.sales.services.orders import order_create

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 1, 10, 0, tzinfo=datetime.UTC)
AS_OF = START + datetime.timedelta(days=200)


def _product(actor, sku: str, name: str):
    return product_create(actor=actor, data={"sku": sku, "name": name, "unit_price": "10.00"})


def _buy(actor, person, product, day: int):
    order_create(
        actor=actor,
        data={
            "person_id": person.pk,
            "placed_at": (START + datetime.timedelta(days=day)).isoformat(),
            "lines": [
                {
                    "product_id": product.pk,
                    "description": product.name,
                    "quantity": 1,
                    "unit_price": "10.00",
                }
            ],
        },
    )


@pytest.fixture
def baskets(alice, admin_user):
    tea = _product(admin_user, "TEA", "龙井茶")
    cup = _product(admin_user, "CUP", "青瓷杯")
    pot = _product(admin_user, "POT", "紫砂壶")
    people = {name: person_create(actor=alice, data={"full_name": name}) for name in "12345"}
    target = person_create(actor=alice, data={"full_name": "王芳"})
    for name, bought in {
        "1": [(tea, 0), (pot, 10)],
        "2": [(tea, 0), (pot, 100)],
        "3": [(tea, 0), (cup, 0)],
        "4": [(cup, 0), (pot, 0)],
        "5": [(tea, 0)],
    }.items():
        for product, day in bought:
            _buy(alice, people[name], product, day)
    _buy(alice, target, tea, 0)
    _buy(alice, target, cup, 0)
    associations_compute(as_of=AS_OF, window_days=60, min_customers=1)
    return {"tea": tea, "cup": cup, "pot": pot, "target": target}


def _rule(product, other) -> ProductAssociation:
    return ProductAssociation.objects.get(product=product, other=other)


def test_rules_have_exact_support_confidence_lift_and_share_within_the_window(baskets):
    tea, cup, pot = baskets["tea"], baskets["cup"], baskets["pot"]

    tea_pot = _rule(tea, pot)
    cup_pot = _rule(cup, pot)
    pot_tea = _rule(pot, tea)

    assert (tea_pot.both, tea_pot.followed) == (2, 1)  # p2 bought the pot after 100 days
    assert tea_pot.support == pytest.approx(2 / 6)
    assert tea_pot.confidence == pytest.approx(2 / 5)
    assert tea_pot.lift == pytest.approx((2 / 5) / (3 / 6))
    assert tea_pot.followed_share == pytest.approx(1 / 5)
    assert cup_pot.confidence == pytest.approx(1 / 3)
    assert cup_pot.followed_share == pytest.approx(1 / 3)  # the same order counts
    assert pot_tea.confidence == pytest.approx(2 / 3)
    assert pot_tea.followed == 0  # nobody bought tea after the pot


def test_the_counts_do_not_depend_on_how_the_pairs_are_chunked(baskets, monkeypatch):
    purchases = purchases_before(AS_OF)
    day = int(AS_OF.timestamp()) // 86_400
    whole = mining.mine_associations(purchases, as_of_day=day, min_customers=1)
    monkeypatch.setattr(mining, "PAIRS_PER_CHUNK", 1)

    chunked = mining.mine_associations(purchases, as_of_day=day, min_customers=1)

    assert np.array_equal(whole.followed, chunked.followed)
    assert np.array_equal(whole.both, chunked.both)


def test_a_person_is_offered_what_their_products_lead_to_never_what_they_have(
    baskets, django_assert_max_num_queries
):
    with translation.override("en"), django_assert_max_num_queries(4):
        offered = recommendations_for(baskets["target"])

    assert [r.product for r in offered] == [baskets["pot"]]
    assert offered[0].because_of == [baskets["tea"], baskets["cup"]]
    assert offered[0].reason == (
        "Bought 龙井茶 and 青瓷杯; 20 % of the customers who bought 龙井茶 bought 紫砂壶 "
        "within 60 days."
    )


@pytest.mark.parametrize("followed_share", [None, 0.0])
def test_the_reason_says_also_bought_when_the_window_tells_nothing(followed_share):
    with translation.override("en"):
        reason = rule_reason(
            bought=["A"],
            product="C",
            confidence=0.384,
            followed_share=followed_share,
            window_days=60,
        )

    assert reason == "Bought A; 38 % of the customers who bought it have also bought C."


def test_e_mail_templates_may_name_the_products_to_offer(baskets, admin_user):
    template = email_template_create(
        actor=admin_user,
        data={"name": "Offer", "subject_en": "For you", "body_en": "Try {{ recommended.first }}"},
    )

    rendered = template_render(template=template, person=baskets["target"], language="en")

    assert "Try 紫砂壶" in rendered["text"]


def test_the_api_answers_404_for_another_teams_person(baskets, alice, charlie):
    path = f"/api/v1/persons/{baskets['target'].pk}/recommendations"

    mine = client_for(alice).client.get(path)
    theirs = client_for(charlie).client.get(path)

    assert mine.status_code == 200
    assert [item["product"]["sku"] for item in mine.json()["items"]] == ["POT"]
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"


def test_the_api_lists_what_the_buyers_of_a_product_also_bought(baskets, alice):
    api = client_for(alice).client

    found = api.get(f"/api/v1/products/{baskets['tea'].pk}/also-bought")
    unknown = api.get("/api/v1/products/999999/also-bought")

    assert [item["product"]["sku"] for item in found.json()["items"]] == [
        "CUP",
        "POT",
    ]  # a tie (0.4), broken by id
    assert found.json()["items"][0]["customers_both"] == 2
    assert unknown.status_code == 404


def test_the_order_form_suggests_only_for_a_customer_the_user_sees(baskets, client, alice, charlie):
    url = reverse("analytics_recommend:order_suggestions")
    customer = {"customer": f"person:{baskets['target'].pk}"}

    client.force_login(alice)
    mine = client.get(url, customer).content.decode()
    client.force_login(charlie)
    theirs = client.get(url, customer).content.decode()

    assert "紫砂壶" in mine
    assert "紫砂壶" not in theirs


def test_the_person_page_shows_the_products_to_offer(baskets, client, alice):
    client.force_login(alice)

    page = client.get(reverse("analytics:person_insights", args=[baskets["target"].pk]))

    assert 'data-testid="recommendations"' in page.content.decode()
    assert "紫砂壶" in page.content.decode()


def test_nothing_is_offered_before_the_rules_are_first_computed(alice):
    person = person_create(actor=alice, data={"full_name": "李娜"})

    assert recommendations_for(person) == []
